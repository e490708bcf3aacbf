"""People, bots and organisations behind commits: one place for identity rules.

A commit's author is a (name, e-mail) pair after .mailmap. `is_bot` sets automation apart;
`merge_people` turns the pairs of one project into people (aliases merged by e-mail and by name);
`email_domain` and `organisation` say which organisation a commit or a person belongs to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Names GitHub gives apps ("dependabot[bot]") and the e-mails well-known automation commits with.
_BOT_NAME = re.compile(
    r"\[bot\]$|^(dependabot(-preview)?|renovate( bot)?|renovate-bot|github-actions|pre-commit-ci|"
    r"pre-commit-ci-lite|greenkeeper(io)?|snyk-bot|pyup(-bot|\.io bot)?|imgbot|mergify|allcontributors|"
    r"all-contributors|codecov(-io)?|deepsource-autofix|sourcery-ai|copilot|web-flow|"
    r"github action|github actions|actions-user|azure pipelines|travis ci|circleci|"
    r"semantic-release-bot|release-please|transifex( bot)?|weblate)$",
    re.IGNORECASE,
)
_BOT_EMAIL = re.compile(
    r"\[bot\]@|^(support@dependabot\.com|bot@renovateapp\.com|renovate@whitesourcesoftware\.com|"
    r"action@github\.com|actions@github\.com|github-actions@github\.com|noreply@github\.com|"
    r"snyk-bot@snyk\.io|bot@stainless\.com|pyup-bot@pyup\.io|imgbot@users\.noreply\.github\.com|"
    r"semantic-release-bot@martynus\.net|hosted@weblate\.org|noreply@weblate\.org)$",
    re.IGNORECASE,
)
_NOREPLY = re.compile(r"^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)

# Domains that say nothing about an employer: free mail, GitHub's noreply, placeholders.
FREEMAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.co.jp yahoo.co.in
    ymail.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de outlook.com outlook.fr outlook.de
    live.com live.fr live.de msn.com icloud.com me.com mac.com aol.com protonmail.com proton.me
    protonmail.ch pm.me gmx.com gmx.de gmx.net gmx.at web.de mail.com mail.ru yandex.ru yandex.com
    ya.ru qq.com foxmail.com 163.com 126.com 139.com sina.com sina.cn sohu.com aliyun.com
    naver.com daum.net hanmail.net fastmail.com fastmail.fm zoho.com tutanota.com hey.com
    posteo.de posteo.net mailbox.org riseup.net free.fr orange.fr wanadoo.fr laposte.net
    seznam.cz wp.pl o2.pl interia.pl libero.it virgilio.it tiscali.it btinternet.com
    comcast.net verizon.net att.net sbcglobal.net rocketmail.com inbox.ru bk.ru list.ru
    rambler.ru ukr.net yeah.net tom.com 21cn.com live.cn outlook.jp
    users.noreply.github.com noreply.github.com github.com localhost localhost.localdomain
    example.com example.org none (none) unknown.com
    """.split()
)


def is_bot(name: str, email: str) -> bool:
    """True for automation accounts: '[bot]' names and well-known bot e-mails."""
    return bool(_BOT_NAME.search(name.strip()) or _BOT_EMAIL.search(email.strip()))


def author_key(name: str, email: str) -> str:
    """The identity used for counting people, after .mailmap: the e-mail, lower-cased, with
    GitHub's two noreply spellings ('123+jo@users.noreply...' and 'jo@users.noreply...') merged;
    the name when there is no usable e-mail."""
    email = email.strip().lower()
    m = _NOREPLY.match(email)
    if m:
        return f"{m.group(1)}@users.noreply.github.com"
    if "@" in email and not email.startswith("@") and not email.endswith("@"):
        return email
    return "name:" + " ".join(name.lower().split())


def email_domain(email: str) -> str | None:
    """The organisation domain of an e-mail, or None for free-mail, noreply and placeholders."""
    email = email.strip().lower()
    if "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip(". >")
    if not domain or "." not in domain or domain in FREEMAIL_DOMAINS:
        return None
    if domain.endswith(".local") or domain.endswith(".localdomain") or domain.endswith(".internal"):
        return None
    return domain


# -- merging aliases ---------------------------------------------------------------------------
# One person often commits under several (name, e-mail) pairs: a work and a private address, a
# laptop's hostname, a name spelt with or without accents. Avelino et al. (ICPC 2016, the truck
# factor paper) merged them as the union of "same e-mail" and "same name"; so do we, after
# .mailmap, with two guards against merging different people: addresses many people share
# (placeholders, `root@localhost`, `you@example.com`, `noreply@...`) never link, and neither do
# names that many people share (one word such as "David" or "root", or a stop list).

# Local parts of shared or placeholder addresses (git's own "you@example.com" hint, CI machines,
# role accounts): several people commit with them, so they say nothing about who committed.
GENERIC_EMAIL_LOCAL_PARTS = frozenset(
    """
    root noreply no-reply no_reply donotreply do-not-reply do_not_reply nobody none null unknown
    anonymous user users you your yourname your.name your_name name email mail admin administrator
    test tester git github gitlab devnull dev developer developers info contact hello team
    maintainer maintainers build builder jenkins travis ci example
    """.split()
)
# Domains that are no domain at all: what git falls back to without a configured address, and
# reserved names that cannot receive mail. (example.com and friends are not here: git's own hint
# is "you@example.com", caught by its local part, and other addresses there are still one person's.)
PLACEHOLDER_DOMAINS = frozenset(
    """
    localhost localhost.localdomain localdomain invalid test local none (none) unknown
    """.split()
)
# Names (after normalisation) that many different people commit under.
GENERIC_NAMES = frozenset(
    """
    root admin administrator unknown anonymous none nobody noname user users ubuntu debian centos
    fedora pi vagrant github gitlab git you me author owner maintainer maintainers team bot build
    builder jenkins travis system default developer dev test tester localhost name
    """.split()
) | frozenset({
    "your name", "your full name", "full name", "first last", "firstname lastname", "john doe",
    "jane doe", "the author", "unknown author", "unknown user", "local user", "github user",
    "github action", "github actions", "github enterprise", "ubuntu user", "ec2 user", "windows user",
    "root user", "test user", "no name", "not set", "travis ci", "jenkins ci", "build bot",
})

