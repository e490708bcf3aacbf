"""The overview's and the funders' filters at their edges (issue 20: ignoring the health filter's
upper bound, or search by display name, broke no test). Pure functions over a table of projects."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.ui import funders, overview


def projects() -> pd.DataFrame:
    return pd.DataFrame([
        # slug, display name, health, category, risk, funding, criticality, maturity
        ("acme/rocket", "Rocket", 72.0, "frameworks", "medium", "yes", 0.7, "mature"),
        ("beta/quiet", "Quiet Engine", 35.0, None, "high", "no", 0.2, "young"),
        ("gamma/new", None, None, "tools", None, "unknown", None, None),
        ("delta/edge", "Delta", 40.0, "tools", "low", "yes", 0.5, "mature-stable"),
        ("eps/top", "Eps", 60.0, "tools", "low", "no", 0.49, "active"),
    ], columns=["slug", "name", "health", "category", "risk_level", "has_funding", "criticality", "maturity"])


def slugs(df: pd.DataFrame) -> list[str]:
    return list(df["slug"])


@pytest.mark.parametrize(("bounds", "unknown", "expected"), [
    ((40, 60), True, ["gamma/new", "delta/edge", "eps/top"]),     # both ends included, 35 and 72 not
    ((40, 60), False, ["delta/edge", "eps/top"]),
    ((41, 59), False, []),                                         # one point inside each end: neither
    ((0, 50), False, ["beta/quiet", "delta/edge"]),                # the upper bound keeps 60 and 72 out
    ((61, 100), False, ["acme/rocket"]),
    ((0, 100), True, ["acme/rocket", "beta/quiet", "gamma/new", "delta/edge", "eps/top"]),
])
def test_health_range_holds_its_bounds_and_unknown_health_is_its_own_choice(bounds, unknown, expected):
    got = overview.apply_filters(projects(), overview.Filters(health=bounds, include_unknown_health=unknown))
    assert slugs(got) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("engine", ["beta/quiet"]),          # only in the display name
    ("QUIET eng", ["beta/quiet"]),       # case-insensitive, spaces kept inside
    ("  rocket  ", ["acme/rocket"]),     # slug and name; outer spaces dropped
    ("gamma", ["gamma/new"]),            # no display name: the slug still matches
    ("a/", ["beta/quiet", "gamma/new", "delta/edge"]),   # every match, in the table's order
    ("(", []),                           # a literal, not a pattern
])
def test_search_matches_slug_or_display_name_as_plain_text(text, expected):
    assert slugs(overview.apply_filters(projects(), overview.Filters(search=text))) == expected


def test_filters_combine_and_unknowns_have_their_own_choices():
    df = projects()
    assert slugs(overview.apply_filters(df, overview.Filters(risks=["unknown"]))) == ["gamma/new"]
    assert slugs(overview.apply_filters(df, overview.Filters(categories=["uncategorised"]))) == ["beta/quiet"]
    assert slugs(overview.apply_filters(df, overview.Filters(funding="unknown"))) == ["gamma/new"]
    both = overview.Filters(categories=["tools"], funding="no", health=(50, 100))
    assert slugs(overview.apply_filters(df, both)) == ["eps/top"]


def test_funders_minimum_criticality_is_inclusive_and_unknown_is_below_any_minimum():
    df = projects()
    assert slugs(funders.apply_filters(df, funders.Filters(min_criticality=0.5))) == ["acme/rocket", "delta/edge"]
    assert slugs(funders.apply_filters(df, funders.Filters(min_criticality=0.0))) == slugs(df)  # 0: no filter
    assert slugs(funders.apply_filters(df, funders.Filters(hide_mature=True))) == ["beta/quiet", "gamma/new",
                                                                                 "eps/top"]
