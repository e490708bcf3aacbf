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
    """Random histories written straight into the git tables, with renames (chains, and back to a
    name used before), deletions and bots: the SQL and the Python versions of the algorithm must
    give the same truck factor and the same removal order."""
    import random
    from datetime import timedelta

    rng = random.Random(5)
    start = datetime(2020, 1, 1)
    renamed = 0
    for project_id in range(1, 21):
        store.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha, is_shallow,"
                      " is_empty, commits_stored, collected_at) VALUES (?, 'x', 'x', 'main', 'h', false, false, 0, ?)",
                      [project_id, NOW])
        alive: set[str] = set()
        changes = []
        people = [f"p{i}@example.org" for i in range(rng.randint(1, 6))] + ["bot@renovateapp.com"]
        for n in range(rng.randint(5, 60)):
            sha, when, who = f"{project_id}-{n}", start + timedelta(hours=n), rng.choice(people)
            bot = who.startswith("bot@")
            store.execute(
                "INSERT INTO git_commits VALUES (?, ?, '', false, 'x', ?, ?, ?, ?, ?, false)",
                [project_id, sha, who, who, when, when, bot],
            )
            path = f"f{rng.randint(0, 12)}.py"
            change, old = ("M" if path in alive else "A"), None
            if path in alive and rng.random() < 0.1:
                change = "D"
            elif path in alive and rng.random() < 0.3:
                target = f"f{rng.randint(0, 12)}.py"
                if target not in alive:
                    change, old, path = "R", path, target
                    alive.discard(old)
                    renamed += 1
            (alive.discard if change == "D" else alive.add)(path)
            store.execute("INSERT INTO git_commit_files (project_id, sha, change, path, old_path)"
                          " VALUES (?, ?, ?, ?, ?)", [project_id, sha, change, path, old])
            changes.append(tf.Change(path, who, n, change, old, bot))
        assert for_project(store, project_id, NOW) == tf.from_changes(changes), project_id
    assert renamed > 25
    # the vectorised algorithm, all twenty projects at once, agrees with the reference per project
    together = metrics.compute(store, list(range(1, 21)), NOW)
    assert {pid: m["truck_factor"] for pid, m in together.items()} == {
        pid: for_project(store, pid, NOW)[0] for pid in range(1, 21)}


def test_a_file_keeps_its_history_through_renames(store, make_repo):
    """Ann writes a.py, b.py and c.py; Bob moves a.py and b.py to lib/ (a rename is one change of
    his, a delivery) and edits nothing else. Followed through the renames, Ann created all three:
    lib/a.py: Ann FA, DOA 4.391 - 0.321 ln 2 = 4.168; Bob DL 1: 3.457, normalised 0.83 -> both.
    Ann {a, b, c}, Bob {a, b}: remove Ann -> Bob keeps 2/3 >= 50% -> remove Bob -> truck factor 2.
    Without following renames Bob would have created lib/a.py and lib/b.py alone."""
    repo = make_repo()
    repo.commit("2025-01-01", files={"a.py": "alpha\n" * 20, "b.py": "beta\n" * 20, "c.py": "gamma\n" * 20})
    (repo.path / "lib").mkdir()
    repo.git("mv", "a.py", "lib/a.py")
    repo.git("mv", "b.py", "lib/b.py")
    repo.commit("2025-02-01", name="Bob", email="bob@corp.example.net", files={"lib/b.py": "beta\n" * 20 + "x\n"})
    p = track(store, repo)
    assert store.all("SELECT change, old_path, path FROM git_commit_files WHERE change = 'R' ORDER BY path") == [
        ("R", "a.py", "lib/a.py"), ("R", "b.py", "lib/b.py")]  # b.py renamed with an edit: still a rename
    assert for_project(store, p.id, NOW) == (2, ["ann@example.org", "bob@corp.example.net"])
    C = tf.Change
    assert tf.from_changes([C("a.py", "ann", 1, "A"), C("b.py", "ann", 1, "A"), C("c.py", "ann", 1, "A"),
                            C("lib/a.py", "bob", 2, "R", "a.py"), C("lib/b.py", "bob", 2, "R", "b.py")]) == (
        2, ["ann", "bob"])
    # the same moves read as delete + add: Bob creates lib/a.py and lib/b.py, Ann keeps c.py only
    assert tf.from_changes([C("a.py", "ann", 1, "A"), C("b.py", "ann", 1, "A"), C("c.py", "ann", 1, "A"),
                            C("a.py", "bob", 2, "D"), C("lib/a.py", "bob", 2, "A"),
                            C("b.py", "bob", 2, "D"), C("lib/b.py", "bob", 2, "A")]) == (1, ["bob"])


