"""Fetch tasks on a real Dask cluster (dask.distributed LocalCluster): the writer stays this process
and saves what returns; the stored rows equal a run in one process."""

from __future__ import annotations

import io

import pytest

from tests.tracker.test_parallel_collect import GIT_TABLES, build_repos, git_rows, track_all
from tracker import collect, config, executors, registry
from tracker.errors import TrackerError, UsageError
from tracker.progress import Progress
from tracker.store import Store

distributed = pytest.importorskip("distributed", reason="the dask extra (pip install '.[dask]') is not installed")
pytestmark = pytest.mark.timeout(300)   # a guard against a hang only


@pytest.fixture(scope="module")
def cluster():
    """A small cluster of two worker processes (real pickling over TCP), with one thread each.
    Generous connect timeouts: on a loaded 2-core machine starting the workers can be slow, and a
    slow start must not fail the test (nothing here asserts on time)."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.comm.timeouts.connect": "120s", "distributed.comm.timeouts.tcp": "120s"}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      protocol="tcp", host="127.0.0.1", silence_logs=40) as lc, \
            Client(lc, set_as_default=False) as client:
        yield client


def _collect(db_path, **kw):
    err = io.StringIO()
    with Store.open(db_path) as store:
        outcomes = collect.collect(store, config.load(db_path), registry.select(store, None), ["git", "funding"],
                                   Progress(stream=err), {}, **kw)
    return outcomes, err.getvalue()


def test_a_dask_cluster_collects_what_a_local_run_collects(cluster, make_repo, tmp_path):
    repos = build_repos(make_repo, 6)
    local, remote = tmp_path / "local.duckdb", tmp_path / "dask.duckdb"
    for db in (local, remote):
        with Store.open(db) as store:
            track_all(store, repos)
    here, err_here = _collect(local, workers=1)
    with distributed.get_task_stream(cluster) as stream:
        there, err_there = _collect(remote, workers=2, executor="dask", scheduler=cluster)
    assert sorted((o.source, o.project, o.status) for o in here) == \
        sorted((o.source, o.project, o.status) for o in there), err_there
    assert {o.status for o in there} == {"ok"}
    with Store.open(local) as a, Store.open(remote) as b:
        rows_a, rows_b = git_rows(a), git_rows(b)
        assert set(rows_a) == set(GIT_TABLES)
        assert rows_a == rows_b
        assert sum(len(v) for v in rows_b.values()) > 100
        channels = "SELECT p.slug, c.platform, c.account FROM funding_channels c JOIN projects p ON p.id = c.project_id"
        assert sorted(a.all(channels)) == sorted(b.all(channels)) != []
    # the cluster's workers ran the fetches (not this process): one task per project and source
    ran = [t["key"] for t in stream.data if str(t["key"]).startswith("tracker-fetch-")]
    assert sorted(k.split("-")[2] for k in ran) == sorted(o.source for o in there)


def test_a_failing_task_on_the_cluster_is_recorded_and_the_others_are_saved(cluster, make_repo, tmp_path, db_path):
    repos = build_repos(make_repo, 3)
    gone = tmp_path / "moved-away"
    gone.mkdir()
    with Store.open(db_path) as store:
        track_all(store, repos)
        registry.add(store, "o/gone", git_source=str(gone))
    gone.rmdir()
    err = io.StringIO()
    with Store.open(db_path) as store:
        outcomes = collect.collect(store, config.load(db_path), registry.select(store, None), ["git"],
                                   Progress(stream=err), {}, workers=2, executor="dask", scheduler=cluster)
    by = {o.project: o for o in outcomes}
    assert by["o/gone"].status == "error" and "no such path" in by["o/gone"].error
    assert [by[f"o/r{k}"].status for k in range(3)] == ["ok"] * 3


def test_unreachable_scheduler_and_missing_address_are_clear_errors():
    with pytest.raises(UsageError, match="needs the scheduler's address"):
        executors.DaskLane(None)
    with pytest.raises(TrackerError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        executors.DaskLane("tcp://127.0.0.1:9", timeout=2)
