-- Removal is final, and a run tells whose process it was (issue 14).
--
-- 1. Rows of projects that are no longer tracked (project_id not in projects) are deleted: an older
--    version could collect a project that `tracker remove` had just deleted and leave its rows
--    behind. Every table holding per-project data up to this schema version is listed; later tables
--    are covered by `tracker doctor` and by the clean-up every writer does when it starts
--    (tracker.doctor.clean_orphans, which finds them by their project_id column).
-- 2. Runs and the scheduler's record carry the start time of their process (epoch seconds, from
--    /proc/<pid>/stat or `ps`), so a process id reused by another process is not taken for the one
--    that opened the run (tracker.runs.process_state).

DELETE FROM collection_runs WHERE project_id IS NOT NULL AND project_id NOT IN (SELECT id FROM projects);
DELETE FROM funding_channels WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM funding_history WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM funding_manifests WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM funding_plans WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM git_commit_files WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM git_commits WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM git_repos WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM git_tags WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_community WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_contributors WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_etags WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_funding_links WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_issues WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_releases WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_repo_snapshots WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_sponsors WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM github_state WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM opencollective_monthly WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM opencollective_snapshots WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM repo_files WHERE project_id NOT IN (SELECT id FROM projects);
DELETE FROM scores WHERE project_id NOT IN (SELECT id FROM projects);

ALTER TABLE collection_runs ADD COLUMN pid_started DOUBLE;
ALTER TABLE scheduler_jobs ADD COLUMN pid_started DOUBLE;
