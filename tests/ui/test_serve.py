"""tracker.ui.serve: the app server's start-up measures (TCP_NODELAY on connections, warm-up)."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.ui import builder
from tracker.commands import app as app_command
from tracker.config import REPO_ROOT
from tracker.ui import serve


def nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY as asyncio leaves it on a connection accepted by a server on `listener`."""
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport):
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def run() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(200):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(run())
    return seen[0]


def bound_like_streamlit() -> socket.socket:
    """A listening socket made the way Streamlit's Starlette server makes it: `socket.socket(family)`."""
    sock = socket.socket(family=socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def test_connections_on_a_rewrapped_socket_have_nagle_off():
    plain = bound_like_streamlit()
    assert plain.proto == 0
    assert nodelay_of_accepted(plain) == 0  # the delay this module exists to remove

    original = bound_like_streamlit()
    fd, inheritable = original.fileno(), original.get_inheritable()
    wrapped = serve.tcp_socket(original)
    assert wrapped.proto == socket.IPPROTO_TCP and wrapped.fileno() == fd and original.fileno() == -1
    assert wrapped.getblocking() is False and wrapped.get_inheritable() == inheritable
    assert nodelay_of_accepted(wrapped) != 0


def test_tcp_socket_keeps_a_timeout():
    sock = socket.socket(family=socket.AF_INET)
    sock.settimeout(2.5)
    wrapped = serve.tcp_socket(sock)
    try:
        assert wrapped.proto == socket.IPPROTO_TCP and wrapped.gettimeout() == 2.5
    finally:
        wrapped.close()


def test_tcp_socket_leaves_other_sockets_alone():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        assert serve.tcp_socket(udp) is udp
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as tcp:
        assert serve.tcp_socket(tcp) is tcp


def test_enable_nodelay_patches_streamlits_bind_once(monkeypatch):
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    original = starlette_server._bind_socket
    assert serve.enable_nodelay() is True
    patched = starlette_server._bind_socket
    assert patched is not original
    assert serve.enable_nodelay() is True and starlette_server._bind_socket is patched  # not wrapped twice
    sock = patched("127.0.0.1", 0, 8)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.getsockname()[0] == "127.0.0.1"
        assert nodelay_of_accepted(sock) != 0
    finally:
        sock.close()


def test_enable_nodelay_without_streamlits_starlette_server(monkeypatch):
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.delattr(starlette_server, "_bind_socket")  # a version that binds some other way
    assert serve.enable_nodelay() is False
    monkeypatch.setitem(sys.modules, "streamlit.web.server.starlette.starlette_server", None)
    assert serve.enable_nodelay() is False  # a version without it (Tornado)


@pytest.mark.parametrize("path, base, page", [
    ("/project", None, "project"), ("/", None, ""), ("", None, ""), ("/funders/", None, "funders"),
    ("/tracker/project", "tracker", "project"), ("/tracker/", "/tracker/", ""), ("/proxy/compare", None, "compare"),
])
def test_page_path(path, base, page):
    assert serve.page_path(path, base) == page


def index_response(handler, path: str, query: bytes = b"", method: str = "GET"):
    scope = {"type": "http", "path": path, "method": method, "query_string": query, "headers": [],
             "root_path": ""}
    return asyncio.run(handler.get_response(path.lstrip("/"), scope))


def test_index_page_tells_streamlit_where_its_server_is(monkeypatch, tmp_path):
    from streamlit import file_util
    from streamlit.web.server.starlette import starlette_static_routes as routes

    monkeypatch.setattr(routes, "create_streamlit_static_handler", routes.create_streamlit_static_handler)
    monkeypatch.setattr(serve, "start_prefetch", lambda *a: None)  # prefetching is tested below
    assert serve.enable_base_url_hint() is True
    patched = routes.create_streamlit_static_handler
    assert serve.enable_base_url_hint() is True and routes.create_streamlit_static_handler is patched
    handler = patched(file_util.get_static_dir(), None)
    for path in ("/", "/project"):  # the root, and a page's URL (served index.html as a fallback)
        body = index_response(handler, path).body.decode()
        head = body[body.index("<head>"):]
        assert head.startswith("<head><script>") and "BACKEND_BASE_URL:location.origin+parent+'/'" in head
        assert '"project"' in head and '"methodology"' in head  # the app's pages, from tracker.ui.nav
    script = index_response(handler, "/static/js/" + next(
        p.name for p in (Path(file_util.get_static_dir()) / "static" / "js").glob("index.*.js")))
    assert "BACKEND_BASE_URL:location" not in Path(script.path).read_text(encoding="utf-8")[:200]  # files as they are


def test_base_url_script_is_inert_markup():
    script = serve.base_url_script("</script><b>", ["project"])
    assert script.startswith("<script>") and script.count("</script>") == 1 and script.endswith("</script>")
    assert "<b>" not in script and r'base="\u003c/script\u003e\u003cb\u003e"' in script


def test_prefetch_fills_the_page_caches(app_db):
    from tracker.ui import queries

    queries.clear_cache()
    future = serve.start_prefetch("project", b"project=ACME/Rocket&section=Funding")  # letter case as typed
    assert future is not None
    future.result(timeout=60)
    overview = serve.start_prefetch("", b"")
    overview.result(timeout=60)
    app_db.rename(app_db.with_suffix(".away"))  # every read from here on would fail: only cached answers remain
    assert queries.project_summary(str(app_db), "acme/rocket")["project"]["slug"] == "acme/rocket"
    assert "acme/rocket" in set(queries.overview(str(app_db))["slug"])
    with pytest.raises(queries.NoDatabase):
        queries.project_summary(str(app_db), "beta/quiet")  # not prefetched: read, and there is no file
    queries.clear_cache()


def test_prefetch_never_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "missing.duckdb"))
    future = serve.start_prefetch("project", b"project=%ff%00<script>&project=x")
    assert future is not None and future.result(timeout=60) is None  # nothing to read: the page will say so


