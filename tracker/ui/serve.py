"""Serve the app: `python -m tracker.ui.serve [SCRIPT.py] [streamlit run options]` (what `tracker app`
runs; SCRIPT defaults to app.py beside the package, or else in the working directory).

It is `streamlit run app.py` with four things done first, all about the first page load:

1. **No Nagle delay on keep-alive connections.** Streamlit's Starlette server binds its listening
   socket as `socket.socket(family)`, whose `proto` is 0; asyncio switches Nagle's algorithm off
   (TCP_NODELAY) only for sockets whose `proto` is `IPPROTO_TCP`, so every accepted connection keeps
   it on. A response written as headers then body then waits for the client's delayed ACK: about
   40 ms per request after the first on a keep-alive connection (measured with a plain HTTP client:
   44-46 ms per small static file, 2-3 ms with TCP_NODELAY). A page load fetches about 60 modules
   up front and more lazily. The listening socket is re-wrapped with `proto=IPPROTO_TCP` (same file
   descriptor), so asyncio sets TCP_NODELAY on each connection as it does for its own servers.
   When a Streamlit version has no such function (older ones serve with Tornado), nothing changes.
2. **No base-URL probe on a page's own URL.** Opened at `/project?...`, Streamlit's front end does
   not know whether `/project` is a page or the path the app is served under, so it first asks
   `/project/_stcore/health` (a 404), waits its 100 ms retry delay, then asks `/_stcore/health`:
   about 150 ms before the page's script can even start, on every full load of a page other than
   the first (measured in Chromium's resource timings; the one-line app at `/` never pays it).
   Streamlit reads the answer from `window.__streamlit.BACKEND_BASE_URL` when its host sets it,
   so the index page is served with a one-line script that sets it to the URL without the page's
   path, and only when the URL's last segment is one of the app's pages (tracker.ui.nav.PAGES)
   below the configured `server.baseUrlPath` (a reverse proxy's prefix is kept); any other URL
   is left to Streamlit's own probe. When the Streamlit version serves its files differently,
   nothing changes.
3. **The page's first reads start with the request for its HTML.** The same response also starts,
   in a background thread, the reads the page's script will make first (tracker.ui.nav.prefetch:
   the banner's, the overview's table, a project page's summary), into the same query caches the
   script then finds them in (a read still under way is waited for, never repeated). They
   overlap the half second or more the browser spends loading Streamlit's JavaScript, instead of
   following it. At most two run at a time; a request beyond that is simply not prefetched.
4. **Warm-up before listening.** The first script run would import pandas, Altair, DuckDB and
   the page modules and open the database (about 1 s here together). Doing both before the server starts
   listening (start-up takes that much longer; `TRACKER_APP_WARMUP=0` skips it; other scripts,
   such as the benchmark's one-line page, are not warmed up) means the first
   visitor does not wait for them, and once the server answers it is warm. No query answer is
   cached by it: the first visit still reads the database.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import json
import logging
import os
import socket
import sys
import threading
import urllib.parse
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


def _js(value: Any) -> str:
    """A JSON value safe inside an HTML `<script>` element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def base_url_script(base_url: str | None, page_paths: list[str]) -> str:
    """The `<script>` that tells Streamlit's front end where its server is when the page's URL
    ends in one of `page_paths` (see the module's docstring). Only constants of ours go in it."""
    base = "/".join(part for part in (base_url or "").split("/") if part)
    return ("<script>(function(){var pages=" + _js(sorted(set(page_paths)))
            + ",base=" + _js(base) + ";var parts=location.pathname.replace(/\\/+$/,'').split('/');"
            "var page=parts.pop(),parent=parts.join('/');"
            "if(pages.indexOf(page)<0||(base&&parent.slice(-base.length-1)!=='/'+base))return;"
            "window.__streamlit=Object.assign({},window.__streamlit,"
            "{BACKEND_BASE_URL:location.origin+parent+'/'});})();</script>")


