"""Scores: health (weighted sub-scores with coverage), maintenance risk with flags and maturity,
Avelino truck factor, OpenSSF criticality and funding need. Reads the store, never the network.

Public entry points: `score_all` (used by `tracker score` and the scheduler),
`criticality_score` (the OpenSSF original algorithm) and `score_metrics` (one project, pure).
"""

from tracker.scoring.card import score_metrics
from tracker.scoring.criticality import criticality_score
from tracker.scoring.run import score_all, score_projects

__all__ = ["criticality_score", "score_all", "score_metrics", "score_projects"]
