-- The read model's named views: derived data has one definition, used by metrics, scoring inputs,
-- the app, reports and exports alike (docs/architecture.md). Views hold no data; they cost nothing
-- to keep and change with their migration.

-- Commits that count in time-based metrics: dated plausibly (not before 1990, not in the future).
CREATE VIEW dated_commits AS
SELECT * FROM git_commits WHERE NOT date_suspect;

-- Commits by people: dated plausibly and not made by automation (bots, CI, dependency updaters).
CREATE VIEW human_commits AS
SELECT * FROM git_commits WHERE NOT is_bot AND NOT date_suspect;

-- The newest scores row of every project.
CREATE VIEW latest_scores AS
SELECT * FROM scores
QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY computed_at DESC) = 1;

-- Releases of every kind, one row per release event: release tags in git, published GitHub
-- releases (not drafts, which are never stored), and PyPI uploads of the project's package.
-- `prerelease` is false for git release tags (pre-release tags are not release tags); for PyPI it
-- follows PEP 440's markers (a, b, rc, dev).
CREATE VIEW all_releases AS
SELECT project_id, name AS release, tagged_at AS released_at, 'git' AS source, false AS prerelease
FROM git_tags WHERE is_release AND tagged_at IS NOT NULL
UNION ALL
SELECT project_id, tag AS release, coalesce(published_at, created_at) AS released_at, 'github' AS source,
       prerelease
FROM github_releases WHERE coalesce(published_at, created_at) IS NOT NULL
UNION ALL
SELECT p.id AS project_id, r.version AS release, r.uploaded_at AS released_at, 'pypi' AS source,
       regexp_matches(lower(r.version), '[0-9.](a|b|c|rc|alpha|beta|pre|preview|dev)[0-9]*') AS prerelease
FROM projects p
JOIN pypi_releases r ON r.package = lower(regexp_replace(p.pypi_package, '[-_.]+', '-', 'g'))
JOIN pypi_packages k ON k.package = r.package AND k.status = 'ok'
WHERE NOT r.yanked AND r.uploaded_at IS NOT NULL;

-- Scores as of a moment, with the 90-day trend: the newest scores row of each project (or of project
-- `pid` only) computed at or before `as_of` (NULL: no limit), and beside it the newest row at least
-- `trend_days` (90) days older than that one, the trend's base (trend columns NULL when there is
-- none). scores_as_of(NULL, NULL) holds the rows of `latest_scores`, with their trends.
CREATE MACRO scores_as_of(as_of, pid) AS TABLE
WITH latest AS (
    SELECT * FROM scores
    WHERE computed_at <= coalesce(as_of, 'infinity'::TIMESTAMP) AND (pid IS NULL OR project_id = pid)
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY computed_at DESC) = 1),
base AS (
    SELECT t.project_id, max(t.computed_at) AS computed_at
    FROM scores t JOIN latest l ON l.project_id = t.project_id
    WHERE t.computed_at <= l.computed_at - INTERVAL 90 DAY
    GROUP BY t.project_id)
SELECT latest.*, 90 AS trend_days, t.computed_at AS trend_since, t.health AS health_then,
       t.risk_level AS risk_then, round(latest.health - t.health, 1) AS trend_change
FROM latest
LEFT JOIN base ON base.project_id = latest.project_id
LEFT JOIN scores t ON t.project_id = base.project_id AND t.computed_at = base.computed_at;

-- The newest collection run of each source and project (project_id NULL: a run for no project).
CREATE VIEW last_runs AS
SELECT r.id, r.source, r.project_id, p.slug AS project, r.started_at, r.finished_at, r.status, r.error,
       r.counters, r.requests, r.points, r.pid, r.host
FROM collection_runs r LEFT JOIN projects p ON p.id = r.project_id
QUALIFY row_number() OVER (PARTITION BY r.source, r.project_id ORDER BY r.started_at DESC, r.id DESC) = 1;

-- Runs that brought data: finished with any status but the failures. 'ok' and 'partial' (what arrived
-- was saved) count, and so does any later kind of success; 'running', 'error' and 'interrupted' do not.
CREATE VIEW data_runs AS
SELECT id, source, project_id, started_at, finished_at, status
FROM collection_runs
WHERE finished_at IS NOT NULL AND status NOT IN ('running', 'error', 'interrupted');

-- Freshness per source and project: the last run (when, its status and error) and when data last
-- arrived from that source (NULL: never).
CREATE VIEW source_freshness AS
SELECT l.source, l.project_id, l.project, l.started_at AS last_started_at, l.finished_at AS last_finished_at,
       l.status AS last_status, l.error AS last_error, d.data_at
FROM last_runs l
LEFT JOIN (SELECT source, project_id, max(finished_at) AS data_at FROM data_runs GROUP BY ALL) d
       ON d.source = l.source AND d.project_id IS NOT DISTINCT FROM l.project_id;