def test_warm_up_imports_the_pages_and_opens_the_database(tmp_path):
    db = builder.build(tmp_path / "app.duckdb")
    assert serve.warm_up(str(db)) == []
    for name in serve.WARM_MODULES:
        assert name in sys.modules


@pytest.mark.parametrize("content", [None, b"not a duckdb file"])
def test_warm_up_never_fails_on_a_missing_or_broken_database(tmp_path, content):
    db = tmp_path / "app.duckdb"
    if content is not None:
        db.write_bytes(content)
    failed = serve.warm_up(str(db))
    assert failed == ([] if content is None else ["database"])


def test_tracker_app_serves_through_the_launcher():
    args = SimpleNamespace(port=8600, address="127.0.0.1", headless=True)
    cmd = app_command.command(SimpleNamespace(args=args))
    assert cmd[:3] == [sys.executable, "-m", "tracker.ui.serve"]
    assert cmd[cmd.index("--server.port") + 1] == "8600"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert "--server.headless" in cmd


@pytest.fixture
def streamlit_run(monkeypatch):
    """Record what `main` hands to Streamlit (and what it warms up) instead of starting a server."""
    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_server

    calls: dict[str, list] = {"run": [], "warm_up": []}
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)  # restored after
    monkeypatch.setattr(cli, "main", lambda args, prog_name: calls["run"].append(args))

    def warm_up():
        calls["warm_up"].append(True)
        return []

    monkeypatch.setattr(serve, "warm_up", warm_up)
    monkeypatch.delenv("TRACKER_APP_WARMUP", raising=False)
    return calls


