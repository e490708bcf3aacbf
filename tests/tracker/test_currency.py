"""The shipped, dated rates table and user overrides."""

from __future__ import annotations

import pytest

from tracker.currency import SHIPPED_RATES, load_rates
from tracker.errors import UsageError


def test_shipped_table_is_dated_sourced_and_converts():
    rates = load_rates(SHIPPED_RATES)
    assert rates.date == "2025-02-28" and "European Central Bank" in rates.source
    assert rates.to_usd(100, "USD") == 100.0
    assert rates.to_usd(100, "eur") == 104.11
    assert rates.to_usd(1000, "JPY") == round(1000 * 1.0411 / 156.96, 2)
    assert rates.to_usd(100, "XAU") is None and rates.to_usd(None, "USD") is None
    assert len(rates.usd_per_unit) >= 30


def test_environment_override_and_bad_tables(tmp_path, monkeypatch):
    good = tmp_path / "r.csv"
    good.write_text("# date: 2020-01-01\ncurrency,per_eur\nEUR,1\nUSD,1.25\nGBP,0.5\n")
    monkeypatch.setenv("TRACKER_RATES", str(good))
    rates = load_rates()
    assert rates.date == "2020-01-01" and rates.to_usd(10, "GBP") == 25.0
    for text, words in [("currency,rate\nEUR,1\n", "needs the columns"),
                        ("currency,per_eur\nEUR,1\nGBP,0.5\n", "need a USD row"),
                        ("currency,per_eur\nEURO,1\nUSD,1\n", "three-letter"),
                        ("currency,usd_per_unit\nEUR,-1\n", "positive"),
                        ("currency,usd_per_unit\nEUR,abc\n", "not a number")]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(UsageError, match=words):
            load_rates(bad)
    with pytest.raises(UsageError, match="no such file"):
        load_rates(tmp_path / "missing.csv")
