"""Aliases merged into people by the git collector, and every people metric on the merged people;
on real repositories built here, checked by hand and against `git log`."""

from __future__ import annotations

import io
import json
from datetime import datetime

from tests.gitrepo import GitRepo
from tracker import catalogue as c
from tracker import collect, config, metrics, registry
from tracker.metrics.truck_factor import for_project
from tracker.progress import Progress

NOW = datetime(2026, 6, 30)
ANN_WORK = ("Ann Smith", "ann@acme.com")
ANN_HOME = ("ann smith", "ann.smith@gmail.com")      # same name, other case: one person
ANN_LAPTOP = ("A. Smith", "ANN.SMITH@gmail.com")     # same address as ANN_HOME: one person
BOB = ("Bob Jones", "bob@bigcorp.io")
DAVE_1 = ("Dave", "dave@one.org")                    # one-word names: never merged
DAVE_2 = ("Dave", "dave@two.org")
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def run_git(store, project, **options) -> collect.Outcome:
    out = io.StringIO()
    (outcome,) = collect.collect(store, config.load(store.path), [project], ["git"], Progress(out),
                                 options=options or None)
    assert outcome.status == "ok", (outcome, out.getvalue())
    return outcome


def team_history(repo: GitRepo) -> None:
    """Ann works from her acme address (2024), then from her private ones (2025-26); Bob and two
    Daves help. With as_of NOW the previous year is (2024-06-30, 2025-06-30]."""
    repo.commit("2024-08-01", *ANN_WORK, files={"core.py": "1", "util.py": "1", "io.py": "1"})
    repo.commit("2024-10-01", *ANN_WORK, files={"core.py": "2"})
    repo.commit("2024-09-01", *BOB, files={"net.py": "1"})
    repo.commit("2025-08-01", *ANN_HOME, files={"core.py": "3", "util.py": "2"})
    repo.commit("2025-09-01", *ANN_LAPTOP, files={"io.py": "2", "cli.py": "1"})
    repo.commit("2025-10-01", *BOB, files={"net.py": "2"})
    repo.commit("2026-01-01", *DAVE_1, files={"docs.py": "1"})
    repo.commit("2026-02-01", *DAVE_2, files={"docs.py": "2"})
    repo.commit("2026-03-01", *ANN_HOME, files={"cli.py": "2"})
    repo.commit("2026-04-01", *BOT, files={"requirements.txt": "x"})


def test_people_metrics_use_merged_identities(store, make_repo):
    repo = make_repo("team")
    team_history(repo)
    project, _ = registry.add(store, "acme/team", git_source=str(repo.path))
    outcome = run_git(store, project)
    # 7 human (name, e-mail) pairs as git shows them; Ann's three are one person -> 5 people
    raw = {tuple(line.split("|")) for line in repo.git("log", "--format=%aN|%aE").splitlines()}
    assert len(raw - {BOT}) == 6 and len(raw) == 7
    assert outcome.counters["identities"] == 6 and outcome.counters["people"] == 4

    m = metrics.compute_all(store, project.id, NOW)
    assert m[c.CONTRIBUTORS_TOTAL] == 4                 # Ann, Bob, Dave (one.org), Dave (two.org)
    # window (2025-06-30, 2026-06-30]: Ann 3, Bob 1, Dave 1, Dave 1 -> 6 human commits; Ann 3 = 50%
    assert m[c.ACTIVE_CONTRIBUTORS_365D] == 4
    assert m[c.CONTRIBUTOR_ABSENCE_FACTOR_365D] == 1
    # Ann was active in the year before and still is (her addresses changed): not new, not leaving.
    assert m[c.ACTIVE_CONTRIBUTORS_PREV_365D] == 2      # Ann (acme), Bob
    assert m[c.LEAVING_CONTRIBUTORS_365D] == 0
    assert m[c.NEW_CONTRIBUTORS_365D] == 2              # the two Daves
    # Organisations in the window: Ann's private commits count for acme.com (her 2 commits there
    # against none elsewhere) -> acme 3, bigcorp.io 1, one.org 1, two.org 1: acme alone is 50%.
    assert m[c.ELEPHANT_FACTOR_365D] == 1
    # Truck factor: Ann created core/util/io/cli (4 of 6 files); with her gone 2/6 < 50% keep an author.
    tf, removed = for_project(store, project.id, NOW)
    assert (tf, removed) == (1, ["ann.smith@gmail.com"])  # her key: the smallest of her addresses
    assert m[c.TRUCK_FACTOR] == 1


