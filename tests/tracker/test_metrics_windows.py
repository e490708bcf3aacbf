"""The named windows: bounds, the weekly series, and the thresholds in weights.toml named after
a period agree with them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from tracker import windows
from tracker.scoring import weights as weights_mod
from tracker.windows import GRANT_YEARS, PREVIOUS_YEAR, RECENT, WEEKS, YEAR

AS_OF = datetime(2026, 11, 4, 15, 30)  # a Wednesday


def test_a_window_excludes_its_start_and_includes_as_of():
    start = AS_OF - timedelta(days=90)
    assert RECENT.start(AS_OF) == start and RECENT.end(AS_OF) == AS_OF
    assert not RECENT.contains(start, AS_OF)
    assert RECENT.contains(start + timedelta(microseconds=1), AS_OF)
    assert RECENT.contains(AS_OF, AS_OF) and not RECENT.contains(AS_OF + timedelta(seconds=1), AS_OF)


def test_the_previous_year_is_the_365_days_before_the_last_365():
    assert PREVIOUS_YEAR.start(AS_OF) == AS_OF - timedelta(days=730)
    assert PREVIOUS_YEAR.end(AS_OF) == YEAR.start(AS_OF)
    assert PREVIOUS_YEAR.contains(AS_OF - timedelta(days=365), AS_OF)
    assert not PREVIOUS_YEAR.contains(AS_OF - timedelta(days=364), AS_OF)
    assert GRANT_YEARS.days == 1826


def test_the_week_series_starts_on_a_monday_51_weeks_before_this_one():
    mondays = WEEKS.mondays(AS_OF)
    assert len(mondays) == 52 and mondays[-1] == datetime(2026, 11, 2)
    assert mondays[0] == WEEKS.start(AS_OF) == datetime(2026, 11, 2) - timedelta(weeks=51)
    assert all(m.weekday() == 0 and m.time() == datetime.min.time() for m in mondays)
    sunday_night = datetime(2026, 11, 8, 23, 59)
    assert WEEKS.mondays(sunday_night) == mondays


def test_thresholds_named_after_a_period_hold_that_period():
    w = weights_mod.shipped()
    flags, maturity = w["risk"]["flags"], w["maturity"]
    assert flags["no_commits_12m"]["days"] == YEAR.days
    assert flags["quiet_90d"]["days"] == RECENT.days
    assert flags["no_release_18m"]["days"] == windows.EIGHTEEN_MONTHS_DAYS
    assert maturity["abandoned_no_commit_days"] == YEAR.days
    assert maturity["abandoned_no_release_days"] == windows.EIGHTEEN_MONTHS_DAYS
    assert maturity["mature_recent_release_days"] == windows.EIGHTEEN_MONTHS_DAYS
    assert w["criticality"]["signals"]["weeks_per_year"] == windows.WEEKS_PER_YEAR == WEEKS.weeks


def test_scoring_texts_say_the_windows_the_metrics_use():
    from tracker.scoring import score_metrics

    result = score_metrics({"human_commits_90d": 3, "active_contributors_365d": 2, "human_active_weeks_52": 5,
                            "last_human_commit_days": 3}, weights_mod.shipped(), AS_OF)
    reasons = " ".join(s["reason"] for s in result["subscores"].values())
    assert f"3 human commits in {RECENT.label}" in reasons
    assert f"2 active people in {YEAR.label}" in reasons
    assert f"commits in 5 of the last {WEEKS.label}" in reasons


def test_window_lengths_are_written_only_in_windows_py():
    """Every 90-, 365- or 730-day window comes from tracker/windows.py: a length written anywhere else
    (a metric, a collector's date argument, a reader) could drift from the one definition."""
    root = Path(__file__).resolve().parents[2]
    literal = re.compile(r"timedelta\(\s*days\s*=\s*(90|365|366|730)\s*\)")
    found = [f"{path.relative_to(root)}:{n}" for folder in ("tracker", "collectors")
             for path in sorted((root / folder).rglob("*.py")) if path.name != "windows.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if literal.search(line)]
    assert found == []
