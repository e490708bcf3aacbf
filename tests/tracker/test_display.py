"""tracker.display: one way to show values to people; "unknown", never "None", "nan" or 0."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from tracker import display, output


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, pd.NaT])
def test_unknown_reads_unknown_everywhere(value):
    assert display.is_unknown(value)
    for fn in (display.text, display.number, display.percent, display.date, display.when, display.money,
               display.yes_no, display.cell):
        assert fn(value) == "unknown", fn.__name__
    assert display.count(value, "channel") == "unknown"


def test_zero_and_false_are_known():
    assert not display.is_unknown(0) and not display.is_unknown(False)
    assert display.text(0) == "0" and display.text(0.0) == "0" and display.text(False) == "no"
    assert display.text(True) == "yes" and display.yes_no("unknown") == "unknown"


@pytest.mark.parametrize("value, digits, expected", [
    (1234567, None, "1,234,567"), (72.0, None, "72"), (5.5, None, "5.5"), (12.345, None, "12.35"),
    (0.123456, None, "0.1235"), (24000.4, None, "24,000"), (5.5, 1, "5.5"), (12.0, 1, "12.0"),
    (71.6, 0, "72"), (float("inf"), None, "unknown"),
])
def test_numbers(value, digits, expected):
    assert display.number(value, digits) == expected


def test_percentages_counts_dates_money():
    assert display.percent(0.6) == "60%" and display.percent(0.125, 1) == "12.5%" and display.percent(0) == "0%"
    assert [display.count(n, "channel") for n in (0, 1, 2, 1000)] == [
        "0 channels", "1 channel", "2 channels", "1,000 channels"]
    assert display.count(1, "person", "people") == "1 person" and display.count(3, "person", "people") == "3 people"
    assert display.date(datetime(2026, 1, 31, 10, 5)) == "2026-01-31" and display.date(date(2026, 1, 31)) == "2026-01-31"
    assert display.when(datetime(2026, 1, 31, 10, 5, 59)) == "2026-01-31 10:05 UTC"
    assert display.text(datetime(2026, 1, 31)) == "2026-01-31"  # a midnight time reads as its date
    assert display.text(pd.Timestamp("2026-01-31 10:05")) == "2026-01-31 10:05 UTC"
    assert display.money(1200.4) == "$1,200" and display.money(50000, "eur") == "50,000 EUR"


def test_structures():
    assert display.text(["custom", "github"]) == "custom, github" and display.text([]) == "none"
    assert display.text({"a": None}) == '{"a": null}'


def test_cli_tables_never_print_none():
    text = output.table([{"a": None, "b": True, "c": 1234.6, "d": float("nan"), "e": "x"}])
    assert "None" not in text and "nan" not in text
    assert text.splitlines()[2].split() == ["unknown", "yes", "1,235", "unknown", "x"]


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (1, "people", "1 person"), (3, "people", "3 people"), (1, "days", "1 day"), (12.25, "hours", "12.2 hours"),
    (720.0, "hours", "720 hours"), (24000.0, "USD", "$24,000"), (0.77, "ratio", "77%"), (0.5, "share", "50%"),
    (0.613, "score 0-1", "0.61"), (None, "people", "unknown"), (True, None, "yes"), (1500, "stars", "1,500 stars"),
])
def test_quantity_with_catalogue_units(value, unit, expected):
    assert display.quantity(value, unit) == expected
