"""A long history is read from both ends (`git log` and `git log --reverse` on two cores, stopped
where they meet): whatever commit they meet at, the history is the single pass's, commit for
commit and path for path, and a collection stores what `git` itself reports."""

from __future__ import annotations

import subprocess
from datetime import datetime

from collectors.git import repo as gitrepo
from collectors.git.repo import LOG_FORMAT, RECORD, History, _joined, _LogReader
from tests.collectors.test_git_renames import collected, git_says, history, run, without_blob
from tests.gitrepo import GitRepo, commit_raw, epoch

NOW = datetime(2026, 1, 1)
LATEST_OK = epoch("2026-01-02")
COLUMNS = ("sha", "parents", "is_merge", "author_name", "author_email", "author_key", "author_at",
           "committer_at", "is_bot", "date_suspect", "file_sha", "file_change", "file_path", "file_old_path")


def varied_history(repo: GitRepo) -> None:
    """Commits with several paths, none, renames, a merged branch, a bot, a name that is not UTF-8."""
    repo.commit("2024-01-01", files={"a.py": "".join(f"line {i}\n" for i in range(40)), "b.txt": "b\n"})
    for day in range(2, 12):
        repo.commit(f"2024-01-{day:02d}", "Bob" if day % 3 else "dependabot[bot]",
                    "bob@b.org" if day % 3 else "49699333+dependabot[bot]@users.noreply.github.com",
                    files={f"src/f{day}.py": f"{day}\n", "a.py": "".join(f"line {i} {day}\n" for i in range(40))})
    (repo.path / "docs").mkdir()
    repo.git("mv", "b.txt", "docs/b.txt")
    repo.commit("2024-02-01", files={"c.txt": "c\n"})
    repo.git("checkout", "-q", "-b", "side", "HEAD~3")
    repo.commit("2024-02-02", "Cy", "cy@c.org", files={"side.py": "s\n"})
    repo.commit("2024-02-03", "Cy", "cy@c.org", files={"side.py": "s2\n"})
    repo.git("checkout", "-q", "main")
    repo.merge("side", "2024-02-04")
    repo.commit("2024-02-05", files={}, message="nothing changed")
    commit_raw(repo, b"J\xf6rg", b"jorg@example.org", epoch("2024-02-06"))
    repo.commit("2024-02-07", files={"tab\tand space.txt": "odd name\n"}, delete=["c.txt"])


def log_bytes(path, *extra: str) -> bytes:
    return subprocess.run(["git", "-c", "log.mailmap=true", "-C", str(path), "log", "-M", "--name-status", "-z",
                           "--no-color", f"--format={LOG_FORMAT}", *extra, "HEAD", "--"],
                          capture_output=True, check=True).stdout


def reader(records: list[bytes], upto: int) -> _LogReader:
    """A reader that got the first `upto` records, and half of the next one (not yet parsed)."""
    r = _LogReader(None, LATEST_OK, {})
    r.feed(b"".join(RECORD + rec for rec in records[:upto]))
    if upto < len(records):
        r.feed(RECORD + records[upto][:7])
    return r


def columns(h: History) -> dict[str, list]:
    return {c: getattr(h, c) for c in COLUMNS}


def test_meeting_at_any_commit_gives_the_single_pass(make_repo):
    repo = make_repo("varied")
    varied_history(repo)
    forward = log_bytes(repo.path).split(RECORD)[1:]
    backward = log_bytes(repo.path, "--reverse").split(RECORD)[1:]
    n = len(forward)
    assert n == int(repo.git("rev-list", "--count", "HEAD")) == 18
    single = reader(forward, n)
    single.feed(b"")
    whole = columns(single.h)
    assert whole["file_change"].count("R") == 1 and "J\xf6rg" in whole["author_name"]
    for front in range(n + 1):
        for back in {n + 1 - front, n + 2 - front, n}:    # they meet: at least one commit in both
            if not 0 <= back <= n or front + back <= n:
                continue
            fwd, rev = reader(forward, front), reader(backward, back)
            assert columns(_joined(fwd, rev)) == whole, (front, back)


