"""The `tracker` command line. Each module in tracker/commands/ adds its subcommands.

Errors meant for the user print as one line on stderr with a non-zero exit (2 for bad input).
Everything a command prints goes through tracker.output.TerminalStream: secrets are redacted and
control characters a terminal would obey are dropped, whatever the text's origin (a repository, a
server, the database). A damaged database file is one clear line too, never "internal error".
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tracker import __version__, output
from tracker import commands as commands_pkg
from tracker import config as config_mod
from tracker import lock as lock_mod
from tracker.clock import utcnow
from tracker.errors import TrackerError, UsageError

if TYPE_CHECKING:  # the store (DuckDB) is imported when a command opens it, not to print --help
    from tracker.store import Store

DESCRIPTION = """\
Track the health, maintenance risk and funding of open-source projects.

Typical use:
  tracker add --from data/projects.yaml     track the curated list of open AI projects
  tracker collect                            collect every source for every project
  tracker report pytorch/pytorch             metrics (and scores) of one project
"""

EPILOG = """\
environment:
  TRACKER_DB           database file (default data/tracker.duckdb); --db wins
  TRACKER_GIT_CACHE    where URL repositories are cloned (default data/git-cache)
  GITHUB_TOKEN/GH_TOKEN, GITHUB_API_URL, OPENCOLLECTIVE_TOKEN: see README
  GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_PATH (or GITHUB_APP_PRIVATE_KEY): a GitHub App whose
                       installations give each owner that installed it its own token (README)
"""


class Context:
    """What a command gets: parsed args, configuration, and a store opened on first use.

    Commands that only read declare it (`set_defaults(read_only=True)`): their store is opened
    read-only without the writer lock (tracker.lock), so they never queue behind `tracker schedule`
    and work on a read-only file or folder; while a writer holds the database they wait (up to
    TRACKER_LOCK_TIMEOUT seconds), saying so once on stderr. Every other command is a writer: it
    takes the writer lock and, before anything else, deletes rows of projects that are no longer
    tracked (tracker.doctor.clean_orphans; what it deleted is in `cleaned`).
    """

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.config = config_mod.load(args.db)
        self._store: Store | None = None
        self._lock: lock_mod.FileLock | None = None
        self.cleaned: dict[str, int] = {}
        self.now = parse_as_of(getattr(args, "as_of", None))

    @property
    def reads_only(self) -> bool:
        """Whether the command declared that it only reads."""
        return bool(getattr(self.args, "read_only", False))

    def store(self, read_only: bool | None = None) -> Store:
        """The database: read-only for commands that only read (or when `read_only` says so)."""
        if read_only is None:
            read_only = self.reads_only
        if self._store is None:
            path = self.config.db_path
            from tracker.store import Store, open_reader

            if read_only and str(path) != ":memory:":
                self._store = open_reader(path, timeout=lock_mod.timeout_from_env(), on_wait=self._waiting)
                return self._store
            if self._lock is None and str(path) != ":memory:":
                # Writers take the writer lock first, so they never interleave with `tracker schedule`.
                self._lock = lock_mod.acquire_writer(path, f"tracker {self.args.command}")
            self._store = Store.open(path, read_only=read_only, lock_timeout=0 if read_only else 30)
            if not read_only:
                from tracker import doctor

                self.cleaned = doctor.clean_orphans(self._store)
        return self._store

    def _waiting(self) -> None:
        """One line on stderr when a reader has to wait for a writer."""
        holder = lock_mod.FileLock(lock_mod.lock_path(self.config.db_path), "reader").holder()
        who = holder.describe() if holder and holder.pid else "another process"
        print(f"tracker: waiting for {who} to finish writing the database (up to "
              f"{lock_mod.timeout_from_env():g}s)...", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


EARLIEST_AS_OF = datetime(1970, 1, 1)
LATEST_AS_OF = datetime(9000, 12, 31, 23, 59, 59)


def parse_as_of(text: str | None) -> datetime:
    """--as-of as naive UTC, from 1970 to the year 9000 (windows reach years back and ahead of it)."""
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise UsageError(f"--as-of {text!r} is not an ISO date (e.g. 2026-01-31)") from None
    if not EARLIEST_AS_OF <= value <= LATEST_AS_OF:
        raise UsageError(f"--as-of {text}: out of range; give a date between {EARLIEST_AS_OF:%Y-%m-%d} "
                         f"and {LATEST_AS_OF:%Y-%m-%d}")
    return value


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser. With `argv`, only the module of the command it names is imported (the others
    appear as their one-line summaries from tracker.commands.COMMANDS), so `tracker --help` and
    `tracker status` do not pay for DuckDB, pandas, PyGithub and YAML at start-up. Without
    `argv`, every command module registers itself (tests and docs use that)."""
    parser = argparse.ArgumentParser(
        prog="tracker", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="PATH", help="database file (default: $TRACKER_DB or data/tracker.duckdb)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    every = argv is None
    chosen = None if every else commands_pkg.named_in(argv)
    registered: set[str] = set()
    for name, (module_name, summary) in commands_pkg.COMMANDS.items():
        if module_name in registered:
            continue
        if every or (chosen is not None and commands_pkg.COMMANDS[chosen][0] == module_name):
            importlib.import_module(f"{commands_pkg.__name__}.{module_name}").register(sub)
            registered.add(module_name)
        else:
            sub.add_parser(name, help=summary)  # a placeholder: its options are its module's
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    ctx = None
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = output.TerminalStream(sys.stdout), output.TerminalStream(sys.stderr)
    try:
        ctx = Context(args)
        sys.stdout, sys.stderr = (output.TerminalStream(streams[0], ctx.config),
                                  output.TerminalStream(streams[1], ctx.config))
        return int(args.func(ctx) or 0)
    except TrackerError as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line by default, the traceback with TRACKER_DEBUG=1
        if _is_duckdb_error(exc):
            from tracker.store import damaged, is_damage

            if is_damage(exc):
                print(f"tracker: error: {damaged(ctx.config.db_path if ctx else '?', exc)}", file=sys.stderr)
                return 1
        return _internal(exc, ctx)
    finally:
        try:
            if ctx is not None:
                ctx.close()
        finally:
            sys.stdout, sys.stderr = streams


def _is_duckdb_error(exc: Exception) -> bool:
    """Whether `exc` is DuckDB's (checked without importing DuckDB when no command opened it)."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.Error)


def _internal(exc: Exception, ctx: Context | None) -> int:
    """A bug: one redacted line (the traceback with TRACKER_DEBUG=1, redacted as it is printed)."""
    if os.environ.get("TRACKER_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)  # through the redacting stream, not sys.excepthook
        return 1
    print(f"tracker: internal error: {type(exc).__name__}: {exc} (set TRACKER_DEBUG=1 for details)",
          file=sys.stderr)
    return 1
