"""Plain values in and out: ISO 8601 timestamps parsed and written one way everywhere, and
structures made JSON-safe. Used by collectors (parsing API times), the read model, reports and
exports."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time ('2024-05-01T12:00:00Z', '+02:00' offsets, or naive) as naive UTC;
    None for anything else (empty, not a string, malformed). datetimes pass through as naive UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def iso(value: Any) -> Any:
    """Timestamps as ISO 8601 UTC ('2024-05-01T12:00:00Z'); dates as 'YYYY-MM-DD'; NaN and
    infinities as None (JSON has no such numbers); everything else unchanged."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def jsonable(value: Any) -> Any:
    """`value` with every nested timestamp, date and non-finite float made JSON-safe (see `iso`)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return iso(value)
