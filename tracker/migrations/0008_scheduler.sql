-- State of the scheduler (`tracker schedule`) and its jobs, shown by `tracker status`.
-- One row per job: 'collect:<source>', 'score', and 'scheduler' for the daemon itself.
CREATE TABLE scheduler_jobs (
    job_id            VARCHAR PRIMARY KEY,
    source            VARCHAR,                  -- the collector's source for collect jobs
    interval_seconds  DOUBLE,                   -- NULL: not periodic (score, scheduler)
    next_run_at       TIMESTAMP,                -- UTC; meaningful while the scheduler runs
    last_started_at   TIMESTAMP,
    last_finished_at  TIMESTAMP,
    last_status       VARCHAR,                  -- running | ok | error | stopped | skipped
    last_error        VARCHAR,
    pid               INTEGER,
    host              VARCHAR,
    updated_at        TIMESTAMP NOT NULL
);
