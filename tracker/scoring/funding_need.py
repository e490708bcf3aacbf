"""Funding need (0-100) for funders: important, alive, strained and under-funded ranks first.

need = 100 * importance * alive * strain_factor * (1 - funded)

importance: mean of the known of criticality (0-1) and usage (dependents or stars, log-scaled);
alive: 0 if archived or abandoned, else floor + (1 - floor) * activity / 100;
strain_factor: floor + (1 - floor) * strain, strain from the contributor absence factor (1 = one
person carries half the work); funded: the funding sub-score / 100. Unknown importance, activity, strain or
money received means the need is unknown (None), with the reason saying which part is missing:
declared channels say a project asks for money, not that it gets any, so "income unknown" is
never read as "no income".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker import catalogue as cat
from tracker import display
from tracker.scoring import scales
from tracker.scoring.subscores import money_received
from tracker.scoring.weights import Weights


def _words(value: float, high: float, low: float, words: tuple[str, str, str]) -> str:
    return words[0] if value >= high else words[2] if value < low else words[1]


def funding_need(
    m: Mapping[str, Any], subs: Mapping[str, Mapping[str, Any]], maturity: str | None, weights: Weights
) -> tuple[float | None, str]:
    """(need or None, one sentence explaining it)."""
    c = weights["funding_need"]
    high, low = c["high"] / 100, c["low"] / 100
    parts: list[str] = []
    crit = m.get(cat.CRITICALITY)
    usage_parts = []
    if m.get(cat.DEPENDENTS_COUNT) is not None:
        usage_parts.append(
            (
                scales.log_scaled(m[cat.DEPENDENTS_COUNT], c["dependents_log_target"]) / 100,
                f"{m[cat.DEPENDENTS_COUNT]:,} dependents",
            )
        )
    if m.get(cat.STARS) is not None:
        usage_parts.append(
            (scales.log_scaled(m[cat.STARS], c["stars_log_target"]) / 100, f"{m[cat.STARS]:,} stars")
        )
    usage = max(usage_parts) if usage_parts else None
    known = [v for v in (crit, usage[0] if usage else None) if v is not None]
    if not known:
        return None, "importance unknown: no criticality or usage data"
    importance = sum(known) / len(known)
    detail = ", ".join(
        ([f"criticality {crit:.2f}"] if crit is not None else []) + ([usage[1]] if usage else [])
    )
    parts.append(
        f"{_words(importance, high, low, ('important', 'moderately important', 'less critical'))} ({detail})"
    )

    activity = subs["activity"]["score"]
    if maturity in ("archived", "abandoned"):
        return 0.0, "; ".join(parts) + f"; {maturity} -> need 0 (nothing alive to fund)"
    elif activity is None:
        return None, "; ".join(parts) + "; activity unknown"
    else:
        alive = c["alive_floor"] + (1 - c["alive_floor"]) * activity / 100
        parts.append(
            f"{_words(activity / 100, high, low, ('active', 'moderately active', 'quiet'))}"
            f" (activity {activity:.0f})" + (", mature and stable" if maturity == "mature-stable" else "")
        )

    factor = m.get(cat.CONTRIBUTOR_ABSENCE_FACTOR_365D)
    if factor is None:
        return None, "; ".join(parts) + "; who carries the work is unknown (no human commits counted)"
    strain = scales.piecewise(factor, c["strain_points"])
    who = "one person carries half the commits" if factor == 1 else \
        f"{display.count(factor, 'person', 'people')} carry half the commits"
    parts.append(("strained: " if strain >= high else "") + who)
    strain_factor = c["strain_floor"] + (1 - c["strain_floor"]) * strain

    funding = subs["funding"]["score"]
    known, _ = money_received(m)
    if funding is None or not known:
        return None, "; ".join(parts) + ("; income unknown: no money figure collected (Sponsors, Open Collective,"
                                         " grants, funding.json history), so no ranking rather than a wrong one")
    funded = funding / 100
    parts.append(
        f"{_words(funded, high, low, ('well funded', 'some funding', 'little funding'))}"
        f" (funding {funding:.0f}/100)"
    )
    need = round(100 * importance * alive * strain_factor * (1 - funded), 1)
    return need, "; ".join(parts) + f" -> need {need:.1f}/100"
