"""tracker/ui/figures.py: the project page's activity chart drawn on the server as HTML. Its labels,
its bars and release lines against the data, its time axis, and untrusted text kept inert."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pandas as pd

from tracker.ui import figures


class Parsed(HTMLParser):
    """Every element (tag, attributes, style as a dict, its own text) of a figure."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        style = dict(tuple(p.strip() for p in d.split(":", 1)) for d in (attrs.get("style") or "").split(";")
                     if ":" in d)
        element = {"tag": tag, "attrs": attrs, "style": style, "text": ""}
        self.elements.append(element)
        self.stack.append(element)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"] += data

    def texts(self) -> list[str]:
        return [e["text"].strip() for e in self.elements if e["tag"] in ("figcaption", "span") and e["text"].strip()]

    def bars(self) -> list[dict]:
        return [e for e in self.elements if "bottom" in e["style"] and "height" in e["style"] and "title" in e["attrs"]]

    def releases(self) -> list[dict]:
        return [e for e in self.elements if e["attrs"].get("title", "").startswith("release ")]


def monthly(start: str, commits: list[int]) -> pd.DataFrame:
    months = pd.date_range(start, periods=len(commits), freq="MS")
    return pd.DataFrame({"month": months, "commits": commits, "human_commits": [max(0, c - 1) for c in commits],
                         "active_contributors": [1 if c else 0 for c in commits]})


def releases(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"release": r, "released_at": pd.Timestamp(d), "source": s, "sources": [s], "prerelease": False}
                         for r, d, s in rows], columns=["release", "released_at", "source", "sources", "prerelease"])


def pct(value: str) -> float:
    return float(value.rstrip("%"))


def test_three_years_by_month_labelled_and_drawn_to_scale():
    commits = [(i * 7) % 23 for i in range(36)]  # Aug 2023 .. Jul 2026; the largest month has 22
    data = monthly("2023-08-01", commits)
    rel = releases(("v1.0", "2023-01-10", "git tag"), ("v2.0", "2024-02-15", "GitHub release"),
                   ("v2.1", "2025-08-01", "PyPI upload"))
    page = Parsed(figures.activity(data, rel, "Commits a month and releases, last 3 years"))
    texts = page.texts()
    assert texts[0] == "Commits a month and releases, last 3 years"
    assert "commits a month" in texts and "commits" in texts and "release" in texts  # axis title, legend
    # y axis: round steps from 0 past the largest month, labelled
    assert [t for t in texts if re.fullmatch(r"\d+", t)] == ["0", "5", "10", "15", "20", "25"]
    # x axis: January and July of each year inside the period, in order, never a time of day
    assert [t for t in texts if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t)] == [
        "Jan 2024", "Jul 2024", "Jan 2025", "Jul 2025", "Jan 2026", "Jul 2026"]
    bars = page.bars()
    assert len(bars) == 36
    top = 25
    for bar, n in zip(bars, commits, strict=True):
        assert abs(pct(bar["style"]["height"]) - 100 * n / top) < 0.01
    assert [pct(b["style"]["left"]) for b in bars] == sorted(pct(b["style"]["left"]) for b in bars)
    assert bars[0]["attrs"]["title"] == "August 2023: 0 commits, 0 by people, 0 people committing"
    assert bars[1]["attrs"]["title"] == "September 2023: 7 commits, 6 by people, 1 person committing"
    # releases inside the period only, each at its date
    lines = page.releases()
    assert [r["attrs"]["title"] for r in lines] == ["release v2.0, 2024-02-15, first seen as GitHub release",
                                                    "release v2.1, 2025-08-01, first seen as PyPI upload"]
    span = (datetime(2026, 8, 1) - datetime(2023, 8, 1)).total_seconds()
    at = (datetime(2025, 8, 1) - datetime(2023, 8, 1)).total_seconds() / span * 100
    assert abs(pct(lines[1]["style"]["left"]) - at) < 0.01


def test_whole_history_axis_in_years():
    data = monthly("2015-03-01", [3] * (12 * 11 + 4))  # Mar 2015 .. Jun 2026
    texts = Parsed(figures.activity(data, releases(), "Commits a month and releases, whole history")).texts()
    years = [t for t in texts if re.fullmatch(r"\d{4}", t)]
    assert years == ["2016", "2017", "2018", "2019", "2020", "2021", "2022", "2023", "2024", "2025", "2026"]
    assert "release" not in texts  # no release in the period: no legend entry for it


def test_untrusted_release_names_stay_text():
    hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>\x00\x1b[31m'
    data = monthly("2026-01-01", [1, 2, 3])
    figure = figures.activity(data, releases((hostile, "2026-02-03", "git <b>tag</b>")), "Commits a month")
    page = Parsed(figure)
    assert {e["tag"] for e in page.elements} <= {"figure", "figcaption", "div", "span"}
    assert "<img" not in figure and "<script" not in figure and "\x00" not in figure and "\x1b" not in figure
    title = page.releases()[0]["attrs"]["title"]
    assert title.startswith('release "><img src=x onerror=alert(1)><script>alert(2)</script>')  # shown literally
    assert title.endswith("first seen as git <b>tag</b>")


def test_releases_without_commits_and_nothing_at_all():
    page = Parsed(figures.activity(monthly("2026-01-01", [])[:0], releases(("v1", "2025-06-01", "git tag")),
                                   "Releases"))
    assert page.texts()[0] == "Releases" and "commits" not in page.texts() and "release" in page.texts()
    assert page.bars() == [] and len(page.releases()) == 1
    assert figures.activity(monthly("2026-01-01", [])[:0], releases(), "Releases") == ""


def test_nice_ticks():
    assert figures.nice_ticks(0) == [0, 1]
    assert figures.nice_ticks(3) == [0, 1, 2, 3]
    assert figures.nice_ticks(42) == [0, 10, 20, 30, 40, 50]
    assert figures.nice_ticks(1234) == [0, 500, 1000, 1500]


def test_text_is_escaped_and_unknown_never_none():
    assert figures.text(None) == "unknown"
    assert figures.text('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert figures.text("x" * 500) == "x" * figures.MAX_TEXT
