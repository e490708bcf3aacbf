"""The app's Dependencies page through Streamlit's AppTest: upload, paste, the report assessed at
once from the package indexes (loopback fakes), the risk chart, rows riskiest first and explained,
downloads, and "track all" (the app writes requests, never collected data; the index cache is a
file of its own)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.deps.index_fill import fill
from tests.deps.scores import add_score
from tests.fakes.npm_server import recorded as npm_recorded
from tracker.deps.formats import parse_path
from tracker.requests import pending
from tracker.store import Store

FILES = Path(__file__).parent / "files"
SCRIPT = "from tracker.ui.dependencies import render\nrender()\n"


@pytest.fixture
def app(db_path, monkeypatch):
    with Store.open(db_path) as store:
        add_score(store, "pallets/click", computed_at=datetime(2026, 5, 1), risk="critical", health=20.0,
                  flags=[("archived", "archived on GitHub")], truck_factor=1, pypi="click")
        add_score(store, "psf/requests", computed_at=datetime(2026, 5, 1), risk="low", health=88.0,
                  pypi="requests")
    monkeypatch.setenv("TRACKER_DB", str(db_path))
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.run()
    return at


def table(at):
    return at.dataframe[0].value


def test_empty_page_explains(app):
    assert not app.exception
    assert "Give a file" in app.info[0].value


def test_upload_a_lock_file(app):
    app.file_uploader(key="deps_upload").set_value(("poetry.lock", (FILES / "poetry.lock").read_bytes(), "text/plain"))
    app.run()
    assert not app.exception
    frame = table(app)
    assert list(frame["package"][:2]) == ["click", "requests"]
    assert frame["risk"][0] == "critical" and frame["evidence"][0] == "archived: archived on GitHub"
    assert [m.value for m in app.metric][:2] == ["8", "1"]
    assert {b.label for b in app.download_button} == {"Download JSON", "Download CSV", "Download Markdown",
                                                      "Download SARIF"}
    app.selectbox(key="deps_min_level").set_value("high").run()
    assert list(table(app)["package"]) == ["click"]


def test_an_upload_is_assessed_at_once_from_the_indexes(app, npm_api, tmp_path):
    lock = Path(__file__).parent / "files" / "real" / "package-lock.json"
    fill([parse_path(lock)], npm_state=npm_api)
    app.file_uploader(key="deps_upload").set_value(("package-lock.json", lock.read_bytes(), "application/json"))
    app.run()
    assert not app.exception
    frame = table(app)
    assert len(frame) == 124 and list(frame["risk"][:2]) == ["critical", "critical"]   # riskiest first
    assert set(frame["package"][:2]) == {"left-pad", "request"}
    assert (frame["risk"] != "unknown").all()               # every package assessed by npm's signals
    assert len(npm_api.requests) == 124
    # the risk distribution as a chart
    assert len(app.get("vega_lite_chart")) == 1
    # changing a filter or the row to explain asks nothing again (the report is held per input)
    app.selectbox(key="deps_min_level").set_value("high").run()
    assert list(table(app)["package"]) == ["left-pad", "request"] and len(npm_api.requests) == 124
    # each row in plain words
    explained = " ".join(m.value for m in app.markdown)
    assert "is at **critical** risk, from what the npm registry says about the package." in explained
    assert "**Deprecated package** (high): npm marks the latest version 1.3.0 deprecated: use" in explained
    assert "It is a **direct** dependency" in explained
    app.selectbox(key="deps_explain").set_value(1).run()
    explained = " ".join(m.value for m in app.markdown)
    assert "request has been deprecated" in explained
    # the index cache is a file of its own, never the database
    assert (tmp_path / "index-cache.sqlite").exists()


def test_the_page_can_use_the_index_cache_only(app, npm_api):
    npm_api.packages["left-pad"] = npm_recorded("left-pad")
    app.checkbox(key="deps_look_up").uncheck()
    app.text_area(key="deps_paste").input('{"lockfileVersion": 3, "packages": {"": {"dependencies": {"left-pad":'
                                          ' "^1"}}, "node_modules/left-pad": {"version": "1.3.0"}}}').run()
    assert not app.exception and npm_api.requests == []
    assert table(app)["risk"][0] == "unknown"


def test_uploaded_includes_resolve_among_the_uploads(app):
    app.file_uploader(key="deps_upload").set_value([
        ("requirements.txt", b"-r base.txt\nclick==8.1.7\n", "text/plain"),
        ("base.txt", b"requests==2.31.0\n", "text/plain")])
    app.run()
    assert set(table(app)["package"]) == {"click", "requests"}


def test_paste_with_bad_lines_and_unknown_formats(app):
    app.text_area(key="deps_paste").input("click==8.1.7\nthis is not valid !!\nsix\n").run()
    assert not app.exception
    assert set(table(app)["package"]) == {"click", "six"}
    texts = [t.value for t in app.text]
    assert any("pasted text:2: 'this is not valid !!' is not a valid requirement" in t for t in texts)
    app.text_area(key="deps_paste").input("<html>not a dependency file</html>").run()
    assert "pasted text: an XML file" in app.error[0].value


def test_paste_with_a_chosen_format(app):
    app.selectbox(key="deps_paste_kind").set_value("CycloneDX / SPDX JSON")
    app.text_area(key="deps_paste").input((FILES / "sbom.spdx.json").read_text()).run()
    assert set(table(app)["package"]) == {"requests", "idna", "pytest", "someone/tiny-helper", "left-pad"}


def test_track_all_files_requests(app, db_path):
    app.text_area(key="deps_paste").input("tiny @ git+https://github.com/someone/tiny-helper\n").run()
    app.button(key="deps_track").click().run()
    assert not app.exception
    assert "Requested: 1" in app.success[0].value
    with Store.open(db_path) as store:
        assert [(r["kind"], r["project_slug"]) for r in pending(store)] == [("track", "someone/tiny-helper")]


def test_an_uploaded_include_bomb_is_read_once_per_file(app, tmp_path):
    """21 uploads, each including the next three times: the same parser as the CLI, once per file."""
    from tests.deps.hostile import include_bomb

    folder = include_bomb(tmp_path / "bomb").parent
    app.file_uploader(key="deps_upload").set_value(
        [(p.name, p.read_bytes(), "text/plain") for p in sorted(folder.iterdir())])
    app.run()
    assert not app.exception
    assert set(table(app)["package"]) == {f"pkg{i}" for i in range(21)}


def test_uploads_never_reach_the_disk_through_includes(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("leaked-package==1.0\n")
    app.file_uploader(key="deps_upload").set_value([
        ("requirements.txt", f"-r {secret}\n-r ../../{secret.name}\nsix==1.16.0\n".encode(), "text/plain")])
    app.run()
    assert not app.exception
    assert list(table(app)["package"]) == ["six"]
    assert any("could not be read" in m.value for m in app.markdown)
    warnings = [t.value for t in app.text]
    assert f"requirements.txt:1: cannot read the included requirements file {secret}: it was not uploaded" \
           " with the file that includes it" in warnings
