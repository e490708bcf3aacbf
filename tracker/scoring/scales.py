"""Turning a raw value into 0-100: piecewise-linear points or a capped log scale (from the TOML)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def piecewise(x: float, points: Sequence[Sequence[float]]) -> float:
    """Linear between the (x, y) points, flat beyond the first and last."""
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return float(points[-1][1])


def log_scaled(x: float, target: float) -> float:
    """100 * ln(1 + x) / ln(1 + target), capped at 100; 0 for x <= 0."""
    if x <= 0:
        return 0.0
    return min(100.0, 100.0 * math.log1p(x) / math.log1p(target))


def apply(spec: dict[str, Any], x: float) -> float:
    """Score `x` with a component's scale (`points` or `log_target`)."""
    if "points" in spec:
        return piecewise(x, spec["points"])
    return log_scaled(x, spec["log_target"])