def test_only_source_files_count_unless_there_are_none():
    C = tf.Change
    changes = [C("src/core.py", "ann", 1, "A"), C("README.md", "bob", 1, "A"), C("docs/guide.py", "bob", 1, "A"),
               C("data/set.csv", "bob", 1, "A"), C("setup.cfg", "bob", 1, "A")]
    assert tf.from_changes(changes) == (1, ["ann"])  # Bob wrote no source file
    documentation = [C("README.md", "ann", 1, "A"), C("index.md", "bob", 1, "A")]
    assert tf.from_changes(documentation) == (2, ["ann", "bob"])  # a repository of documents: every file
    for path, source in [("a.py", True), ("src/App.TSX", True), ("notebooks/x.ipynb", True), ("Makefile", True),
                         ("README.md", False), ("doc/conf.py", False), ("examples/demo.py", False),
                         ("vendor/lib.js", False), ("static/app.min.js", False), ("LICENSE", False),
                         ("api_pb2.py", False), ("config.yaml", False), ("src/dist.py", True)]:
        assert tf.is_source(path) is source, path


def test_the_creator_authors_a_file_many_others_touched_once():
    """The reference implementation's rule (aserg-ufmg/Truck-Factor, AuthorshipInfo.isDOAAuthor): an
    author needs normalised DOA > 0.75 and DOA >= 3.293 *or* to be the file's creator. x.py: Ann
    created it, 40 people changed it once each: Ann 3.293 + 1.098 - 0.321 ln 41 = 3.199 (the best:
    normalised 1), each other 3.293 + 0.164 - 0.321 ln 40 = 2.273 (0.71). Ann authors x, Bob y:
    remove Ann (tie, by name) -> 1/2 = 50% -> remove Bob -> truck factor 2 (1 without the rule)."""
    C = tf.Change
    changes = [C("x.py", "ann", 0, "A"), C("y.py", "bob", 0, "A")]
    changes += [C("x.py", f"dev{i:02d}", i + 1, "M") for i in range(40)]
    assert tf.doa(True, 0, 40) < 3.293
    assert tf.from_changes(changes) == (2, ["ann", "bob"])


def test_first_authorship_decides_who_authors_a_file():
    """Ann creates a.py, Bob changes it 4 times and creates b.py. a.py: Ann 3.293 + 1.098 - 0.321 ln 5
    = 3.874, Bob 3.293 + 4 x 0.164 = 3.949 (best), Ann normalised 0.981 -> both author a. Without the
    first-authorship term Ann would be at 2.776 / 3.949 = 0.703 and lose it. Authors: Bob {a, b},
    Ann {a}: remove Bob -> a keeps Ann, 1/2 = 50% -> remove Ann -> truck factor 2."""
    C = tf.Change
    changes = [C("a.py", "ann", 0, "A"), C("b.py", "bob", 0, "A")]
    changes += [C("a.py", "bob", i, "M") for i in range(1, 5)]
    assert tf.from_changes(changes) == (2, ["bob", "ann"])
    assert tf.from_authorship([("a.py", "ann", True, 0, 4), ("a.py", "bob", False, 4, 0),
                               ("b.py", "bob", True, 0, 0)]) == (2, ["bob", "ann"])


