"""Serve the app: `python -m tracker.ui.serve [SCRIPT.py] [streamlit run options]` (what `tracker app`
runs; SCRIPT defaults to app.py beside the package, or else in the working directory).

It is `streamlit run app.py` with two things done first, both about the first page load:

1. **No Nagle delay on keep-alive connections.** Streamlit's Starlette server binds its listening
   socket as `socket.socket(family)`, whose `proto` is 0; asyncio switches Nagle's algorithm off
   (TCP_NODELAY) only for sockets whose `proto` is `IPPROTO_TCP`, so every accepted connection keeps
   it on. A response written as headers then body then waits for the client's delayed ACK: about
   40 ms per request after the first on a keep-alive connection (measured with a plain HTTP client:
   44-46 ms per small static file, 2-3 ms with TCP_NODELAY). A page load fetches about 60 modules
   up front and more lazily. The listening socket is re-wrapped with `proto=IPPROTO_TCP` (same file
   descriptor), so asyncio sets TCP_NODELAY on each connection as it does for its own servers.
   When a Streamlit version has no such function (older ones serve with Tornado), nothing changes.
2. **Warm-up before listening.** The first script run would import pandas, Altair, DuckDB and
   the page modules and open the database (about 1 s here together). Doing both before the server starts
   listening (start-up takes that much longer; `TRACKER_APP_WARMUP=0` skips it; other scripts,
   such as the benchmark's one-line page, are not warmed up) means the first
   visitor does not wait for them, and once the server answers it is warm. No query answer is
   cached by it: the first visit still reads the database.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from tracker.config import REPO_ROOT
from tracker.ui.nav import PAGES

log = logging.getLogger(__name__)
WARM_MODULES = ("pandas", "pyarrow", "altair", "duckdb", "tracker.ui.queries", "tracker.ui.render", "tracker.ui.banner",
                "tracker.ui.requests_panel",
                "tracker.ui.charts", *(f"tracker.ui.{key}" for key, *_ in PAGES))


def tcp_socket(sock: socket.socket) -> socket.socket:
    """`sock` as a socket object whose `proto` is IPPROTO_TCP (same descriptor, same timeout and
    inheritance), so that asyncio switches Nagle's algorithm off on the connections it accepts.
    Other sockets come back as they are."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return sock
    if sock.proto == socket.IPPROTO_TCP:
        return sock
    timeout, inheritable = sock.gettimeout(), sock.get_inheritable()
    wrapped = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.fileno())
    sock.detach()  # the descriptor now belongs to `wrapped` alone
    wrapped.settimeout(timeout)
    wrapped.set_inheritable(inheritable)
    return wrapped


def enable_nodelay() -> bool:
    """Make Streamlit's server bind TCP sockets asyncio recognises. True when applied."""
    try:
        starlette_server = importlib.import_module("streamlit.web.server.starlette.starlette_server")
    except ImportError:
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None or getattr(bind, "_tracker_nodelay", False):
        return bind is not None

    def bind_tcp(*args: Any, **kwargs: Any) -> socket.socket:
        return tcp_socket(bind(*args, **kwargs))

    bind_tcp._tracker_nodelay = True  # type: ignore[attr-defined]
    starlette_server._bind_socket = bind_tcp
    return True


class _NoRuntimeYet(logging.Filter):
    """Streamlit checks each `st.cache_data` function's options when it is defined and, with no
    server running yet, says "No runtime found" (the caches themselves are made on first call,
    inside the server). True, and expected during the warm-up: not worth a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No runtime found" not in record.getMessage()


def warm_up(db: str | None = None) -> list[str]:
    """Import the app's modules and open the database once, read-only. Returns what failed (each
    failure is logged and harmless: the first script run then does the same work itself)."""
    failed = []
    quiet = _NoRuntimeYet()
    cache_log = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    cache_log.addFilter(quiet)
    try:
        for name in WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - a warm-up must never stop the server
                log.debug("warm-up: importing %s failed: %s", name, exc)
                failed.append(name)
    finally:
        cache_log.removeFilter(quiet)
    try:
        from tracker.readmodel import pages
        from tracker.ui import queries

        path = db or queries.database_path()
        if Path(path).exists():
            queries.read(path, pages.database_status, timeout=0.25)
    except Exception as exc:  # noqa: BLE001 - locked, missing or new database: the page says so later
        log.debug("warm-up: opening the database failed: %s", exc)
        failed.append("database")
    return failed


def app_script() -> Path | None:
    """app.py: beside the package in a checkout or an editable install, else in the working
    directory (an installed package, as in the container image, whose WORKDIR holds app.py) when
    that file is the tracker's, not some other project's."""
    beside = REPO_ROOT / "app.py"
    if beside.is_file():
        return beside
    here = Path.cwd() / "app.py"
    try:
        if here.is_file() and "tracker.ui" in here.read_text(encoding="utf-8", errors="replace")[:10_000]:
            return here
    except OSError:
        pass
    return None


# Streamlit options for serving the tracker to its users (a flag given on the command line wins):
# the toolbar without Streamlit's "Deploy" button and developer menu, no file watching (nothing is
# edited on a server; it also spares inotify watches), no usage statistics sent anywhere.
SERVER_DEFAULTS = (("client.toolbarMode", "viewer"), ("server.fileWatcherType", "none"),
                   ("browser.gatherUsageStats", "false"))
_WILDCARD = ("", "0.0.0.0", "::")


def _option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def server_options(args: list[str]) -> list[str]:
    """`args` with SERVER_DEFAULTS added where not given. On every interface (0.0.0.0, or no
    address), Streamlit's welcome message would look up this machine's external address on the
    internet, and offline say "Did not auto detect external IP": it is left out and the URL is
    printed here instead."""
    out = list(args)
    for name, value in SERVER_DEFAULTS:
        if _option(out, name) is None:
            out += [f"--{name}", value]
    address = _option(out, "server.address") or ""
    if address in _WILDCARD and _option(out, "logger.hideWelcomeMessage") is None:
        out += ["--logger.hideWelcomeMessage", "true"]
        port = _option(out, "server.port") or "8501"
        print(f"tracker app: listening on every interface, port {port} (this machine: http://localhost:{port})",
              file=sys.stderr)
    return out


def _warm_up_wanted() -> bool:
    return os.environ.get("TRACKER_APP_WARMUP", "1").strip().lower() not in ("0", "false", "off", "no")


def main(argv: list[str] | None = None) -> None:
    """`streamlit run SCRIPT ARGV...` after the two start-up measures above."""
    args = list(sys.argv[1:] if argv is None else argv)
    ours = app_script()
    if args and args[0].endswith(".py"):
        script = Path(args.pop(0))
    elif ours is None:
        sys.exit(f"tracker app: app.py not found beside the tracker package ({REPO_ROOT}) or in the "
                 f"working directory ({Path.cwd()}); run it from the project's folder")
    else:
        script = ours
    args = server_options(args)
    enable_nodelay()
    if _warm_up_wanted() and ours is not None and script.resolve() == ours.resolve():
        failed = warm_up()
        if failed:
            print(f"tracker app: not warmed up ({', '.join(failed)}); the first visit will do it",
                  file=sys.stderr)
    from streamlit.web import cli

    cli.main(["run", str(script), *args], prog_name="streamlit")


if __name__ == "__main__":
    main()
