"""The six sub-scores (0-100) and the health score, each explained by a reason and its inputs.

A component turns metrics into one raw value (None when unknown) and a phrase; the TOML scales
it to 0-100. A sub-score is the weighted mean of its known components; health is the weighted
mean of the known sub-scores. Unknown never counts as 0: it drops out and lowers `coverage`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tracker import catalogue as cat
from tracker import display
from tracker.scoring import scales
from tracker.scoring.weights import SUBSCORES, Weights, shipped
from tracker.windows import GRANT_YEARS, RECENT, RELEASE_YEARS, WEEKS, YEAR

# GitHub's created_since_months back to days, with the month criticality_score counts (30 days).
DAYS_PER_MONTH = shipped()["criticality"]["signals"]["days_per_month"]

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
    return display.count(round(v), "day")


def _num(v: float) -> str:
    """Counts with thousands separators; other values to three significant digits."""
    if type(v) is int or v >= 100 or v <= -100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


# -- activity ----------------------------------------------------------------------------------
def recency(m, inputs):
    v = _first(m, inputs, cat.LAST_HUMAN_COMMIT_DAYS, cat.DAYS_SINCE_LAST_COMMIT)
    return v, "" if v is None else f"last human commit {_days(v)} ago"


def volume(m, inputs):
    v = _first(m, inputs, cat.HUMAN_COMMITS_90D, cat.COMMITS_90D)
    return v, "" if v is None else f"{display.count(v, 'human commit')} in {RECENT.label}"


def activity_regularity(m, inputs):
    weeks = m.get(cat.HUMAN_ACTIVE_WEEKS_52)
    if weeks is None and isinstance(m.get(cat.WEEKLY_COMMITS), list) and m[cat.WEEKLY_COMMITS]:
        weeks = sum(1 for w in m[cat.WEEKLY_COMMITS] if w.get("commits"))
    inputs[cat.HUMAN_ACTIVE_WEEKS_52] = weeks
    if weeks is None:
        return None, ""
    return weeks / WEEKS.weeks, f"commits in {weeks} of the last {WEEKS.label}"


# -- contributor resilience --------------------------------------------------------------------
def absence_factor(m, inputs):
    v = inputs[cat.CONTRIBUTOR_ABSENCE_FACTOR_365D] = m.get(cat.CONTRIBUTOR_ABSENCE_FACTOR_365D)
    if v is None:
        return None, ""
    return v, f"{display.count(v, 'person', 'people')} {'makes' if v == 1 else 'make'} half the commits (absence factor)"


def truck(m, inputs):
    v = inputs[cat.TRUCK_FACTOR] = m.get(cat.TRUCK_FACTOR)
    return v, "" if v is None else f"truck factor {v}"


def elephant(m, inputs):
    v = inputs[cat.ELEPHANT_FACTOR_365D] = m.get(cat.ELEPHANT_FACTOR_365D)
    return (
        v,
        ""
        if v is None
        else f"{display.count(v, 'organisation')} {'makes' if v == 1 else 'make'} half the commits",
    )


def active_people(m, inputs):
    v = inputs[cat.ACTIVE_CONTRIBUTORS_365D] = m.get(cat.ACTIVE_CONTRIBUTORS_365D)
    return v, "" if v is None else f"{display.count(v, 'active person', 'active people')} in {YEAR.label}"


def renewal(m, inputs):
    new = inputs[cat.NEW_CONTRIBUTORS_365D] = m.get(cat.NEW_CONTRIBUTORS_365D)
    leaving = inputs[cat.LEAVING_CONTRIBUTORS_365D] = m.get(cat.LEAVING_CONTRIBUTORS_365D)
    if new is None or leaving is None or new + leaving == 0:
        return None, ""
    return new / (new + leaving), f"{new} joined, {leaving} left in {YEAR.label}"


# -- responsiveness ----------------------------------------------------------------------------
def _hours(name: str, what: str) -> Component:
    def component(m, inputs):
        v = inputs[name] = m.get(name)
        return v, "" if v is None else f"median first response to {what} {_num(v)} h"

    return component


def _ratio(name: str, what: str) -> Component:
    def component(m, inputs):
        v = inputs[name] = m.get(name)
        return v, "" if v is None else f"{what} closure ratio {v:.0%}"  # as the inputs and pages show it

    return component


def open_issue_age(m, inputs):
    v = inputs[cat.MEDIAN_OPEN_ISSUE_AGE_DAYS] = m.get(cat.MEDIAN_OPEN_ISSUE_AGE_DAYS)
    return v, "" if v is None else f"open issues wait {_days(v)} (median)"


# -- release cadence ---------------------------------------------------------------------------
def age_days(m: Mapping[str, Any]) -> float | None:
    """Days since the project started: first commit (git) or creation (GitHub)."""
    v = m.get(cat.PROJECT_AGE_DAYS)
    if v is not None:
        return v
    months = m.get(cat.CREATED_SINCE_MONTHS)
    return None if months is None else months * DAYS_PER_MONTH


def days_since_release(m: Mapping[str, Any]) -> tuple[float | None, str]:
    """Days since the most recent release of any kind (release tag, GitHub release, PyPI upload). A
    project with release data and no release at all counts from its first commit ('never released').
    (None, '') if unknown."""
    known = [v for v in (m.get(cat.DAYS_SINCE_ANY_RELEASE), m.get(cat.DAYS_SINCE_LAST_RELEASE),
                         m.get(cat.DAYS_SINCE_LAST_TAG), m.get(cat.DAYS_SINCE_LAST_PYPI_RELEASE)) if v is not None]
    if known:
        v = min(known)
        return v, f"last release {_days(v)} ago"
    never = m.get(cat.RELEASES_3Y) == 0 or (m.get(cat.TAGS_TOTAL) == 0 and not m.get(cat.RELEASES_365D))
    age = age_days(m)
    if never and age is not None:
        return age, f"no release in the {_days(age)} since the first commit"
    return None, ""


def release_rate(m: Mapping[str, Any]) -> tuple[float | None, float]:
    """(releases a year over the recent window, the window in years): the last 3 years, or the
    project's life when it is younger (first commit, creation or first release). None if unknown."""
    count = m.get(cat.RELEASES_3Y)
    if count is None:
        return None, 0.0
    window = float(RELEASE_YEARS.days)
    lives = [v for v in (age_days(m), m.get(cat.DAYS_SINCE_FIRST_RELEASE)) if v is not None]
    if lives:
        window = min(window, max(max(lives), YEAR.days / 4))  # a quarter at least: no rate from a week
    years = window / 365.25
    return count / years, years