def test_authorship_is_the_normalised_doa_above_three_quarters():
    """x.py: Ann created it (DOA 3.293 + 1.098 - 0.321 ln 11 = 3.621), Bob made 10 changes (4.933):
    Ann's normalised DOA 0.734 < 0.75, so only Bob authors x. y.py: Carol. Remove Bob (tie, by
    name) -> 1/2 -> remove Carol -> truck factor 2 (3 if Ann authored x too)."""
    rows = [("x.py", "ann", True, 0, 10), ("x.py", "bob", False, 10, 0), ("y.py", "carol", True, 0, 0)]
    assert tf.from_authorship(rows) == (2, ["bob", "carol"])


def test_a_file_whose_best_doa_is_below_one_still_has_its_author():
    """Ann created x.py and others changed it 184,000 times: her DOA is 4.391 - 0.321 ln 184,001 =
    0.50, the best of the file (normalised 1) and she is its creator, so she authors it: truck
    factor 1. A file whose every DOA is negative (1,000,000 other changes) has no author: 0."""
    assert tf.doa(True, 0, 184_000) == pytest.approx(0.50, abs=0.01)
    assert tf.from_authorship([("x.py", "ann", True, 0, 184_000)]) == (1, ["ann"])
    assert tf.from_authorship([("x.py", "ann", True, 0, 1_000_000)]) == (0, [])
    assert tf.from_authorship([]) == (None, [])   # no file: unknown, not 0


def test_third_party_folders_are_left_out_even_of_a_repository_without_source():
    C = tf.Change
    # no source file: every file counts, but never vendored ones, at the top or deeper
    for vendored in ("vendor/notes.md", "docs/third_party/notes.md"):
        assert tf.from_changes([C(vendored, "bob", 1, "A"), C("README.md", "ann", 1, "A")]) == (1, ["ann"])


def test_greedy_needs_files():
    with pytest.raises(ValueError, match="^no files$"):
        tf.greedy(0, {})
    assert tf.greedy(1, {}) == (0, [])


def test_changes_in_any_order_and_at_the_same_time():
    """The life of a file is read by time, not by the order changes are given in; two changes of
    one file at the same second are both counted. x.py: deleted at 5 after its creation at 1,
    given first: not in HEAD. y.py: Ann creates it, Bob changes it in the same second, later Ann
    again: Ann FA DL 1 AC 1 = 4.333, Bob DL 1 AC 1 = 3.234 (0.746): Ann alone."""
    C = tf.Change
    changes = [C("x.py", "bob", 5, "D"), C("y.py", "ann", 1, "A"), C("x.py", "bob", 1, "A"),
               C("y.py", "bob", 1, "M"), C("y.py", "ann", 3, "M")]
    assert tf.from_changes(changes) == (1, ["ann"])
    assert tf.from_changes(list(reversed(changes))) == (1, ["ann"])


def _rename_chain(renames: int) -> list[tf.Change]:
    """Ann creates f0.py; f0 -> f1 -> ... -> f<renames>, each rename by another person."""
    C = tf.Change
    return [C("f0.py", "ann", 0, "A")] + [
        C(f"f{k}.py", f"dev{k:02d}", k, "R", f"f{k - 1}.py") for k in range(1, renames + 1)]


def test_renames_are_followed_back_fifty_times_and_no_further():
    """50 renames, each by another person: followed back to Ann's creation, Ann (FA, AC 50: 4.391 -
    0.321 ln 51 = 3.129, the best) authors the file; each renamer (DL 1, AC 50: 2.195, 0.70) does
    not: truck factor 1. With 51 renames the creation is out of reach (MAX_RENAMES): nobody created
    the file and every DOA (2.195) is under 3.293, so nobody authors it: truck factor 0."""
    assert tf.MAX_RENAMES == 50
    assert tf.from_changes(_rename_chain(50)) == (1, ["ann"])
    assert tf.from_changes(_rename_chain(51)) == (0, [])