def page_path(request_path: str, base_url: str | None) -> str:
    """The page a request for the app's HTML is for: the URL's last segment below `base_url`
    ("" for the app's root)."""
    parts = [p for p in request_path.split("/") if p]
    base = [p for p in (base_url or "").split("/") if p]
    if base and parts[:len(base)] == base:
        parts = parts[len(base):]
    return parts[-1] if parts else ""


_prefetching = threading.BoundedSemaphore(2)  # reads in flight at most; more requests are not prefetched
_prefetcher = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="tracker-prefetch")
MAX_PARAM = 300  # characters of a query parameter passed on to a prefetch


def start_prefetch(url_path: str, query_string: bytes) -> concurrent.futures.Future | None:
    """Start reading what the page will ask for (tracker.ui.nav.prefetch) in the background, while
    the browser loads Streamlit's JavaScript; None when two reads are already under way (then
    the page reads for itself, as it always can). Failures are logged, never raised: the page's
    own read reports them."""
    if not _prefetching.acquire(blocking=False):
        return None
    params = {k: v[0][:MAX_PARAM] for k, v in urllib.parse.parse_qs(
        query_string.decode("latin-1")[:4 * MAX_PARAM]).items() if v}

    def run() -> None:
        try:
            from tracker.ui import nav

            nav.prefetch(url_path, params)
        except Exception as exc:  # noqa: BLE001 - a prefetch must never disturb the server
            log.debug("prefetch of %s failed: %s", url_path, exc)
        finally:
            _prefetching.release()

    try:
        return _prefetcher.submit(run)
    except RuntimeError:  # shutting down
        _prefetching.release()
        return None


def enable_base_url_hint() -> bool:
    """Serve Streamlit's index page with `base_url_script` in its head, and start the page's
    prefetch with it (`start_prefetch`). True when applied."""
    try:
        routes = importlib.import_module("streamlit.web.server.starlette.starlette_static_routes")
        responses = importlib.import_module("starlette.responses")
    except ImportError:
        return False
    create = getattr(routes, "create_streamlit_static_handler", None)
    if create is None or getattr(create, "_tracker_base_url", False):
        return create is not None

    def create_with_hint(directory: str, base_url: str | None) -> Any:
        handler = create(directory, base_url)
        original = handler.get_response
        index = os.path.realpath(os.path.join(directory, "index.html"))
        script = base_url_script(base_url, [path for *_, path in PAGES])
        page: dict[str, bytes] = {}

        async def get_response(path: str, scope: Any) -> Any:
            response = await original(path, scope)
            if not isinstance(response, responses.FileResponse) or os.path.realpath(response.path) != index \
                    or response.status_code != 200:
                return response
            if "body" not in page:
                text = Path(index).read_text(encoding="utf-8")
                at = text.find("<head>")
                page["body"] = (text[:at + 6] + script + text[at + 6:] if at >= 0 else text).encode("utf-8")
            headers = {"Cache-Control": response.headers.get("cache-control", "no-cache")}
            if scope.get("method") == "GET":
                start_prefetch(page_path(scope.get("path", ""), base_url), scope.get("query_string", b""))
            return responses.Response(page["body"], media_type="text/html", headers=headers)

        handler.get_response = get_response
        return handler

    create_with_hint._tracker_base_url = True  # type: ignore[attr-defined]
    routes.create_streamlit_static_handler = create_with_hint
    return True


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
    """`streamlit run SCRIPT ARGV...` after the start-up measures above."""
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
    tracker_app = ours is not None and script.resolve() == ours.resolve()
    if tracker_app:  # another script (the benchmark's one-line page) is served as Streamlit serves it
        enable_base_url_hint()
    if _warm_up_wanted() and tracker_app:
        failed = warm_up()
        if failed:
            print(f"tracker app: not warmed up ({', '.join(failed)}); the first visit will do it",
                  file=sys.stderr)
    from streamlit.web import cli

    cli.main(["run", str(script), *args], prog_name="streamlit")


if __name__ == "__main__":
    main()