def _over(years: float) -> str:
    return f"the last {RELEASE_YEARS.label}" if years * 365.25 >= RELEASE_YEARS.days - 1 \
        else f"its {display.count(round(years * 12), 'month')}"


def last_release(m, inputs):
    for name in (cat.DAYS_SINCE_ANY_RELEASE, cat.DAYS_SINCE_LAST_RELEASE, cat.DAYS_SINCE_LAST_TAG,
                 cat.DAYS_SINCE_LAST_PYPI_RELEASE, cat.RELEASES_3Y):
        inputs[name] = m.get(name)
    return days_since_release(m)


def rate(m, inputs):
    inputs[cat.RELEASES_3Y] = m.get(cat.RELEASES_3Y)
    per_year, years = release_rate(m)
    if per_year is None:
        return None, ""
    count = m[cat.RELEASES_3Y]
    if count == 0:
        return 0.0, f"no release in {_over(years)}"
    if per_year >= 1.5:
        return per_year, f"about {per_year:.0f} a year over {_over(years)}"
    return per_year, f"{display.count(count, 'release')} in {_over(years)}"


def on_rhythm(m, inputs):
    """Days since the last release in units of the project's usual gap (365.25 / rate): a slow but
    steady project is on rhythm; one releasing far later than it used to is not."""
    per_year, _ = release_rate(m)
    since, _ = days_since_release(m)
    if per_year is None or since is None:
        return None, ""
    if per_year == 0:  # released once, but not in the window: off any rhythm (the rate says so)
        return (float("inf"), "") if m.get(cat.DAYS_SINCE_ANY_RELEASE) is not None else (None, "")
    gap = 365.25 / per_year
    late = since / gap
    return late, "" if late <= 1.5 else f"later than its usual gap of about {_days(gap)}"


# -- funding -----------------------------------------------------------------------------------
def _amount(name: str, what: str, usd: bool = False) -> Component:
    def component(m, inputs):
        v = inputs[name] = m.get(name)
        if v is None:
            return None, ""
        return v, f"{what} ${_num(v)}" if usd else f"{_num(v)} {what}"

    return component


def asks_for_funding(m, inputs):
    """Declared channels (FUNDING.yml, funding.json, a Sponsors listing): the project asks for money.
    Asking is not receiving: see `money_received` and the cap in `_cap_funding`."""
    v = inputs[cat.FUNDING_CHANNELS_COUNT] = m.get(cat.FUNDING_CHANNELS_COUNT)
    if v is None:
        return None, ""
    return v, f"declares {display.count(v, 'funding channel')}" if v else "declares no funding channel"


def sponsors(m, inputs):
    """GitHub sponsors, as money evidence only where the owner has a Sponsors listing (without one,
    a count of 0 says nothing about money)."""
    n = inputs[cat.SPONSORS_COUNT] = m.get(cat.SPONSORS_COUNT)
    listing = inputs[cat.HAS_SPONSORS_LISTING] = m.get(cat.HAS_SPONSORS_LISTING)
    if n is None or (not n and listing is not True):
        return None, ""
    return n, display.count(n, "GitHub sponsor")


