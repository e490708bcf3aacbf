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
