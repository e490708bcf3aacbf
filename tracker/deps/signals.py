"""Package-index signals: what PyPI or npm alone says about a dependency's risk, at once, before
its repository is tracked and collected.

Each signal is a small unit (as OpenSSF Scorecard's probes): an id, a short title, why it matters
and when it does not, the inputs it needs, its check, and what would fix it. "Unchecked, because
X is not known" follows from the declared needs. Levels and numbers come from
tracker/config/deps.toml (tracker.deps.thresholds); docs/methodology.md documents each one.

A dependency's index risk is the highest level among its findings (critical when
`critical_when_high` findings are high); with no finding it is low, or unknown when less than
`min_coverage` of the applicable checks could run. Evidence that is not a risk by itself (the age
of the version in use, releases in 12 months, the cadence, funding links) is reported as facts.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from tracker.deps.index import IndexRecord, Release
from tracker.deps.thresholds import Thresholds

LEVEL_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
RISK_LEVELS = ("low", "medium", "high", "critical")


# -- versions ------------------------------------------------------------------------------------
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True, order=True)
class _SemVer:
    major: int
    minor: int
    patch: int
    stable: bool        # a release sorts after its pre-releases
    pre: tuple = ()

    @property
    def is_prerelease(self) -> bool:
        return not self.stable


def version_key(ecosystem: str, text: str | None) -> Any:
    """A comparable version (PEP 440 for PyPI, SemVer for npm), or None when it does not parse."""
    if not text:
        return None
    if ecosystem == "npm":
        m = _SEMVER.match(text.strip())
        if not m:
            return None
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in (m.group(4) or "").split(".") if p)
        return _SemVer(int(m.group(1)), int(m.group(2)), int(m.group(3)), not pre, pre)
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _prerelease(key: Any) -> bool:
    return bool(key.is_prerelease) if key is not None else False


def _major(key: Any) -> int | None:
    return key.major if key is not None else None


def public(version: str) -> str:
    """A PEP 440 version without its local label ('2.1.0+cu121' -> '2.1.0'): what the index lists."""
    return version.split("+", 1)[0]


# -- deprecation notices in PyPI text --------------------------------------------------------------
_SUBJECT = (r"(?:this|the|our)\s+(?:python\s+|pypi\s+)?(?:package|project|library|lib|module|repo|repository|"
            r"distribution|tool|plugin|extension|fork|client|sdk|wrapper|code\s*base|software|app|application)")
_VERB = r"(?:is|was|are|has\s+been|have\s+been|will\s+be|is\s+now|has\s+now\s+been|became|is\s+hereby|remains)"
_STATE = (r"(?:now\s+|officially\s+|formally\s+|effectively\s+)?(?:deprecated|unmaintained|abandoned|archived|"
          r"discontinued|retired|obsolete|end[\s-]of[\s-]life|eol|dead|defunct|frozen|"
          r"no\s+longer\s+(?:being\s+)?(?:actively\s+)?(?:maintained|supported|developed|updated)|"
          r"not\s+(?:actively\s+|being\s+)?maintained(?:\s+any\s*more)?|superseded|replaced|renamed|merged\s+into)")
# 'it' as the subject only at the start of a sentence and only with the strong states: 'it is
# renamed' in the middle of a sentence is about a parameter, not the package
_IT_STATE = (r"(?:now\s+|officially\s+)?(?:deprecated|unmaintained|abandoned|archived|discontinued|"
             r"no\s+longer\s+(?:being\s+)?(?:actively\s+)?(?:maintained|supported|developed)|"
             r"not\s+(?:actively\s+|being\s+)?maintained(?:\s+any\s*more)?)")
_NOT_PACKAGE_LEVEL = r"(?!\s+(?:on|for|with|under)\b)"     # 'no longer supported on Python 2' is about Python
_MARKER = re.compile(
    r"^[\W_]*(?:deprecated|deprecation\s+notice|unmaintained|no\s+longer\s+maintained|not\s+maintained|"
    r"archived|end[\s-]of[\s-]life|eol)[\W_]*?(?:$|[:!.)\]\-\u2013\u2014]|\s+(?:in\s+favou?r\s+of|please\b|use\b|see\b|"
    r"since\b|as\s+of\b))", re.IGNORECASE)
_USE_INSTEAD = re.compile(r"^[\W_]*(?:please\s+)?(?:use|switch\s+to|migrate\s+to)\s+\S+(?:\s+\S+)?\s+instead\b",
                          re.IGNORECASE)
_REPLACEMENT = re.compile(
    r"\b(?:use|try|switch\s+to|migrate\s+to|moved\s+to|renamed\s+to|replaced\s+by|superseded\s+by|"
    r"in\s+favou?r\s+of|merged\s+into|successor(?:\s+is)?:?)\s+(?:the\s+)?[`'\"*\[]*([A-Za-z0-9][A-Za-z0-9_.\-/@]*)",
    re.IGNORECASE)
_CHANGELOG_HEADING = re.compile(r"^\s*(?:#+\s*|=+\s*)?(?:changelog|change\s+log|changes|release\s+notes|history|"
                                r"what'?s\s+new|news)\b", re.IGNORECASE)
_HEADING_NOTICE = re.compile(
    r"^[\W_]*(?:deprecation\s+notice|(?:this\s+)?(?:project|package|library)\s+(?:is\s+)?(?:deprecated|unmaintained|"
    r"archived|no\s+longer\s+maintained)|unmaintained|no\s+longer\s+maintained|not\s+maintained(?:\s+any\s*more)?|"
    r"end[\s-]of[\s-]life)[\W_]*$", re.IGNORECASE)
_MARKUP = re.compile(r"^\s*(?:\.\.|<|\[!\[|!\[|:\w+:|```|~~~|\[[^\]]+\]:|[=\-~^*#+`]{3,}\s*$)")
_UNDERLINE = re.compile(r"^\s*[=\-~^*#+`]{3,}\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_VERSIONISH = re.compile(r"\d+\.\d+")
_NOT_A_NAME = {"the", "a", "an", "this", "it", "instead", "our", "its", "their", "python", "pip"}


def _subject_pattern(name: str | None) -> re.Pattern[str]:
    subjects = [_SUBJECT]
    if name:
        spelled = re.escape(name).replace(r"\-", "[-_.]").replace(r"\_", "[-_.]").replace(r"\.", "[-_.]")
        subjects.append(rf"`?\b{spelled}\b`?")
    return re.compile(rf"(?:(?:{'|'.join(subjects)})\s+{_VERB}\s+{_STATE}"
                      rf"|^[\W_]*it\s+{_VERB}\s+{_IT_STATE}){_NOT_PACKAGE_LEVEL}", re.IGNORECASE)


def _content(description: str) -> list[tuple[str, bool]]:
    """The description's prose as paragraphs, up to a changelog heading (its entries speak of
    APIs, not of the package), without badges, images, HTML and directives: (text, is a heading)."""
    raw = description.splitlines()
    out: list[tuple[str, bool]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append((" ".join(para), False))
            para.clear()

    for i, line in enumerate(raw):
        if not line.strip() or _MARKUP.match(line):
            flush()
            continue
        if line.lstrip().startswith("#") or (i + 1 < len(raw) and bool(_UNDERLINE.match(raw[i + 1]))):
            flush()
            if _CHANGELOG_HEADING.match(line) and out:
                break
            out.append((line.strip().lstrip("#").strip(), True))
            continue
        para.append(line.strip())
    flush()
    return out


def _first_sentence(text: str) -> str:
    return next((s for s in _SENTENCE_END.split(text) if s.strip()), text).strip()


def deprecation_notice(summary: str | None, description: str | None,
                       name: str | None = None) -> tuple[str, str | None] | None:
    """(the notice, as written, cut to 200 characters; the named replacement or None) when the
    summary or the description says the package itself is deprecated, unmaintained or replaced;
    None otherwise. A sentence about an API ('deprecated API X was removed') is not a notice: the
    package ('this project', 'it', or its name) must be the subject, or the notice must stand as a
    marker at the very start ('DEPRECATED: use Y', '[Unmaintained]') or as a heading of its own
    ('Deprecation Notice'). The description is read up to its changelog."""
    content = _content(description or "")
    summary = (summary or "").strip()
    notice: str | None = None
    context: list[str] = []
    # the summary and the document's first two paragraphs (title, first line), before any heading
    # that names a version (a changelog's '## 1.2.0' / '### Deprecated' is about APIs)
    top: list[tuple[str, int]] = [(summary, -1)] if summary else []
    for i, (text, heading) in enumerate(content[:2]):
        if heading and _VERSIONISH.search(text):
            break
        top.append((text, i))
    for line, at in top:
        if _MARKER.match(line) or _USE_INSTEAD.match(line):
            context = [text for text, _ in content[at + 1:at + 3]]
            notice = f"{line} {_first_sentence(context[0])}" if len(line) < 30 and context else line
            break
    if notice is None:
        for i, (line, heading) in enumerate(content):
            if heading and _HEADING_NOTICE.match(line):
                after = [text for text, _ in content[i + 1:i + 3]]
                notice = f"{line}: {_first_sentence(after[0])}" if after else line
                context = after
                break
    if notice is None:
        subject = _subject_pattern(name)
        for block in (summary, "\n".join(line for line, _ in content)):
            sentences = [x.strip() for x in _SENTENCE_END.split(block) if x and x.strip()]
            hit = next((i for i, x in enumerate(sentences) if subject.search(x)), None)
            if hit is not None:
                notice, context = sentences[hit], sentences[hit:hit + 3]
                break
    if notice is None:
        return None
    replacement = None
    for sentence in [notice, *context]:
        match = _REPLACEMENT.search(sentence)
        if match and match.group(1).lower().strip(".") not in _NOT_A_NAME:
            replacement = match.group(1).rstrip(".,;:)`'\"*]")
            break
    notice = " ".join(notice.split())
    return (notice if len(notice) <= 200 else notice[:197] + "..."), replacement


# -- findings -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    signal: str
    level: str          # none | low | medium | high | critical
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "level": self.level, "evidence": self.evidence}


@dataclass
class Facts:
    """What the checks look at, computed once per dependency."""

    record: IndexRecord
    now: datetime
    in_use: list[str]                       # versions the files name (exact), as written
    found_in_use: list[Release]             # those the index lists
    missing_in_use: list[str]               # those it does not
    releases: list[Release]                 # published by `now`, not yanked, oldest first
    latest: Release | None
    latest_key: Any

    @property
    def ecosystem(self) -> str:
        return self.record.ecosystem


@dataclass(frozen=True)
class Signal:
    id: str
    title: str
    motivation: str                         # why it matters, and when it does not
    needs: tuple[str, ...]                  # 'version', 'dates', 'classifiers', 'text', 'requires_python'
    remediation: str
    check: Callable[[Facts, Thresholds], Finding | None]
    ecosystems: tuple[str, ...] = ("pypi", "npm")


def _years(days: float) -> str:
    if days >= 365:
        return f"{days / 365.25:.1f} years"
    if days >= 60:
        return f"{days / 30.44:.0f} months"
    return f"{days:.0f} days" if days != 1 else "1 day"


def _days(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 86400


def _check_yanked(f: Facts, t: Thresholds) -> Finding | None:
    yanked = [r for r in f.found_in_use if r.yanked]
    if not yanked:
        return None
    r = yanked[0]
    why = f": {r.yanked_reason}" if r.yanked_reason else " (no reason given)"
    return Finding("yanked_in_use", t.level("yanked_in_use"), f"{r.version} in use was yanked from PyPI{why}")


def _check_deprecated(f: Facts, t: Thresholds) -> Finding | None:
    rec = f.record
    if rec.ecosystem == "npm":
        head = rec.releases.get(rec.latest or "")
        if head is not None and head.deprecated:
            return Finding("deprecated", t.level("deprecated"),
                           f"npm marks the latest version {head.version} deprecated: {head.deprecated}")
        return None
    notice = deprecation_notice(rec.summary, rec.description, rec.display_name or rec.name)
    if notice is None:
        return None
    text, replacement = notice
    return Finding("deprecated", t.level("deprecated"), f"deprecation notice on PyPI: \u201c{text}\u201d"
                   + (f" (replacement named: {replacement})" if replacement else ""))


def _check_version_deprecated(f: Facts, t: Thresholds) -> Finding | None:
    head = f.record.releases.get(f.record.latest or "")
    if head is not None and head.deprecated:
        return None     # the whole package is: 'deprecated' says so
    hit = [r for r in f.found_in_use if r.deprecated]
    if not hit:
        return None
    return Finding("version_deprecated", t.level("version_deprecated"),
                   f"{hit[0].version} in use is deprecated on npm: {hit[0].deprecated}"
                   + (f"; {f.record.latest} is not" if f.record.latest else ""))


def _status_classifier(f: Facts) -> str | None:
    return next((c for c in f.record.classifiers if c.startswith("Development Status ::")), None)


def _check_inactive(f: Facts, t: Thresholds) -> Finding | None:
    status = _status_classifier(f)
    if status and "7 - Inactive" in status:
        return Finding("inactive", t.level("inactive"), f"the package declares \u201c{status}\u201d")
    return None


def _check_early(f: Facts, t: Thresholds) -> Finding | None:
    status = _status_classifier(f)
    if status and any(s in status for s in ("1 - Planning", "2 - Pre-Alpha", "3 - Alpha")):
        return Finding("early_status", t.level("early_status"), f"the package declares \u201c{status}\u201d")
    return None


def _check_no_recent_release(f: Facts, t: Thresholds) -> Finding | None:
    if not f.releases:
        return None
    last = f.releases[-1]
    days = _days(last.published, f.now)
    s = t.signals["no_recent_release"]
    level = "high" if days >= s["high_days"] else "medium" if days >= s["medium_days"] else None
    if level is None:
        return None
    return Finding("no_recent_release", level,
                   f"no release for {_years(days)} (last: {last.version} on {last.published.date().isoformat()});"
                   " finished and stable, or abandoned: the repository's activity tells (track it)")


def _usual_interval(releases: list[Release]) -> float | None:
    times = [r.published for r in releases[-11:]]
    gaps = [_days(a, b) for a, b in zip(times, times[1:], strict=False)]
    return statistics.median(gaps) if gaps else None


def _check_cadence(f: Facts, t: Thresholds) -> Finding | None:
    s = t.signals["cadence_stopped"]
    if len(f.releases) < s["min_releases"]:
        return None
    usual = _usual_interval(f.releases)
    if not usual:
        return None
    silent = _days(f.releases[-1].published, f.now)
    if silent >= t.value("no_recent_release", "medium_days"):
        return None     # long silent: no_recent_release says it; this one is the early sign
    if silent >= max(s["min_days"], s["factor"] * usual):
        return Finding("cadence_stopped", t.level("cadence_stopped"),
                       f"used to release every {_years(usual)} (median of the last {min(len(f.releases), 11) - 1}"
                       f" intervals); none for {_years(silent)}")
    return None


def _check_behind(f: Facts, t: Thresholds) -> Finding | None:
    if f.latest is None or f.latest_key is None:
        return None
    worst = None
    for r in f.found_in_use:
        key = version_key(f.ecosystem, public(r.version))
        if key is None or key >= f.latest_key:
            continue
        major_gap = (_major(f.latest_key) or 0) - (_major(key) or 0)
        newer = _newer(f, key)
        age_gap = _days(r.published, f.latest.published) if r.published and f.latest.published else None
        s = t.signals["behind"]
        if major_gap >= s["major"] or (age_gap is not None and age_gap >= s["days"]):
            text = (f"{r.version} in use is {newer} {'release' if newer == 1 else 'releases'} behind"
                    f" {f.latest.version}" + (f" ({major_gap} major versions)" if major_gap >= 1 else "")
                    + (f"; the latest is {_years(age_gap)} newer" if age_gap is not None else ""))
            if worst is None or newer > worst[0]:
                worst = (newer, text)
    return Finding("behind", t.level("behind"), worst[1]) if worst else None


def _newer(f: Facts, key: Any) -> int:
    """Releases newer than `key` up to the latest: stable ones (and pre-releases if `key` is one)."""
    count = 0
    for r in f.releases:
        k = version_key(f.ecosystem, public(r.version))
        if k is not None and key < k <= f.latest_key and (not _prerelease(k) or _prerelease(key)):
            count += 1
    return count


def _requires_python(f: Facts) -> str | None:
    """Requires-Python of the version in use (when the index lists it), else of the latest."""
    if f.found_in_use:
        return next((r.requires_python for r in f.found_in_use if r.requires_python), None)
    return f.record.requires_python


def _check_python_ceiling(f: Facts, t: Thresholds) -> Finding | None:
    spec_text = _requires_python(f)
    if not spec_text:
        return None
    try:
        spec = SpecifierSet(spec_text)
    except InvalidSpecifier:
        return None
    if spec.contains(t.newest_python, prereleases=True):
        return None
    whose = "the version in use" if f.found_in_use else "the latest version"
    return Finding("python_ceiling", t.level("python_ceiling"),
                   f"{whose} requires Python {spec_text}, which excludes Python {t.newest_python}")


def _check_version_unknown(f: Facts, t: Thresholds) -> Finding | None:
    if not f.missing_in_use:
        return None
    where = "PyPI" if f.ecosystem == "pypi" else "the npm registry"
    return Finding("version_unknown", t.level("version_unknown"),
                   f"{', '.join(f.missing_in_use[:3])} in use is not on {where} (a private build, or removed)")


SIGNALS: tuple[Signal, ...] = (
    Signal("yanked_in_use", "Yanked version in use",
           "The maintainers withdrew this release (PEP 592), usually because it is broken or insecure; installers"
           " skip it unless it is pinned exactly, as it is here.",
           ("version",), "Move to a release that is not yanked (the yank reason often names it).", _check_yanked,
           ("pypi",)),
    Signal("deprecated", "Deprecated package",
           "The package's own page says it is deprecated, unmaintained or replaced (npm's deprecated flag on the"
           " latest version; on PyPI a notice in the summary or at the start of the description). Fixes and"
           " security updates are unlikely.",
           ("text",), "Plan a move to the replacement the notice names, or to a maintained alternative.",
           _check_deprecated),
    Signal("version_deprecated", "Deprecated version in use",
           "npm marks the version in use deprecated while newer versions are not: usually a known bug or"
           " vulnerability.", ("version",), "Upgrade to a version that is not deprecated.",
           _check_version_deprecated, ("npm",)),
    Signal("inactive", "Declared inactive",
           "The package declares the trove classifier \u201cDevelopment Status :: 7 - Inactive\u201d: its authors say"
           " it is no longer developed.", ("classifiers",),
           "Look for a maintained fork or alternative; pin and vendor if you must keep it.", _check_inactive,
           ("pypi",)),
    Signal("early_status", "Planning, pre-alpha or alpha",
           "The package declares itself in planning, pre-alpha or alpha (Development Status 1-3): its API and"
           " upkeep may change. Many stable packages never update the classifier, so this weighs little.",
           ("classifiers",), "Check the project's own status; pin the version.", _check_early, ("pypi",)),
    Signal("no_recent_release", "No recent release",
           "No release of any version for a long time. A finished, stable package may not need releases: the"
           " repository's activity (tracked and collected) tells finished from abandoned.",
           ("dates",), "Track the repository (track all) to see whether it is still maintained.",
           _check_no_recent_release),
    Signal("cadence_stopped", "Release rhythm stopped",
           "A package that released regularly has gone silent for several times its usual interval: an early"
           " sign of a maintainer leaving. Seasonal projects trigger it too.", ("dates",),
           "Look at the repository's recent activity; track it.", _check_cadence),
    Signal("behind", "Far behind the latest",
           "The version in use is major versions or years behind the latest: fixes (security ones too) may not"
           " be backported, and upgrading gets harder.", ("version", "dates"),
           "Plan the upgrade; check the changelog for breaking changes.", _check_behind),
    Signal("python_ceiling", "Python version ceiling",
           "Requires-Python excludes the newest Python version: the package cannot be installed there, which"
           " blocks upgrading Python.", ("requires_python",),
           "Check for a newer release without the cap, or ask upstream.", _check_python_ceiling, ("pypi",)),
    Signal("version_unknown", "Version not on the index",
           "The version in use is not listed by the index: a private build, a removed (npm: unpublished)"
           " release, or a typo. Its other signals cannot be read.", ("version",),
           "Check where this version comes from.", _check_version_unknown),
)
BY_ID = {s.id: s for s in SIGNALS}
PROJECT_RULE = ("project_risk", "Project maintenance risk",
                "The repository's maintenance risk from the tracker's full scores (activity, contributors,"
                " responsiveness, releases, funding): see docs/methodology.md, Scores.",
                "Read the flags; consider helping or funding the project, or an alternative.")


@dataclass
class Assessment:
    risk: str | None                        # low, medium, high, critical; None = unknown
    coverage: float
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[tuple[str, str]] = field(default_factory=list)    # (signal, why)
    facts: dict[str, Any] = field(default_factory=dict)

    def evidence(self) -> list[str]:
        return [f.evidence for f in self.findings]


_NEED_WHY = {"version": "no exact version in the files", "dates": "the index gives no release dates",
             "classifiers": "the package declares no Development Status classifier",
             "text": "the index gives no summary or description",
             "requires_python": "no Requires-Python declared"}


def _have(f: Facts) -> dict[str, bool]:
    rec = f.record
    return {"version": bool(f.in_use), "dates": bool(f.releases),
            "classifiers": any(c.startswith("Development Status ::") for c in rec.classifiers),
            "text": rec.ecosystem == "npm" or bool(rec.summary or rec.description),
            "requires_python": bool(_requires_python(f))}


def facts_of(record: IndexRecord, versions: list[str], now: datetime) -> Facts:
    releases = sorted((r for r in record.releases.values() if r.published and r.published <= now and not r.yanked),
                      key=lambda r: r.published)
    found, missing = [], []
    for v in versions:
        r = record.releases.get(v) or record.releases.get(public(v))
        (found.append(r) if r is not None else missing.append(v))
    latest = record.releases.get(record.latest or "")
    return Facts(record, now, list(versions), found, missing, releases, latest,
                 version_key(record.ecosystem, record.latest))


def _facts_out(f: Facts) -> dict[str, Any]:
    """Evidence that is not a risk by itself: ages, how far behind, cadence, funding links."""
    out: dict[str, Any] = {"latest": f.record.latest, "latest_published": None, "last_release": None,
                           "days_since_last_release": None, "version_published": None, "version_age_days": None,
                           "releases_behind": None, "major_behind": None, "releases_12m": None,
                           "cadence_days": None, "requires_python": _requires_python(f),
                           "funding_links": list(f.record.funding), "summary": f.record.summary,
                           "deprecated_message": None}
    if f.latest is not None and f.latest.published:
        out["latest_published"] = f.latest.published.date().isoformat()
    if f.releases:
        last = f.releases[-1]
        out["last_release"] = last.published.date().isoformat()
        out["days_since_last_release"] = int(_days(last.published, f.now))
        out["releases_12m"] = sum(1 for r in f.releases if _days(r.published, f.now) <= 365)
        usual = _usual_interval(f.releases[-6:])
        out["cadence_days"] = round(usual, 1) if usual is not None else None
    used = [r for r in f.found_in_use if r.published]
    if used:
        oldest = min(used, key=lambda r: r.published)
        out["version_published"] = oldest.published.date().isoformat()
        out["version_age_days"] = int(_days(oldest.published, f.now))
        key = version_key(f.ecosystem, public(oldest.version))
        if key is not None and f.latest_key is not None:
            out["releases_behind"] = _newer(f, key) if key < f.latest_key else 0
            out["major_behind"] = max(0, (_major(f.latest_key) or 0) - (_major(key) or 0))
    deprecated = [r.deprecated for r in f.found_in_use if r.deprecated]
    head = f.record.releases.get(f.record.latest or "")
    out["deprecated_message"] = (head.deprecated if head and head.deprecated else deprecated[0] if deprecated
                                 else None)
    return out


def assess(record: IndexRecord | None, versions: list[str], now: datetime, t: Thresholds) -> Assessment:
    """The index risk of one dependency from its index record and the exact versions in use."""
    if record is None or not record.found:
        return Assessment(None, 0.0)
    f = facts_of(record, versions, now)
    have = _have(f)
    findings, unchecked, applicable, ran = [], [], 0, 0
    for signal in SIGNALS:
        if record.ecosystem not in signal.ecosystems:
            continue
        applicable += 1
        lacking = [n for n in signal.needs if not have[n]]
        if lacking:
            unchecked.append((signal.id, _NEED_WHY[lacking[0]]))
            continue
        ran += 1
        found = signal.check(f, t)
        if found is not None:
            findings.append(found)
    coverage = ran / applicable if applicable else 0.0
    ranked = [x for x in findings if LEVEL_RANK[x.level] > 0]
    top = max((LEVEL_RANK[x.level] for x in ranked), default=0)
    if sum(1 for x in ranked if x.level == "high") >= t.critical_when_high:
        top = max(top, LEVEL_RANK["critical"])
    if top >= LEVEL_RANK["medium"]:
        risk = RISK_LEVELS[top - 1]
    elif coverage < t.min_coverage:
        risk = None
    else:
        risk = "low"
    findings.sort(key=lambda x: -LEVEL_RANK[x.level])
    return Assessment(risk, round(coverage, 2), findings, unchecked, _facts_out(f))
