"""github: repository snapshots, releases, issues and pull requests with first responses,
contributors and their organisations, the community profile, funding links and the owner's
Sponsors listing, from GitHub's REST and GraphQL APIs."""

from collectors import Source

SOURCE = Source(
    name="github",
    description="GitHub: repository, releases, issues/PRs with first responses, contributors, "
                "community profile, funding links, Sponsors",
    implementation="collectors.github.source",
    tables=("github_repo_snapshots", "github_releases", "github_issues", "github_contributors",
            "github_community", "github_sponsors", "github_funding_links", "github_etags", "github_state"),
)