def test_a_reverse_pass_that_read_everything_is_the_whole_history(make_repo):
    repo = make_repo("varied")
    varied_history(repo)
    forward = log_bytes(repo.path).split(RECORD)[1:]
    backward = log_bytes(repo.path, "--reverse").split(RECORD)[1:]
    single = reader(forward, len(forward))
    single.feed(b"")
    rev = reader(backward, len(backward))
    rev.feed(b"")
    assert columns(_joined(_LogReader(None, LATEST_OK, {}), rev)) == columns(single.h)


def test_reading_from_both_ends_stores_what_git_reports(store, make_repo, monkeypatch):
    """The reverse pass starts at once here (for numpy's history it starts after 0.1 s)."""
    monkeypatch.setattr(gitrepo, "REVERSE_AFTER_SECONDS", 0.0)
    repo = make_repo("long")
    repo.commit("2023-01-01", files={"keep.txt": "".join(f"row {i}\n" for i in range(40))})
    for i in range(60):
        repo.commit(f"2023-{1 + i // 28:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00",
                    ["Ann", "Bob", "Cy"][i % 3], f"{'abc'[i % 3]}@example.org",
                    files={f"pkg/m{i % 17}.py": f"{i}\n"})
    repo.git("mv", "keep.txt", "kept.txt")
    repo.commit("2023-07-01", files={"kept.txt": "".join(f"row {i}\n" for i in range(40)) + "one more\n"})
    outcome, text = run(store, "acme/long", str(repo.path))
    assert outcome.status == "ok", text
    shas = set(repo.git("rev-list", "HEAD").split())
    assert {s for (s,) in store.all("SELECT sha FROM git_commits")} == shas
    assert store.scalar("SELECT count(*) FROM git_commits") == len(shas) == 62
    assert collected(store, "acme/long") == git_says(repo.path)
    assert ("R", "keep.txt", "kept.txt") in collected(store, "acme/long")
    by_author = dict(store.all("SELECT author_name, count(*) FROM git_commits GROUP BY 1"))
    assert by_author == {"Ann": 1 + 20 + 1, "Bob": 20, "Cy": 20}


def test_a_missing_blob_on_either_end_still_falls_back_to_exact_renames(store, make_repo, tmp_path, monkeypatch):
    monkeypatch.setattr(gitrepo, "REVERSE_AFTER_SECONDS", 0.0)
    repo = make_repo("work")
    history(repo)
    mirror = without_blob(repo, "HEAD~1:lib/b.py", tmp_path)
    outcome, text = run(store, "acme/mirror", str(mirror))
    assert outcome.status == "ok", text
    assert "renames: exact only for the files whose blobs are missing, in 1 commit(s)" in text
    got = collected(store, "acme/mirror")
    assert ("R", "a.py", "lib/a.py") in got
    assert ("D", "b.py", "b.py") in got and ("A", "lib/b.py", "lib/b.py") in got


def test_a_big_object_store_is_read_from_both_ends_at_once(make_repo, monkeypatch):
    repo = make_repo("small")
    repo.commit("2024-01-01")
    repo.git("gc", "-q")
    opened = gitrepo.open_local(str(repo.path))
    assert gitrepo._reverse_after(opened, "HEAD") == gitrepo.REVERSE_AFTER_SECONDS   # a few KB of packs
    monkeypatch.setattr(gitrepo, "BIG_PACK_BYTES", 1)
    assert gitrepo._reverse_after(opened, "HEAD") == 0.0
    assert gitrepo._reverse_after(opened, "abc..HEAD") == gitrepo.REVERSE_AFTER_SECONDS   # new commits only
    monkeypatch.setattr(gitrepo, "REVERSE_AFTER_SECONDS", None)
    assert gitrepo._reverse_after(opened, "HEAD") is None
