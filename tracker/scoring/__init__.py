"""Scoring judges metrics; it never reads the store or the network (a test checks its imports).

Health (weighted sub-scores with coverage), maintenance risk with flags and maturity, funding need,
all driven by tracker/config/weights.toml; and the pure algorithms some metrics are made with: the
OpenSSF criticality formula and the Avelino truck factor. The score job that reads metrics and
writes the `scores` table is tracker/score.py.

Public entry points: `score_metrics` (one project's metrics -> its scores) and `criticality_score`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["criticality_score", "score_metrics"]


def __getattr__(name: str) -> Any:
    """The entry points, imported when first asked for: a command that only needs
    `tracker.scoring.weights` (a git collection reads [identity]) does not load the judges."""
    if name == "score_metrics":
        from tracker.scoring.card import score_metrics
        return score_metrics
    if name == "criticality_score":
        from tracker.scoring.criticality import criticality_score
        return criticality_score
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
