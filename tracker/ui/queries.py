"""The app's cached access to the read model (tracker.readmodel.pages): short-lived read-only
connections, retried on a writer's lock, and the last good answer when the writer takes too long.

DuckDB lets one process write or many read. Every call here opens a read-only connection
(`tracker.store.open_reader`, which waits out a lock and checks the schema version), reads what
one page needs in one go, and closes it again. Results (plain DataFrames and dicts, never a
connection) are cached with `st.cache_data(ttl=...)`. If the writer holds the lock longer than the
wait, the last good answer is served; with none, `DatabaseBusy` tells the page to say so in words.
No SQL here: what a page reads is a named function of the read model.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tracker import config
from tracker.errors import StoreLockedError, TrackerError
from tracker.readmodel import pages
from tracker.readmodel.pages import RISK_LEVELS  # noqa: F401 (the pages' risk levels, re-exported)
from tracker.runs import utcnow
from tracker.store import DatabaseDamaged, SchemaMismatch, damaged, is_damage, open_reader  # noqa: F401

TTL_SECONDS = 60
LOCK_WAIT_SECONDS = 5.0  # how long a read waits for a writer's lock before the last good answer
_LAST_GOOD_SIZE = 256


class NoDatabase(TrackerError):
    """The database file does not exist yet."""


class DatabaseBusy(TrackerError):
    """A writer held the lock for longer than the wait and no earlier answer is cached."""


def database_path() -> str:
    """The database the app reads: TRACKER_DB (set by `tracker app`) or the default, absolute."""
    return str(Path(config.load().db_path).expanduser().resolve())


def read(db: str, fn: Callable[..., Any], *args: Any, timeout: float = LOCK_WAIT_SECONDS) -> Any:
    """Run `fn(store, *args)` (a read-model function) on a fresh read-only connection, then close it.
    A file that is not a DuckDB database or cannot be read to the end is DatabaseDamaged."""
    if not Path(db).exists():
        raise NoDatabase(f"no database at {db}")
    try:
        store = open_reader(db, timeout=timeout)
    except StoreLockedError:
        raise DatabaseBusy("the collector is writing to the database right now") from None
    try:
        return fn(store, *args)
    except Exception as exc:
        if is_damage(exc):
            raise damaged(db, exc) from None
        raise
    finally:
        store.close()


_last_good: OrderedDict[tuple, Any] = OrderedDict()


def _served(name: str, cached: Callable[..., Any], db: str, *args: Any) -> Any:
    """Call a cached query; when the database stays locked, answer with its last good result."""
    key = (name, db, args)
    try:
        value = cached(db, *args)
    except DatabaseBusy:
        if key in _last_good:
            return _last_good[key]
        raise
    _last_good[key] = value
    _last_good.move_to_end(key)
    while len(_last_good) > _LAST_GOOD_SIZE:
        _last_good.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget cached answers (after the user asked for something to change)."""
    st.cache_data.clear()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _status_cached(db: str) -> dict[str, Any]:
    return read(db, pages.database_status)


def status(db: str) -> dict[str, Any]:
    """Number of projects, whether any is scored, the schema version (the empty-database page)."""
    return _served("status", _status_cached, db)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _slugs_cached(db: str) -> list[str]:
    return read(db, pages.project_slugs)


def project_slugs(db: str) -> list[str]:
    return _served("slugs", _slugs_cached, db)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _overview_cached(db: str) -> pd.DataFrame:
    return read(db, pages.overview, utcnow())


def overview(db: str) -> pd.DataFrame:
    """One row per tracked project (tracker.readmodel.pages.overview)."""
    return _served("overview", _overview_cached, db)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _project_cached(db: str, slug: str) -> dict[str, Any] | None:
    return read(db, pages.project_page, slug, utcnow())


def project(db: str, slug: str) -> dict[str, Any] | None:
    """Everything the project page shows about one project (None if it is not tracked)."""
    return _served("project", _project_cached, db, slug)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _project_summary_cached(db: str, slug: str) -> dict[str, Any] | None:
    return read(db, pages.project_summary, slug, utcnow())


def project_summary(db: str, slug: str) -> dict[str, Any] | None:
    """What the project page shows first (None if it is not tracked); its details come apart."""
    return _served("project_summary", _project_summary_cached, db, slug)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _project_details_cached(db: str, project_id: int) -> dict[str, Any]:
    return read(db, pages.project_details, project_id, utcnow())


def project_details(db: str, project_id: int) -> dict[str, Any]:
    """The project page's detail sections (history, contributors, funding, first responses)."""
    return _served("project_details", _project_details_cached, db, project_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _funders_cached(db: str) -> pd.DataFrame:
    return read(db, pages.funders)


def funders(db: str) -> pd.DataFrame:
    """Latest criticality, funding need (with its reason), risk, flags and funding per project."""
    return _served("funders", _funders_cached, db)


@st.cache_data(ttl=5, show_spinner=False)
def _runs_cached(db: str) -> dict[str, Any]:
    return redacted(read(db, pages.runs_page))


def redacted(data: dict[str, Any]) -> dict[str, Any]:
    """The runs page's tables with secrets taken out of every error (they quote servers, and a
    database written by an older version may hold one): tracker.config.redact."""
    secrets = config.load()
    for frame in data.values():
        if isinstance(frame, pd.DataFrame):
            for column in [c for c in frame.columns if "error" in str(c)]:
                frame[column] = [config.redact(v, secrets) if isinstance(v, str) else v for v in frame[column]]
    for source in data.get("sources") or []:     # "what failed, and why", per source
        for failure in source.get("failures") or []:
            if isinstance(failure.get("reason"), str):
                failure["reason"] = config.redact(failure["reason"], secrets)
    return data


def runs(db: str) -> dict[str, Any]:
    """Last run per source and project, per-source summary, recent requests, the schedule if known."""
    return _served("runs", _runs_cached, db)


def database_size(db: str) -> int | None:
    """Bytes on disk of the database file and its write-ahead log (None if there is no file)."""
    total = None
    for path in (db, db + ".wal"):
        try:
            total = (total or 0) + os.stat(path).st_size
        except OSError:
            continue
    return total