-- Freshness per project, over the sources that ever brought it data: `data_as_of` is the bundle's
-- date (every source's data is at least this recent: the oldest of their last arrivals),
-- `last_collected_at` the newest arrival; `sources_failing` counts sources whose last run failed.
CREATE VIEW project_freshness AS
SELECT project_id, min(data_at) AS data_as_of, max(data_at) AS last_collected_at,
       count(data_at) AS sources_with_data,
       count(*) FILTER (WHERE last_status IN ('error', 'interrupted')) AS sources_failing
FROM source_freshness WHERE project_id IS NOT NULL GROUP BY project_id;

-- Per source: how its runs went (`data_runs`: runs that brought data; see data_runs) and the last one.
CREATE VIEW source_summary AS
SELECT r.source, max(r.started_at) AS last_started, max(r.finished_at) AS last_finished,
       count(d.id) AS data_runs,
       count(*) FILTER (WHERE r.status = 'error') AS error_runs,
       count(*) FILTER (WHERE r.status = 'running') AS running,
       count(*) FILTER (WHERE r.status = 'interrupted') AS interrupted,
       arg_max(r.status, r.started_at) AS last_status,
       arg_max(r.error, r.started_at) FILTER (WHERE r.status = 'error') AS last_error
FROM collection_runs r LEFT JOIN data_runs d ON d.id = r.id
GROUP BY r.source;

-- Activity per project and week / month (weeks start on Monday, UTC), from plausibly dated commits:
-- all commits (bots included), commits by people, and people active (distinct identities, no bots).
-- Weeks without commits have no row: readers zero-fill the series they show.
-- weekly_activity_between(since, until) is the same for commits in [since, until) (NULL: no limit),
-- reading only those commits (what makes the overview's 26-week sparklines cheap).
CREATE MACRO weekly_activity_between(since, until) AS TABLE
SELECT project_id, date_trunc('week', committer_at)::TIMESTAMP AS week, count(*) AS commits,
       count(*) FILTER (WHERE NOT is_bot) AS human_commits,
       count(DISTINCT CASE WHEN NOT is_bot THEN author_key END) AS active_contributors
FROM dated_commits
WHERE committer_at >= coalesce(since, '-infinity'::TIMESTAMP) AND committer_at < coalesce(until, 'infinity'::TIMESTAMP)
GROUP BY ALL;

CREATE VIEW weekly_activity AS SELECT * FROM weekly_activity_between(NULL, NULL);

CREATE VIEW monthly_activity AS
SELECT project_id, date_trunc('month', committer_at)::DATE AS month, count(*) AS commits,
       count(*) FILTER (WHERE NOT is_bot) AS human_commits,
       count(DISTINCT CASE WHEN NOT is_bot THEN author_key END) AS active_contributors
FROM dated_commits GROUP BY ALL;

-- One row per release of a project, whichever sources saw it: a git tag 'v1.2.0', the GitHub release
-- of that tag and the PyPI upload '1.2.0' are one release, matched on `version` (the name from its
-- first digit on, lower case; the whole name in lower case when it has no digit). `release` is the
-- name GitHub shows, else git's, else PyPI's; `released_at` the first time any source saw it.
CREATE VIEW release_events AS
SELECT project_id, version, arg_min(release, source_rank) AS release, min(released_at) AS released_at,
       list(DISTINCT source ORDER BY source) AS sources, bool_or(prerelease) AS prerelease
FROM (SELECT *, CASE WHEN regexp_matches(release, '[0-9]') THEN regexp_extract(lower(release), '[0-9].*')
                     ELSE lower(release) END AS version,
             CASE source WHEN 'github' THEN 1 WHEN 'git' THEN 2 ELSE 3 END AS source_rank
      FROM all_releases)
GROUP BY project_id, version;

-- The newest snapshot: of each project's GitHub repository and Sponsors listing, and of each Open
-- Collective account of a project.
CREATE VIEW latest_github_snapshots AS
SELECT * FROM github_repo_snapshots
QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY collected_at DESC) = 1;

CREATE VIEW latest_github_sponsors AS
SELECT * FROM github_sponsors
QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY collected_at DESC) = 1;

CREATE VIEW latest_opencollective_snapshots AS
SELECT * FROM opencollective_snapshots
QUALIFY row_number() OVER (PARTITION BY project_id, slug ORDER BY collected_at DESC) = 1;

-- Grants linked to a tracked project, by repository (a link the registry marks uncertain never counts).
CREATE VIEW linked_grants AS
SELECT p.id AS project_id, p.slug AS project, g.*
FROM grants g JOIN projects p ON p.slug_key = g.recipient_repo_key
WHERE NOT g.repo_uncertain;

-- Time to first response per project, month opened and kind (issue / pr): issues and pull requests
-- by people (not bots) whose first response was looked up; the median hours until someone else (not a
-- bot) answered, how many were opened and how many are still unanswered.
CREATE VIEW monthly_first_responses AS
SELECT project_id, date_trunc('month', created_at)::DATE AS month, kind,
       median(date_diff('second', created_at, first_response_at) / 3600.0)
           FILTER (WHERE first_response_at IS NOT NULL) AS median_hours,
       count(*) AS opened, count(*) FILTER (WHERE first_response_at IS NULL) AS unanswered
FROM github_issues
WHERE response_checked AND NOT coalesce(author_is_bot, false)
GROUP BY ALL;
