"""What would raise a project's health: concrete next steps, each worth a number of health points.

Pure judging, like the rest of tracker/scoring: metrics in, steps out (no store, no network). A
step is a change a maintainer can make (add SECURITY.md, answer issues within a week, a second
regular committer, ...), written as a change of the project's stored metrics. Its worth is
measured, not guessed: the project is scored again with the changed metrics by the same
`score_metrics` and weights (tracker/config/weights.toml) as the real score, and the step is worth
the difference in health. So a step on an input that is unknown is never offered (it would move
coverage, not the project), and a sub-score already at its ceiling offers nothing.

    steps(metrics, weights, now)   -> [Step, ...], biggest health gain first
    by_subscore(steps)             -> {sub-score: [Step, ...]}, sub-scores by their best step
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker import catalogue as cat
from tracker import display
from tracker.scoring import scales
from tracker.scoring.card import score_metrics
from tracker.scoring.weights import Weights

MIN_GAIN = 0.05  # health points: smaller gains are rounding, not advice

Metrics = Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    """One next step: what to do, why it counts, and what it adds."""

    key: str               # stable identifier of the step (e.g. "security_policy")
    subscore: str          # the sub-score it raises (catalogue name)
    label: str             # what to do, in words
    detail: str            # the input it changes: "Weeks with a human commit: 3 -> 26"
    metric: str            # the catalogue metric it changes (its label and methodology anchor)
    gain: float | None     # health points it adds (None when health itself is unknown)
    subscore_before: float | None
    subscore_after: float | None

    @property
    def subscore_gain(self) -> float | None:
        if self.subscore_after is None:
            return None
        return round(self.subscore_after - (self.subscore_before or 0.0), 1)


@dataclass(frozen=True)
class _Action:
    key: str
    subscore: str
    metric: str
    label: Callable[[Metrics], str]
    change: Callable[[Metrics], dict[str, Any] | None]  # the changed metrics, or None: does not apply


def _known(m: Metrics, name: str) -> float | None:
    v = m.get(name)
    if isinstance(v, bool) or not isinstance(v, int | float) or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _first_known(m: Metrics, *names: str) -> tuple[str, float] | None:
    for name in names:
        v = _known(m, name)
        if v is not None:
            return name, v
    return None


def _detail(name: str, before: Any, after: Any) -> str:
    """'Weeks with a human commit, last 52 weeks: 3 weeks -> 26 weeks' (labels from the catalogue)."""
    metric = cat.METRICS[name]
    return f"{metric.label}: {display.quantity(before, metric.unit)} -> {display.quantity(after, metric.unit)}"


# -- the steps, as changes of the metrics ----------------------------------------------------------
def _at_most(name: str, target: float, *also: str) -> Callable[[Metrics], dict[str, Any] | None]:
    """Bring a known 'lower is better' metric down to `target` (and the same-meaning `also` ones)."""

    def change(m: Metrics) -> dict[str, Any] | None:
        v = _known(m, name)
        if v is None or v <= target:
            return None
        out = {name: target}
        out.update({a: min(_known(m, a), target) for a in also if _known(m, a) is not None})
        return out

    return change


def _at_least(name: str, target: float) -> Callable[[Metrics], dict[str, Any] | None]:
    def change(m: Metrics) -> dict[str, Any] | None:
        v = _known(m, name)
        if v is None or v >= target:
            return None
        return {name: target}

    return change


def _one_more(name: str) -> Callable[[Metrics], dict[str, Any] | None]:
    def change(m: Metrics) -> dict[str, Any] | None:
        v = _known(m, name)
        return None if v is None else {name: int(v) + 1}

    return change


def _recent_commit(m: Metrics) -> dict[str, Any] | None:
    found = _first_known(m, cat.LAST_HUMAN_COMMIT_DAYS, cat.DAYS_SINCE_LAST_COMMIT)
    if found is None or found[1] <= 30:
        return None
    return {n: 0 for n in (cat.LAST_HUMAN_COMMIT_DAYS, cat.DAYS_SINCE_LAST_COMMIT) if _known(m, n) is not None}


def _volume(m: Metrics) -> dict[str, Any] | None:
    found = _first_known(m, cat.HUMAN_COMMITS_90D, cat.COMMITS_90D)
    if found is None or found[1] >= 12:
        return None
    return {found[0]: 12}


def _response_target(name: str) -> Callable[[Metrics], dict[str, Any] | None]:
    """The next rung: within a week when slower than that, else within a day."""

    def change(m: Metrics) -> dict[str, Any] | None:
        v = _known(m, name)
        if v is None or v <= 24:
            return None
        return {name: 168.0 if v > 168 else 24.0}

    return change


def _response_label(what: str, name: str) -> Callable[[Metrics], str]:
    def label(m: Metrics) -> str:
        v = _known(m, name)
        return f"Answer new {what} within {'a week' if v is not None and v > 168 else 'a day'}"

    return label


def _issue_age(m: Metrics) -> dict[str, Any] | None:
    v = _known(m, cat.MEDIAN_OPEN_ISSUE_AGE_DAYS)
    if v is None or v <= 30:
        return None
    return {cat.MEDIAN_OPEN_ISSUE_AGE_DAYS: 90.0 if v > 90 else 30.0}


def _release_days(m: Metrics) -> dict[str, Any] | None:
    """Publish a release: the days since the newest release (or tag) drop to 0."""
    release, tag = _known(m, cat.DAYS_SINCE_LAST_RELEASE), _known(m, cat.DAYS_SINCE_LAST_TAG)
    known = [v for v in (release, tag) if v is not None]
    if known:
        if min(known) <= 90:
            return None
        return {n: 0 for n, v in ((cat.DAYS_SINCE_LAST_RELEASE, release), (cat.DAYS_SINCE_LAST_TAG, tag))
                if v is not None}
    if _known(m, cat.TAGS_TOTAL) == 0:  # never released: a first release
        return {cat.DAYS_SINCE_LAST_TAG: 0, cat.TAGS_TOTAL: 1, cat.TAGS_365D: 1}
    return None


def _release_detail_metric(m: Metrics) -> str:
    return cat.DAYS_SINCE_LAST_RELEASE if _known(m, cat.DAYS_SINCE_LAST_RELEASE) is not None \
        else cat.DAYS_SINCE_LAST_TAG


def _rhythm(m: Metrics) -> dict[str, Any] | None:
    """Release at least every 3 months: the median interval at most 90 days, 4 releases a year."""
    out: dict[str, Any] = {}
    for name in (cat.MEDIAN_RELEASE_INTERVAL_DAYS, cat.MEDIAN_TAG_INTERVAL_DAYS):
        v = _known(m, name)
        if v is not None and v > 90:
            out[name] = 90.0
    for name in (cat.RELEASES_365D, cat.TAGS_365D):
        v = _known(m, name)
        if v is not None and v < 4:
            out[name] = 4
    return out or None


def _renewal(m: Metrics) -> dict[str, Any] | None:
    new, leaving = _known(m, cat.NEW_CONTRIBUTORS_365D), _known(m, cat.LEAVING_CONTRIBUTORS_365D)
    if new is None or leaving is None or new >= leaving:
        return None
    return {cat.NEW_CONTRIBUTORS_365D: int(leaving)}


def _file(kind: str) -> Callable[[Metrics], dict[str, Any] | None]:
    def change(m: Metrics) -> dict[str, Any] | None:
        files = m.get(cat.REPO_FILES)
        if not isinstance(files, list) or kind in files:
            return None
        return {cat.REPO_FILES: [*files, kind]}

    return change


def _label(text: str) -> Callable[[Metrics], str]:
    return lambda m: text


def _absence_label(m: Metrics) -> str:
    v = _known(m, cat.CONTRIBUTOR_ABSENCE_FACTOR_365D)
    if v == 1:
        return "A second regular committer, so that one person no longer makes half the commits"
    return f"Spread the work: {int(v or 0) + 1} people making half the commits"


def _truck_label(m: Metrics) -> str:
    v = _known(m, cat.TRUCK_FACTOR)
    return f"Another person who knows the code well (truck factor {int(v or 0) + 1})"


def _people_label(m: Metrics) -> str:
    return "Five more people committing over the year"


def _more_people(m: Metrics) -> dict[str, Any] | None:
    v = _known(m, cat.ACTIVE_CONTRIBUTORS_365D)
    return None if v is None else {cat.ACTIVE_CONTRIBUTORS_365D: int(v) + 5}


ACTIONS: tuple[_Action, ...] = (
    # activity
    _Action("recent_commit", "activity", cat.LAST_HUMAN_COMMIT_DAYS,
            _label("A commit by a person this month"), _recent_commit),
    _Action("weekly_commits", "activity", cat.HUMAN_COMMITS_90D,
            _label("About one human commit a week (12 in 90 days)"), _volume),
    _Action("regular_weeks", "activity", cat.HUMAN_ACTIVE_WEEKS_52,
            _label("Commits in at least half of the weeks (26 of 52)"), _at_least(cat.HUMAN_ACTIVE_WEEKS_52, 26)),
    # contributor resilience
    _Action("second_committer", "contributor_resilience", cat.CONTRIBUTOR_ABSENCE_FACTOR_365D,
            _absence_label, _one_more(cat.CONTRIBUTOR_ABSENCE_FACTOR_365D)),
    _Action("truck_factor", "contributor_resilience", cat.TRUCK_FACTOR, _truck_label, _one_more(cat.TRUCK_FACTOR)),
    _Action("second_organisation", "contributor_resilience", cat.ELEPHANT_FACTOR_365D,
            _label("A regular contributor from another organisation"), _one_more(cat.ELEPHANT_FACTOR_365D)),
    _Action("more_people", "contributor_resilience", cat.ACTIVE_CONTRIBUTORS_365D, _people_label, _more_people),
    _Action("newcomers", "contributor_resilience", cat.NEW_CONTRIBUTORS_365D,
            _label("As many newcomers as people who left this year"), _renewal),
    # responsiveness
    _Action("answer_issues", "responsiveness", cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES,
            _response_label("issues", cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES),
            _response_target(cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES)),
    _Action("answer_prs", "responsiveness", cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS,
            _response_label("pull requests", cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS),
            _response_target(cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS)),
    _Action("close_prs", "responsiveness", cat.CHANGE_REQUEST_CLOSURE_RATIO_90D,
            _label("Close or merge as many pull requests as are opened"),
            _at_least(cat.CHANGE_REQUEST_CLOSURE_RATIO_90D, 1.0)),
    _Action("close_issues", "responsiveness", cat.ISSUE_CLOSURE_RATIO_90D,
            _label("Close as many issues as are opened"), _at_least(cat.ISSUE_CLOSURE_RATIO_90D, 1.0)),
    _Action("triage_backlog", "responsiveness", cat.MEDIAN_OPEN_ISSUE_AGE_DAYS,
            _label("Triage the backlog: close or answer the oldest open issues"), _issue_age),
    # release cadence
    _Action("release_now", "release_cadence", cat.DAYS_SINCE_LAST_RELEASE,
            _label("Publish a release"), _release_days),
    _Action("release_rhythm", "release_cadence", cat.MEDIAN_RELEASE_INTERVAL_DAYS,
            _label("Release at least every three months"), _rhythm),
    # funding
    _Action("funding_channel", "funding", cat.FUNDING_CHANNELS_COUNT,
            _label("Declare a funding channel (FUNDING.yml or funding.json)"), _at_least(cat.FUNDING_CHANNELS_COUNT, 1)),
    _Action("sponsors", "funding", cat.SPONSORS_COUNT,
            _label("Ten sponsors on GitHub Sponsors"), _at_least(cat.SPONSORS_COUNT, 10)),
    _Action("open_collective", "funding", cat.OC_RECEIVED_12M_USD,
            _label("$10,000 a year through Open Collective"), _at_least(cat.OC_RECEIVED_12M_USD, 10_000.0)),
    _Action("grant", "funding", cat.GRANTS_TOTAL_USD_5Y,
            _label("A $50,000 grant"), _at_least(cat.GRANTS_TOTAL_USD_5Y, 50_000.0)),
    # community & security hygiene
    _Action("license", "hygiene", cat.REPO_FILES, _label("Add a LICENSE file"), _file("license")),
    _Action("security_policy", "hygiene", cat.REPO_FILES, _label("Add SECURITY.md (how to report a vulnerability)"),
            _file("security")),
    _Action("contributing", "hygiene", cat.REPO_FILES, _label("Add CONTRIBUTING.md"), _file("contributing")),
    _Action("codeowners", "hygiene", cat.REPO_FILES, _label("Add a CODEOWNERS file"), _file("codeowners")),
    _Action("code_of_conduct", "hygiene", cat.REPO_FILES, _label("Add CODE_OF_CONDUCT.md"),
            _file("code_of_conduct")),
    _Action("governance", "hygiene", cat.REPO_FILES, _label("Add GOVERNANCE.md (who decides, how)"),
            _file("governance")),
)

_FILE_NAMES = {"license": "LICENSE", "security": "SECURITY.md", "contributing": "CONTRIBUTING.md",
               "codeowners": "CODEOWNERS", "code_of_conduct": "CODE_OF_CONDUCT.md",
               "governance": "GOVERNANCE.md"}


def _describe(action: _Action, m: Metrics, changed: dict[str, Any]) -> tuple[str, str]:
    """(the metric whose label and anchor the step shows, 'label: before -> after')."""
    if action.metric == cat.REPO_FILES:
        added = [k for k in changed[cat.REPO_FILES] if k not in (m.get(cat.REPO_FILES) or [])]
        return cat.REPO_FILES, f"{cat.METRICS[cat.REPO_FILES].label}: {_FILE_NAMES.get(added[0], added[0])} missing"
    name = action.metric
    if name == cat.DAYS_SINCE_LAST_RELEASE:
        name = _release_detail_metric(m)
    if name not in changed:  # the step changed a same-meaning metric (e.g. commits_90d for human_commits_90d)
        name = next(iter(changed))
    before = m.get(name)
    if before is None:
        return name, f"{cat.METRICS[name].label}: none yet"
    return name, _detail(name, before, changed[name])


def _health_and_subscores(m: Metrics, weights: Weights, now: datetime) -> tuple[float | None, dict[str, Any]]:
    result = score_metrics(m, weights, now)
    return result["health"], {k: (v or {}).get("score") for k, v in result["subscores"].items()}


def steps(metrics: Metrics | None, weights: Weights, now: datetime) -> list[Step]:
    """Every step that would raise the project's score, biggest health gain first. Each step is
    scored by re-scoring the project with that one change; steps that add less than `MIN_GAIN`
    health points (or, when health is unknown, nothing to their sub-score) are left out."""
    m = dict(metrics or {})
    base_health, base_subs = _health_and_subscores(m, weights, now)
    out: list[Step] = []
    for action in ACTIONS:
        changed = action.change(m)
        if not changed:
            continue
        health, subs = _health_and_subscores({**m, **changed}, weights, now)
        gain = None if health is None or base_health is None else round(health - base_health, 1)
        before, after = base_subs.get(action.subscore), subs.get(action.subscore)
        if gain is not None and gain < MIN_GAIN:
            continue
        if gain is None and (after is None or after - (before or 0.0) < MIN_GAIN):
            continue
        metric, detail = _describe(action, m, changed)
        out.append(Step(action.key, action.subscore, action.label(m), detail, metric, gain, before, after))
    out.sort(key=lambda s: (-(s.gain if s.gain is not None else -1), -(s.subscore_gain or 0), s.key))
    return out


def by_subscore(found: list[Step]) -> dict[str, list[Step]]:
    """The steps grouped by the sub-score they raise, each group biggest gain first, groups in the
    order of their best step (as `steps` returns them)."""
    groups: dict[str, list[Step]] = {}
    for step in found:
        groups.setdefault(step.subscore, []).append(step)
    return groups


# -- the parts of funding need ----------------------------------------------------------------------
NEED_PARTS = ("importance", "alive", "strain", "unfunded")


def need_parts(m: Metrics | None, subscores: Mapping[str, Any] | None, maturity: str | None,
               weights: Weights) -> dict[str, float | None]:
    """The four factors of funding need (tracker/scoring/funding_need.py), each 0-1, for showing the
    need as its parts: importance (criticality and usage), alive (activity; 0 when archived or
    abandoned), strain (the strain factor from who carries the work) and unfunded (1 - the funding
    sub-score / 100). need = 100 x their product; a part that is unknown is None. Tests hold the
    product equal to the need `score_metrics` computes."""
    m = m or {}
    subscores = subscores or {}
    c = weights["funding_need"]
    crit = _known(m, cat.CRITICALITY)
    usage = [scales.log_scaled(v, c[target]) / 100 for v, target in (
        (_known(m, cat.DEPENDENTS_COUNT), "dependents_log_target"), (_known(m, cat.STARS), "stars_log_target"))
        if v is not None]
    known = [v for v in (crit, max(usage) if usage else None) if v is not None]
    importance = sum(known) / len(known) if known else None

    def score(name: str) -> float | None:
        sub = subscores.get(name)
        value = sub.get("score") if isinstance(sub, Mapping) else None
        return None if value is None else float(value)

    activity = score("activity")
    if maturity in ("archived", "abandoned"):
        alive: float | None = 0.0
    else:
        alive = None if activity is None else c["alive_floor"] + (1 - c["alive_floor"]) * activity / 100
    factor = _known(m, cat.CONTRIBUTOR_ABSENCE_FACTOR_365D)
    strain = None if factor is None else \
        c["strain_floor"] + (1 - c["strain_floor"]) * scales.piecewise(factor, c["strain_points"])
    funding = score("funding")
    return {"importance": importance, "alive": alive, "strain": strain,
            "unfunded": None if funding is None else 1 - funding / 100}
