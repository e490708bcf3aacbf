"""Removal is final (issue 14): `tracker remove` while the scheduler collects leaves no row of the
removed project anywhere; rows of unknown projects in an existing database are cleaned by a
migration and at the start of every writer; `tracker doctor` checks (read-only) and repairs
(`--fix`) orphans, runs left `running` by dead processes and the schema version."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys

import pytest

from tests.tracker.daemon import Proc, query, wait_for
from tracker import registry, runs
from tracker import store as store_mod
from tracker.cli import main
from tracker.store import Store

pytestmark = pytest.mark.timeout(240)


def make_history(make_repo, name: str, commits: int):
    repo = make_repo(name)
    for i in range(commits):
        repo.commit(f"2024-01-{1 + i % 27:02d}", name=f"Dev{i % 3}", email=f"dev{i % 3}@example.org",
                    files={f"src/{name}{i}.py": f"x = {i}\n"})
    repo.tag("v1.0")
    return repo


def orphans(db) -> dict[str, int]:
    """Rows, per table, whose project_id names no tracked project (read the way the app reads)."""
    tables = [t for (t,) in query(db, "SELECT DISTINCT c.table_name FROM information_schema.columns c"
                                      " JOIN information_schema.tables t USING (table_schema, table_name)"
                                      " WHERE c.column_name = 'project_id' AND t.table_type = 'BASE TABLE'")]
    found = {}
    for table in tables:
        n = query(db, f"SELECT count(*) FROM {table} WHERE project_id IS NOT NULL"
                      " AND project_id NOT IN (SELECT id FROM projects)")[0][0]
        if n:
            found[table] = n
    return found


@pytest.fixture
def spawn(db_path, tmp_path):
    procs: list[Proc] = []

    def start(*args: str, env: dict[str, str] | None = None, module: str = "tracker") -> Proc:
        proc = Proc(db_path, tmp_path / f"proc-{len(procs)}.log", *args, module=module, env=env)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()


def test_remove_while_the_scheduler_collects_leaves_no_orphan_rows(cli, make_repo, spawn, db_path, tmp_path):
    """The daemon has o/a and o/b in its job's list; o/b is removed while o/a is being collected.
    When the daemon reaches o/b it must write nothing for it, not even a run row."""
    for name in ("a", "b"):
        assert cli("add", f"o/{name}", "--git", str(make_history(make_repo, name, 8).path)).code == 0
    pause = tmp_path / "pause"
    pause.mkdir()
    env = {"TRACKER_SCHEDULE_GIT": "1h", "TRACKER_SCHEDULE_POLL": "0.3s", "PAUSE_AT": "read",
           "PAUSE_DIR": str(pause)}
    daemon = spawn("schedule", module="tests.fakes.paused_git", env=env)
    wait_for(lambda: (pause / "paused").exists(), what="the daemon collecting o/a", proc=daemon)
    remover = spawn("remove", "o/b", env={"TRACKER_LOCK_TIMEOUT": "120"})
    wait_for(lambda: list(tmp_path.glob("*.write.lock.wait-*")), what="remove waiting", proc=remover)
    (pause / "resume").touch()
    assert remover.wait(120) == 0, remover.log()
    wait_for(lambda: query(db_path, "SELECT last_status FROM scheduler_jobs WHERE job_id = 'collect:git'")
             in ([("ok",)], [("error",)]), what="the git job to finish", proc=daemon)
    daemon.send(15)
    assert daemon.wait() == 0, daemon.log()

    assert orphans(db_path) == {}
    assert query(db_path, "SELECT slug FROM projects") == [("o/a",)]
    assert "o/b was removed" in daemon.log()                      # said so, not silently dropped
    status = cli("status")
    assert status.code == 0 and "(all)" not in status.out and "o/b" not in status.out


def test_a_run_is_not_even_opened_for_a_project_removed_before_it_starts(store, make_repo, db_path):
    from collectors import sources
    from tracker import collect, config
    from tracker.progress import Progress

    project, _ = registry.add(store, "o/a", git_source=str(make_history(make_repo, "a", 3).path))
    registry.remove(store, "o/a")
    outcome = collect.collect_one(store, config.load(db_path), sources()["git"], project, Progress(quiet=True))
    assert outcome.status == "removed" and "was removed" in outcome.error
    assert store.scalar("SELECT count(*) FROM collection_runs") == 0


# -- existing databases ---------------------------------------------------------------------------
def _plant_orphans(db_path, make_repo, cli) -> int:
    """Collect a project, then delete only its projects row (what an older version could leave)."""
    assert cli("add", "o/gone", "--git", str(make_history(make_repo, "gone", 5).path)).code == 0
    assert cli("add", "o/kept", "--git", str(make_history(make_repo, "kept", 3).path)).code == 0
    assert cli("collect", "--source", "git").code == 0
    with Store.open(db_path) as store:
        gone = store.scalar("SELECT id FROM projects WHERE slug = 'o/gone'")
        store.execute("DELETE FROM projects WHERE id = ?", [gone])
    return gone


def test_an_older_database_is_cleaned_by_the_migration(db_path, monkeypatch):
    """A database at schema 13 holding rows of a project that is gone (as an older version could
    leave them): the next writer's migration deletes them and keeps the tracked project's rows."""
    full = store_mod.migrations()
    monkeypatch.setattr(store_mod, "migrations", lambda: [m for m in full if m[0] <= 13])
    with Store.open(db_path) as store:
        kept, _ = registry.add(store, "o/kept")
        gone, _ = registry.add(store, "o/gone")
        for pid in (kept.id, gone.id):
            for i in range(3 if pid == kept.id else 5):
                store.execute("INSERT INTO git_commits VALUES (?, ?, '', false, 'Ann', 'ann@example.org', 'ann',"
                              " now(), now(), false, false)", [pid, f"sha{i}"])
                store.execute("INSERT INTO git_commit_files VALUES (?, ?, 'A', 'f.py')", [pid, f"sha{i}"])
            store.execute("INSERT INTO git_repos (project_id, source, local_path, collected_at)"
                          " VALUES (?, 'x', 'x', now())", [pid])
            store.execute("INSERT INTO collection_runs (source, project_id, started_at, status)"
                          " VALUES ('git', ?, now(), 'ok')", [pid])
        store.execute("INSERT INTO collection_runs (source, project_id, started_at, status)"
                      " VALUES ('deps', NULL, now(), 'ok')")                # a run for no project stays
        store.execute("DELETE FROM projects WHERE id = ?", [gone.id])
        assert store.schema_version() == 13
    found = orphans(db_path)
    assert found == {"git_commits": 5, "git_commit_files": 5, "git_repos": 1, "collection_runs": 1}
    monkeypatch.setattr(store_mod, "migrations", lambda: full)
    with Store.open(db_path) as store:                                     # a writer migrates
        assert store.schema_version() == full[-1][0]
    assert orphans(db_path) == {}
    assert query(db_path, "SELECT count(*) FROM git_commits")[0][0] == 3   # the tracked project's rows stay
    assert query(db_path, "SELECT count(*) FROM collection_runs")[0][0] == 2


def test_writers_clean_orphans_when_they_start(db_path, make_repo, cli):
    _plant_orphans(db_path, make_repo, cli)
    assert orphans(db_path)
    assert cli("list").code == 0 and orphans(db_path)       # a reader changes nothing
    result = cli("add", "o/new")                            # any writer cleans up first
    assert result.code == 0, result.err
    assert orphans(db_path) == {}


# -- tracker doctor -------------------------------------------------------------------------------
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_doctor_checks_read_only_then_fixes(db_path, make_repo, cli, monkeypatch):
    gone = _plant_orphans(db_path, make_repo, cli)
    with Store.open(db_path) as store:
        kept = store.scalar("SELECT id FROM projects WHERE slug = 'o/kept'")
        store.execute("INSERT INTO collection_runs (source, project_id, started_at, status, pid, host)"
                      " VALUES ('git', ?, now()::TIMESTAMP, 'running', ?, ?)", [kept, _dead_pid(), socket.gethostname()])
    before = os.stat(db_path).st_mtime_ns, os.path.getsize(db_path)

    result = cli("doctor")
    assert result.code == 1, result.err
    assert "orphan" in result.out and "git_commits: 5" in result.out
    assert "1 run left running by a process that is gone" in result.out
    assert "tracker doctor --fix" in result.out
    assert (os.stat(db_path).st_mtime_ns, os.path.getsize(db_path)) == before     # checking wrote nothing

    data = cli("doctor", "--format", "json")
    assert data.code == 1
    report = data.json()
    assert report["ok"] is False and report["schema"]["version"] == report["schema"]["expected"]
    assert report["orphans"]["git_commits"] == 5 and report["orphans"]["collection_runs"] == 1
    assert [r["project"] for r in report["dead_runs"]] == ["o/kept"]

    fixed = cli("doctor", "--fix")
    assert fixed.code == 0, fixed.out + fixed.err
    assert "deleted" in fixed.out and "interrupted" in fixed.out
    assert orphans(db_path) == {}
    assert query(db_path, "SELECT status FROM collection_runs WHERE project_id = ? ORDER BY id DESC LIMIT 1",
                 [kept]) == [("interrupted",)]
    assert query(db_path, "SELECT count(*) FROM git_commits WHERE project_id = ?", [gone])[0][0] == 0
    again = cli("doctor", "--format", "json")
    assert again.code == 0 and again.json()["ok"] is True


def test_doctor_on_a_read_only_copy(db_path, make_repo, cli, tmp_path):
    _plant_orphans(db_path, make_repo, cli)
    folder = tmp_path / "ro"
    folder.mkdir()
    copy = folder / "copy.duckdb"
    copy.write_bytes(db_path.read_bytes())
    copy.chmod(0o444)
    folder.chmod(0o555)
    try:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--db", str(copy), "doctor"])
        assert code == 1, err.getvalue()
        assert "git_commits: 5" in out.getvalue()
    finally:
        folder.chmod(0o755)


def test_doctor_reports_the_schema_version(db_path, cli, monkeypatch):
    full = store_mod.migrations()
    monkeypatch.setattr(store_mod, "migrations", lambda: full[:-1])
    Store.open(db_path).close()
    monkeypatch.setattr(store_mod, "migrations", lambda: full)
    older = cli("doctor", "--format", "json")
    assert older.code == 1
    assert older.json()["schema"] == {"version": full[-2][0], "expected": full[-1][0], "problem": "older"}
    assert cli("doctor", "--fix").code == 0
    assert cli("doctor").code == 0
    with Store.open(db_path) as store:
        store.execute("INSERT INTO schema_migrations VALUES (9999, 'future', now()::TIMESTAMP)")
    newer = cli("doctor")
    assert newer.code == 1 and "newer" in newer.out
    refused = cli("doctor", "--fix")
    assert refused.code != 0 and "newer" in (refused.out + refused.err)


def test_doctor_without_a_database(cli, db_path):
    result = cli("doctor")
    assert result.code == 2 and "no database" in result.err
    assert not db_path.exists()


def test_dead_run_detection_is_shared_with_the_scheduler(store):
    from tracker import doctor

    project, _ = registry.add(store, "o/a")
    store.execute("INSERT INTO collection_runs (source, project_id, started_at, status, pid, host)"
                  " VALUES ('git', ?, now()::TIMESTAMP, 'running', ?, ?)", [project.id, _dead_pid(),
                                                                           socket.gethostname()])
    assert [r["project"] for r in doctor.dead_runs(store)] == ["o/a"]
    assert runs.mark_interrupted(store) == 1
    assert doctor.dead_runs(store) == []
