-- Judgments people can act on (issue 13).
--
-- 1. The date of a project's git data: when the history read was current. For a clone the tracker
--    fetches, the fetch time; for a local path or a mirror (a snapshot), the newest change of its
--    refs (packed-refs, refs/, FETCH_HEAD) or its `tracker.dataDate` git setting. Silence after this
--    date is unknown, not inactivity: scoring judges activity as of it when it is old
--    (docs/methodology.md, "Stale data is not death"). NULL for rows collected before this
--    migration: readers fall back to `collected_at`.
ALTER TABLE git_repos ADD COLUMN data_at TIMESTAMP;

-- 2. Why a project has no health score: the evidence rule was not met ("insufficient data: git
--    history, GitHub data not collected (coverage 4%; ...)"). NULL when health was judged.
--    `risk_level` may now also be 'unknown' (a fifth level, never "medium").
ALTER TABLE scores ADD COLUMN health_reason VARCHAR;
