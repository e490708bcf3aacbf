"""opencollective: balance, yearly budget, 12-month income and spending, contributors and monthly
income of each collective a project names (projects.yaml, FUNDING.yml, funding links), so it runs
after git (FUNDING.yml) and funding (channels)."""

from collectors import Source

SOURCE = Source(
    name="opencollective",
    description="Open Collective: balance, budget, 12-month income/spending, contributors, monthly income",
    implementation="collectors.opencollective.source",
    tables=("opencollective_snapshots", "opencollective_monthly"),
    needs=("git", "funding"),
)