# What every app server gets unless told otherwise: no Deploy button, no file watching, no statistics;
# on every interface, no welcome message (it would look up the external address on the internet).
SERVER = ["--client.toolbarMode", "viewer", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
QUIET = ["--logger.hideWelcomeMessage", "true"]


def test_main_warms_up_and_patches_before_running_the_app(streamlit_run):
    from streamlit.web.server.starlette import starlette_server

    serve.main(["--server.port", "8600", "--server.headless", "true"])
    assert streamlit_run["run"] == [["run", str(REPO_ROOT / "app.py"), "--server.port", "8600",
                                     "--server.headless", "true", *SERVER, *QUIET]]
    assert streamlit_run["warm_up"] == [True]
    assert getattr(starlette_server._bind_socket, "_tracker_nodelay", False)


@pytest.mark.parametrize("value", ["0", "off", "false", "No"])
def test_main_skips_the_warm_up_when_told(streamlit_run, monkeypatch, value):
    monkeypatch.setenv("TRACKER_APP_WARMUP", value)
    serve.main([])
    assert streamlit_run["warm_up"] == [] and streamlit_run["run"] == [["run", str(REPO_ROOT / "app.py"), *SERVER,
                                                                        *QUIET]]


def test_main_runs_another_script_without_warming_up(streamlit_run, tmp_path):
    hello = tmp_path / "hello.py"
    hello.write_text("import streamlit as st\nst.write('hello')\n", encoding="utf-8")
    serve.main([str(hello), "--server.port", "1"])
    assert streamlit_run["run"] == [["run", str(hello), "--server.port", "1", *SERVER, *QUIET]]
    assert streamlit_run["warm_up"] == []


def test_given_options_win_and_a_specific_address_keeps_the_welcome_message(streamlit_run, capsys):
    serve.main(["--server.address", "127.0.0.1", "--client.toolbarMode=developer"])
    args = streamlit_run["run"][0]
    assert args[2:] == ["--server.address", "127.0.0.1", "--client.toolbarMode=developer",
                        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    assert "listening on every interface" not in capsys.readouterr().err


def test_every_interface_prints_the_url_instead_of_looking_up_the_external_address(streamlit_run, capsys):
    serve.main(["--server.address", "0.0.0.0", "--server.port", "8123"])
    assert streamlit_run["run"][0][-2:] == QUIET
    assert "listening on every interface, port 8123 (this machine: http://localhost:8123)" in capsys.readouterr().err


def test_main_says_what_was_not_warmed_up(streamlit_run, monkeypatch, capsys):
    monkeypatch.setattr(serve, "warm_up", lambda: ["database"])
    serve.main([])
    assert "tracker app: not warmed up (database); the first visit will do it" in capsys.readouterr().err
    assert len(streamlit_run["run"]) == 1  # and the app still starts


def test_app_script_is_found_beside_the_package_or_in_the_working_directory(tmp_path, monkeypatch,
                                                                            streamlit_run):
    assert serve.app_script() == REPO_ROOT / "app.py"
    installed = tmp_path / "site-packages"  # a non-editable install: no app.py beside the package
    installed.mkdir()
    monkeypatch.setattr(serve, "REPO_ROOT", installed)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    assert serve.app_script() is None
    with pytest.raises(SystemExit) as stop:
        serve.main(["--server.port", "1"])
    assert "app.py not found" in str(stop.value.code) and str(workdir) in str(stop.value.code)
    assert streamlit_run["run"] == [] and streamlit_run["warm_up"] == []
    (workdir / "app.py").write_text("import streamlit as st\nst.write('another project')\n", encoding="utf-8")
    assert serve.app_script() is None  # some other project's app.py is not served as ours
    (workdir / "app.py").write_text((REPO_ROOT / "app.py").read_text(encoding="utf-8"), encoding="utf-8")
    assert serve.app_script() == workdir / "app.py"
    serve.main([])
    assert streamlit_run["run"] == [["run", str(workdir / "app.py"), *SERVER, *QUIET]] and streamlit_run["warm_up"] == [True]


def test_warm_up_in_a_new_process_logs_no_runtime_warnings(tmp_path):
    import subprocess

    code = ("import sys; from tracker.ui import serve; failed = serve.warm_up(sys.argv[1]);"
            " print(failed, 'tracker.ui.overview' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "none.duckdb")], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[] True"
    assert "No runtime found" not in out.stderr
    assert "WARNING" not in out.stderr
