"""Fewer git processes per collection, the same answers: `open_local`'s one `rev-parse`,
`read_head`'s one `cat-file --batch` (HEAD, its committer time, the folders' listings) and
`_sizes`' one `--batch-check` answer as the one-question-per-command git calls they replace, on
real repositories built here, and a collection stores the same rows either way."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from collectors.git import repo as gitrepo
from collectors.git import source as gitsource
from collectors.git.repo import HEAD_FOLDERS, GitRepo, _ls_tree, _sizes, open_local, read_head
from tests.gitrepo import GitRepo as Builder
from tests.gitrepo import epoch


def _governance(b: Builder) -> None:
    """Files in the three folders looked in, a symbolic link, an executable and a submodule entry."""
    b.commit("2024-01-01", files={"README.md": "hi\n", "LICENSE.txt": "MIT\n", "CONTRIBUTING.md": "PRs welcome\n",
                                  ".github/FUNDING.yml": "github: [ann]\n", ".github/SECURITY.md": "mail us\n",
                                  "docs/CODE_OF_CONDUCT.md": "be kind\n", "docs/guide/intro.md": "intro\n"})
    (b.path / "SUPPORT.md").symlink_to("docs/guide/intro.md")
    (b.path / "run.sh").write_text("#!/bin/sh\n")
    (b.path / "run.sh").chmod(0o755)
    b.git("add", "SUPPORT.md", "run.sh")
    sub = b.git("rev-parse", "HEAD")
    b.git("update-index", "--add", "--cacheinfo", f"160000,{sub},docs/vendored")   # a submodule's commit
    b.commit("2024-02-01", committer_when="2024-02-03T10:00:00")


def _odd_modes(b: Builder) -> str:
    """A commit whose root tree has an entry of mode 100664 (old git wrote such modes); returns it."""
    blob = b.git("hash-object", "-w", "--stdin", input=b"security policy\n")
    docs = b.git("mktree", input=f"100644 blob {blob}\tGOVERNANCE.md\n".encode())
    tree = b.git("mktree", input=(f"100664 blob {blob}\tSECURITY.md\n040000 tree {docs}\tdocs\n"
                                  f"100644 blob {blob}\t.github\n").encode())   # .github is a file here
    env = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x.org", "GIT_AUTHOR_DATE": f"@{epoch('2023-05-05')} +0000",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x.org",
           "GIT_COMMITTER_DATE": f"@{epoch('2023-05-06')} +0000"}
    sha = b.git("commit-tree", tree, "-m", "odd", env=env)
    b.git("update-ref", "refs/heads/main", sha)
    return sha


def _one_by_one(repo: GitRepo) -> tuple[str | None, str, dict]:
    """What the collector asked git before, one command per question."""
    head = repo.text("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False) or None
    when = repo.text("log", "-1", "--format=%ct", "HEAD", check=False)
    return head, when, {folder: _ls_tree(repo, folder) for folder in HEAD_FOLDERS}


def _kinds(tmp_path: Path) -> dict[str, Path]:
    made = {}
    b = Builder(tmp_path / "governance")
    _governance(b)
    made["governance"] = b.path
    b = Builder(tmp_path / "odd-modes")
    _odd_modes(b)
    made["odd-modes"] = b.path
    b = Builder(tmp_path / "detached")
    b.commit("2022-01-01")
    b.commit("2022-02-01", files={"docs/SECURITY.md": "x\n"})
    b.git("checkout", "-q", "--detach", "HEAD~1")
    made["detached"] = b.path
    made["empty"] = Builder(tmp_path / "empty").path
    b = Builder(tmp_path / "bare", bare=True)
    b.git("fetch", "-q", str(tmp_path / "governance"), "main:main")
    made["bare"] = b.path
    sha256 = tmp_path / "sha256"
    sha256.mkdir()
    if subprocess.run(["git", "init", "-q", "--object-format=sha256", str(sha256)], capture_output=True).returncode == 0:
        b = Builder(sha256)
        b.commit("2021-03-03", files={"CONTRIBUTING.md": "yes\n", ".github/FUNDING.yml": "x: y\n"})
        made["sha256"] = b.path
    return made


def test_read_head_answers_as_one_command_per_question(tmp_path):
    kinds = _kinds(tmp_path)
    assert {"governance", "odd-modes", "detached", "empty", "bare"} <= set(kinds)
    for name, path in kinds.items():
        repo = open_local(str(path))
        head, when, listings = _one_by_one(repo)
        got = read_head(repo)
        assert got.sha == head, name
        if head is None:
            assert got.listings is None and got.committed is None, name
            continue
        assert str(got.committed) == when, name        # read from the commit, not asked again
        assert got.listings == listings, name           # read from the trees, not asked again
    odd = read_head(open_local(str(kinds["odd-modes"])))
    assert ("100644", "blob") == odd.listings[""][0][:2]      # 100664 is listed as git lists it
    assert odd.listings[".github"] == [] and [e[4] for e in odd.listings["docs"]] == ["GOVERNANCE.md"]
    gov = read_head(open_local(str(kinds["governance"])))
    modes = {e[4]: (e[0], e[1]) for folder in gov.listings.values() for e in folder}
    assert modes["SUPPORT.md"] == ("120000", "blob") and modes["run.sh"] == ("100755", "blob")
    assert modes["vendored"] == ("160000", "commit") and modes["guide"] == ("040000", "tree")
    assert gov.committed == epoch("2024-02-03T10:00:00")      # the committer's time, not the author's


def test_open_local_answers_as_three_rev_parse_calls(tmp_path):
    b = Builder(tmp_path / "work")
    b.commit("2020-01-01")
    b.commit("2020-02-01")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{b.path}", str(shallow)], check=True)
    b.git("worktree", "add", "-q", str(tmp_path / "linked"), "-b", "side")
    for path in (b.path, shallow, tmp_path / "linked", b.path / ".git"):
        repo = open_local(str(path))
        assert repo.shallow == (repo.text("rev-parse", "--is-shallow-repository") == "true")
        assert repo.common_dir == repo.text("rev-parse", "--git-common-dir")
    assert open_local(str(shallow)).shallow is True
    assert open_local(str(tmp_path / "linked")).common_dir != ".git"   # the main repository's
    (tmp_path / "plain").mkdir()
    with pytest.raises(Exception, match="not a git repository"):
        open_local(str(tmp_path / "plain"))


def test_sizes_in_one_batch_and_missing_objects_asked_one_by_one(tmp_path):
    b = Builder(tmp_path / "r")
    b.commit("2020-01-01", files={"a.md": "12345\n", "b.md": ""})
    repo = open_local(str(b.path))
    a, empty = b.git("rev-parse", "HEAD:a.md"), b.git("rev-parse", "HEAD:b.md")
    absent = "0123456789abcdef0123456789abcdef01234567"
    assert _sizes(repo, [a, absent, empty, a]) == {a: 6, absent: None, empty: 0}
    assert _sizes(repo, []) == {}


def _old_sizes(repo: GitRepo, oids: list[str]) -> dict[str, int | None]:
    sizes: dict[str, int | None] = {}
    for oid in dict.fromkeys(oids):
        out = repo.text("cat-file", "-s", oid, check=False)
        sizes[oid] = int(out) if out.isdigit() else None
    return sizes


TABLES = {
    "git_commits": "*", "git_commit_files": "*", "git_tags": "*",
    "repo_files": "* EXCLUDE (project_id, collected_at)",
    "git_repos": "* EXCLUDE (project_id, collected_at, data_at, local_path, source)",
}


def _rows(store) -> dict[str, list]:
    rows = {t: sorted(map(repr, store.all(f"SELECT {cols} FROM {t}"))) for t, cols in TABLES.items()}
    rows["data_at"] = store.all("SELECT data_at FROM git_repos")
    rows["counters"] = store.all("SELECT counters FROM collection_runs")
    return rows


def test_a_collection_stores_the_same_rows_as_with_one_command_per_question(tmp_path, monkeypatch):
    """The reference history of test_git plus governance files, collected twice into fresh
    databases: with the merged git calls, and with every merged call replaced by the commands it
    replaced (the `read_head` fallback, no `open_local` answers, one `cat-file -s` per size)."""
    from tests.collectors.test_git import build_history
    from tests.conftest import offline_config
    from tracker import registry
    from tracker.collect import collect
    from tracker.store import Store

    b = Builder(tmp_path / "ref")
    build_history(b)
    _governance(b)
    b.tag("v3.0.0", when="2024-03-01", annotated=True)
    b.git("config", "tracker.dataDate", "2026-06-30T00:00:00Z")   # one date, whichever way it is read

    def run(db: Path) -> dict[str, list]:
        store = Store.open(db)
        try:
            registry.add(store, "acme/widget", git_source=str(b.path))
            (outcome,) = collect(store, offline_config(db), registry.all_projects(store), ["git"])
            assert outcome.status == "ok", outcome.error
            return _rows(store)
        finally:
            store.close()

    merged = run(tmp_path / "merged.duckdb")
    real_open = gitsource.open_local

    def open_unanswered(path: str) -> GitRepo:
        repo = real_open(path)
        repo.shallow = repo.common_dir = None
        return repo

    monkeypatch.setattr(gitsource, "open_local", open_unanswered)
    monkeypatch.setattr(gitsource, "read_head", lambda repo: gitrepo.Head(
        repo.text("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False) or None))
    monkeypatch.setattr(gitrepo, "_sizes", _old_sizes)
    one_by_one = run(tmp_path / "one-by-one.duckdb")
    assert merged == one_by_one
    assert len(merged["git_commits"]) == 16 and len(merged["repo_files"]) >= 6
