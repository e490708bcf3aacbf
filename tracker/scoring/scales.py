"""Turning a raw value into 0-100: piecewise-linear points or a capped log scale (from the TOML)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
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


def compile_scale(spec: dict[str, Any]) -> Callable[[float], float]:
    """A component's scale (`points` or `log_target`) as a function, prepared once (scoring 10,000 projects calls it ~300,000 times)."""
    if "points" in spec:
        xs = [float(p[0]) for p in spec["points"]]
        ys = [float(p[1]) for p in spec["points"]]
        last = len(xs) - 1

        def by_points(x: float) -> float:
            if x <= xs[0]:
                return ys[0]
            if x >= xs[last]:
                return ys[last]
            i = bisect.bisect_left(xs, x)
            x0, x1, y0 = xs[i - 1], xs[i], ys[i - 1]
            return y0 + (ys[i] - y0) * (x - x0) / (x1 - x0)

        return by_points
    denominator = math.log1p(spec["log_target"])

    def by_log(x: float) -> float:
        return 0.0 if x <= 0 else min(100.0, 100.0 * math.log1p(x) / denominator)

    return by_log
