"""Secrets (issue 14): one redaction place (configured tokens and published token formats); every
message that can carry server text is redacted where it is printed or stored (CLI errors and
output, run errors and parts, scheduler logs, the app's Data & runs page); no credential reaches
another host on a redirect, PyPI included."""

from __future__ import annotations

import io
import json

import pytest

from collectors import pypi
from tests.collectors.test_pypi import requests_doc
from tests.conftest import offline_config
from tests.fakes.loopback import Script, ScriptedHandler, serve
from tracker import collect, config, registry, runs, userfiles
from tracker.progress import Progress
from tracker.store import Store

TOKEN = "fake-configured-github-token-0123456789"           # configured: GITHUB_TOKEN (a fake value)
OC_TOKEN = "oc-personal-FAKE-token-0123456789"               # configured: OPENCOLLECTIVE_TOKEN
FOREIGN = "glpat-" + "FAKE" * 6                             # a published format, not configured (built, never a literal)
URL_PASSWORD = "https://deploy:hunter2secret@git.example.org/x.git"
SECRETS = (TOKEN, OC_TOKEN, FOREIGN, "hunter2secret")
SERVER_TEXT = f"upstream said: bad token {TOKEN} / {OC_TOKEN} / {FOREIGN} at {URL_PASSWORD}"


@pytest.fixture(autouse=True)
def tokens(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("OPENCOLLECTIVE_TOKEN", OC_TOKEN)


def clean(text: str) -> bool:
    return not any(s in text for s in SECRETS)


def test_one_redaction_for_configured_tokens_and_token_formats():
    cfg = config.load()
    text = config.redact(SERVER_TEXT, cfg)
    assert clean(text) and "upstream said: bad token ***" in text and "https://***@git.example.org" in text
    assert config.redact(SERVER_TEXT) == text                        # configuration read when not given
    assert config.redact("401 Unauthorized: Bad credentials", cfg) == "401 Unauthorized: Bad credentials"
    # text read from a file also hides NAME=value secrets (prose from servers keeps its words)
    assert userfiles.redact_secrets("API_TOKEN=abc123 ok") == "API_TOKEN=*** ok"
    assert userfiles.redact_secrets(FOREIGN) == "***"


def test_stored_run_errors_and_part_reasons_are_redacted(store):
    project, _ = registry.add(store, "acme/rocket")
    run = runs.start(store, "github", project.id)
    run.save_cursor({"page": 2}, parts={"issues": {"status": "failed", "reason": SERVER_TEXT}})
    run.finish("error", SERVER_TEXT, parts={"rest": {"status": "failed", "reason": SERVER_TEXT}})
    error, parts = store.one("SELECT error, parts FROM collection_runs WHERE id = ?", [run.id])
    assert clean(error) and clean(parts) and "upstream said" in error
    assert json.loads(parts)["rest"]["status"] == "failed"


@pytest.fixture
def leaky_db(store, db_path):
    """A database holding server text with secrets (written by an older version, or by another
    tool): runs, requests and the scheduler's record."""
    project, _ = registry.add(store, "acme/rocket")
    store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error, parts)"
                  " VALUES ('github', ?, now(), now(), 'error', ?, ?)",
                  [project.id, SERVER_TEXT, json.dumps({"rest": {"status": "failed", "reason": SERVER_TEXT}})])
    store.execute("INSERT INTO collection_requests (kind, project_slug, requested_at, status, error)"
                  " VALUES ('collect', 'acme/rocket', now(), 'error', ?)", [SERVER_TEXT])
    store.execute("INSERT INTO scheduler_jobs (job_id, source, last_status, last_error, updated_at)"
                  " VALUES ('collect:github', 'github', 'error', ?, now())", [SERVER_TEXT])
    store.close()
    return db_path


@pytest.mark.parametrize("args", [("status",), ("status", "--format", "json")])
def test_cli_output_never_shows_a_secret(cli, leaky_db, args):
    result = cli(*args)
    assert result.code == 0, result.err
    assert clean(result.out + result.err), result.out
    assert "upstream said" in result.out


def test_cli_errors_never_show_a_secret(cli):
    assert cli("add", "acme/rocket").code == 0
    result = cli("report", f"{FOREIGN}/x")                # not tracked: the error quotes the name
    assert result.code == 2 and "is not tracked" in result.err and clean(result.err), result.err
    assert cli("add", f"{FOREIGN}/x").code == 0           # a valid GitHub owner name, as it happens
    listed = cli("list")
    assert "/x" in listed.out and clean(listed.out), listed.out


