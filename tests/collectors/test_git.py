"""The git collector and git metrics on real repositories built here, checked by hand and against git."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, commit_raw, epoch
from tracker import metrics
from tracker.registry import get

NOW = "2026-06-30T00:00:00"
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def build_history(repo: GitRepo) -> dict[str, str]:
    """The reference history. Expected values in the tests below are worked out from it by hand."""
    s = {}
    s["c1"] = repo.commit("2019-01-10", "Ann", "ann@acme.com", files={"README.md": "hi\n", "src/a.py": "a\n"})
    s["c2"] = repo.commit("2020-05-01", "Bobby", "bob@old-laptop.local", files={"src/a.py": "a2\n", "src/b.py": "b\n"})
    repo.tag("v1.0.0")  # lightweight: dated by its commit, 2020-05-01
    s["c3"] = repo.commit("2024-07-01", "Ann", "ann@acme.com")
    s["c4"] = repo.commit("2025-07-15", "Ann", "ann@acme.com", delete=["src/b.py"])
    repo.tag("v2.0.0", when="2025-07-20", annotated=True)
    s["c5"] = repo.commit("2025-08-01", "Bob", "bob@gmail.com")
    s["c6"] = repo.commit("2025-09-01", *BOT, files={"requirements.txt": "x==2\n"})
    s["c7"] = repo.commit("2025-10-01", "Cat", "cat@acme.com")
    s["c8"] = repo.commit("2026-04-15", "Ann", "ann@acme.com")
    repo.tag("v2.1.0rc1", when="2026-04-16", annotated=True)  # pre-release: not counted
    s["c9"] = repo.commit("2026-05-01", "Dan", "dan@bigcorp.io")
    repo.tag("v2.1.0", when="2026-05-02", annotated=True)
    repo.git("checkout", "-q", "-b", "feature")
    s["c10a"] = repo.commit("2026-05-10", "Eve", "12345+eve@users.noreply.github.com", files={"src/c.py": "c\n"})
    repo.git("checkout", "-q", "main")
    s["c10b"] = repo.commit("2026-05-12", "Ann", "ann@acme.com")
    s["c10c"] = repo.merge("feature", "2026-05-20", "Ann", "ann@acme.com")
    s["c11"] = repo.commit("2026-06-01", "Eve", "eve@users.noreply.github.com")
    repo.tag("ciflow/trunk/123")  # CI tag: not a release
    repo.tag("nightly")
    # Work that is not on the default branch must not count.
    repo.git("checkout", "-q", "-b", "unmerged")
    repo.commit("2026-06-10", "Zed", "zed@elsewhere.org")
    repo.git("update-ref", "refs/pull/7/head", "HEAD")
    repo.git("checkout", "-q", "main")
    (repo.path / ".mailmap").write_text("Bob <bob@gmail.com> Bobby <bob@old-laptop.local>\n")
    repo.git("add", ".mailmap")
    # .mailmap must be in HEAD to apply; commit it with Ann's identity on the day of c11.
    s["c12"] = repo.commit("2026-06-01T12:00:00", "Ann", "ann@acme.com", files={".mailmap": (repo.path / ".mailmap").read_text()})
    return s


@pytest.fixture
def reference(make_repo, cli):
    repo = make_repo("ref")
    shas = build_history(repo)
    assert cli("add", "acme/widget", "--git", str(repo.path)).code == 0
    r = cli("collect", "--source", "git")
    assert r.code == 0, r.err
    return repo, shas


def report(cli, slug="acme/widget", as_of=NOW):
    r = cli("report", slug, "--format", "json", "--as-of", as_of)
    assert r.code == 0, r.err
    return r.json()


def test_metrics_match_hand_computed_values(reference, cli):
    m = report(cli)["metrics"]
    # 14 commits on main: c1..c9, c10a, c10b, the merge c10c, c11, c12.
    assert m["commits_total"] == 14
    # Window (2025-06-30, 2026-06-30]: c4..c9, c10a, c10b, c10c, c11, c12 = 11; 90 days: c8..c12 = 7.
    assert m["commits_365d"] == 11
    assert m["commits_90d"] == 7
    # People: Ann, Bob (Bobby mailmapped to him), Cat, Dan, Eve (two noreply spellings) = 5; bot apart.
    assert m["contributors_total"] == 5
    assert m["active_contributors_365d"] == 5
    assert m["active_contributors_90d"] == 3  # Ann, Dan, Eve
    assert m["first_commit_at"] == "2019-01-10T00:00:00Z"
    assert m["last_commit_at"] == "2026-06-01T12:00:00Z"
    assert m["days_since_last_commit"] == 28  # 28.5 days, rounded down
    # Human commits in 365 days: Ann 5 (c4 c8 c10b c10c c12), Eve 2, Bob 1, Cat 1, Dan 1 = 10;
    # Ann alone has 5 >= 50% of 10.
    assert m["contributor_absence_factor_365d"] == 1
    # Organisations: acme.com 6 (Ann 5 + Cat), bigcorp.io 1; gmail and noreply left out -> 1.
    assert m["elephant_factor_365d"] == 1
    # First commit in the window: Cat, Dan, Eve. Bob's first is 2020 thanks to .mailmap.
    assert m["new_contributors_365d"] == 3
    assert m["bot_commit_share_365d"] == round(1 / 11, 4)
    # Release tags: v1.0.0 (2020-05-01), v2.0.0 (2025-07-20), v2.1.0 (2026-05-02).
    assert m["tags_total"] == 3
    assert m["tags_365d"] == 2
    assert m["days_since_last_tag"] == 59
    gaps = [(datetime(2025, 7, 20) - datetime(2020, 5, 1)).days, (datetime(2026, 5, 2) - datetime(2025, 7, 20)).days]
    assert m["median_tag_interval_days"] == pytest.approx(sum(gaps) / 2)
    weeks = m["weekly_commits"]
    assert len(weeks) == 52 and weeks[-1]["week"] == "2026-06-29" and weeks[0]["week"] == "2025-07-07"
    assert sum(w["commits"] for w in weeks) == 11
    by_week = {w["week"]: w["commits"] for w in weeks}
    assert by_week["2025-07-14"] == 1   # c4 on Tuesday 2025-07-15
    assert by_week["2026-05-18"] == 1   # the merge on 2026-05-20
    assert by_week["2026-06-01"] == 2   # c11 and c12 on Monday 2026-06-01


def test_a_second_absence_factor_case(make_repo, cli):
    repo = make_repo("pair")
    for i in range(3):
        repo.commit(f"2026-01-0{i + 1}", "Ann", "ann@a.org")
    for i in range(3):
        repo.commit(f"2026-02-0{i + 1}", "Bob", "bob@b.org")
    repo.commit("2026-03-01", "Cat", "cat@c.org")
    repo.commit("2026-03-02", *BOT)
    cli("add", "x/pair", "--git", str(repo.path))
    cli("collect", "--source", "git")
    m = report(cli, "x/pair")["metrics"]
    # 7 human commits: 3, 3, 1. One person makes 3/7 < 50%, two make 6/7 -> 2. Orgs likewise -> 2.
    assert m["contributor_absence_factor_365d"] == 2
    assert m["elephant_factor_365d"] == 2
    assert m["bot_commit_share_365d"] == round(1 / 8, 4)


def test_stored_history_equals_what_git_reports(reference, store):
    repo, _ = reference
    pid = get(store, "acme/widget").id
    assert store.scalar("SELECT count(*) FROM git_commits WHERE project_id = ?", [pid]) == int(
        repo.git("rev-list", "--count", "HEAD"))
    since = epoch("2025-06-30")
    in_window = store.scalar(
        "SELECT count(*) FROM git_commits WHERE project_id = ? AND committer_at >= make_timestamp(?::BIGINT * 1000000)",
        [pid, since])
    assert in_window == int(repo.git("rev-list", "--count", f"--since={since}", "HEAD"))
    expected = {}
    for line in repo.git("log", "--use-mailmap", "--format=%H%x09%aN%x09%aE%x09%at%x09%ct%x09%P").splitlines():
        parts = line.split("\t")
        sha, name, email, at, ct, parents = parts + [""] * (6 - len(parts))  # the root has no parents
        expected[sha] = (name, email, int(at), int(ct), parents)
    rows = store.all("SELECT sha, author_name, author_email, epoch(author_at)::BIGINT,"
                     " epoch(committer_at)::BIGINT, parents FROM git_commits WHERE project_id = ?", [pid])
    assert {r[0]: tuple(r[1:]) for r in rows} == expected
    files = set(store.all("SELECT sha, change, path FROM git_commit_files WHERE project_id = ?", [pid]))
    out = repo.git("log", "--no-renames", "--name-status", "--format=@%H")
    want, sha = set(), None
    for line in out.splitlines():
        if line.startswith("@"):
            sha = line[1:]
        elif line.strip():
            change, path = line.split("\t", 1)
            want.add((sha, change, path))
    assert files == want
    merges = store.scalar("SELECT count(*) FROM git_commits WHERE project_id = ? AND is_merge", [pid])
    assert merges == int(repo.git("rev-list", "--count", "--merges", "HEAD")) == 1
    assert store.scalar("SELECT count(*) FROM git_commits WHERE author_name = 'Zed'") == 0


def test_bots_are_kept_apart(reference, store):
    rows = store.all("SELECT DISTINCT author_name FROM git_commits WHERE is_bot")
    assert rows == [("dependabot[bot]",)]


def test_tags_and_governance_files(make_repo, cli, store):
    repo = make_repo("gov")
    repo.commit("2025-01-01", files={
        ".github/FUNDING.yml": "github: [octo]\nopen_collective: widget\n",
        "docs/SECURITY.md": "Report to security@example.org\n",
        "LICENSE": "MIT License\n",
        "docs/coc.md": "Be kind.\n",
        "CONTRIBUTING.md": "x" * 300_000,
        "funding.json": '{"version": "v1.0.0"}',
        "src/README.md": "not governance",
    })
    os.symlink("docs/coc.md", repo.path / "CODE_OF_CONDUCT.md")
    os.symlink("../../outside", repo.path / "GOVERNANCE.md")
    repo.git("add", "CODE_OF_CONDUCT.md", "GOVERNANCE.md")
    repo.commit("2025-01-02", files={"CODEOWNERS": "* @octo\n"})
    cli("add", "x/gov", "--git", str(repo.path))
    assert cli("collect", "--source", "git").code == 0
    files = {r["path"]: r for r in store.dicts("SELECT * FROM repo_files")}
    assert set(files) == {".github/FUNDING.yml", "docs/SECURITY.md", "LICENSE", "CODE_OF_CONDUCT.md",
                          "CONTRIBUTING.md", "funding.json", "CODEOWNERS", "GOVERNANCE.md"}
    assert files[".github/FUNDING.yml"]["kind"] == "funding_yml"
    assert files[".github/FUNDING.yml"]["content"].startswith("github: [octo]")
    assert files["docs/SECURITY.md"]["kind"] == "security"
    assert files["CODE_OF_CONDUCT.md"]["content"] == "Be kind.\n"  # the link was followed
    assert files["GOVERNANCE.md"]["content"] is None and "outside" in files["GOVERNANCE.md"]["problem"]
    big = files["CONTRIBUTING.md"]
    assert big["truncated"] and len(big["content"]) == 256 * 1024 and big["size_bytes"] == 300_000
    assert files["CODEOWNERS"]["kind"] == "codeowners"


def test_incremental_run_reads_only_new_commits(reference, cli, store):
    repo, _ = reference
    repo.commit("2026-06-20", "Cat", "cat@acme.com")
    repo.commit("2026-06-21", "Cat", "cat@acme.com")
    assert cli("collect", "--source", "git").code == 0
    counters = store.scalar("SELECT counters FROM collection_runs ORDER BY id DESC LIMIT 1")
    assert '"commits_new": 2' in counters and '"mode": "incremental"' in counters
    assert report(cli)["metrics"]["commits_total"] == 16
    # Nothing new: nothing read, nothing duplicated.
    assert cli("collect", "--source", "git").code == 0
    counters = store.scalar("SELECT counters FROM collection_runs ORDER BY id DESC LIMIT 1")
    assert '"mode": "unchanged"' in counters
    assert store.scalar("SELECT count(*) FROM git_commits") == 16
    assert store.scalar("SELECT count(*) FROM (SELECT sha FROM git_commits GROUP BY sha HAVING count(*) > 1)") == 0


def test_force_push_is_detected_and_history_replaced(reference, cli, store):
    repo, shas = reference
    repo.git("reset", "-q", "--hard", shas["c9"])
    new = repo.commit("2026-06-25", "Dan", "dan@bigcorp.io")
    r = cli("collect", "--source", "git")
    assert r.code == 0 and "history was rewritten" in r.err
    stored = {s for (s,) in store.all("SELECT sha FROM git_commits")}
    assert stored == set(repo.git("rev-list", "HEAD").split())
    assert new in stored and shas["c11"] not in stored
    orphan_files = store.scalar("SELECT count(*) FROM git_commit_files f WHERE NOT EXISTS"
                                " (SELECT 1 FROM git_commits c WHERE c.sha = f.sha)")
    assert orphan_files == 0


def _tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        st = p.lstat()
        h.update(f"{p.relative_to(path)}|{st.st_size}|{st.st_mtime_ns}".encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("bare", [False, True])
def test_local_repository_is_read_in_place_and_never_modified(make_repo, cli, bare):
    work = make_repo("work")
    build_history(work)
    path = work.path
    if bare:
        path = work.path.parent / "bare.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(work.path), str(path)], check=True)
    before = _tree_digest(path)
    cli("add", "x/local", "--git", str(path))
    assert cli("collect", "--source", "git").code == 0
    assert cli("collect", "--source", "git", "--full").code == 0
    assert _tree_digest(path) == before
    assert report(cli, "x/local")["metrics"]["commits_total"] == 14


def test_url_is_cloned_once_as_bare_partial_clone_then_fetched(make_repo, cli, tmp_path, store):
    origin = make_repo("origin")
    origin.commit("2026-01-01", "Ann", "ann@acme.com")
    origin.tag("v1.0")
    url = f"file://{origin.path}"
    cli("add", "acme/remote", "--git", url)
    assert cli("collect", "--source", "git").code == 0
    cache = tmp_path / "git-cache" / "acme+remote.git"
    assert (cache / "HEAD").exists() and not (cache / ".git").exists()  # bare
    assert subprocess.run(["git", "-C", str(cache), "config", "remote.origin.partialclonefilter"],
                          capture_output=True, text=True).stdout.strip() == "blob:none"
    origin.commit("2026-01-02", "Bob", "bob@b.org")
    origin.tag("v1.1")
    assert cli("collect", "--source", "git").code == 0
    m = report(cli, "acme/remote")["metrics"]
    assert m["commits_total"] == 2 and m["tags_total"] == 2
    counters = store.scalar("SELECT counters FROM collection_runs ORDER BY id DESC LIMIT 1")
    assert '"mode": "incremental"' in counters


def test_unreachable_url_fails_in_one_line_and_writes_nothing(cli, store, tmp_path):
    cli("add", "acme/gone", "--git", "https://127.0.0.1:9/acme/gone.git")
    r = cli("collect", "--source", "git")
    assert r.code == 1
    assert "cannot clone https://127.0.0.1:9/acme/gone.git" in r.err
    assert "Traceback" not in r.err
    assert store.scalar("SELECT count(*) FROM git_commits") == 0
    assert store.scalar("SELECT count(*) FROM git_repos") == 0
    run = store.dicts("SELECT status, error FROM collection_runs")[0]
    assert run["status"] == "error" and "cannot clone" in run["error"]
    cache = tmp_path / "git-cache"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_one_failing_project_does_not_stop_the_others(make_repo, cli, tmp_path):
    good = make_repo("good")
    good.commit("2026-01-01")
    notgit = tmp_path / "plain"
    notgit.mkdir()
    cli("add", "a/bad", "--git", str(notgit))
    cli("add", "b/good", "--git", str(good.path))
    r = cli("collect", "--source", "git")
    assert r.code == 1
    assert "not a git repository" in r.err
    assert report(cli, "b/good")["metrics"]["commits_total"] == 1
    assert report(cli, "a/bad")["metrics"]["commits_total"] is None  # unknown, not 0


def test_missing_path_is_a_clear_error(make_repo, cli):
    repo = make_repo("vanishing")
    repo.commit("2026-01-01")
    assert cli("add", "a/vanish", "--git", str(repo.path)).code == 0
    import shutil

    shutil.rmtree(repo.path)
    r = cli("collect", "--source", "git")
    assert r.code == 1 and "no such path" in r.err
    assert cli("add", "a/other", "--git", "/no/such/dir").code == 2


def test_empty_repository(make_repo, cli):
    repo = make_repo("empty")
    cli("add", "a/empty", "--git", str(repo.path))
    r = cli("collect", "--source", "git")
    assert r.code == 0 and "no commits yet" in r.err
    m = report(cli, "a/empty")["metrics"]
    assert m["commits_total"] == 0 and m["contributors_total"] == 0
    assert m["last_commit_at"] is None and m["days_since_last_commit"] is None
    assert m["contributor_absence_factor_365d"] is None and m["tags_total"] == 0


def test_shallow_clone_is_said(make_repo, cli, tmp_path):
    origin = make_repo("deep")
    for d in range(1, 6):
        origin.commit(f"2026-01-0{d}")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{origin.path}", str(shallow)], check=True)
    cli("add", "a/shallow", "--git", str(shallow))
    r = cli("collect", "--source", "git")
    assert r.code == 0 and "shallow clone" in r.err and "lower bounds" in r.err
    assert report(cli, "a/shallow")["metrics"]["commits_total"] == 2


def test_odd_authors_and_dates(make_repo, cli, store):
    repo = make_repo("odd")
    repo.commit("2026-01-01", "Ann", "ann@acme.com")
    commit_raw(repo, b"Jos\xe9 M\xfcller", b"jose@acme.com", epoch("2026-01-02"))  # Latin-1, not UTF-8
    commit_raw(repo, "Zoë Ünïcode".encode(), b"zoe@acme.com", epoch("2026-01-03"))
    commit_raw(repo, b"Robert'); DROP TABLE git_commits;--", b"bobby@tables.org", epoch("2026-01-04"))
    commit_raw(repo, b"Future Fred", b"fred@acme.com", epoch("2099-01-01"))
    commit_raw(repo, b"Old Olga", b"olga@acme.com", epoch("1985-01-01"))
    cli("add", "a/odd", "--git", str(repo.path))
    assert cli("collect", "--source", "git").code == 0
    names = {r[0] for r in store.all("SELECT author_name FROM git_commits")}
    assert {"José Müller", "Zoë Ünïcode", "Robert'); DROP TABLE git_commits;--"} <= names
    m = report(cli, "a/odd", "2026-02-01")["metrics"]
    assert m["commits_total"] == 6                      # every commit counts, as git rev-list does
    assert m["last_commit_at"] == "2026-01-04T00:00:00Z"  # 2099 is not plausible
    assert m["first_commit_at"] == "2026-01-01T00:00:00Z"  # nor is 1985
    assert m["commits_90d"] == 4
    assert m["contributors_total"] == 4
    suspect = store.scalar("SELECT count(*) FROM git_commits WHERE date_suspect")
    assert suspect == 2


def test_report_text_shows_unknown_not_zero(cli):
    cli("add", "a/never")
    out = cli("report", "a/never").out
    assert "commits_total" in out and "unknown" in out
    js = cli("report", "a/never", "--format", "json").json()
    assert set(js) >= {"project", "metrics", "scores", "risk"}
    assert all(v is None for v in js["metrics"].values())
    assert js["metrics"].keys() >= set(metrics.metric_names()) - set()


def test_killed_collection_leaves_db_consistent_and_rerun_completes(tmp_path):
    """kill -9 a real `tracker collect` at several moments; each time the database holds either the
    previous state or the complete new one, and a final run completes without duplicates."""
    repo = GitRepo(tmp_path / "big")
    lines = []
    for i in range(6000):
        when = 1_600_000_000 + i * 3600
        lines.append(f"commit refs/heads/main\ncommitter P{i % 40} <p{i % 40}@x{i % 7}.org> {when} +0000\n"
                     f"data 2\nc\nM 644 inline f{i % 500}.txt\ndata 2\n{i % 10}\n")
    subprocess.run(["git", "-C", str(repo.path), "fast-import", "--quiet"], input="".join(lines).encode(),
                   check=True)
    repo.git("reset", "-q", "--hard", "main")
    db = tmp_path / "k.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    base = [os.sys.executable, "-m", "tracker", "--db", str(db)]
    subprocess.run([*base, "add", "k/big", "--git", str(repo.path)], check=True, env=env, cwd=os.getcwd())
    from tracker.store import Store

    for delay in (0.2, 0.5, 0.9, 1.4):
        proc = subprocess.Popen([*base, "-q", "collect", "--source", "git", "--full"], env=env, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with Store.open(db) as s:
            n = s.scalar("SELECT count(*) FROM git_commits")
            assert n in (0, 6000)
            orphan = s.scalar("SELECT count(*) FROM git_commit_files f WHERE NOT EXISTS"
                              " (SELECT 1 FROM git_commits c WHERE c.sha = f.sha)")
            assert orphan == 0
    done = subprocess.run([*base, "-q", "collect", "--source", "git"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with Store.open(db) as s:
        assert s.scalar("SELECT count(*) FROM git_commits") == 6000
        assert s.scalar("SELECT count(DISTINCT sha) FROM git_commits") == 6000
        touched = subprocess.run(["git", "-C", str(repo.path), "log", "--no-renames", "--name-only", "--format="],
                                 capture_output=True, text=True, check=True).stdout.split()
        assert s.scalar("SELECT count(*) FROM git_commit_files") == len(touched) == 500
        statuses = {r[0] for r in s.all("SELECT status FROM collection_runs")}
        assert "running" not in statuses and "ok" in statuses


def test_a_history_of_100k_commits(tmp_path, cli, store):
    """Large histories stream through one git log pass; counts still equal git's."""
    repo = GitRepo(tmp_path / "huge")
    n = 100_500
    chunks = []
    for i in range(n):
        when = 1_500_000_000 + i * 600
        body = str(i)
        chunks.append(f"commit refs/heads/main\ncommitter P{i % 300} <p{i % 300}@org{i % 300 % 11}.com> {when} +0000\n"
                      f"data 1\nc\nM 644 inline d{i % 50}/f{i % 2000}.txt\ndata {len(body)}\n{body}\n")
    subprocess.run(["git", "-C", str(repo.path), "fast-import", "--quiet"], input="".join(chunks).encode(), check=True)
    cli("add", "big/history", "--git", str(repo.path))
    r = cli("collect", "--source", "git")
    assert r.code == 0, r.err
    m = report(cli, "big/history", "2019-07-01")["metrics"]
    assert m["commits_total"] == n == int(repo.git("rev-list", "--count", "main"))
    assert m["contributors_total"] == 300
    assert store.scalar("SELECT count(*) FROM git_commit_files") == n
    assert m["elephant_factor_365d"] is not None
