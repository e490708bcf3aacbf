"""The metric catalogue: every metric, sub-score, risk flag and maturity class by its stable name,
with type, unit, label, one-line description, source and the docs/methodology.md section that
defines it. The app, reports, exports and docs take names and labels from here.

Each metric name is also a module constant (`COMMITS_90D == "commits_90d"`): code that reads a
metric imports the constant, so a misspelt name fails at import time instead of reading None.

    from tracker import catalogue
    catalogue.METRICS["commits_90d"].label      # 'Commits in the last 90 days'
    catalogue.label("commits_90d")             # the same, for any metric, sub-score, flag or class
    catalogue.SUBSCORES["activity"].components["recency"].label
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.windows import GRANT_YEARS, PREVIOUS_YEAR, RECENT, RELEASE_YEARS, WEEKS, YEAR

SOURCES = ("git", "github", "pypi", "opencollective", "funding", "grants", "derived")
TYPES = ("int", "float", "bool", "datetime", "date", "list[str]", "weekly series")
DOCS = "docs/methodology.md"


@dataclass(frozen=True)
class Metric:
    name: str
    type: str
    unit: str | None
    label: str
    description: str
    source: str
    anchor: str  # the section of docs/methodology.md that defines it (GitHub heading anchor)

    @property
    def docs(self) -> str:
        return f"{DOCS}#{self.anchor}"


@dataclass(frozen=True)
class Component:
    name: str
    label: str
    description: str


@dataclass(frozen=True)
class SubScore:
    name: str
    label: str
    description: str
    components: dict[str, Component]
    anchor: str = "sub-scores-0-100-and-health"


@dataclass(frozen=True)
class Entry:
    """A risk flag, a maturity class or a score field: name, label, one-line description."""

    name: str
    label: str
    description: str
    anchor: str


METRICS: dict[str, Metric] = {}


def _metric(name: str, type_: str, unit: str | None, label: str, description: str, source: str,
            anchor: str) -> str:
    if name in METRICS:
        raise RuntimeError(f"metric {name!r} is catalogued twice")
    if source not in SOURCES or type_ not in TYPES:
        raise RuntimeError(f"metric {name!r}: unknown source {source!r} or type {type_!r}")
    METRICS[name] = Metric(name, type_, unit, label, description, source, anchor)
    return name


_GIT, _GITHUB, _FUNDING, _SCORES = "git-metrics", "github-metrics", "funding-metrics", "inputs-added-for-scoring"
_FLAGS_ANCHOR_METRIC = "maintenance-risk-flags-and-maturity"
_R, _Y, _P, _3Y = RECENT.label, YEAR.label, PREVIOUS_YEAR.label, RELEASE_YEARS.label

# -- git (collectors/git.py: git_commits, git_tags, repo_files) ---------------------------------
COMMITS_TOTAL = _metric(
    "commits_total", "int", "commits", "Commits",
    "Commits reachable from HEAD, merges included (= git rev-list --count HEAD).", "git", _GIT)
COMMITS_90D = _metric(
    "commits_90d", "int", "commits", f"Commits in the last {_R}",
    f"Commits whose committer date falls in the last {_R}, bots included.", "git", _GIT)
COMMITS_365D = _metric(
    "commits_365d", "int", "commits", f"Commits in the last {_Y}",
    f"Commits whose committer date falls in the last {_Y}, bots included.", "git", _GIT)
CONTRIBUTORS_TOTAL = _metric(
    "contributors_total", "int", "people", "Contributors",
    "Distinct people (bots excluded) who authored a commit reachable from HEAD.", "git", _GIT)
ACTIVE_CONTRIBUTORS_90D = _metric(
    "active_contributors_90d", "int", "people", f"Active people, last {_R}",
    f"Distinct people authoring commits in the last {_R}.", "git", _GIT)
ACTIVE_CONTRIBUTORS_365D = _metric(
    "active_contributors_365d", "int", "people", f"Active people, last {_Y}",
    f"Distinct people authoring commits in the last {_Y}.", "git", _GIT)
FIRST_COMMIT_AT = _metric(
    "first_commit_at", "datetime", None, "First commit",
    "Earliest plausible committer date (UTC).", "git", _GIT)
LAST_COMMIT_AT = _metric(
    "last_commit_at", "datetime", None, "Last commit",
    "Latest plausible committer date (UTC), bots included.", "git", _GIT)
DAYS_SINCE_LAST_COMMIT = _metric(
    "days_since_last_commit", "int", "days", "Days since the last commit",
    "Whole days from the last commit (bots included) to as_of.", "git", _GIT)
WEEKLY_COMMITS = _metric(
    "weekly_commits", "weekly series", "commits", "Commits per week",
    f"Commits per ISO week (Monday start) over the {WEEKS.label} ending with as_of's week, zero-filled.",
    "git", _GIT)
CONTRIBUTOR_ABSENCE_FACTOR_365D = _metric(
    "contributor_absence_factor_365d", "int", "people", "Contributor absence factor",
    f"CHAOSS: the fewest people whose commits reach half of the human commits of the last {_Y}.",
    "git", _GIT)
ELEPHANT_FACTOR_365D = _metric(
    "elephant_factor_365d", "int", "organisations", "Elephant factor",
    f"CHAOSS: the fewest organisations (e-mail domains) making half of the human commits of the last {_Y}.",
    "git", _GIT)
NEW_CONTRIBUTORS_365D = _metric(
    "new_contributors_365d", "int", "people", f"New people, last {_Y}",
    f"People whose first commit on the branch falls in the last {_Y}.", "git", _GIT)
BOT_COMMIT_SHARE_365D = _metric(
    "bot_commit_share_365d", "float", "share", f"Bot share of commits, last {_Y}",
    f"Bot commits / all commits in the last {_Y} (0-1).", "git", _GIT)
TAGS_TOTAL = _metric(
    "tags_total", "int", "tags", "Release tags",
    "Release tags in git (pre-release, namespaced and CI-made tags excluded).", "git", _GIT)
TAGS_365D = _metric(
    "tags_365d", "int", "tags", f"Release tags, last {_Y}",
    f"Release tags dated in the last {_Y}.", "git", _GIT)
DAYS_SINCE_LAST_TAG = _metric(
    "days_since_last_tag", "int", "days", "Days since the last release tag",
    "Whole days since the latest release tag.", "git", _GIT)
MEDIAN_TAG_INTERVAL_DAYS = _metric(
    "median_tag_interval_days", "float", "days", "Median days between release tags",
    "Median gap between consecutive release tags over the whole history.", "git", _GIT)
LAST_HUMAN_COMMIT_DAYS = _metric(
    "last_human_commit_days", "int", "days", "Days since the last human commit",
    "Whole days since the latest commit by a person (bots excluded).", "git", _SCORES)
HUMAN_COMMITS_90D = _metric(
    "human_commits_90d", "int", "commits", f"Human commits, last {_R}",
    f"Commits by people (bots excluded) in the last {_R}.", "git", _SCORES)
HUMAN_COMMITS_365D = _metric(
    "human_commits_365d", "int", "commits", f"Human commits, last {_Y}",
    f"Commits by people (bots excluded) in the last {_Y}.", "git", _SCORES)
HUMAN_ACTIVE_WEEKS_52 = _metric(
    "human_active_weeks_52", "int", "weeks", f"Weeks with a human commit, last {WEEKS.label}",
    f"ISO weeks of the {WEEKS.label} series with at least one commit by a person.", "git", _SCORES)
ACTIVE_CONTRIBUTORS_PREV_365D = _metric(
    "active_contributors_prev_365d", "int", "people", "Active people, the year before",
    f"Distinct people with a commit in {_P} the last {_Y} (365-730 days ago).", "git", _SCORES)
LEAVING_CONTRIBUTORS_365D = _metric(
    "leaving_contributors_365d", "int", "people", f"People who left, last {_Y}",
    f"People active in {_P} the last {_Y} with no commit since.", "git", _SCORES)
PROJECT_AGE_DAYS = _metric(
    "project_age_days", "int", "days", "Project age",
    "Whole days since the first plausible commit (bots included).", "git", _SCORES)
REPO_FILES = _metric(
    "repo_files", "list[str]", None, "Governance files",
    "Kinds of governance files present in HEAD (license, security, contributing, codeowners, ...),"
    " the organisation's defaults included.",
    "git", _SCORES)
DEPRECATION_NOTICE = _metric(
    "deprecation_notice", "int", None, "Deprecation notice in the README",
    "What the start of the README (its first 4,000 characters, in HEAD) says of the project's future:"
    " 2 = stopped (deprecated, archived, no longer maintained, no future updates), 1 = maintenance only"
    " (maintenance mode, no new features, fixes only), 0 = no such notice; unknown without a README.",
    "git", _FLAGS_ANCHOR_METRIC)
DEPRECATION_NOTICE_TEXT = _metric(
    "deprecation_notice_text", "list[str]", None, "Deprecation notice, as written",
    "The README sentence the deprecation notice was read from (at most 200 characters; empty without one).",
    "git", _FLAGS_ANCHOR_METRIC)
GIT_DATA_AT = _metric(
    "git_data_at", "datetime", None, "Git data as of",
    "When the git data was current: the fetch time of a clone, the newest ref change of a local path or"
    " mirror (or its tracker.dataDate setting). Silence after it is unknown, not inactivity.", "git",
    "stale-data-is-not-death")
ORG_DEFAULT_FILES = _metric(
    "org_default_files", "list[str]", None, "From the organisation's .github repository",
    "Kinds of governance and funding files the repository lacks and takes from its owner's .github"
    " repository, as GitHub does (security, contributing, funding_yml, ...).",
    "git", "organisation-defaults")
TRUCK_FACTOR = _metric(
    "truck_factor", "int", "people", "Truck factor",
    "Avelino degree-of-authorship truck factor: people who would have to leave before half the files"
    " lose every author.", "git", "truck-factor")

# -- GitHub (collectors/github.py: github_* tables) --------------------------------------------
STARS = _metric("stars", "int", "stars", "Stars", "GitHub stars in the latest snapshot.", "github", _GITHUB)
FORKS = _metric("forks", "int", "forks", "Forks", "GitHub forks in the latest snapshot.", "github", _GITHUB)
OPEN_ISSUES = _metric(
    "open_issues", "int", "issues", "Open issues",
    "Open issues (pull requests not counted) in the latest snapshot.", "github", _GITHUB)
OPEN_PRS = _metric(
    "open_prs", "int", "pull requests", "Open pull requests",
    "Open pull requests in the latest snapshot.", "github", _GITHUB)
ARCHIVED = _metric(
    "archived", "bool", None, "Archived", "Whether the repository is archived (read-only) on GitHub.",
    "github", _GITHUB)
MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES = _metric(
    "median_time_to_first_response_hours_90d_issues", "float", "hours", "Time to first response, issues",
    f"CHAOSS: median hours to the first response by someone else, issues opened in the last {_R}.",
    "github", _GITHUB)
MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS = _metric(
    "median_time_to_first_response_hours_90d_prs", "float", "hours", "Time to first response, pull requests",
    f"CHAOSS: median hours to the first response by someone else, pull requests opened in the last {_R}.",
    "github", _GITHUB)
CHANGE_REQUEST_CLOSURE_RATIO_90D = _metric(
    "change_request_closure_ratio_90d", "float", "ratio", "Change request closure ratio",
    f"CHAOSS: pull requests closed or merged / opened, last {_R}.", "github", _GITHUB)
ISSUE_CLOSURE_RATIO_90D = _metric(
    "issue_closure_ratio_90d", "float", "ratio", "Issue closure ratio",
    f"Issues closed / issues opened, last {_R}.", "github", _GITHUB)
MEDIAN_OPEN_ISSUE_AGE_DAYS = _metric(
    "median_open_issue_age_days", "float", "days", "Open issue age",
    "CHAOSS Issue Age: median days since the open issues were opened.", "github", _GITHUB)
RELEASES_365D = _metric(
    "releases_365d", "int", "releases", f"GitHub releases, last {_Y}",
    f"Non-pre-release GitHub releases published in the last {_Y}.", "github", _GITHUB)
DAYS_SINCE_LAST_RELEASE = _metric(
    "days_since_last_release", "int", "days", "Days since the last GitHub release",
    "Whole days since the latest non-pre-release GitHub release.", "github", _GITHUB)
MEDIAN_RELEASE_INTERVAL_DAYS = _metric(
    "median_release_interval_days", "float", "days", "Median days between GitHub releases",
    "Median gap between consecutive non-pre-release GitHub releases.", "github", _GITHUB)
ORG_COUNT = _metric(
    "org_count", "int", "organisations", "Employers of top contributors",
    "Distinct employers in the public company field of the top human contributors.", "github", _GITHUB)
HAS_SPONSORS_LISTING = _metric(
    "has_sponsors_listing", "bool", None, "GitHub Sponsors listing",
    "Whether the repository owner has a public GitHub Sponsors listing.", "github", _GITHUB)
SPONSORS_COUNT = _metric(
    "sponsors_count", "int", "sponsors", "GitHub sponsors",
    "Public sponsors of the owner's GitHub Sponsors listing.", "github", _GITHUB)
CREATED_SINCE_MONTHS = _metric(
    "created_since_months", "int", "months", "Months since creation",
    "criticality_score signal: months since the repository was created.", "github", _GITHUB)
UPDATED_SINCE_MONTHS = _metric(
    "updated_since_months", "int", "months", "Months since the last update",
    "criticality_score signal: months since the last commit (git), else the last push.", "github", _GITHUB)
CONTRIBUTOR_COUNT = _metric(
    "contributor_count", "int", "people", "GitHub contributors",
    "Contributors GitHub counts, anonymous included (criticality_score signal).", "github", _GITHUB)
COMMIT_FREQUENCY_WEEKLY = _metric(
    "commit_frequency_weekly", "float", "commits a week", "Commits a week",
    f"Default-branch commits in the last {_Y} / 52 (GitHub, else git).", "github", _GITHUB)
RECENT_RELEASES_COUNT = _metric(
    "recent_releases_count", "int", "releases", "Recent releases",
    f"criticality_score signal: GitHub releases in the last {_Y} (= releases_365d).", "github", _GITHUB)
CLOSED_ISSUES_COUNT_90D = _metric(
    "closed_issues_count_90d", "int", "issues", f"Issues closed, last {_R}",
    f"Issues (not pull requests) closed in the last {_R}.", "github", _GITHUB)
UPDATED_ISSUES_COUNT_90D = _metric(
    "updated_issues_count_90d", "int", "issues", f"Issues updated, last {_R}",
    f"Issues (not pull requests) updated in the last {_R}.", "github", _GITHUB)
COMMENT_FREQUENCY_90D = _metric(
    "comment_frequency_90d", "float", "comments per issue", "Comments per issue",
    f"Mean comments per issue updated in the last {_R}.", "github", _GITHUB)
DEPENDENTS_COUNT = _metric(
    "dependents_count", "int", "projects", "Dependents",
    "Projects depending on this one; unknown unless a source knows it (GitHub has no API for it).",
    "github", _GITHUB)

# -- releases of every kind (read model's release_events: git release tags, GitHub releases, PyPI) ---
RELEASES_3Y = _metric(
    "releases_3y", "int", "releases", f"Releases, last {_3Y}",
    f"Releases of any kind (release tags, GitHub releases, PyPI uploads; one per version, pre-releases"
    f" excluded) in the last {_3Y}.", "derived", "release-cadence")
DAYS_SINCE_ANY_RELEASE = _metric(
    "days_since_any_release", "int", "days", "Days since the last release",
    "Whole days since the newest release of any kind (release tag, GitHub release or PyPI upload).",
    "derived", "release-cadence")
DAYS_SINCE_FIRST_RELEASE = _metric(
    "days_since_first_release", "int", "days", "Days since the first release",
    "Whole days since the oldest release of any kind.", "derived", "release-cadence")

# -- PyPI (collectors/pypi.py) --------------------------------------------------------------------
PYPI_RELEASES_365D = _metric(
    "pypi_releases_365d", "int", "releases", f"PyPI releases, last {_Y}",
    f"Releases of the project's PyPI package uploaded in the last {_Y} (yanked ones excluded).",
    "pypi", _FUNDING)
DAYS_SINCE_LAST_PYPI_RELEASE = _metric(
    "days_since_last_pypi_release", "int", "days", "Days since the last PyPI release",
    "Whole days since the latest non-yanked upload of the project's PyPI package.", "pypi", _FUNDING)
MEDIAN_PYPI_RELEASE_INTERVAL_DAYS = _metric(
    "median_pypi_release_interval_days", "float", "days", "Median days between PyPI releases",
    "Median gap between consecutive PyPI releases.", "pypi", _FUNDING)

# -- funding (funding collector, Open Collective, grants registry) -------------------------------
FUNDING_CHANNELS_COUNT = _metric(
    "funding_channels_count", "int", "channels", "Funding channels",
    "Distinct funding channels declared over every source (FUNDING.yml, funding.json, GitHub).",
    "funding", _FUNDING)
FUNDING_PLATFORMS = _metric(
    "funding_platforms", "list[str]", None, "Funding platforms",
    "The platforms of those channels (github, open_collective, custom, ...).", "funding", _FUNDING)
OC_YEARLY_BUDGET_USD = _metric(
    "oc_yearly_budget_usd", "float", "USD", "Open Collective yearly budget",
    "Open Collective yearly budget of the project's collectives, in US dollars.", "opencollective", _FUNDING)
OC_RECEIVED_12M_USD = _metric(
    "oc_received_12m_usd", "float", "USD", "Open Collective income, 12 months",
    "Received on Open Collective over the last 12 months, in US dollars.", "opencollective", _FUNDING)
OC_BALANCE_USD = _metric(
    "oc_balance_usd", "float", "USD", "Open Collective balance",
    "Open Collective balance of the project's collectives, in US dollars.", "opencollective", _FUNDING)
GRANTS_TOTAL_USD_5Y = _metric(
    "grants_total_usd_5y", "float", "USD", f"Grants, last {GRANT_YEARS.label}",
    f"Grants awarded in the last {GRANT_YEARS.label} whose amount is published, in US dollars.",
    "grants", _FUNDING)
GRANTS_ACTIVE = _metric(
    "grants_active", "int", "grants", "Active grants",
    "Grants whose period contains as_of (a lower bound: grants without a period are not counted).",
    "grants", _FUNDING)
LAST_GRANT_AT = _metric(
    "last_grant_at", "date", None, "Last grant", "The latest award date in the grants registry.",
    "grants", _FUNDING)
REPORTED_INCOME_USD = _metric(
    "reported_income_usd", "float", "USD", "Income reported in funding.json",
    "Income of the latest year (at most two years back) in the project's funding.json history, in US"
    " dollars.", "funding", _FUNDING)
FUNDING_PER_ACTIVE_MAINTAINER_USD = _metric(
    "funding_per_active_maintainer_usd", "float", "USD", "Funding a year per active maintainer",
    f"Money received in the last {_Y} (Open Collective income plus grant money, or the income reported in"
    " funding.json if larger) / people active in it; unknown unless income is known.", "derived", _FUNDING)
CRITICALITY = _metric(
    "criticality", "float", "score 0-1", "Criticality",
    "OpenSSF criticality_score (original Pike algorithm) from GitHub signals, else git's nearest ones.",
    "derived", "criticality")


# -- sub-scores, risk flags, maturity classes, score fields ---------------------------------------
def _components(*items: tuple[str, str]) -> dict[str, Component]:
    return {name: Component(name, name.replace("_", " "), text) for name, text in items}


SUBSCORES: dict[str, SubScore] = {s.name: s for s in (
    SubScore("activity", "activity", "How recently, how much and how regularly people commit.", _components(
        ("recency", "days since the last human commit"),
        ("volume", f"human commits in the last {_R}"),
        ("regularity", f"share of the last {WEEKS.label} with a human commit"))),
    SubScore("contributor_resilience", "contributor resilience",
             "Whether the work survives the most active people leaving.", _components(
        ("absence_factor", "CHAOSS Contributor Absence Factor"),
        ("truck_factor", "Avelino truck factor"),
        ("elephant_factor", "CHAOSS Elephant Factor"),
        ("active_people", f"people with a commit in the last {_Y}"),
        ("renewal", f"new / (new + leaving) people, last {_Y}"))),
    SubScore("responsiveness", "responsiveness", "How fast issues and pull requests get an answer.",
             _components(
        ("issue_first_response", f"median hours to a first response, issues of the last {_R}"),
        ("pr_first_response", f"median hours to a first response, pull requests of the last {_R}"),
        ("change_request_closure", "CHAOSS Change Request Closure Ratio"),
        ("issue_closure", f"issues closed / opened, last {_R}"),
        ("open_issue_age", "CHAOSS Issue Age: median age of open issues"))),
    SubScore("release_cadence", "release cadence", "Whether releases keep coming at their usual rhythm.",
             _components(
        ("last_release", "days since the newest release of any kind"),
        ("rate", f"releases a year over the last {_3Y}"),
        ("on_rhythm", "days since the last release / the project's usual gap"))),
    SubScore("funding", "funding", "Money the project receives; declaring channels only asks for it.",
             _components(
        ("asks_for_funding", "asks for funding: declared funding channels"),
        ("sponsors", "GitHub Sponsors sponsors"),
        ("oc_income", "Open Collective income, 12 months"),
        ("grants", f"grants in the last {GRANT_YEARS.label}"),
        ("reported_income", "income reported in funding.json"),
        ("per_maintainer", "money a year per active maintainer"))),
    SubScore("hygiene", "community & security hygiene", "Governance files present in HEAD.", _components(
        ("license", "a license file"),
        ("security_policy", "a security policy"),
        ("contributing", "a contributing guide"),
        ("codeowners", "a CODEOWNERS file"),
        ("code_of_conduct", "a code of conduct"),
        ("governance", "a governance document"))),
)}

_FLAGS_ANCHOR = "maintenance-risk-flags-and-maturity"
FLAGS: dict[str, Entry] = {e.name: e for e in (
    Entry("archived", "archived", "The repository is archived on GitHub.", _FLAGS_ANCHOR),
    Entry("abandoned", "abandoned", "No human commit for a year and no release for 18 months.", _FLAGS_ANCHOR),
    Entry("no_commits_12m", "no commits in 12 months", "The last human commit is over a year old.",
          _FLAGS_ANCHOR),
    Entry("quiet_90d", "quiet for 90 days",
          f"No human commit in the last {_R} (but within the year); medium for a project over 4 years old"
          " or mature and stable.",
          _FLAGS_ANCHOR),
    Entry("deprecation_notice", "deprecation notice",
          "The README says the project stopped (deprecated, archived, no longer maintained: high) or is in"
          " maintenance mode (fixes only: medium).", _FLAGS_ANCHOR),
    Entry("bus_factor_1", "one person does half the work",
          "The contributor absence factor is 1: one person makes at least half the commits (checked from 10"
          " human commits in 12 months).", _FLAGS_ANCHOR),
    Entry("no_release_18m", "no release in 18 months",
          "The newest release or release tag (or the first commit) is over 18 months old.", _FLAGS_ANCHOR),
    Entry("issues_unanswered", "issues unanswered",
          f"Half the issues of the last {_R} waited over 30 days for a first response.", _FLAGS_ANCHOR),
    Entry("contributors_declining", "contributors declining",
          f"At most 70% as many people committed in the last {_Y} as in {_P}.", _FLAGS_ANCHOR),
    Entry("funding_lapsed", "funding lapsed", "Funding the project had has stopped.", _FLAGS_ANCHOR),
)}

MATURITY: dict[str, Entry] = {e.name: e for e in (
    Entry("archived", "archived", "GitHub says the repository is archived.", _FLAGS_ANCHOR),
    Entry("abandoned", "abandoned", "No human commit for a year and no release for 18 months.", _FLAGS_ANCHOR),
    Entry("mature-stable", "mature and stable",
          "Old, low but steady activity, recent fixes or releases, few open issues.", _FLAGS_ANCHOR),
    Entry("dormant", "dormant", "No human commit for a year, but a release within 18 months.", _FLAGS_ANCHOR),
    Entry("young", "young", "The first commit is less than a year old.", _FLAGS_ANCHOR),
    Entry("active", "active", "Recent human work: at least 12 human commits in 12 months, in 6 or more weeks.",
          _FLAGS_ANCHOR),
    Entry("low-activity", "low activity",
          "Human commits in the last year, but too few for active development (and not mature-stable).",
          _FLAGS_ANCHOR),
)}

SCORES: dict[str, Entry] = {e.name: e for e in (
    Entry("health", "health", "Weighted mean (0-100) of the known sub-scores; unknown below the evidence rule.",
          "sub-scores-0-100-and-health"),
    Entry("health_reason", "why health is unknown",
          "Set when the evidence rule is not met: 'insufficient data: ... not collected'.",
          "no-verdict-without-evidence"),
    Entry("coverage", "coverage", "Share of the health weight whose inputs were known (0-1).",
          "sub-scores-0-100-and-health"),
    Entry("risk_level", "maintenance risk",
          "low, medium, high or critical, from the flags raised; unknown when the evidence is too thin.",
          _FLAGS_ANCHOR),
    Entry("maturity", "maturity", "What kind of project this is (see the maturity classes).", _FLAGS_ANCHOR),
    Entry("funding_need", "funding need",
          "0-100: important, alive, strained and under-funded ranks first.", "funding-need"),
)}

LEVELS: dict[str, Entry] = {e.name: e for e in (
    Entry("low", "low", "No flag above low: nothing in the evidence says maintenance is at risk.", _FLAGS_ANCHOR),
    Entry("medium", "medium", "A medium flag: something to watch (one person carries the work, no recent release, ...).",
          _FLAGS_ANCHOR),
    Entry("high", "high", "A high flag, or several medium ones: maintenance is at risk.", _FLAGS_ANCHOR),
    Entry("critical", "critical", "Archived or abandoned: nobody maintains it.", _FLAGS_ANCHOR),
    Entry("unknown", "insufficient data", "Too little was collected to judge the risk (not a verdict).",
          _FLAGS_ANCHOR),
)}

# Inputs of the sub-scores that are not metrics themselves: the hygiene files, one flag each.
INPUTS: dict[str, Entry] = {e.name: e for e in (
    Entry("has_license", "LICENSE file", "A license file in the default branch.", _SCORES),
    Entry("has_security", "SECURITY.md", "A security policy: how to report a vulnerability.", _SCORES),
    Entry("has_contributing", "CONTRIBUTING.md", "A contributing guide.", _SCORES),
    Entry("has_codeowners", "CODEOWNERS file", "Who reviews which part of the code.", _SCORES),
    Entry("has_code_of_conduct", "CODE_OF_CONDUCT.md", "A code of conduct.", _SCORES),
    Entry("has_governance", "GOVERNANCE.md", "Who decides, and how.", _SCORES),
)}

_ALL_NAMED = (METRICS, SCORES, SUBSCORES, FLAGS, MATURITY, LEVELS, INPUTS)


def label(name: str) -> str:
    """The human label of a metric, score field, sub-score, flag or maturity class."""
    for table in _ALL_NAMED:
        if name in table:
            return table[name].label
    raise KeyError(f"{name!r} is not in the metric catalogue (tracker/catalogue.py)")


def metric(name: str) -> Metric:
    """The catalogue entry of a metric; KeyError naming the catalogue for an unknown name."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"metric {name!r} is not in the metric catalogue (tracker/catalogue.py)") from None


def names(source: str | None = None) -> list[str]:
    """Metric names in catalogue order, optionally of one source."""
    return [m.name for m in METRICS.values() if source is None or m.source == source]


def entry(name: str) -> Metric | SubScore | Entry | None:
    """The catalogue entry of any name (metric, score field, sub-score, flag, maturity class, risk
    level, sub-score input), or None when it is not catalogued."""
    for table in _ALL_NAMED:
        if name in table:
            return table[name]
    return None


def label_or_name(name: str) -> str:
    """The label of a catalogued name; an uncatalogued one (e.g. a flag from an older scoring
    version) as its words ('single_maintainer' -> 'single maintainer'), never the raw identifier."""
    found = entry(name)
    return found.label if found is not None else str(name).replace("_", " ")


def description(name: str) -> str | None:
    """The one-line description of a catalogued name (None when it is not catalogued)."""
    found = entry(name)
    return found.description if found is not None else None


def docs_anchor(name: str) -> str | None:
    """The docs/methodology.md section that defines a catalogued name (its heading anchor)."""
    found = entry(name)
    return found.anchor if found is not None else None
