"""Maintenance risk: what kind of project this is (maturity), named flags with evidence, a level.

Every flag says what it saw. A flag that could not be checked is listed as unchecked with the
reason, never silently passed. A mature, stable project is recognised before activity is judged,
and its slow-moving flags count as low.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from tracker.scoring.subscores import age_days, days_since_release
from tracker.scoring.weights import LEVELS, Weights


def _last_commit_days(m: Mapping[str, Any]) -> Any:
    v = m.get("last_human_commit_days")
    return v if v is not None else m.get("days_since_last_commit")


def _human_commits_365(m: Mapping[str, Any]) -> Any:
    v = m.get("human_commits_365d")
    return v if v is not None else m.get("commits_365d")


def maturity(m: Mapping[str, Any], weights: Weights) -> tuple[str | None, str]:
    """(class, why): archived | abandoned | mature-stable | dormant | young | active; None if unknown."""
    c = weights["maturity"]
    if m.get("archived"):
        return "archived", "the repository is archived"
    last = _last_commit_days(m)
    release, release_text = days_since_release(m)
    age = age_days(m)
    if last is None and release is None and age is None:
        return None, "no history collected"
    if (
        last is not None
        and last > c["abandoned_no_commit_days"]
        and (release is None or release > c["abandoned_no_release_days"])
    ):
        return "abandoned", f"no human commit for {last} days; " + (release_text or "no release known")
    commits = _human_commits_365(m)
    weeks = m.get("human_active_weeks_52")
    open_issues = m.get("open_issues")
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
        issues = "open issues unknown" if open_issues is None else f"{open_issues} open issues"
        return "mature-stable", (
            f"{age / 365:.0f} years old, {commits} human commits in 12 months over {weeks} weeks, "
            + (f"last fix {last} days ago" if recent_fix else release_text)
            + f", {issues}"
        )
    if last is not None and last > c["abandoned_no_commit_days"]:
        return "dormant", f"no human commit for {last} days, but {release_text}"
    if age is not None and age < c["young_days"]:
        return "young", f"first commit {age} days ago"
    if last is None:
        return "active", release_text or "no commit history"
    return "active", f"last human commit {last} days ago"


def _flag(name: str, evidence: str) -> dict[str, str]:
    return {"name": name, "evidence": evidence}


def _funding_lapsed(m: Mapping[str, Any], now: datetime, days: float) -> tuple[bool | None, str]:
    """(True, evidence) if funding the project had has stopped; (None, why) when unknown."""
    names = (
        "grants_active",
        "last_grant_at",
        "oc_received_12m_usd",
        "oc_balance_usd",
        "sponsors_count",
    )
    # Declared channels alone say nothing about money stopping: a money signal must be known.
    if all(m.get(n) is None for n in names):
        return None, "funding data not collected"
    if m.get("oc_balance_usd") is not None and m.get("oc_received_12m_usd") == 0:
        return True, "an Open Collective exists but received nothing in the last 12 months"
    last = m.get("last_grant_at")
    if isinstance(last, date) and not isinstance(last, datetime):
        last = datetime(last.year, last.month, last.day)
    if isinstance(last, str):
        try:
            last = datetime.fromisoformat(last.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            last = None
    active = m.get("grants_active")  # a flag or a count: either way, falsy means none active
    if isinstance(last, datetime) and active is not None and not active:
        age = (now - last).days
        other = (m.get("oc_received_12m_usd") or 0) + (m.get("sponsors_count") or 0)
        if age > days and not other:
            return (
                True,
                f"last grant {age} days ago ({last.date().isoformat()}), none active, no other income seen",
            )
    return False, ""


def assess(m: Mapping[str, Any], weights: Weights, now: datetime, coverage: float) -> dict[str, Any]:
    """{level, flags: [{name, evidence}], unchecked: [{name, reason}], maturity, maturity_reason}."""
    spec = weights["risk"]
    f = spec["flags"]
    kind, why = maturity(m, weights)
    flags: list[dict[str, str]] = []
    unchecked: list[dict[str, str]] = []

    if m.get("archived"):
        flags.append(_flag("archived", "the repository is archived on GitHub (read-only)"))
    elif m.get("archived") is None:
        unchecked.append({"name": "archived", "reason": "GitHub data not collected"})
    if kind == "abandoned":
        flags.append(_flag("abandoned", why))

    last = _last_commit_days(m)
    if last is None:
        unchecked.append({"name": "no_commits_12m", "reason": "git history not collected or empty"})
    elif last > f["no_commits_12m"]["days"]:
        bots = m.get("days_since_last_commit")
        note = f" (a bot committed {bots} days ago)" if bots is not None and bots < last else ""
        flags.append(_flag("no_commits_12m", f"last human commit {last} days ago{note}"))

    factor = m.get("contributor_absence_factor_365d")
    if factor == 1:
        commits = _human_commits_365(m)
        tf = m.get("truck_factor")
        flags.append(
            _flag(
                "bus_factor_1",
                (
                    f"one person made at least half of the {commits} human commits of the last 12 months"
                    " (contributor absence factor 1)" + (f"; truck factor {tf}" if tf is not None else "")
                ),
            )
        )
    elif factor is None:
        reason = (
            "git history not collected"
            if m.get("commits_365d") is None
            else "no human commits in the last 12 months to count"
        )
        unchecked.append({"name": "bus_factor_1", "reason": reason})

    release, release_text = days_since_release(m)
    if release is None:
        unchecked.append({"name": "no_release_18m", "reason": "no release or tag data"})
    elif release > f["no_release_18m"]["days"]:
        flags.append(_flag("no_release_18m", release_text))

    response = m.get("median_time_to_first_response_hours_90d_issues")
    if response is None:
        unchecked.append({"name": "issues_unanswered", "reason": "GitHub issue data not collected"})
    elif response > f["issues_unanswered"]["median_first_response_hours"]:
        flags.append(
            _flag(
                "issues_unanswered",
                (
                    f"half the issues opened in the last 90 days waited more than {response / 24:.0f} days"
                    " for a first response"
                ),
            )
        )

    now_people, before = m.get("active_contributors_365d"), m.get("active_contributors_prev_365d")
    cd = f["contributors_declining"]
    if now_people is None or before is None:
        unchecked.append({"name": "contributors_declining", "reason": "git history not collected"})
    elif before >= cd["min_previous"] and now_people <= before * cd["max_ratio"]:
        flags.append(
            _flag(
                "contributors_declining",
                (
                    f"{now_people} people committed in the last 12 months, {before} in the 12 before"
                    f" ({(now_people - before) / before:+.0%})"
                ),
            )
        )

    lapsed, evidence = _funding_lapsed(m, now, f["funding_lapsed"]["grant_lapse_days"])
    if lapsed is None:
        unchecked.append({"name": "funding_lapsed", "reason": evidence})
    elif lapsed:
        flags.append(_flag("funding_lapsed", evidence))

    if coverage <= 0 and kind is None:
        flags.append(
            _flag(
                "no_data",
                "nothing collected for this project yet (run tracker collect): its risk cannot be judged",
            )
        )
        level = spec["no_data_level"]
    else:
        level = _level(flags, f, kind == "mature-stable", spec["escalate_after"])
    return {"level": level, "flags": flags, "unchecked": unchecked, "maturity": kind, "maturity_reason": why}


def _level(flags: list[dict[str, str]], specs: Mapping[str, Any], mature: bool, escalate_after: float) -> str:
    rank = 0
    mediums = 0
    for flag in flags:
        s = specs[flag["name"]]
        severity = s.get("mature_severity", s["severity"]) if mature else s["severity"]
        flag["severity"] = severity
        rank = max(rank, LEVELS.index(severity))
        mediums += severity == "medium"
    if mediums >= escalate_after:
        rank = max(rank, LEVELS.index("high"))
    return LEVELS[rank]