def test_a_renamed_file_keeps_only_its_old_paths_life_before_the_rename():
    """Ann wrote a.py at 0 and deleted it at 1; Bob created a new a.py at 2; Carol moved it to b.py
    at 3. b.py's history is Bob's a.py only: Bob FA AC 1 = 4.168, Carol DL 1 = 3.457 (0.83): both.
    Then Dan creates a new a.py at 4 and changes it at 5, 6 and 7: that is a.py's history, not
    b.py's. Authors: Bob {b}, Carol {b}, Dan {a}: truck factor 3 (by name: Bob, Carol, Dan)."""
    C = tf.Change
    changes = [C("a.py", "ann", 0, "A"), C("a.py", "ann", 1, "D"), C("a.py", "bob", 2, "A"),
               C("b.py", "carol", 3, "R", "a.py"), C("a.py", "dan", 4, "A")]
    changes += [C("a.py", "dan", t, "M") for t in (5, 6, 7)]
    assert tf.from_changes(changes) == (3, ["bob", "carol", "dan"])


def _lives(rng, project: int) -> list[tuple[int, int, int | None, int]]:
    """(file, developer rank, created or None, DL) rows of one random project: one per file and
    developer, at most one creator per time, heavy and light changers mixed."""
    rows = []
    for f in range(rng.randint(1, 9)):
        devs = rng.sample(range(7), rng.randint(1, 4))
        times = rng.sample(range(1, 50), len(devs))
        for d, t in zip(devs, times, strict=True):
            created = t if rng.random() < 0.5 else None
            rows.append((project * 100 + f, d, created, rng.choice((0, 0, 1, 2, 3, 8, 15, 40))))
    return rows


def test_the_array_algorithm_agrees_with_the_reference_on_random_projects():
    """tracker.metrics loads every project's file lives and calls `truck_factors` once; it must
    give each project the truck factor `from_file_lives` gives it alone (ranks as names that sort
    the same way), here on 60 seeded random projects and on the worked example above."""
    import random
    rng = random.Random(20)
    rows = [(p, *row) for p in range(1, 61) for row in _lives(rng, p)]
    project, file, dev, created, dl = zip(*rows, strict=True)
    got = tf.truck_factors(project, file, dev, [tf.NOT_CREATED if c is None else c for c in created], dl)
    expected = {p: tf.from_file_lives([(f, f"d{d}", c, n) for q, f, d, c, n in rows if q == p])[0]
                for p in range(1, 61)}
    assert got == expected
    assert len(set(expected.values())) >= 3   # the sample reaches several truck factors
    # the worked example of test_pure_function_by_hand: a, b by ann (0); c, d by bob (1); e by cy (2)
    # and changed once by ann -> truck factor 2. Project 8: one file two people touched without
    # creating it or changing it again (DOA exactly 3.293 each, normalised 1): both author it -> 2
    example = [(7, 1, 0, 1, 0), (7, 2, 0, 1, 0), (7, 3, 1, 2, 0), (7, 4, 1, 2, 0), (7, 5, 2, 3, 0),
               (7, 5, 0, tf.NOT_CREATED, 1), (8, 9, 0, tf.NOT_CREATED, 0), (8, 9, 1, tf.NOT_CREATED, 0)]
    assert tf.truck_factors(*zip(*example, strict=True)) == {7: 2, 8: 2}
    assert tf.from_file_lives([(9, "a", None, 0), (9, "b", None, 0)]) == (2, ["a", "b"])
    # first authorship on the first file of the call (test_first_authorship_decides_who_authors_a_file):
    # Ann (0) creates file 1, Bob (1) changes it 4 times and creates file 2 -> truck factor 2
    fa_first = [(10, 1, 0, 0, 0), (10, 1, 1, tf.NOT_CREATED, 4), (10, 2, 1, 0, 0)]
    assert tf.truck_factors(*zip(*fa_first, strict=True)) == {10: 2}
    # a file whose best DOA is under 1: Ann created it, 40,000 people changed it once (her DOA 4.391 -
    # 0.321 ln 40,001 = 0.989, theirs 0.055): she still authors it -> 1
    crowd = [(12, 1, 0, 0, 0)] + [(12, 1, d, tf.NOT_CREATED, 1) for d in range(1, 40_001)]
    assert tf.truck_factors(*zip(*crowd, strict=True)) == {12: 1}
    assert tf.truck_factors([], [], [], [], []) == {}


