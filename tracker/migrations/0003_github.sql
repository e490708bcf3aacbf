-- GitHub: repository snapshots, releases, issues and pull requests with first responses,
-- contributors, community profile, funding links, the owner's Sponsors listing, and the
-- per-URL ETags and per-project state that make collection incremental.
CREATE TABLE github_repo_snapshots (
    project_id      INTEGER NOT NULL,
    collected_at    TIMESTAMP NOT NULL,
    github_id       BIGINT,
    full_name       VARCHAR,                    -- owner/name as GitHub spells it now
    stars           INTEGER,
    forks           INTEGER,
    watchers        INTEGER,                    -- subscribers, not stars
    open_issues     INTEGER,                    -- issues only (NULL without GraphQL)
    open_prs        INTEGER,                    -- pull requests only (NULL without GraphQL)
    open_issues_and_prs INTEGER,                -- REST open_issues_count (both together)
    archived        BOOLEAN,
    disabled        BOOLEAN,
    is_fork         BOOLEAN,
    parent          VARCHAR,                    -- owner/name of the fork's parent
    license_spdx    VARCHAR,
    topics          JSON,
    language        VARCHAR,
    created_at      TIMESTAMP,
    pushed_at       TIMESTAMP,
    updated_at      TIMESTAMP,
    default_branch  VARCHAR,
    homepage        VARCHAR,
    description     VARCHAR,
    is_empty        BOOLEAN,
    security_policy BOOLEAN,                    -- GraphQL isSecurityPolicyEnabled
    commits_365d    INTEGER,                    -- default-branch commits in the year before collection
    contributors_count INTEGER,                 -- anonymous included, as last counted
    PRIMARY KEY (project_id, collected_at)
);

CREATE TABLE github_releases (
    project_id      INTEGER NOT NULL,
    release_id      BIGINT NOT NULL,
    tag             VARCHAR NOT NULL,
    name            VARCHAR,
    created_at      TIMESTAMP,
    published_at    TIMESTAMP,
    prerelease      BOOLEAN NOT NULL,
    PRIMARY KEY (project_id, release_id)
);

CREATE TABLE github_issues (
    project_id      INTEGER NOT NULL,
    number          INTEGER NOT NULL,
    kind            VARCHAR NOT NULL,           -- 'issue' | 'pr'
    state           VARCHAR NOT NULL,           -- 'open' | 'closed'
    author_login    VARCHAR,
    author_is_bot   BOOLEAN,
    author_association VARCHAR,                 -- OWNER, MEMBER, CONTRIBUTOR, NONE, ...
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    closed_at       TIMESTAMP,
    merged_at       TIMESTAMP,
    comments        INTEGER,
    first_response_at TIMESTAMP,                -- first comment/review by another person, not a bot
    first_response_by VARCHAR,
    response_checked BOOLEAN NOT NULL DEFAULT false, -- false: first response not looked up (unknown)
    PRIMARY KEY (project_id, number)
);

CREATE TABLE github_contributors (
    project_id      INTEGER NOT NULL,
    rank            INTEGER NOT NULL,           -- 1 = most contributions
    login           VARCHAR,                    -- NULL for anonymous (e-mail only) contributors
    kind            VARCHAR NOT NULL,           -- 'User' | 'Bot' | 'Anonymous'
    contributions   INTEGER,
    company         VARCHAR,                    -- public profile field, top contributors only
    organizations   JSON,                       -- public organisation memberships (logins)
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, rank)
);

CREATE TABLE github_community (
    project_id      INTEGER PRIMARY KEY,
    health_percentage INTEGER,
    has_readme      BOOLEAN,
    has_contributing BOOLEAN,
    has_code_of_conduct BOOLEAN,
    has_license     BOOLEAN,
    has_security_policy BOOLEAN,
    has_issue_template BOOLEAN,
    has_pr_template BOOLEAN,
    collected_at    TIMESTAMP NOT NULL
);

CREATE TABLE github_sponsors (          -- one row per project per collection
    project_id INTEGER NOT NULL, collected_at TIMESTAMP NOT NULL,
    owner_login VARCHAR, owner_type VARCHAR,          -- 'User' | 'Organization'
    has_sponsors_listing BOOLEAN, sponsors_count INTEGER,
    goal_kind VARCHAR, goal_target_value INTEGER, goal_percent_complete INTEGER, goal_title VARCHAR,
    tiers JSON,                                       -- [{name, monthly_price_usd, is_one_time}]
    PRIMARY KEY (project_id, collected_at));

CREATE TABLE github_funding_links (     -- Repository.fundingLinks as last seen
    project_id INTEGER NOT NULL, platform VARCHAR NOT NULL, url VARCHAR NOT NULL,
    collected_at TIMESTAMP NOT NULL, PRIMARY KEY (project_id, platform, url));

CREATE TABLE github_etags (             -- conditional requests: the validator of each URL's last 200
    project_id      INTEGER NOT NULL,
    url             VARCHAR NOT NULL,           -- path and query, never a token
    etag            VARCHAR NOT NULL,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, url)
);

CREATE TABLE github_state (             -- per project: where incremental collection stands
    project_id      INTEGER PRIMARY KEY,
    github_id       BIGINT,
    status          VARCHAR NOT NULL,           -- ok | empty | not_found | blocked
    detail          VARCHAR,
    issues_since    TIMESTAMP,                  -- updated-at cursor of the issue/PR listing
    window_start    TIMESTAMP,                  -- first collection bounded to items updated after this
    window_open_done BOOLEAN NOT NULL DEFAULT false, -- open items older than the window fetched too
    contributors_at TIMESTAMP,
    community_at    TIMESTAMP,
    collected_at    TIMESTAMP NOT NULL
);