def grants(m, inputs):
    total = inputs[cat.GRANTS_TOTAL_USD_5Y] = m.get(cat.GRANTS_TOTAL_USD_5Y)
    active = inputs[cat.GRANTS_ACTIVE] = m.get(cat.GRANTS_ACTIVE)
    if total is None:
        return None, ""
    note = ""
    if active is True:
        note = " (one active)"
    elif active:
        note = f" ({active} active)"
    return total, f"grants ${_num(total)} in {GRANT_YEARS.label}{note}"


MONEY_COMPONENTS = ("sponsors", "oc_income", "grants", "reported_income", "per_maintainer")


def money_received(m: Mapping[str, Any], inputs: dict[str, Any] | None = None) -> tuple[bool, bool]:
    """(known, positive): whether any money figure is known (sponsors of a listing, Open Collective
    income or budget, grants, funding.json income), and whether any of them shows money arriving."""
    inputs = {} if inputs is None else inputs
    values = [sponsors(m, inputs)[0], m.get(cat.OC_RECEIVED_12M_USD), m.get(cat.OC_YEARLY_BUDGET_USD),
              m.get(cat.GRANTS_TOTAL_USD_5Y), m.get(cat.REPORTED_INCOME_USD)]
    known = [v for v in values if v is not None]
    positive = any(v > 0 for v in known) or bool(m.get(cat.GRANTS_ACTIVE))
    return bool(known) or positive, positive


# -- hygiene -----------------------------------------------------------------------------------
ORG_DEFAULT_SOURCE = "the organisation's .github repository"


def _file(kind: str, what: str) -> Component:
    key, missing = f"has_{kind}", f"no {what}"

    def component(m, inputs):
        files = m.get(cat.REPO_FILES)
        if files is None:
            inputs[cat.REPO_FILES] = None
            return None, ""
        if kind in files:
            inputs[key] = True
            if kind in (m.get(cat.ORG_DEFAULT_FILES) or ()):
                inputs[f"{key}_from"] = ORG_DEFAULT_SOURCE
                return 1, f"{what} (from the organisation's .github repository)"
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
        "issue_first_response": _hours(cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES, "issues"),
        "pr_first_response": _hours(cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS, "pull requests"),
        "change_request_closure": _ratio(cat.CHANGE_REQUEST_CLOSURE_RATIO_90D, "change request"),
        "issue_closure": _ratio(cat.ISSUE_CLOSURE_RATIO_90D, "issue"),
        "open_issue_age": open_issue_age,
    },
    "release_cadence": {"last_release": last_release, "rate": rate, "on_rhythm": on_rhythm},
    "funding": {
        "asks_for_funding": asks_for_funding,
        "sponsors": sponsors,
        "oc_income": _amount(cat.OC_RECEIVED_12M_USD, f"Open Collective income ({YEAR.label})", usd=True),
        "grants": grants,
        "reported_income": _amount(cat.REPORTED_INCOME_USD, "income reported in funding.json", usd=True),
        "per_maintainer": _amount(
            cat.FUNDING_PER_ACTIVE_MAINTAINER_USD, "a year per active maintainer", usd=True
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

LABELS = {name: cat.SUBSCORES[name].label for name in SUBSCORES}  # from the metric catalogue
_UNKNOWN_LABELS = {name: {comp: cat.SUBSCORES[name].components[comp].label for comp in comps}
                   for name, comps in SUBSCORES.items()}


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
                unknown.append(_UNKNOWN_LABELS[name][comp])
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


def _cap_funding(sub: dict[str, Any], m: Mapping[str, Any], weights: Weights) -> dict[str, Any]:
    """Money is not a channel: while no money received is known to be positive, the funding
    sub-score stays at or below `[evidence] funding_max_without_money`, and says why."""
    if sub["score"] is None:
        return sub
    known, positive = money_received(m)
    if positive:
        return sub
    cap = float(weights["evidence"]["funding_max_without_money"])
    _, asks = asks_for_funding(m, {})
    if not known:
        sub["reason"] = f"{asks}; money received unknown" if asks else "money received unknown"
    else:
        sub["reason"] = (sub["reason"] + "; " if sub["reason"] else "") + "no money received found"
    if sub["score"] > cap:
        sub["score"] = cap
        sub["capped_at"] = cap
    return sub


def health(m: Mapping[str, Any], weights: Weights) -> tuple[float | None, float, dict[str, dict[str, Any]]]:
    """(health 0-100 or None, coverage 0-1, sub-scores). Coverage is the share of the total weight,
    down to each component's share of its sub-score, that was known."""
    hw = weights["health"]["weights"]
    subs = {name: subscore(name, m, weights) for name in SUBSCORES}
    subs["funding"] = _cap_funding(subs["funding"], m, weights)
    total = sum(hw.values())
    known = sum(hw[n] for n, s in subs.items() if s["score"] is not None)
    covered = sum(hw[n] * s["known_share"] for n, s in subs.items())
    if known <= 0:
        return None, round(covered / total, 4), subs
    value = sum(hw[n] * s["score"] for n, s in subs.items() if s["score"] is not None) / known
    return round(value, 1), round(covered / total, 4), subs
