-- Git source, issue 13: where a governance file came from, renames, and whether they were looked for.

-- Default community health files from the owner's `.github` repository (GitHub applies them to
-- every repository of the owner that lacks its own): `repo_files` rows whose `source_repo` names
-- the repository they came from ('pallets/.github'); NULL for the project's own files.
ALTER TABLE repo_files ADD COLUMN source_repo VARCHAR;

-- A rename is one row: change 'R', `path` the new path, `old_path` the old one (NULL otherwise).
ALTER TABLE git_commit_files ADD COLUMN old_path VARCHAR;

-- How the stored history's renames were found: 'detected', 'exact only (...)', or NULL for a
-- history stored before renames were looked for (the next collection reads it again, once).
ALTER TABLE git_repos ADD COLUMN renames VARCHAR;
