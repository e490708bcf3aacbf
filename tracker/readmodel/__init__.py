"""The read model: every reader's one way into the database.

The app's pages (tracker/ui), `tracker report`, `export`, `badge`, `deps`, `status`, `list` and
`grants list` read through these named functions. They query the views and macros of migrations
0009 and 0013 (derived data has one definition: latest scores and their trend, freshness, activity
series, releases of every kind, distinct funding channels); docs/app.md, "Read model", lists them
with their users. Readers write no SQL of their own, never guess the schema (the migrations
guarantee it; `tracker.store.open_reader` checks its version once per connection) and never
compute metrics: they show what `tracker score` stored.

Modules: `scores` (latest score as of a date, trend, history), `funding` (asks for funding vs
money received, the one "has funding" rule, channels, Sponsors, Open Collective, grants),
`activity` (weekly series, contributors, releases, first responses), `freshness` (data as of,
runs, `tracker status`), and `pages` (what each app page reads in one call, as DataFrames: import
it as `tracker.readmodel.pages`; the rest needs no pandas). Projects are the registry's
(`tracker.registry`), re-exported here.
"""

from tracker.readmodel.activity import (
    contributors,
    first_responses,
    latest_github,
    package_last_uploads,
    releases,
    weekly_series,
)
from tracker.readmodel.freshness import (
    collection_status,
    data_at,
    last_runs,
    project_freshness,
    source_freshness,
    source_summary,
)
from tracker.readmodel.funding import (
    FundingStatus,
    channels,
    funding_status,
    grant_impact,
    grant_list,
    grants,
    opencollective,
    sponsors,
)
from tracker.readmodel.scores import (
    TREND_DAYS,
    latest_score,
    latest_scores,
    score_history,
    score_series,
    scores_by_slug,
)
from tracker.registry import Project
from tracker.registry import all_projects as projects
from tracker.registry import find as find_project
from tracker.registry import get as project

__all__ = [
    "TREND_DAYS", "FundingStatus", "Project", "channels", "collection_status", "contributors", "data_at",
    "find_project", "first_responses", "funding_status", "grant_impact", "grant_list", "grants", "last_runs",
    "latest_github", "latest_score", "latest_scores", "opencollective", "package_last_uploads", "project",
    "project_freshness", "projects", "releases", "score_history", "score_series", "scores_by_slug", "source_freshness",
    "source_summary", "sponsors", "weekly_series",
]
