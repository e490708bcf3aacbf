"""People, bots and organisations behind commits: one place for identity rules."""

from __future__ import annotations

import re

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