def _load(store, project_id: int, changes: list[tf.Change]) -> None:
    """Write `changes` into the git tables as one commit each, `at` read as hours after 2020-01-01
    (equal `at`: the same second), as the collector stores a history."""
    from datetime import timedelta
    store.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha, is_shallow,"
                  " is_empty, commits_stored, collected_at) VALUES (?, 'x', 'x', 'main', 'h', false, false, 0, ?)",
                  [project_id, NOW])
    for n, ch in enumerate(changes):
        sha, when = f"{project_id}-{n}", datetime(2020, 1, 1) + timedelta(hours=ch.at)
        store.execute("INSERT INTO git_commits VALUES (?, ?, '', false, 'x', ?, ?, ?, ?, ?, false)",
                      [project_id, sha, ch.author, ch.author, when, when, ch.bot])
        store.execute("INSERT INTO git_commit_files (project_id, sha, change, path, old_path) VALUES (?, ?, ?, ?, ?)",
                      [project_id, sha, ch.change, ch.path, ch.old_path])


def test_changes_in_the_second_of_a_rename_belong_to_neither_side(store):
    """A file's life is bounded by commit times: what happens in the very second its old path was
    renamed away (or deleted) is neither in the old life nor the new one, in the reference and in
    the loader alike. Ann creates a.py at 0; at 5 Carol renames it to b.py and, in another commit of
    the same second, Dan changes a.py; Eve creates a new a.py at 6.
    b.py: Ann FA (her a.py, up to the rename), Carol DL 1: Ann 4.391 - 0.321 ln 2 = 4.168, Carol
    3.457 (0.83): both. Dan's change at 5 counts for neither file (with it, b.py's Ann would be at
    4.391 - 0.321 ln 3 = 4.038 and Dan at 3.457 - 0.321 ln 2 = 3.234, 0.80: a third author).
    a.py: Eve alone (FA, no other change; with Dan's change Dan would author it too, 3.457 / 4.168).
    Authors: Ann {b}, Carol {b}, Eve {a}: remove Ann (tie, by name): 2/2 -> Carol: 1/2 -> Eve: 3."""
    C = tf.Change
    changes = [C("a.py", "ann", 0, "A"), C("b.py", "carol", 5, "R", "a.py"), C("a.py", "dan", 5, "M"),
               C("a.py", "eve", 6, "A")]
    assert tf.from_changes(changes) == (3, ["ann", "carol", "eve"])
    _load(store, 1, changes)
    assert for_project(store, 1, NOW) == (3, ["ann", "carol", "eve"])


def test_a_rename_is_followed_into_its_old_path_only_before_the_rename(store):
    """Zoe creates z.py at 0 and Bob a.py at 1; Carol renames a.py to b.py at 2; at 5 Yan renames
    z.py to a.py. b.py's history is Bob's a.py up to 2, never the later rename into a.py nor z.py
    behind it. b.py: Bob FA, Carol DL 1: 4.391 - 0.321 ln 2 = 4.168 and 3.457 (0.83): both. a.py
    (since 2): Zoe FA through z.py, Yan DL 1: the same figures, both. Four authors of one file
    each: remove Bob (b keeps Carol, 2/2), Carol (1/2), Yan (a keeps Zoe, 1/2), Zoe: 4. Had b.py's
    walk followed the rename of 5, Zoe (created at 0) would have b.py's first authorship, Bob none:
    Zoe {a, b}, Carol {b}, Yan {a}: 3."""
    C = tf.Change
    changes = [C("z.py", "zoe", 0, "A"), C("a.py", "bob", 1, "A"), C("b.py", "carol", 2, "R", "a.py"),
               C("a.py", "yan", 5, "R", "z.py")]
    assert tf.from_changes(changes) == (4, ["bob", "carol", "yan", "zoe"])
    _load(store, 1, changes)
    assert for_project(store, 1, NOW) == (4, ["bob", "carol", "yan", "zoe"])


