-- The bundled snapshot (data/sample/, made by `tracker sample build`, loaded by `tracker sample load`
-- or by `tracker serve` into an empty database): which projects' data came from it, and as of when,
-- so every page can say "bundled snapshot of DATE" until fresh collections replace it, project by
-- project, and the scheduler scores such a project as of its data date (silence after the date its
-- history was taken is unknown, not inactivity).
CREATE TABLE bundled_snapshot (
    project_id      INTEGER PRIMARY KEY,
    built_at        TIMESTAMP NOT NULL,         -- when `tracker sample build` made the snapshot
    data_at         TIMESTAMP,                  -- the project's data date: its git history as of then
                                                -- (a mirror's snapshot date, or the clone's time);
                                                -- NULL: the snapshot has no git history for it
    git_from        VARCHAR,                    -- mirror | clone | NULL (no git history)
    loaded_at       TIMESTAMP NOT NULL
);

-- Per bundled project: whether what it shows is still the snapshot's. A project stops being
-- bundled when a fresh git collection (started after the load) brought data, or, when the snapshot
-- had no git history for it, when any fresh collection did.
CREATE VIEW bundled_projects AS
SELECT b.*, NOT EXISTS (
    SELECT 1 FROM data_runs d
    WHERE d.project_id = b.project_id AND d.started_at >= b.loaded_at
      AND (d.source = 'git' OR b.git_from IS NULL)) AS still_bundled
FROM bundled_snapshot b;

-- What the scheduler is doing now, for the app's progress banner: the job's current project,
-- how far it is (done of total), and a one-line notice (offline, waiting for a lock, no token).
ALTER TABLE scheduler_jobs ADD COLUMN progress_done INTEGER;
ALTER TABLE scheduler_jobs ADD COLUMN progress_total INTEGER;
ALTER TABLE scheduler_jobs ADD COLUMN current VARCHAR;
ALTER TABLE scheduler_jobs ADD COLUMN notice VARCHAR;
