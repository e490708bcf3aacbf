"""The six sub-scores (0-100) and the health score, each explained by a reason and its inputs.

A component turns metrics into one raw value (None when unknown) and a phrase; the TOML scales
it to 0-100. A sub-score is the weighted mean of its known components; health is the weighted
mean of the known sub-scores. Unknown never counts as 0: it drops out and lowers `coverage`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tracker.scoring import scales
from tracker.scoring.weights import SUBSCORES, Weights

DAYS_PER_YEAR = 365
DAYS_PER_MONTH = 30  # GitHub's created_since_months back to days, as criticality_score counts months
WEEKS_IN_SERIES = 52

# A component: metrics -> (raw value or None, phrase explaining it, the metrics it read).
Component = Callable[[Mapping[str, Any]], tuple[float | None, str, dict[str, Any]]]


def _first(m: Mapping[str, Any], *names: str) -> tuple[Any, str | None]:
    for n in names:
        if m.get(n) is not None:
            return m[n], n
    return None, None


def _days(v: float) -> str:
    text = f"{v:,.0f}"
    return text + (" day" if text == "1" else " days")


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.2f}"


# -- activity ----------------------------------------------------------------------------------
def recency(m):
    v, n = _first(m, "last_human_commit_days", "days_since_last_commit")
    return (
        v,
        (f"last human commit {_days(v)} ago" if v is not None else "last commit unknown"),
        {n or "days_since_last_commit": v},
    )


def volume(m):
    v, n = _first(m, "human_commits_90d", "commits_90d")
    return v, f"{_num(v)} human commits in 90 days" if v is not None else "", {n or "commits_90d": v}


def activity_regularity(m):
    weeks = m.get("human_active_weeks_52")
    if weeks is None and isinstance(m.get("weekly_commits"), list) and m["weekly_commits"]:
        series = m["weekly_commits"]
        weeks = sum(1 for w in series if w.get("commits"))
    if weeks is None:
        return None, "", {"human_active_weeks_52": None}
    return (
        weeks / WEEKS_IN_SERIES,
        f"commits in {weeks} of the last {WEEKS_IN_SERIES} weeks",
        {"human_active_weeks_52": weeks},
    )


# -- contributor resilience --------------------------------------------------------------------
def absence_factor(m):
    v = m.get("contributor_absence_factor_365d")
    text = ""
    if v is not None:
        text = f"{v} {'person makes' if v == 1 else 'people make'} half the commits (absence factor)"
    return v, text, {"contributor_absence_factor_365d": v}


def truck(m):
    v = m.get("truck_factor")
    return v, f"truck factor {v}" if v is not None else "", {"truck_factor": v}


def elephant(m):
    v = m.get("elephant_factor_365d")
    text = f"{v} organisation{'s' if v != 1 else ''} make half the commits" if v is not None else ""
    return v, text, {"elephant_factor_365d": v}


def active_people(m):
    v = m.get("active_contributors_365d")
    return v, f"{v} active people in 12 months" if v is not None else "", {"active_contributors_365d": v}


def renewal(m):
    new, leaving = m.get("new_contributors_365d"), m.get("leaving_contributors_365d")
    inputs = {"new_contributors_365d": new, "leaving_contributors_365d": leaving}
    if new is None or leaving is None or new + leaving == 0:
        return None, "", inputs
    return new / (new + leaving), f"{new} joined, {leaving} left in 12 months", inputs


# -- responsiveness ----------------------------------------------------------------------------
def _hours(name: str, what: str) -> Component:
    def component(m):
        v = m.get(name)
        text = f"median first response to {what} {_num(v)} h" if v is not None else ""
        return v, text, {name: v}

    return component


def _ratio(name: str, what: str) -> Component:
    def component(m):
        v = m.get(name)
        return v, f"{what} closure ratio {_num(v)}" if v is not None else "", {name: v}

    return component


def open_issue_age(m):
    v = m.get("median_open_issue_age_days")
    return (
        v,
        f"open issues wait {_days(v)} (median)" if v is not None else "",
        {"median_open_issue_age_days": v},
    )


# -- release cadence ---------------------------------------------------------------------------
def age_days(m: Mapping[str, Any]) -> float | None:
    """Days since the project started: first commit (git) or creation (GitHub)."""
    v = m.get("project_age_days")
    if v is not None:
        return v
    months = m.get("created_since_months")
    return None if months is None else months * DAYS_PER_MONTH


def days_since_release(m: Mapping[str, Any]) -> tuple[float | None, str]:
    """Days since the most recent release or release tag. A project with git history and no
    release at all counts from its first commit ('never released'). (None, '') if unknown."""
    known = [v for v in (m.get("days_since_last_release"), m.get("days_since_last_tag")) if v is not None]
    if known:
        return min(known), f"last release {_days(min(known))} ago"
    never = m.get("tags_total") == 0 and not m.get("releases_365d")
    age = age_days(m)
    if never and age is not None:
        return age, f"no release in the {_days(age)} since the first commit"
    return None, ""


def last_release(m):
    v, text = days_since_release(m)
    return (
        v,
        text,
        {
            "days_since_last_release": m.get("days_since_last_release"),
            "days_since_last_tag": m.get("days_since_last_tag"),
            "tags_total": m.get("tags_total"),
        },
    )


def interval(m):
    v, n = _first(m, "median_release_interval_days", "median_tag_interval_days")
    return (
        v,
        f"median {_days(v)} between releases" if v is not None else "",
        {n or "median_release_interval_days": v},
    )


def release_regularity(m):
    median, _ = _first(m, "median_release_interval_days", "median_tag_interval_days")
    count, n = _first(m, "releases_365d", "tags_365d")
    inputs = {n or "releases_365d": count}
    if median is None or count is None:
        return None, "", inputs
    expected = DAYS_PER_YEAR / max(median, 1)
    return min(1.0, count / expected), f"{count} releases in 12 months, ~{expected:.0f} expected", inputs


# -- funding -----------------------------------------------------------------------------------
def _amount(name: str, what: str, usd: bool = False) -> Component:
    def component(m):
        v = m.get(name)
        text = (f"{what} ${_num(v)}" if usd else f"{_num(v)} {what}") if v is not None else ""
        return v, text, {name: v}

    return component


def grants(m):
    total, active = m.get("grants_total_usd_5y"), m.get("grants_active")
    inputs = {"grants_total_usd_5y": total, "grants_active": active}
    if total is None:
        return None, "", inputs
    note = ""
    if active is True:
        note = " (one active)"
    elif active:
        note = f" ({active} active)"
    return total, f"grants ${_num(total)} in 5 years{note}", inputs


# -- hygiene -----------------------------------------------------------------------------------
def _file(kind: str, what: str) -> Component:
    def component(m):
        files = m.get("repo_files")
        if files is None:
            return None, "", {"repo_files": None}
        present = kind in files
        return (1 if present else 0), (what if present else f"no {what}"), {f"has_{kind}": present}

    return component


COMPONENTS: dict[str, dict[str, Component]] = {
    "activity": {"recency": recency, "volume": volume, "regularity": activity_regularity},
    "contributor_resilience": {
        "absence_factor": absence_factor,
        "truck_factor": truck,
        "elephant_factor": elephant,
        "active_people": active_people,
        "renewal": renewal,
    },
    "responsiveness": {
        "issue_first_response": _hours("median_time_to_first_response_hours_90d_issues", "issues"),
        "pr_first_response": _hours("median_time_to_first_response_hours_90d_prs", "pull requests"),
        "change_request_closure": _ratio("change_request_closure_ratio_90d", "change request"),
        "issue_closure": _ratio("issue_closure_ratio_90d", "issue"),
        "open_issue_age": open_issue_age,
    },
    "release_cadence": {"last_release": last_release, "interval": interval, "regularity": release_regularity},
    "funding": {
        "channels": _amount("funding_channels_count", "funding channels"),
        "sponsors": _amount("sponsors_count", "GitHub sponsors"),
        "oc_income": _amount("oc_received_12m_usd", "Open Collective income (12 months)", usd=True),
        "grants": grants,
        "per_maintainer": _amount(
            "funding_per_active_maintainer_usd", "a year per active maintainer", usd=True
        ),
    },
    "hygiene": {
        "license": _file("license", "license"),
        "security_policy": _file("security", "security policy"),
        "contributing": _file("contributing", "contributing guide"),
        "codeowners": _file("codeowners", "CODEOWNERS"),
        "code_of_conduct": _file("code_of_conduct", "code of conduct"),
        "governance": _file("governance", "governance document"),
    },
}
assert {k: tuple(v) for k, v in COMPONENTS.items()} == SUBSCORES, "components and weights.py disagree"

LABELS = {
    "activity": "activity",
    "contributor_resilience": "contributor resilience",
    "responsiveness": "responsiveness",
    "release_cadence": "release cadence",
    "funding": "funding",
    "hygiene": "community & security hygiene",
}


_COMPILED: dict[str, dict[str, list[tuple[str, Component, float, Callable[[float], float]]]]] = {}


def _compiled(weights: Weights) -> dict[str, list[tuple[str, Component, float, Callable[[float], float]]]]:
    """Each sub-score's (component, function, weight, scale), prepared once per weights version."""
    found = _COMPILED.get(weights.version)
    if found is None:
        found = {
            name: [
                (
                    comp,
                    fn,
                    float(weights["subscores"][name][comp]["weight"]),
                    scales.compile_scale(weights["subscores"][name][comp]),
                )
                for comp, fn in comps.items()
            ]
            for name, comps in COMPONENTS.items()
        }
        _COMPILED[weights.version] = found
    return found