def test_a_file_created_on_two_branches_keeps_each_creators_earliest_creation(store):
    """Merged branches can each add the same path, so a file's life may hold several creations.
    x.py: Ann adds it at 1, Bob at 5, Ann again at 10: Ann's creation is her earliest (1), before
    Bob's, so Ann has the first authorship: Ann 4.391, Bob 3.293 (0.7499 < 0.75): Ann alone ->
    truck factor 1, Ann (Bob, if Ann's later creation counted). y.py: Ann creates it at 1, Bob
    changes it at 2, 3 and 4 and adds it on his branch at 5; his changes still count (DL 3):
    Ann 4.391 - 0.321 ln 4 = 3.946, Bob 3.293 + 3 x 0.164 = 3.785 (0.96): both author y; with z.py
    (Carol): remove Ann, Bob (1/2, still half), Carol -> 3 (2 if Bob's changes were forgotten)."""
    C = tf.Change
    x = [C("x.py", "ann", 1, "A"), C("x.py", "bob", 5, "A"), C("x.py", "ann", 10, "A")]
    assert tf.from_changes(x) == (1, ["ann"])
    y = [C("y.py", "ann", 1, "A"), C("y.py", "bob", 2, "M"), C("y.py", "bob", 3, "M"), C("y.py", "bob", 4, "M"),
         C("y.py", "bob", 5, "A"), C("z.py", "carol", 1, "A")]
    assert tf.from_changes(y) == (3, ["ann", "bob", "carol"])
    _load(store, 1, x)
    _load(store, 2, y)
    assert for_project(store, 1, NOW) == (1, ["ann"])
    assert for_project(store, 2, NOW) == (3, ["ann", "bob", "carol"])


def test_a_path_renamed_twice_in_one_second_is_walked_once_and_the_walk_goes_on(store):
    """Merged branches: x.py came from w.py (Wendy's, created at 0; Rita's rename at 2) and from
    y.py (Yan's, created at 1; Sam's rename at 3); y.py was also renamed to z.py at 3 by Tom, and
    z.py to x.py at 5 by Uma. x.py's history reaches y.py twice (directly and through z.py) and w.py
    once: creators Wendy (0) and Yan (1), so Wendy has the first authorship; renames by Rita, Sam,
    Tom, Uma are one delivery each (AC 4 for Wendy and Yan, 3 for each renamer). Wendy 4.391 - 0.321
    ln 5 = 3.874 (best); renamers 3.457 - 0.321 ln 4 = 3.012 (0.78 but under 3.293, not creators);
    Yan 3.293 - 0.321 ln 5 = 2.776: Wendy alone -> truck factor 1, Wendy (Yan, had w.py's branch
    been lost)."""
    C = tf.Change
    changes = [C("w.py", "wendy", 0, "A"), C("y.py", "yan", 1, "A"), C("x.py", "rita", 2, "R", "w.py"),
               C("x.py", "sam", 3, "R", "y.py"), C("z.py", "tom", 3, "R", "y.py"), C("x.py", "uma", 5, "R", "z.py")]
    assert tf.from_changes(changes) == (1, ["wendy"])
    _load(store, 1, changes)
    assert for_project(store, 1, NOW) == (1, ["wendy"])


def test_the_array_algorithm_breaks_ties_by_rank_in_every_project():
    """Ties in the greedy step go to the lower rank in every project of the call, not only the
    first. Project 2: f0 by rank 2, f1 by rank 1, f2 by ranks 0 and 3 (each a file's only creator,
    or both without creating nor changing it: DOA 3.293 each). Each authors one file; by rank:
    remove 0 (3/3 still covered), 1 (2/3), 2 (1/3 < half): truck factor 3. Removing rank 1 first
    would give 2. Project 1 (one file, rank 0) is there so that project 2 is not the first."""
    rows = [(1, 10, 0, 0, 0),
            (2, 20, 2, 0, 0), (2, 21, 1, 0, 0), (2, 22, 0, tf.NOT_CREATED, 0), (2, 22, 3, tf.NOT_CREATED, 0)]
    assert tf.truck_factors(*zip(*rows, strict=True)) == {1: 1, 2: 3}
    assert tf.from_file_lives([(f, f"d{d}", None if c == tf.NOT_CREATED else c, n)
                               for p, f, d, c, n in rows if p == 2]) == (3, ["d0", "d1", "d2"])


