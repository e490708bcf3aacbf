-- Backtests (issue 18): each `tracker backtest` run and its per-project verdicts and outcomes, so the
-- app's Validation page shows how often the risk verdict came true (docs/methodology.md, "Backtest").
-- A run is never updated: a new run is a new row. Rows of a project no longer tracked are removed
-- with it (backtest_results has project_id); the run's summaries keep the figures as they were.
CREATE SEQUENCE backtest_run_id_seq START 1;

CREATE TABLE backtest_runs (
    id              BIGINT PRIMARY KEY DEFAULT nextval('backtest_run_id_seq'),
    ran_at          TIMESTAMP NOT NULL,
    as_of           TIMESTAMP NOT NULL,         -- DATE: verdicts use only what existed then
    horizon_months  INTEGER NOT NULL,           -- outcomes over (as_of, as_of + horizon]
    weights_version VARCHAR NOT NULL,
    corpus          VARCHAR,                    -- the corpus file's name, when parts were given
    projects        INTEGER NOT NULL,
    definitions     JSON NOT NULL,              -- the outcome definition's bars (alive, became unmaintained)
    summaries       JSON NOT NULL,              -- per part and 'all': counts, confusion, precision, recall, calibration
    misses          JSON NOT NULL               -- every wrong call with its evidence
);

CREATE TABLE backtest_results (
    run_id          BIGINT NOT NULL,
    project_id      INTEGER NOT NULL,
    project         VARCHAR NOT NULL,           -- owner/name at the time of the run
    part            VARCHAR,                    -- tuning | held-out | NULL (not in the corpus)
    risk_level      VARCHAR,                    -- at as_of; NULL when the project did not exist yet
    maturity        VARCHAR,
    outcome         VARCHAR NOT NULL,           -- became_unmaintained | stayed_maintained | already_unmaintained | not_created | not_observable
    record          JSON NOT NULL,              -- flags with evidence, inputs at the date, what happened after
    PRIMARY KEY (run_id, project_id)
);
