-- Registry of tracked projects and the bookkeeping of every collection run.
-- All timestamps in this database are UTC (TIMESTAMP without zone).
CREATE SEQUENCE project_id_seq START 1;

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY DEFAULT nextval('project_id_seq'),
    slug            VARCHAR NOT NULL,           -- owner/name as GitHub spells it
    slug_key        VARCHAR NOT NULL UNIQUE,    -- lower(slug): GitHub names are case-insensitive
    owner           VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    git_source      VARCHAR,                    -- URL or local path; NULL = the GitHub URL
    pypi_package    VARCHAR,
    category        VARCHAR,
    display_name    VARCHAR,
    opencollective_slug VARCHAR,
    added_at        TIMESTAMP NOT NULL
);

CREATE SEQUENCE collection_run_id_seq START 1;

CREATE TABLE collection_runs (
    id              BIGINT PRIMARY KEY DEFAULT nextval('collection_run_id_seq'),
    source          VARCHAR NOT NULL,           -- git, github, pypi, opencollective, ...
    project_id      INTEGER,                    -- NULL for runs not tied to one project
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,           -- running, ok, error, interrupted
    error           VARCHAR,
    counters        JSON,                       -- {"commits_new": 12, ...}
    cursor          JSON,                       -- resume point, source-specific
    requests        INTEGER,                    -- remote requests spent (NULL: not remote)
    points          INTEGER,                    -- GraphQL points spent
    pid             INTEGER,
    host            VARCHAR
);
CREATE INDEX collection_runs_by_project ON collection_runs (source, project_id, started_at);
