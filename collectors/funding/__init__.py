"""funding: the funding channels of a project from every source we hold, in one set of tables.

Makes no request: it reads FUNDING.yml and funding.json from the git source's `repo_files`, and
GitHub's funding links and Sponsors listing, so it needs both and runs after them.
"""

from collectors import Source

SOURCE = Source(
    name="funding",
    description="funding channels from FUNDING.yml, funding.json, GitHub Sponsors/links and projects.yaml",
    implementation="collectors.funding.source",
    tables=("funding_manifests", "funding_channels", "funding_plans", "funding_history"),
    needs=("git", "github"),
)
