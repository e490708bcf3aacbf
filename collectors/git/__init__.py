"""git: history of the default branch (commits, paths touched), tags and governance/funding files
in HEAD, from a bare blob-less clone in the cache or a local path read in place."""

from collectors import Source

SOURCE = Source(
    name="git",
    description="git history of the default branch: commits, paths, tags, governance files",
    implementation="collectors.git.source",
    tables=("git_commit_files", "git_commits", "git_tags", "repo_files", "git_repos"),
)