def test_without_name_merging_and_before_it(store, make_repo):
    """The same history with name merging off: Ann's work and private addresses are two people
    (ANN_HOME and ANN_LAPTOP still share an address)."""
    repo = make_repo("team")
    team_history(repo)
    project, _ = registry.add(store, "acme/team", git_source=str(repo.path))
    outcome = run_git(store, project, identity={"merge_names": False, "min_name_words": 2})
    assert outcome.counters["people"] == 5
    m = metrics.compute_all(store, project.id, NOW)
    assert m[c.CONTRIBUTORS_TOTAL] == 5
    # her work address left, her private one is new
    assert m[c.LEAVING_CONTRIBUTORS_365D] == 1 and m[c.NEW_CONTRIBUTORS_365D] == 3
    # Ann's private person has no organisation domain: acme.com gets nothing in the window
    assert m[c.ELEPHANT_FACTOR_365D] == 2               # bigcorp.io, one.org, two.org: 1 each of 3


def test_a_new_alias_rekeys_stored_commits_and_a_setting_change_applies_without_new_commits(store, make_repo):
    repo = make_repo("team")
    repo.commit("2026-01-01", "Ann Smith", "ann@acme.com", files={"a.py": "1"})
    repo.commit("2026-01-02", "A. Smith", "as@gmail.com", files={"b.py": "1"})
    project, _ = registry.add(store, "acme/team", git_source=str(repo.path))
    run_git(store, project)
    keys = lambda: dict(store.all("SELECT author_email, author_key FROM git_commits WHERE project_id = ?",  # noqa: E731
                                  [project.id]))
    assert keys() == {"ann@acme.com": "ann@acme.com", "as@gmail.com": "as@gmail.com"}  # two people so far
    # 'A. Smith' now commits from Ann's work address: the name links her private address too
    repo.commit("2026-01-03", "A. Smith", "ann@acme.com", files={"c.py": "1"})
    outcome = run_git(store, project)
    assert outcome.counters["mode"] == "incremental" and outcome.counters["people_rekeyed"] == 1
    assert set(keys().values()) == {"ann@acme.com"}
    assert metrics.compute_all(store, project.id, NOW)[c.CONTRIBUTORS_TOTAL] == 1
    # switching name merging off applies at the next collection, with nothing new to read
    outcome = run_git(store, project, identity={"merge_names": False, "min_name_words": 2})
    assert outcome.counters["mode"] == "unchanged"
    assert keys() == {"ann@acme.com": "ann@acme.com", "as@gmail.com": "as@gmail.com"}
    # and a rerun with the same rules changes nothing
    assert run_git(store, project, identity={"merge_names": False, "min_name_words": 2}).counters[
        "people_rekeyed"] == 0
    runs = store.all("SELECT counters FROM collection_runs ORDER BY id")
    assert [json.loads(r[0])["people"] for r in runs] == [2, 1, 2, 2]


def test_full_rerun_equals_incremental(store, make_repo):
    """Collected in three steps or at once, the stored people are the same."""
    repo = make_repo("team")
    team_history(repo)
    stepwise, _ = registry.add(store, "acme/steps", git_source=str(repo.path))
    whole, _ = registry.add(store, "acme/whole", git_source=str(repo.path))
    shas = repo.git("rev-list", "--reverse", "HEAD").splitlines()
    for cut in (shas[2], shas[5]):
        repo.git("update-ref", "refs/heads/main", cut)
        run_git(store, stepwise)
    repo.git("update-ref", "refs/heads/main", shas[-1])
    run_git(store, stepwise)
    run_git(store, whole)
    keyed = lambda pid: sorted(store.all(  # noqa: E731
        "SELECT sha, author_key FROM git_commits WHERE project_id = ? ORDER BY sha", [pid]))
    assert keyed(stepwise.id) == keyed(whole.id)
    assert len({k for _, k in keyed(whole.id)}) == 5  # 4 people + the bot
