"""Maintenance risk: what kind of project this is (maturity), named flags with evidence, a level.

Every flag says what it saw. A flag that could not be checked is listed as unchecked with the
reason, never silently passed. A mature, stable project is recognised before activity is judged,
and its slow-moving flags count as low. Below the evidence rule (tracker.scoring.evidence) the
level is `unknown`, except for an archived repository. When the git data is older than the as-of
date, activity is judged as of the data's date (the metrics are computed so) and the texts say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from tracker import catalogue as cat
from tracker import display
from tracker.scoring.subscores import age_days, days_since_release, release_rate
from tracker.scoring.weights import LEVELS, UNKNOWN_LEVEL, Weights
from tracker.windows import RECENT, YEAR

# Checked in this order; tracker/catalogue.py labels and describes each.
MATURITY_CLASSES = ("archived", "abandoned", "mature-stable", "dormant", "young", "active", "low-activity")


def _last_commit_days(m: Mapping[str, Any]) -> Any:
    v = m.get(cat.LAST_HUMAN_COMMIT_DAYS)
    return v if v is not None else m.get(cat.DAYS_SINCE_LAST_COMMIT)


def _human_commits_365(m: Mapping[str, Any]) -> Any:
    v = m.get(cat.HUMAN_COMMITS_365D)
    return v if v is not None else m.get(cat.COMMITS_365D)


def maturity(m: Mapping[str, Any], weights: Weights) -> tuple[str | None, str]:
    """(class, why): archived | abandoned | mature-stable | dormant | young | active | low-activity;
    None if unknown."""
    c = weights["maturity"]
    if m.get(cat.ARCHIVED):
        return "archived", "the repository is archived"
    last = _last_commit_days(m)
    release, release_text = days_since_release(m)
    age = age_days(m)
    if last is None and release is None and age is None:
        return None, "no history collected"
    commits = _human_commits_365(m)
    no_release = release is None or release > c["abandoned_no_release_days"]
    if last is not None and last > c["abandoned_no_commit_days"] and no_release:
        return "abandoned", f"no human commit for {_days(last)}; " + (release_text or "no release known")
    per_year, _ = release_rate(m)
    stopped = release is not None and release > c["abandoned_few_commits_release_days"] and bool(per_year) \
        and release >= c["abandoned_late_gaps"] * 365.25 / per_year
    if ((no_release or stopped) and last is not None and commits is not None and age is not None
            and age > c["abandoned_no_commit_days"] and commits <= c["abandoned_max_human_commits_365d"]):
        late = "" if no_release else f", {release * per_year / 365.25:.0f} times its usual gap"
        return "abandoned", (
            f"only {display.count(commits, 'human commit')} in {YEAR.label} (the last {_days(last)} ago) and "
            + (release_text or "no release known") + late + ": too little to be maintenance")
    weeks = m.get(cat.HUMAN_ACTIVE_WEEKS_52)
    open_issues = m.get(cat.OPEN_ISSUES)
    recent_fix = last is not None and last <= c["mature_recent_fix_days"]
    recent_release = release is not None and release <= c["mature_recent_release_days"]
    if (
        age is not None
        and age >= c["mature_min_age_days"]
        and commits is not None
        and 0 < commits <= c["mature_max_commits_365d"]
        and weeks is not None
        and weeks >= c["mature_min_active_weeks"]
        and (recent_fix or recent_release)
        and (open_issues is None or open_issues <= c["mature_max_open_issues"])
    ):
        issues = "open issues unknown" if open_issues is None else display.count(open_issues, "open issue")
        return "mature-stable", (
            f"{display.count(round(age / YEAR.days), 'year')} old, {display.count(commits, 'human commit')}"
            f" in {YEAR.label} over {display.count(weeks, 'week')}, "
            + (f"last fix {_days(last)} ago" if recent_fix else release_text)
            + f", {issues}"
        )
    if last is not None and last > c["abandoned_no_commit_days"]:
        return "dormant", f"no human commit for {_days(last)}, but {release_text}"
    if age is not None and age < c["young_days"]:
        return "young", f"first commit {_days(age)} ago"
    if last is None:  # releases or a creation date known, but no git history to judge activity by
        return None, "activity unknown: git history not collected"
    if (commits is not None and commits >= c["active_min_human_commits_365d"]
            and weeks is not None and weeks >= c["active_min_active_weeks"]):
        return "active", (f"{display.count(commits, 'human commit')} in {YEAR.label} over"
                          f" {display.count(weeks, 'week')}, the last {_days(last)} ago")
    return "low-activity", (
        f"only {display.count(commits, 'human commit')} in {YEAR.label}"
        + (f" over {display.count(weeks, 'week')}" if weeks is not None else "")
        + f", the last {_days(last)} ago (active needs {display.count(c['active_min_human_commits_365d'], 'commit')}"
        f" in {display.count(c['active_min_active_weeks'], 'week')} or more)")


def _days(v: Any) -> str:
    return display.count(round(v), "day")


def _flag(name: str, evidence: str) -> dict[str, str]:
    if name not in cat.FLAGS:
        raise KeyError(f"risk flag {name!r} is not in the metric catalogue (tracker/catalogue.py)")
    return {"name": name, "evidence": evidence}


def _funding_lapsed(m: Mapping[str, Any], now: datetime, days: float) -> tuple[bool | None, str]:
    """(True, evidence) if funding the project had has stopped; (None, why) when unknown."""
    names = (cat.GRANTS_ACTIVE, cat.LAST_GRANT_AT, cat.OC_RECEIVED_12M_USD, cat.OC_BALANCE_USD, cat.SPONSORS_COUNT)
    # Declared channels alone say nothing about money stopping: a money signal must be known.
    if all(m.get(n) is None for n in names):
        return None, "funding data not collected"
    if m.get(cat.OC_BALANCE_USD) is not None and m.get(cat.OC_RECEIVED_12M_USD) == 0:
        return True, f"an Open Collective exists but received nothing in the last {YEAR.label}"
    last = m.get(cat.LAST_GRANT_AT)
    if isinstance(last, date) and not isinstance(last, datetime):
        last = datetime(last.year, last.month, last.day)
    if isinstance(last, str):
        try:
            last = datetime.fromisoformat(last.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            last = None
    active = m.get(cat.GRANTS_ACTIVE)  # a flag or a count: either way, falsy means none active
    if isinstance(last, datetime) and active is not None and not active:
        age = (now - last).days
        other = (m.get(cat.OC_RECEIVED_12M_USD) or 0) + (m.get(cat.SPONSORS_COUNT) or 0)
        if age > days and not other:
            return (
                True,
                f"last grant {_days(age)} ago ({last.date().isoformat()}), none active, no other income seen",
            )
    return False, ""


def assess(m: Mapping[str, Any], weights: Weights, now: datetime, coverage: float,
           insufficient: str | None = None, git_data_at: datetime | None = None) -> dict[str, Any]:
    """{level, flags: [{name, evidence}], unchecked: [{name, reason}], maturity, maturity_reason}.

    `insufficient` (the evidence rule's reason, None when met) makes the level `unknown` unless the
    repository is archived; `git_data_at` (stale git data's date) prefixes activity evidence with
    "as of the git data of DATE"."""
    spec = weights["risk"]
    f = spec["flags"]
    kind, why = maturity(m, weights)
    stale = f"as of its git data of {display.date(git_data_at)}: " if git_data_at is not None else ""
    if stale and kind in ("abandoned", "dormant", "active", "low-activity", "mature-stable"):
        why = stale + why
    flags: list[dict[str, str]] = []
    unchecked: list[dict[str, str]] = []

    if m.get(cat.ARCHIVED):
        flags.append(_flag("archived", "the repository is archived on GitHub (read-only)"))
    elif m.get(cat.ARCHIVED) is None:
        unchecked.append({"name": "archived", "reason": "GitHub data not collected"})
    if kind == "abandoned":
        gone = _flag("abandoned", why)
        last_seen = _last_commit_days(m)
        if last_seen is not None and last_seen <= weights["maturity"]["abandoned_no_commit_days"]:
            # the few-commits clause: nearly stopped, weaker evidence than a silent year (docs: "Backtest")
            gone["severity"] = f["abandoned"].get("few_commits_severity", f["abandoned"]["severity"])
        flags.append(gone)

    notice, notice_text = m.get(cat.DEPRECATION_NOTICE), m.get(cat.DEPRECATION_NOTICE_TEXT) or []
    dn = f["deprecation_notice"]
    if notice is None:
        unchecked.append({"name": "deprecation_notice", "reason": (
            "no README collected" if m.get(cat.REPO_FILES) is not None else "git history not collected")})
    elif notice:
        said = f'"{notice_text[0]}"' if notice_text else "(sentence not kept)"
        flags.append({**_flag("deprecation_notice", (
            "the README says the project stopped: " if notice >= 2 else
            "the README says the project is in maintenance only: ") + said),
            "severity": dn["severity"] if notice >= 2 else dn["maintenance_severity"]})

    last = _last_commit_days(m)
    if last is None:
        unchecked.append({"name": "no_commits_12m", "reason": "git history not collected or empty"})
    elif last > f["no_commits_12m"]["days"]:
        bots = m.get(cat.DAYS_SINCE_LAST_COMMIT)
        note = f" (a bot committed {_days(bots)} ago)" if bots is not None and bots < last else ""
        flags.append(_flag("no_commits_12m", f"{stale}last human commit {_days(last)} ago{note}"))
    elif last > f["quiet_90d"]["days"]:  # the backtest's predictor (issue 18): quiet for a season
        age = age_days(m)
        established = age is not None and age >= weights["maturity"]["mature_min_age_days"]
        quiet = _flag("quiet_90d", f"{stale}last human commit {_days(last)} ago"
                      + (f" (an established project, {display.count(round(age / YEAR.days), 'year')} old)"
                         if established else ""))
        if notice:  # ... unless its README says it is winding down: then quiet is the wind-down
            quiet["severity"] = f["quiet_90d"]["severity"]
            quiet["evidence"] += "; not counted as resting: the README has a deprecation notice"
        elif established:  # old code that goes quiet is resting more often than dying (docs: "Backtest")
            quiet["severity"] = f["quiet_90d"].get("mature_severity", f["quiet_90d"]["severity"])
        flags.append(quiet)

    factor = m.get(cat.CONTRIBUTOR_ABSENCE_FACTOR_365D)
    commits = _human_commits_365(m)
    least = f["bus_factor_1"]["min_human_commits"]
    if factor is None:
        reason = (
            "git history not collected"
            if m.get(cat.COMMITS_365D) is None
            else f"no human commits in the last {YEAR.label} to count"
        )
        unchecked.append({"name": "bus_factor_1", "reason": reason})
    elif commits is not None and commits < least:
        unchecked.append({"name": "bus_factor_1", "reason": (
            f"{stale}only {display.count(commits, 'human commit')} in the last {YEAR.label}: too few to say who"
            f" carries the work (needs {display.count(least, 'commit')})")})
    elif factor == 1:
        tf = m.get(cat.TRUCK_FACTOR)
        flags.append(
            _flag(
                "bus_factor_1",
                (
                    f"{stale}one person made at least half of the {display.count(commits, 'human commit')}"
                    f" of the last {YEAR.label} (contributor absence factor 1)"
                    + (f"; truck factor {tf}" if tf is not None else "")
                ),
            )
        )

    release, release_text = days_since_release(m)
    if release is None:
        unchecked.append({"name": "no_release_18m", "reason": "no release or tag data"})
    elif release > f["no_release_18m"]["days"]:
        flags.append(_flag("no_release_18m", release_text))

    response = m.get(cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES)
    if response is None:
        unchecked.append({"name": "issues_unanswered", "reason": "GitHub issue data not collected"})
    elif response > f["issues_unanswered"]["median_first_response_hours"]:
        flags.append(
            _flag(
                "issues_unanswered",
                (
                    f"half the issues opened in the last {RECENT.label} waited more than"
                    f" {_days(response / 24)} for a first response"
                ),
            )
        )

    now_people, before = m.get(cat.ACTIVE_CONTRIBUTORS_365D), m.get(cat.ACTIVE_CONTRIBUTORS_PREV_365D)
    cd = f["contributors_declining"]
    if now_people is None or before is None:
        unchecked.append({"name": "contributors_declining", "reason": "git history not collected"})
    elif before >= cd["min_previous"] and now_people <= before * cd["max_ratio"]:
        flags.append(
            _flag(
                "contributors_declining",
                (
                    f"{stale}{display.count(now_people, 'person', 'people')} committed in the last {YEAR.label},"
                    f" {before} in the 12 before ({(now_people - before) / before:+.0%})"
                ),
            )
        )

    lapsed, evidence = _funding_lapsed(m, now, f["funding_lapsed"]["grant_lapse_days"])
    if lapsed is None:
        unchecked.append({"name": "funding_lapsed", "reason": evidence})
    elif lapsed:
        flags.append(_flag("funding_lapsed", evidence))

    level = _level(flags, f, kind == "mature-stable", spec["escalate_after"])
    if insufficient is not None and not m.get(cat.ARCHIVED):
        level = UNKNOWN_LEVEL
    return {"level": level, "flags": flags, "unchecked": unchecked, "maturity": kind, "maturity_reason": why}


def _level(flags: list[dict[str, str]], specs: Mapping[str, Any], mature: bool, escalate_after: float) -> str:
    rank = 0
    mediums = 0
    for flag in flags:
        s = specs[flag["name"]]
        severity = flag.get("severity") or (s.get("mature_severity", s["severity"]) if mature else s["severity"])
        flag["severity"] = severity
        rank = max(rank, LEVELS.index(severity))
        mediums += severity == "medium"
    if mediums >= escalate_after:
        rank = max(rank, LEVELS.index("high"))
    return LEVELS[rank]
