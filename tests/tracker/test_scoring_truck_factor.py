"""Truck factor (Avelino et al. 2016) on small real repositories, worked by hand."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from tests.tracker.scoring_helpers import track
from tracker import metrics
from tracker.metrics.truck_factor import for_project
from tracker.scoring import truck_factor as tf

NOW = datetime(2026, 11, 1)
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def test_doa_formula_matches_the_paper():
    assert tf.doa(True, 0, 0) == pytest.approx(3.293 + 1.098)
    assert tf.doa(False, 10, 0) == pytest.approx(3.293 + 1.64)
    assert tf.doa(True, 0, 10) == pytest.approx(3.293 + 1.098 - 0.321 * math.log(11))


def test_one_creator_one_small_fixer(store, make_repo):
    """Ann creates a, b, c; Bob changes a once.
    a: Ann DOA = 3.293 + 1.098 - 0.321 ln 2 = 4.1685; Bob 3.293 + 0.164 = 3.457, normalised
    0.829 > 0.75 -> both author a. Ann authors {a, b, c}, Bob {a}. Remove Ann: Bob covers 1/3
    < 50% -> truck factor 1."""
    repo = make_repo()
    repo.commit("2025-01-01", files={"a.py": "1", "b.py": "1", "c.py": "1"})
    repo.commit("2025-02-01", name="Bob", email="bob@corp.example.net", files={"a.py": "2"})
    p = track(store, repo)
    assert for_project(store, p.id, NOW) == (1, ["ann@example.org"])
    assert metrics.compute_all(store, p.id, NOW)["truck_factor"] == 1


def test_two_owners_of_separate_halves(store, make_repo):
    """Ann creates a, b; Bob creates c, d. Remove Ann (tie, first by name): 2/4 = 50% still
    covered, so Bob goes too -> truck factor 2."""
    repo = make_repo()
    repo.commit("2025-01-01", files={"a.py": "1", "b.py": "1"})
    repo.commit("2025-01-02", name="Bob", email="bob@corp.example.net", files={"c.py": "1", "d.py": "1"})
    p = track(store, repo)
    assert for_project(store, p.id, NOW) == (2, ["ann@example.org", "bob@corp.example.net"])


def test_heavy_maintainer_takes_authorship_bots_vendored_and_deleted_files_left_out(store, make_repo):
    """Ann creates a and b; Bob changes a ten times: Bob DOA 4.933, Ann 3.293 + 1.098 - 0.321 ln 11
    = 3.621, normalised 0.734 < 0.75, so only Bob authors a. Carol creates c. A bot changes b twenty
    times and creates req.txt (ignored: bots are not people); vendor/ is third-party; old.py was
    deleted. Files: a, b, c. Authors: Bob {a}, Ann {b}, Carol {c}. Remove Ann (tie), then Bob:
    1/3 < 50% -> truck factor 2."""
    repo = make_repo()
    repo.commit("2025-01-01", files={"a.py": "0", "b.py": "0", "old.py": "0"})
    for i in range(10):
        repo.commit(f"2025-02-{i + 1:02d}", name="Bob", email="bob@corp.example.net", files={"a.py": str(i)})
    repo.commit(
        "2025-03-01",
        name="Carol",
        email="carol@uni.example.edu",
        files={"c.py": "1", "vendor/lib.py": "1"},
        delete=["old.py"],
    )
    for i in range(20):
        repo.commit(f"2025-04-{i + 1:02d}", name=BOT[0], email=BOT[1], files={"b.py": str(i)})
    repo.commit("2025-05-01", name=BOT[0], email=BOT[1], files={"req.txt": "x"})
    p = track(store, repo)
    value, removed = for_project(store, p.id, NOW)
    assert value == 2
    assert removed == ["ann@example.org", "bob@corp.example.net"]


def test_pure_function_by_hand():
    C = tf.Change
    changes = [
        C("a.py", "ann", 1, "A"),
        C("b.py", "ann", 1, "A"),
        C("c.py", "bob", 2, "A"),
        C("d.py", "bob", 2, "A"),
        C("e.py", "cy", 3, "A"),
        C("e.py", "ann", 4, "M"),
        C("gone.py", "cy", 5, "A"),
        C("gone.py", "cy", 6, "D"),
    ]
    # e: cy DOA 3.293 + 1.098 - 0.321 ln 2 = 4.168, ann 3.457 (0.83) -> both. ann {a, b, e}, bob {c, d},
    # cy {e}. Remove ann: {c, d, e} = 3/5 -> remove bob: {e} = 1/5 -> truck factor 2.
    assert tf.from_changes(changes) == (2, ["ann", "bob"])
    assert tf.from_changes([]) == (None, [])


def test_no_history_is_unknown_not_zero(store, make_repo):
    repo = make_repo()
    p = track(store, repo)  # an empty repository
    assert metrics.compute_all(store, p.id, NOW)["truck_factor"] is None


def test_store_query_agrees_with_the_pure_function_on_random_histories(store):
    """Random histories written straight into the git tables: the SQL and the Python versions of
    the algorithm must give the same truck factor and the same removal order."""
    import random
    from datetime import timedelta

    rng = random.Random(5)
    start = datetime(2020, 1, 1)
    for project_id in range(1, 21):
        store.execute(
            "INSERT INTO git_repos VALUES (?, 'x', 'x', 'main', 'h', false, false, 0, ?, NULL)", [project_id, NOW]
        )
        alive: set[str] = set()
        changes = []
        people = [f"p{i}@example.org" for i in range(rng.randint(1, 6))]
        for n in range(rng.randint(5, 60)):
            sha, when, who = f"{project_id}-{n}", start + timedelta(hours=n), rng.choice(people)
            store.execute(
                "INSERT INTO git_commits VALUES (?, ?, '', false, 'x', ?, ?, ?, ?, false, false)",
                [project_id, sha, who, who, when, when],
            )
            path = f"f{rng.randint(0, 12)}.py"
            change = "M" if path in alive else "A"
            if path in alive and rng.random() < 0.1:
                change = "D"
            (alive.discard if change == "D" else alive.add)(path)
            store.execute("INSERT INTO git_commit_files VALUES (?, ?, ?, ?)", [project_id, sha, change, path])
            changes.append(tf.Change(path, who, n, change))
        assert for_project(store, project_id, NOW) == tf.from_changes(changes), project_id
    # the vectorised algorithm, all twenty projects at once, agrees with the reference per project
    together = metrics.compute(store, list(range(1, 21)), NOW)
    assert {pid: m["truck_factor"] for pid, m in together.items()} == {
        pid: for_project(store, pid, NOW)[0] for pid in range(1, 21)}
