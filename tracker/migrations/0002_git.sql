-- Git history: one row per commit reachable from the default branch, the paths each touched,
-- tags, and the governance/funding files present in HEAD.
CREATE TABLE git_repos (
    project_id      INTEGER PRIMARY KEY,
    source          VARCHAR NOT NULL,           -- the URL or path it was read from
    local_path      VARCHAR NOT NULL,           -- where git ran (cache clone or the user's path)
    default_branch  VARCHAR,
    head_sha        VARCHAR,                    -- last HEAD fully stored (the incremental cursor)
    is_shallow      BOOLEAN NOT NULL DEFAULT false,
    is_empty        BOOLEAN NOT NULL DEFAULT false,
    commits_stored  BIGINT,
    collected_at    TIMESTAMP NOT NULL
);

CREATE TABLE git_commits (
    project_id      INTEGER NOT NULL,
    sha             VARCHAR NOT NULL,
    parents         VARCHAR NOT NULL,           -- space-separated parent shas
    is_merge        BOOLEAN NOT NULL,
    author_name     VARCHAR NOT NULL,           -- after .mailmap
    author_email    VARCHAR NOT NULL,           -- after .mailmap; never shown in UI/exports
    author_key      VARCHAR NOT NULL,           -- identity used for counting people
    author_at       TIMESTAMP NOT NULL,
    committer_at    TIMESTAMP NOT NULL,
    is_bot          BOOLEAN NOT NULL,
    date_suspect    BOOLEAN NOT NULL,           -- committed in the future or before 1990
    PRIMARY KEY (project_id, sha)
);

CREATE TABLE git_commit_files (
    project_id      INTEGER NOT NULL,
    sha             VARCHAR NOT NULL,
    change          VARCHAR NOT NULL,           -- A added, M modified, D deleted, T type change
    path            VARCHAR NOT NULL
);

CREATE TABLE git_tags (
    project_id      INTEGER NOT NULL,
    name            VARCHAR NOT NULL,
    sha             VARCHAR,                    -- the commit the tag points to
    tagged_at       TIMESTAMP,                  -- tagger date (annotated) or commit date
    is_release      BOOLEAN NOT NULL,           -- counted in release-cadence metrics
    PRIMARY KEY (project_id, name)
);

CREATE TABLE repo_files (
    project_id      INTEGER NOT NULL,
    kind            VARCHAR NOT NULL,           -- funding_yml, funding_json, security, license, ...
    path            VARCHAR NOT NULL,
    size_bytes      BIGINT,
    content         VARCHAR,                    -- capped; NULL when unreadable or too large
    truncated       BOOLEAN NOT NULL DEFAULT false,
    problem         VARCHAR,                    -- why content is missing, if it is
    blob_sha        VARCHAR,
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, path)
);
