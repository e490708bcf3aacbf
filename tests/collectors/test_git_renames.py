"""Renames found by the git collector, checked against `git log -M` itself: in a local repository,
in a blob-less partial clone (the blobs compared are fetched first) and in a mirror that lacks a
blob (exact renames only, said); a history stored before renames were looked for is read again."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from tests.gitrepo import GitRepo
from tracker import collect, config, registry
from tracker.progress import Progress

TEXT = "".join(f"line {i} of a file long enough to be recognised after an edit\n" for i in range(30))
OTHER = "".join(f"{i}: nothing like the others, so git pairs it with its own old copy only\n" for i in range(30))


def history(repo: GitRepo) -> None:
    repo.commit("2025-01-01", files={"a.py": TEXT, "b.py": TEXT.upper(), "c.py": "c\n"})
    (repo.path / "lib").mkdir()
    repo.git("mv", "a.py", "lib/a.py")                      # a pure move
    repo.git("mv", "b.py", "lib/b.py")                      # a move with an edit (still 95% alike)
    repo.commit("2025-02-01", "Bob", "bob@b.org", files={"lib/b.py": TEXT.upper() + "ONE MORE\n"})
    repo.commit("2025-03-01", files={"new.py": "n\n"}, delete=["c.py"])   # add + delete, unrelated


def git_says(repo_path: Path) -> set[tuple[str, str, str]]:
    out = subprocess.run(["git", "-C", str(repo_path), "log", "-M", "--name-status", "--format="],
                         capture_output=True, text=True, check=True).stdout
    return {(f[0][0], f[1], f[-1]) for f in (line.split("\t") for line in out.splitlines() if line)}


def collected(store, slug: str) -> set[tuple[str, str, str]]:
    pid = registry.get(store, slug).id
    return {(c, o or p, p) for c, o, p in store.all(
        "SELECT change, old_path, path FROM git_commit_files WHERE project_id = ?", [pid])}


def run(store, slug: str, source: str) -> tuple[collect.Outcome, str]:
    project = registry.add(store, slug, git_source=source)[0]
    out = io.StringIO()
    (outcome,) = collect.collect(store, config.load(store.path), [project], ["git"], Progress(out))
    return outcome, out.getvalue()


def test_renames_in_a_local_repository_are_what_git_finds(store, make_repo):
    repo = make_repo("local")
    history(repo)
    outcome, _ = run(store, "acme/local", str(repo.path))
    assert outcome.status == "ok"
    got = collected(store, "acme/local")
    assert got == git_says(repo.path)
    assert {r for r in got if r[0] == "R"} == {("R", "a.py", "lib/a.py"), ("R", "b.py", "lib/b.py")}
    assert ("D", "c.py", "c.py") in got and ("A", "new.py", "new.py") in got
    assert store.scalar("SELECT renames FROM git_repos") == "detected"


def test_a_partial_clone_fetches_what_rename_detection_compares(store, make_repo, tmp_path):
    repo = make_repo("origin")
    history(repo)
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    subprocess.run(["git", "-C", str(bare), "config", "uploadpack.allowFilter", "true"], check=True)
    outcome, text = run(store, "acme/clone", f"file://{bare}")
    assert outcome.status == "ok", text
    clone = tmp_path / "git-cache" / "acme+clone.git"
    assert subprocess.run(["git", "-C", str(clone), "config", "remote.origin.partialclonefilter"],
                          capture_output=True, text=True).stdout.strip() == "blob:none"
    assert collected(store, "acme/clone") == git_says(repo.path)


def test_a_repository_missing_a_blob_gets_exact_renames_and_says_so(store, make_repo, tmp_path):
    repo = make_repo("work")
    history(repo)
    mirror = without_blob(repo, "HEAD~1:lib/b.py", tmp_path)   # the edited copy of b.py is gone
    outcome, text = run(store, "acme/mirror", str(mirror))
    assert outcome.status == "ok", text
    assert "renames: exact only for the files whose blobs are missing, in 1 commit(s)" in text
    got = collected(store, "acme/mirror")
    assert ("R", "a.py", "lib/a.py") in got                             # the pure move is still seen
    assert ("D", "b.py", "b.py") in got and ("A", "lib/b.py", "lib/b.py") in got
    assert store.scalar("SELECT renames FROM git_repos").startswith("exact only")


def without_blob(repo: GitRepo, rev: str, tmp_path: Path) -> Path:
    """A bare copy of `repo` with loose objects, lacking the blob `rev` names (as a mirror lacks
    its large files)."""
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--no-local", str(repo.path), str(mirror)], check=True)
    packs = b"".join(p.read_bytes() for p in (mirror / "objects" / "pack").glob("*.pack"))
    for pack in (mirror / "objects" / "pack").iterdir():
        pack.unlink()
    subprocess.run(["git", "-C", str(mirror), "unpack-objects", "-q"], check=True, input=packs)
    blob = subprocess.run(["git", "-C", str(mirror), "rev-parse", rev],
                          capture_output=True, text=True, check=True).stdout.strip()
    (mirror / "objects" / blob[:2] / blob[2:]).unlink()
    return mirror


def test_a_missing_blob_costs_only_its_own_file_renames_found_with_edits_around_it(store, make_repo, tmp_path):
    # three commits where a rename can hide, newest first for git: an edited move after the one
    # whose blob is missing, and one before it; git's batch stops at the middle one and resumes;
    # in the middle one, the other file moved with an edit is still found
    repo = make_repo("work")
    repo.commit("2025-01-01", files={"a.py": TEXT, "b.py": TEXT.upper(), "c.py": TEXT.title(),
                                     "d.py": OTHER})
    repo.git("mv", "a.py", "a2.py")
    repo.commit("2025-02-01", files={"a2.py": TEXT + "edit one\n"})          # edited move, older
    repo.git("mv", "b.py", "b2.py")
    repo.git("mv", "d.py", "d2.py")
    repo.commit("2025-03-01", files={"b2.py": TEXT.upper() + "EDIT TWO\n",   # its blob will be missing
                                     "d2.py": OTHER + "edit four\n"})
    repo.git("mv", "c.py", "c2.py")
    repo.commit("2025-04-01", files={"c2.py": TEXT.title() + "Edit Three\n"})  # edited move, newer
    mirror = without_blob(repo, "HEAD~1:b2.py", tmp_path)
    outcome, text = run(store, "acme/mirror", str(mirror))
    assert outcome.status == "ok", text
    assert "renames: exact only for the files whose blobs are missing, in 1 commit(s)" in text
    got = collected(store, "acme/mirror")
    assert {r for r in got if r[0] == "R"} == {("R", "a.py", "a2.py"), ("R", "c.py", "c2.py"), ("R", "d.py", "d2.py")}
    assert ("D", "b.py", "b.py") in got and ("A", "b2.py", "b2.py") in got
    assert got - {("D", "b.py", "b.py"), ("A", "b2.py", "b2.py")} == git_says(repo.path) - {("R", "b.py", "b2.py")}


def test_a_history_stored_before_renames_were_looked_for_is_read_again_once(store, make_repo):
    repo = make_repo("old")
    history(repo)
    outcome, _ = run(store, "acme/old", str(repo.path))
    store.execute("UPDATE git_repos SET renames = NULL")   # as migration 0017 leaves older histories
    store.execute("UPDATE git_commit_files SET change = 'A', old_path = NULL WHERE change = 'R'")
    outcome, text = run(store, "acme/old", str(repo.path))
    assert outcome.counters["mode"] == "full" and "again, once, to find its renames" in text
    assert collected(store, "acme/old") == git_says(repo.path)
    outcome, text = run(store, "acme/old", str(repo.path))
    assert outcome.counters["mode"] == "unchanged"
