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

# A component reads the metrics, records what it read in `inputs` (metric name -> value) and
# returns (raw value or None when unknown, a phrase explaining it).
Component = Callable[[Mapping[str, Any], dict[str, Any]], tuple[float | None, str]]


def _first(m: Mapping[str, Any], inputs: dict[str, Any], first: str, second: str) -> Any:
    """The first of two metrics that is known (recorded in `inputs` under its own name)."""
    v = m.get(first)
    if v is None:
        v = m.get(second)
        if v is not None:
            inputs[second] = v
            return v
    inputs[first] = v
    return v


def _days(v: float) -> str:
    text = f"{v:,.0f}"
    return text + (" day" if text == "1" else " days")


def _num(v: float) -> str:
    """Counts with thousands separators; other values to three significant digits."""
    if type(v) is int or v >= 100 or v <= -100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


# -- activity ----------------------------------------------------------------------------------
def recency(m, inputs):
    v = _first(m, inputs, "last_human_commit_days", "days_since_last_commit")
    return v, "" if v is None else f"last human commit {_days(v)} ago"


def volume(m, inputs):
    v = _first(m, inputs, "human_commits_90d", "commits_90d")
    return v, "" if v is None else f"{_num(v)} human commit{'' if v == 1 else 's'} in 90 days"


def activity_regularity(m, inputs):
    weeks = m.get("human_active_weeks_52")
    if weeks is None and isinstance(m.get("weekly_commits"), list) and m["weekly_commits"]:
        weeks = sum(1 for w in m["weekly_commits"] if w.get("commits"))
    inputs["human_active_weeks_52"] = weeks
    if weeks is None:
        return None, ""
    return weeks / WEEKS_IN_SERIES, f"commits in {weeks} of the last {WEEKS_IN_SERIES} weeks"


# -- contributor resilience --------------------------------------------------------------------
def absence_factor(m, inputs):
    v = inputs["contributor_absence_factor_365d"] = m.get("contributor_absence_factor_365d")
    if v is None:
        return None, ""
    return v, f"{v} {'person makes' if v == 1 else 'people make'} half the commits (absence factor)"


def truck(m, inputs):
    v = inputs["truck_factor"] = m.get("truck_factor")
    return v, "" if v is None else f"truck factor {v}"


def elephant(m, inputs):
    v = inputs["elephant_factor_365d"] = m.get("elephant_factor_365d")
    return (
        v,
        ""
        if v is None
        else f"{v} {'organisation makes' if v == 1 else 'organisations make'} half the commits",
    )


def active_people(m, inputs):
    v = inputs["active_contributors_365d"] = m.get("active_contributors_365d")
    return v, "" if v is None else f"{v} active {'person' if v == 1 else 'people'} in 12 months"


def renewal(m, inputs):
    new = inputs["new_contributors_365d"] = m.get("new_contributors_365d")
    leaving = inputs["leaving_contributors_365d"] = m.get("leaving_contributors_365d")
    if new is None or leaving is None or new + leaving == 0:
        return None, ""
    return new / (new + leaving), f"{new} joined, {leaving} left in 12 months"


# -- responsiveness ----------------------------------------------------------------------------
def _hours(name: str, what: str) -> Component:
    def component(m, inputs):
        v = inputs[name] = m.get(name)
        return v, "" if v is None else f"median first response to {what} {_num(v)} h"

    return component


def _ratio(name: str, what: str) -> Component:
    def component(m, inputs):
        v = inputs[name] = m.get(name)
        return v, "" if v is None else f"{what} closure ratio {_num(v)}"

    return component


def open_issue_age(m, inputs):
    v = inputs["median_open_issue_age_days"] = m.get("median_open_issue_age_days")
    return v, "" if v is None else f"open issues wait {_days(v)} (median)"


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
    release, tag = m.get("days_since_last_release"), m.get("days_since_last_tag")
    if release is not None or tag is not None:
        v = release if tag is None else tag if release is None else min(release, tag)
        return v, f"last release {_days(v)} ago"
    never = m.get("tags_total") == 0 and not m.get("releases_365d")
    age = age_days(m)
    if never and age is not None:
        return age, f"no release in the {_days(age)} since the first commit"
    return None, ""


def last_release(m, inputs):
    inputs["days_since_last_release"] = m.get("days_since_last_release")
    inputs["days_since_last_tag"] = m.get("days_since_last_tag")
    inputs["tags_total"] = m.get("tags_total")
    return days_since_release(m)


def interval(m, inputs):
    v = _first(m, inputs, "median_release_interval_days", "median_tag_interval_days")
    return v, "" if v is None else f"median {_days(v)} between releases"


def release_regularity(m, inputs):
    median = m.get("median_release_interval_days")
    if median is None:
        median = m.get("median_tag_interval_days")
    count = _first(m, inputs, "releases_365d", "tags_365d")
    if median is None or count is None:
        return None, ""
    expected = DAYS_PER_YEAR / max(median, 1)
    text = f"{count} release{'' if count == 1 else 's'} in 12 months, ~{expected:.0f} expected"
    return min(1.0, count / expected), text


# -- funding -----------------------------------------------------------------------------------
def _amount(name: str, what: str, usd: bool = False) -> Component:
    def component(m, inputs):
        v = inputs[name] = m.get(name)
        if v is None:
            return None, ""
        return v, f"{what} ${_num(v)}" if usd else f"{_num(v)} {what}"

    return component


def grants(m, inputs):
    total = inputs["grants_total_usd_5y"] = m.get("grants_total_usd_5y")
    active = inputs["grants_active"] = m.get("grants_active")
    if total is None:
        return None, ""
    note = ""
    if active is True:
        note = " (one active)"
    elif active:
        note = f" ({active} active)"
    return total, f"grants ${_num(total)} in 5 years{note}"


# -- hygiene -----------------------------------------------------------------------------------
def _file(kind: str, what: str) -> Component:
    key, missing = f"has_{kind}", f"no {what}"

    def component(m, inputs):
        files = m.get("repo_files")
        if files is None:
            inputs["repo_files"] = None
            return None, ""
        if kind in files:
            inputs[key] = True
            return 1, what
        inputs[key] = False
        return 0, missing

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
        raw, phrase = fn(m, inputs)
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