def test_the_data_and_runs_page_never_shows_a_secret(leaky_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRACKER_DB", str(leaky_db))
    at = AppTest.from_string("from tracker.ui import runs\nruns.show()\n", default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [str(m.value) for m in at.markdown] + [str(c.value) for c in at.caption]
    for df in at.dataframe:
        shown.append(df.value.to_csv())
    text = "\n".join(shown)
    assert "upstream said" in text and clean(text), text


def test_an_unexpected_failure_in_the_scheduler_is_logged_and_stored_redacted(cli, store, db_path, monkeypatch):
    from tracker import requests as app_requests

    registry.add(store, "acme/rocket")
    app_requests.request_collection(store, "acme/rocket", "git")
    store.close()

    def broken(*args, **kwargs):
        raise RuntimeError(SERVER_TEXT)

    monkeypatch.setattr(collect, "collect", broken)
    monkeypatch.setattr(collect, "collect_one", broken)   # requests are carried out source by source
    for source in ("GIT", "GITHUB", "FUNDING", "OPENCOLLECTIVE", "PYPI"):
        monkeypatch.setenv(f"TRACKER_SCHEDULE_{source}", "off")
    result = cli("schedule", "--once")
    assert "RuntimeError" in result.err and clean(result.err), result.err
    with Store.open(db_path, read_only=True) as s:
        (error,) = s.one("SELECT error FROM collection_requests")
    assert "upstream said" in error and clean(error)


# -- redirects ------------------------------------------------------------------------------------
def test_a_pypi_redirect_to_another_host_carries_no_credentials(store, db_path):
    """PyPI sends no credentials of its own; a 307 to another host must not pick up any either
    (the run's session holds the GitHub and Open Collective tokens)."""
    home, other = Script(), Script()
    with serve(ScriptedHandler, home) as base, serve(ScriptedHandler, other, host="127.0.0.2") as elsewhere:
        home.routes["/pypi/requests/json"] = [(307, {"Location": f"{elsewhere}/pypi/requests/json"}, {})]
        other.routes["/pypi/requests/json"] = [(200, {}, requests_doc())]
        cfg = offline_config(db_path, pypi_url=base, github_token=TOKEN, opencollective_token=OC_TOKEN)
        project, _ = registry.add(store, "psf/requests", pypi_package="requests")
        err = io.StringIO()
        outcome = collect.collect_one(store, cfg, pypi.SOURCE, project, Progress(stream=err, quiet=True),
                                      {"sleep": lambda s: None})
    assert outcome.status == "ok", outcome.error
    assert [s.path for s in other.seen] == ["/pypi/requests/json"]
    for seen in home.seen + other.seen:
        headers = {k.lower(): v for k, v in seen.headers.items()}
        assert not {"authorization", "personal-token", "cookie"} & set(headers)
        assert clean(json.dumps(headers))
    assert store.scalar("SELECT count(*) FROM pypi_releases") == 5


# -- numbers from servers -------------------------------------------------------------------------
def test_an_answer_with_nan_or_infinity_is_not_json():
    """Python's json module accepts NaN and Infinity; the HTTP layer does not, so no such number
    from a server can reach the database."""
    from collectors.http import HttpSession, Policy

    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/nan"] = [(200, {}, {"balance": float("nan"), "budget": float("inf")})]
        home.routes["/fine"] = [(200, {}, {"balance": 1.5})]
        ep = HttpSession(Policy(), sleep=lambda s: None).endpoint("API", base)
        assert b"NaN" in ep.request("GET", "/nan").body
        assert ep.request("GET", "/nan").data is None
        assert ep.request("GET", "/fine").data == {"balance": 1.5}


def test_a_token_cut_by_the_status_tables_width_is_still_redacted(cli, store):
    """The table cuts long errors to 60 characters: redaction comes first, or a cut token (which
    no longer matches) would show its beginning."""
    project, _ = registry.add(store, "acme/rocket")
    store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error)"
                  " VALUES ('opencollective', ?, now(), now(), 'error', ?)",
                  [project.id, "Open Collective error (HTTP 200): bad " + OC_TOKEN])
    store.close()
    result = cli("status")
    assert result.code == 0 and "Open Collective error" in result.out
    assert OC_TOKEN[:10] not in result.out, result.out
