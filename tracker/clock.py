"""One notion of "now" for the whole tracker.

Every timestamp the tracker writes (collected_at, computed_at, run times) and every default "as of"
it reads with comes from `utcnow()`: naive UTC (the store's convention) at microsecond precision.
Writing and reading with the same precision is what lets a score computed in the same second as a
collection see that collection (a reader rounded down to the second would not).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current UTC time as a naive datetime, microseconds kept."""
    return datetime.now(UTC).replace(tzinfo=None)
