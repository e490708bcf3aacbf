-- Default community health files from the owner's `.github` repository (GitHub applies them to
-- every repository of the owner that lacks its own): `repo_files` rows whose `source_repo` names
-- the repository they came from ('pallets/.github'); NULL for the project's own files.
ALTER TABLE repo_files ADD COLUMN source_repo VARCHAR;
