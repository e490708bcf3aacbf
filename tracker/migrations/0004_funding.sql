-- Funding: manifests (FUNDING.yml, funding.json), channels from every source, funding.json plans and
-- history, Open Collective snapshots, PyPI packages and releases, and the curated grants registry.

-- One row per funding manifest found in a project's HEAD, with what parsing it made of it.
CREATE TABLE funding_manifests (
    project_id      INTEGER NOT NULL,
    path            VARCHAR NOT NULL,           -- .github/FUNDING.yml, funding.json
    kind            VARCHAR NOT NULL,           -- funding_yml | funding_json
    status          VARCHAR NOT NULL,           -- ok | empty | invalid | not_manifest | unreadable
    version         VARCHAR,                    -- funding.json "version"
    channels        INTEGER NOT NULL,           -- channels kept
    problems        JSON NOT NULL,              -- ["github: 5 usernames, GitHub shows at most 4", ...]
    unknown_keys    JSON,                       -- FUNDING.yml keys GitHub does not know, with values
    detail          JSON,                       -- funding.json entity/projects summary
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, path)
);

-- Funding channels as last seen, from every source (natural key: project, source, platform, ref).
CREATE TABLE funding_channels (
    project_id      INTEGER NOT NULL,
    platform        VARCHAR NOT NULL,           -- github, open_collective, patreon, ..., custom, bank
    account         VARCHAR,                    -- username/slug on the platform, when there is one
    url             VARCHAR,                    -- http(s) only; NULL when none or unsafe
    source          VARCHAR NOT NULL,           -- funding_yml | funding_json | github_funding_links
                                                -- | github_sponsors | projects_yaml
    ref             VARCHAR NOT NULL,           -- account, else url, else the manifest's channel id
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, source, platform, ref)
);

-- funding.json plans ("asks") and yearly history, original currency kept.
CREATE TABLE funding_plans (
    project_id      INTEGER NOT NULL,
    guid            VARCHAR NOT NULL,
    name            VARCHAR,
    status          VARCHAR,                    -- active | inactive (normalised to lower case)
    amount          DOUBLE,                     -- 0 means "any amount" in the spec
    currency        VARCHAR,
    frequency       VARCHAR,                    -- one-time, weekly, fortnightly, monthly, yearly, other
    channels        JSON,
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, guid)
);

CREATE TABLE funding_history (
    project_id      INTEGER NOT NULL,
    year            INTEGER NOT NULL,
    income          DOUBLE,
    expenses        DOUBLE,
    taxes           DOUBLE,
    currency        VARCHAR,
    description     VARCHAR,
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, year)
);

-- Open Collective: one snapshot per collective per collection (append-only), and monthly income.
CREATE TABLE opencollective_snapshots (
    project_id      INTEGER NOT NULL,
    slug            VARCHAR NOT NULL,
    collected_at    TIMESTAMP NOT NULL,
    status          VARCHAR NOT NULL,           -- ok | not_found
    name            VARCHAR,
    account_type    VARCHAR,                    -- COLLECTIVE, PROJECT, FUND, ...
    fiscal_host_slug VARCHAR,
    fiscal_host_name VARCHAR,
    currency        VARCHAR,
    balance         DOUBLE,                     -- in `currency`
    yearly_budget   DOUBLE,
    received_12m    DOUBLE,
    spent_12m       DOUBLE,
    contributors_count INTEGER,
    PRIMARY KEY (project_id, slug, collected_at)
);

CREATE TABLE opencollective_monthly (
    project_id      INTEGER NOT NULL,
    slug            VARCHAR NOT NULL,
    month           DATE NOT NULL,              -- first day of the month (UTC)
    received        DOUBLE NOT NULL,
    currency        VARCHAR,
    collected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, slug, month)
);

-- PyPI: the package -> repository map (a cache, 'not_found' included) and release history.
CREATE TABLE pypi_packages (
    package         VARCHAR PRIMARY KEY,        -- PEP 503 normalised name
    repo_slug       VARCHAR,                    -- owner/repo on GitHub, NULL if none found
    project_urls    JSON,
    fetched_at      TIMESTAMP NOT NULL,
    status          VARCHAR NOT NULL,           -- ok | not_found
    display_name    VARCHAR,
    latest_version  VARCHAR,
    home_page       VARCHAR
);

CREATE TABLE pypi_releases (
    package         VARCHAR NOT NULL,           -- PEP 503 normalised name
    version         VARCHAR NOT NULL,
    uploaded_at     TIMESTAMP,                  -- earliest file upload; NULL for a release without files
    yanked          BOOLEAN NOT NULL,
    yanked_reason   VARCHAR,
    files           INTEGER NOT NULL,
    PRIMARY KEY (package, version)
);

-- The curated grants registry (tracker grants import). Natural key: funder, program, recipient, date.
CREATE SEQUENCE grant_id_seq START 1;

CREATE TABLE grants (
    id              BIGINT PRIMARY KEY DEFAULT nextval('grant_id_seq'),
    grant_key       VARCHAR NOT NULL UNIQUE,
    funder          VARCHAR NOT NULL,
    program         VARCHAR,
    recipient_project VARCHAR,
    recipient_repo  VARCHAR,                    -- owner/repo as given (without a trailing '?')
    recipient_repo_key VARCHAR,                 -- lower(recipient_repo), joins projects.slug_key
    repo_uncertain  BOOLEAN NOT NULL,           -- the file marked the repo with '?': never linked
    amount          DOUBLE,                     -- in `currency`; NULL when not published
    currency        VARCHAR,
    awarded_on      DATE,                       -- first day of the period when only month/year known
    awarded_precision VARCHAR,                  -- day | month | year; NULL when no date
    period_months   INTEGER,
    kind            VARCHAR,                    -- grant, donation, membership, fiscal_sponsorship, ...
    source_url      VARCHAR NOT NULL,           -- URL or repository file reference owner/repo:path
    note            VARCHAR,
    imported_from   VARCHAR,
    imported_at     TIMESTAMP NOT NULL
);
