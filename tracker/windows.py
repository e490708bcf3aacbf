"""Named time windows: the one definition of "the last 90 days", "the last 12 months", "the 52-week
series" and the rest, used by the metrics (their SQL bounds) and by scoring (its texts and
expectations) alike. See docs/methodology.md ("Conventions").

A window ends at `as_of` (the report's "now") and holds times t with `start < t <= as_of`, except
the weekly series, which starts on a Monday at 00:00 and includes that instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    """A period of `days` days ending `ends_days_before` days before as_of."""

    name: str  # the suffix metric names carry: "90d", "365d"
    days: int
    label: str  # how texts say it: "90 days", "12 months"
    ends_days_before: int = 0

    def start(self, as_of: datetime) -> datetime:
        """The exclusive lower bound."""
        return as_of - timedelta(days=self.days + self.ends_days_before)

    def end(self, as_of: datetime) -> datetime:
        """The inclusive upper bound."""
        return as_of - timedelta(days=self.ends_days_before)

    def contains(self, t: datetime, as_of: datetime) -> bool:
        return self.start(as_of) < t <= self.end(as_of)


@dataclass(frozen=True)
class WeekSeries:
    """`weeks` ISO weeks (Monday start) ending with the week holding as_of."""

    weeks: int
    label: str

    def start(self, as_of: datetime) -> datetime:
        """Monday 00:00 of the first week (inclusive)."""
        this_monday = (as_of - timedelta(days=as_of.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        return this_monday - timedelta(weeks=self.weeks - 1)

    def mondays(self, as_of: datetime) -> list[datetime]:
        first = self.start(as_of)
        return [first + timedelta(weeks=i) for i in range(self.weeks)]


RECENT = Window("90d", 90, "90 days")  # responsiveness, closure ratios, recent activity
YEAR = Window("365d", 365, "12 months")  # activity, people, releases
PREVIOUS_YEAR = Window("prev_365d", 365, "the 12 months before", ends_days_before=365)  # turnover
GRANT_YEARS = Window("5y", round(5 * 365.25), "5 years")  # grants awarded
RELEASE_YEARS = Window("3y", round(3 * 365.25), "3 years")  # the recent release rhythm
WEEKS = WeekSeries(52, "52 weeks")  # the weekly commit series and regular activity

# Thresholds in tracker/config/weights.toml that are named after a period (no_commits_12m,
# no_release_18m, abandoned_no_release_days) hold these lengths; a test checks the shipped file.
EIGHTEEN_MONTHS_DAYS = 548

# An average month in days (365.25 / 12): grant periods given in months, GitHub's "months since".
MONTH_DAYS = 30.44
WEEKS_PER_YEAR = 52  # commits a week = commits in YEAR / 52, as criticality_score counts