def test_the_store_counts_source_files_by_name_and_by_extension(store, make_repo):
    """The loader's own source-file pattern (SQL): Ann writes core.py, Bob the Makefile (a source
    file by its name), Carol the README and a guide (documentation). Source files: core.py (Ann),
    Makefile (Bob): remove Ann -> 1/2 still covered -> remove Bob -> truck factor 2; Carol authors
    no source file. Were the Makefile not source, Ann alone would count (1); were .py not source,
    Bob alone (1)."""
    repo = make_repo()
    repo.commit("2025-01-01", files={"core.py": "1"})
    repo.commit("2025-01-02", name="Bob", email="bob@corp.example.net", files={"Makefile": "all:\n"})
    repo.commit("2025-01-03", name="Carol", email="carol@uni.example.edu",
                files={"README.md": "# x\n", "docs/guide.md": "guide\n"})
    p = track(store, repo)
    assert for_project(store, p.id, NOW) == (2, ["ann@example.org", "bob@corp.example.net"])


def test_a_repository_whose_source_files_were_all_deleted_is_judged_on_its_other_files(store):
    """Cy's tool.py was deleted (and b.py renamed away to notes.md): no source file is left in
    HEAD, so every remaining file counts: README.md (Ann) and notes.md (Bob, who renamed his b.py;
    Bob created it: FA, DL 1 = 4.555, alone) -> remove Ann (tie, by name): 1/2 -> remove Bob: 2.
    Counting the deleted file as source would leave no file at all (unknown)."""
    C = tf.Change
    changes = [C("tool.py", "cy", 0, "A"), C("README.md", "ann", 1, "A"), C("b.py", "bob", 1, "A"),
               C("tool.py", "cy", 2, "D"), C("notes.md", "bob", 3, "R", "b.py")]
    assert tf.from_changes(changes) == (2, ["ann", "bob"])
    _load(store, 1, changes)
    assert for_project(store, 1, NOW) == (2, ["ann", "bob"])


def test_third_party_folders_at_the_top_and_nested_are_left_out_of_the_store_query(store):
    """A repository without source files (every file counts, except third-party folders): Ann, Cy and
    Eve write one guide each (truck factor 2); Bob adds eight vendored files at the top (vendor/,
    third_party/) and eight nested in other folders (lib/vendor/, web/node_modules/). Counted, any one
    of those groups would make Bob the only author who matters (truck factor 1)."""
    C = tf.Change
    own = [C("guide/a.md", "ann", 0, "A"), C("guide/b.md", "cy", 1, "A"), C("guide/c.md", "eve", 2, "A")]
    third = [C(f"{folder}/v{i}.md", "bob", 3 + i, "A") for folder in ("vendor", "third_party", "lib/vendor",
                                                                     "web/node_modules") for i in range(4)]
    assert not any(tf.is_source(ch.path) for ch in own + third)
    assert tf.from_changes(own + third) == tf.from_changes(own) == (2, ["ann", "cy"])
    for group in range(4):  # the reference: each group alone, counted as the project's own, decides
        alike = [C(ch.path.replace("vendor/", "vend/").replace("third_party/", "third/")
                   .replace("node_modules/", "modules/"), ch.author, ch.at, "A") for ch in third[4 * group:4 * group + 4]]
        assert tf.from_changes(own + alike)[0] == 1
    _load(store, 1, own + third)
    assert for_project(store, 1, NOW) == (2, ["ann", "cy"])
    assert metrics.compute(store, [1], NOW)[1]["truck_factor"] == 2
