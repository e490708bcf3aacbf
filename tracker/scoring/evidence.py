"""No verdict without evidence: the rule (`[evidence]` in weights.toml) a project's data must meet
before it gets a health score, a measured risk level and a funding need.

Below it, health is None with a reason that says what is missing ("insufficient data: git history,
GitHub data not collected"), the risk level is `unknown` (a level of its own: never "medium", which
looks exactly like a measured medium) and funding need is None. The sub-scores that are known stay
in the breakdown: they answer "why" without pretending to be a verdict.

Also here: the date of the git data, when it is older than the as-of date (a mirror or a local path
is a snapshot; silence after it is unknown, not inactivity).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from tracker import catalogue as cat
from tracker import display
from tracker.scoring.weights import Weights

# What each source brings to health, in the order a reason names them.
_SOURCES = (
    ("git history", (cat.COMMITS_TOTAL,)),
    ("GitHub data", (cat.STARS, cat.ARCHIVED, cat.OPEN_ISSUES)),
)


def not_collected(m: Mapping[str, Any]) -> list[str]:
    """The sources health rests on that brought nothing for this project."""
    return [name for name, metrics in _SOURCES if all(m.get(n) is None for n in metrics)]


def insufficient(m: Mapping[str, Any], subs: Mapping[str, Mapping[str, Any]], coverage: float,
                 weights: Weights) -> str | None:
    """None when the evidence suffices for a verdict; otherwise the reason, in words."""
    rule = weights["evidence"]
    unknown = [cat.SUBSCORES[name].label for name in rule["required"] if subs[name]["score"] is None]
    floor = float(rule["min_coverage"])
    if not unknown and coverage >= floor:
        return None
    missing = not_collected(m)
    if missing:
        head = f"insufficient data: {', '.join(missing)} not collected"
    elif unknown:
        head = f"insufficient data: {', '.join(unknown)} unknown"
    else:
        head = "insufficient data"
    needs = [f"{display.percent(floor)} coverage"] + [f"{label} known" for label in
                                                      (cat.SUBSCORES[n].label for n in rule["required"])]
    return f"{head} (coverage {display.percent(coverage)}; a verdict needs {' and '.join(needs)})"


def stale_git_date(m: Mapping[str, Any], now: datetime, weights: Weights) -> datetime | None:
    """The git data's date when it is more than `[evidence] git_data_grace_days` older than `now`
    (activity is then judged as of that date: tracker.metrics computes it so); else None."""
    when = m.get(cat.GIT_DATA_AT)
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.rstrip("Z"))
        except ValueError:
            return None
    if not isinstance(when, datetime):
        return None
    return when if when < now - timedelta(days=float(weights["evidence"]["git_data_grace_days"])) else None