def subscore(name: str, m: Mapping[str, Any], weights: Weights) -> dict[str, Any]:
    """One sub-score: {score, reason, inputs, components, known_share}."""
    total_w = known_w = acc = 0.0
    phrases, unknown, inputs, parts = [], [], {}, {}
    for comp, fn, w, scale in _compiled(weights)[name]:
        raw, phrase, used = fn(m)
        inputs.update(used)
        total_w += w
        if raw is None:
            if w > 0:
                unknown.append(comp.replace("_", " "))
            parts[comp] = None
            continue
        s = scale(raw)
        parts[comp] = int(s * 10 + 0.5) / 10  # scales give 0-100; faster than round() here
        if w > 0:
            known_w += w
            acc += w * s
            if phrase:
                phrases.append(phrase)
    if known_w <= 0:
        return {
            "score": None,
            "reason": f"{LABELS[name]} unknown: no data for " + ", ".join(unknown or ["any input"]),
            "inputs": inputs,
            "components": parts,
            "known_share": 0.0,
        }
    reason = "; ".join(phrases)
    if unknown:
        reason += f" (unknown: {', '.join(unknown)})"
    return {
        "score": round(acc / known_w, 1),
        "reason": reason,
        "inputs": inputs,
        "components": parts,
        "known_share": round(known_w / total_w, 4) if total_w else 0.0,
    }


def health(m: Mapping[str, Any], weights: Weights) -> tuple[float | None, float, dict[str, dict[str, Any]]]:
    """(health 0-100 or None, coverage 0-1, sub-scores). Coverage is the share of the total weight,
    down to each component's share of its sub-score, that was known."""
    hw = weights["health"]["weights"]
    subs = {name: subscore(name, m, weights) for name in SUBSCORES}
    total = sum(hw.values())
    known = sum(hw[n] for n, s in subs.items() if s["score"] is not None)
    covered = sum(hw[n] * s["known_share"] for n, s in subs.items())
    if known <= 0:
        return None, round(covered / total, 4), subs
    value = sum(hw[n] * s["score"] for n, s in subs.items() if s["score"] is not None) / known
    return round(value, 1), round(covered / total, 4), subs