_SEPARATORS = re.compile(r"[\s._\-,;:'\"`()<>\[\]{}/\\|]+")


def _fold(text: str) -> str:
    """Case- and accent-insensitive form ('Tommy Engström' and 'TOMMY ENGSTROM' are equal)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalised_name(name: str) -> str:
    """A name as the merge compares it: accents stripped, case folded, dots, underscores, hyphens
    and runs of spaces made single spaces ('Mitch.Garnaat' -> 'mitch garnaat')."""
    return " ".join(_SEPARATORS.split(_fold(name))).strip()


def name_link_key(name: str, min_words: int = 2) -> str | None:
    """The key under which a name links identities, or None when it must not link anyone: empty,
    an e-mail address, fewer than `min_words` words, or a name many people share."""
    if "@" in name:
        return None
    key = normalised_name(name)
    if not key or key in GENERIC_NAMES or len(key.split()) < max(1, min_words):
        return None
    if len(key.replace(" ", "")) < 3:  # 'A B', 'jo': too short to tell people apart
        return None
    return key


def email_link_key(email: str) -> str | None:
    """The key under which an e-mail address links identities (lower case, GitHub's two noreply
    spellings made one), or None for an address several people may share: none at all, a
    placeholder domain, or a role or placeholder local part ('root@', 'noreply@', 'you@')."""
    email = email.strip().lower()
    m = _NOREPLY.match(email)
    if m:
        login = m.group(1)
        return None if login in GENERIC_EMAIL_LOCAL_PARTS else f"{login}@users.noreply.github.com"
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return None
    domain = domain.strip(". >")
    if domain in PLACEHOLDER_DOMAINS or domain.endswith((".localdomain", ".invalid")):
        return None
    if local in GENERIC_EMAIL_LOCAL_PARTS or local.startswith(("noreply", "no-reply", "donotreply")):
        return None
    return f"{local}@{domain}"


@dataclass(frozen=True)
class IdentityRules:
    """How aliases merge: `merge_names` off keeps e-mail merging only (the tracker's rule before
    name merging); `min_name_words` is the fewest words a name needs to link identities (the
    paper's rule is 1: every non-empty name)."""

    merge_names: bool = True
    min_name_words: int = 2

    @classmethod
    def from_settings(cls, table: Mapping[str, Any] | None) -> IdentityRules:
        table = table or {}
        return cls(merge_names=bool(table.get("merge_names", True)),
                   min_name_words=int(table.get("min_name_words", 2)))


def own_key(name: str, email: str) -> str:
    """The identity of one (name, e-mail) pair before merging: the e-mail when it links (see
    `email_link_key`); for a shared or placeholder address, the address qualified by the name
    ('root@localhost/ann smith'), so two people sharing it stay two; without any address, the
    name ('name:ann smith')."""
    key = email_link_key(email)
    if key:
        return key
    email = email.strip().lower()
    if "@" in email and not email.startswith("@") and not email.endswith("@"):
        return f"{email}/{normalised_name(name)}"
    return "name:" + " ".join(name.lower().split())


def merge_people(pairs: Iterable[tuple[str, str]], rules: IdentityRules = IdentityRules()) -> dict[tuple[str, str], str]:
    """{(name, e-mail): person key} for every pair: humans merged as the union (connected
    components) of "same linking e-mail" and, unless switched off, "same linking name"; a person's
    key is the smallest `own_key` among its pairs, so it depends only on the set of pairs, not on
    their order. Bots are never merged (their key is `author_key`)."""
    unique = list(dict.fromkeys(pairs))
    parent = list(range(len(unique)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first_by: dict[tuple[str, str], int] = {}
    humans: list[int] = []
    for i, (name, email) in enumerate(unique):
        if is_bot(name, email):
            continue
        humans.append(i)
        links = [("e", email_link_key(email))]
        if rules.merge_names:
            links.append(("n", name_link_key(name, rules.min_name_words)))
        for link in links:
            if link[1] is None:
                continue
            j = first_by.setdefault(link, i)
            if j != i:
                union(i, j)
    best: dict[int, str] = {}
    own = {i: own_key(*unique[i]) for i in humans}
    for i in humans:
        root = find(i)
        if root not in best or own[i] < best[root]:
            best[root] = own[i]
    out = {}
    for i, (name, email) in enumerate(unique):
        out[(name, email)] = best[find(i)] if i in own else author_key(name, email)
    return out


def organisation(domain_counts: Mapping[str, int]) -> str | None:
    """A merged person's organisation: the organisational domain (`email_domain`) of most of their
    commits (ties: the first in alphabetical order), None when they never used one."""
    counts: dict[str, int] = {}
    for email_or_domain, n in domain_counts.items():
        dom = email_domain(email_or_domain) if "@" in email_or_domain else email_or_domain
        if dom:
            counts[dom] = counts.get(dom, 0) + n
    if not counts:
        return None
    return min(counts, key=lambda d: (-counts[d], d))
