"""GitHub App installation tokens per owner (issue 19, item 3): against the loopback GitHub, which
checks the App's RS256 JWT and mints `ghs_` tokens with their own budgets; real PyGithub and
requests over HTTP, the fake clock. The key pair is made when the tests run; no token-shaped
literal is written here."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from collectors.github.app import OwnerClients
from collectors.http import HttpSession, Policy
from tests.collectors.test_github import run, widget
from tests.conftest import offline_config
from tests.fakes.github_server import FakeClock, FakeGitHub, FakeRepo, Fault
from tracker import config, executors, registry, runs

APP_ID = 4242
ACME, BETA = 11, 160        # installation ids (BETA's listed on the second page)


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def app_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def pem_path(tmp_path, app_key) -> Path:
    path = tmp_path / "app.private-key.pem"
    path.write_text(_pem(app_key))
    return path


@pytest.fixture
def pat():
    return "pat-" + secrets.token_hex(16)


@pytest.fixture
def clock():
    return FakeClock(runs.utcnow().replace(microsecond=0))


@pytest.fixture
def fake(clock, app_key, pat):
    with FakeGitHub(clock, token=pat, app_id=APP_ID, app_public_key=app_key.public_key()) as server:
        for n in range(1, 111):                      # other accounts: the listing has two pages
            if n != ACME:
                server.install(f"other-{n}", n)
        server.install("acme", ACME)
        server.install("Beta", BETA, account_type="User")   # logins are case-insensitive
        yield server


def app_config(fake, db_path, pem_path, pat):
    return offline_config(db_path, github_api_url=fake.api_url, github_token=pat, github_app_id=str(APP_ID),
                          github_app_private_key_path=pem_path)


def portfolio(store, fake, now):
    fake.add(widget(now))
    fake.add(FakeRepo("acme", "gadget", 1002, stars=5))
    fake.add(FakeRepo("beta", "gizmo", 2001, owner_type="User", stars=7))
    fake.add(FakeRepo("solo", "tool", 3001, stars=9))
    for slug in ("acme/widget", "acme/gadget", "beta/gizmo", "solo/tool"):
        registry.add(store, slug)


def owners_of(request) -> set[str]:
    """The owners of the repositories a logged request is about (REST path or GraphQL variables)."""
    if request.method == "GET" and request.path.startswith("/repos/"):
        return {request.path.split("/")[2].lower()}
    if request.method == "POST" and request.path.endswith("/graphql"):
        variables = json.loads(request.body).get("variables") or {}
        return {str(v).lower() for k, v in variables.items() if k == "owner" or k[:1] == "o" and k[1:].isdigit()}
    return set()


def token_in(authorization: str | None) -> str | None:
    return authorization.split(" ", 1)[1] if authorization else None


def test_each_owner_is_asked_with_its_own_installation_token(store, db_path, fake, clock, pem_path, pat):
    portfolio(store, fake, clock.datetime())
    outcomes, out = run(store, app_config(fake, db_path, pem_path, pat), clock)
    assert [o.status for o in outcomes] == ["ok"] * 4, (outcomes, out)

    own = {"acme": fake.token_of("acme"), "beta": fake.token_of("beta"), "solo": pat}
    assert own["acme"] and own["beta"] and len(set(own.values())) == 3
    asked = {"acme": 0, "beta": 0, "solo": 0}
    for r in fake.log:
        for owner in owners_of(r):
            assert token_in(r.authorization) == own[owner], (r.method, r.path, owner)
            asked[owner] += 1
    assert all(n > 2 for n in asked.values()), asked
    # GraphQL batches hold one token's repositories: acme's two in one query, the others alone
    batches = [owners_of(r) for r in fake.requests("POST", "graphql") if "query Repos" in r.body]
    assert sorted(sorted(b) for b in batches) == [["acme"], ["beta"], ["solo"]]
    assert sum(json.loads(r.body)["query"].count("repository(owner:") for r in fake.requests("POST", "graphql")
               if owners_of(r) == {"acme"} and "query Repos" in r.body) == 2
    # the installations are listed once (two pages), and each owner's token minted once
    assert len(fake.requests("GET", "/app/installations")) == 2
    assert sorted(r.path for r in fake.requests("POST", "/access_tokens")) == [
        f"/app/installations/{ACME}/access_tokens", f"/app/installations/{BETA}/access_tokens"]
    assert all(r.authorization.startswith("Bearer ") for r in fake.log if r.path.startswith("/app/"))


def test_an_owner_without_installation_and_no_github_token_is_collected_as_without_a_token(
        store, db_path, fake, clock, pem_path):
    portfolio(store, fake, clock.datetime())
    cfg = app_config(fake, db_path, pem_path, None)
    outcomes, out = run(store, cfg, clock)
    assert [o.status for o in outcomes] == ["ok"] * 4, outcomes
    assert "owner 'solo' has not installed the GitHub App" in out and "no GITHUB_TOKEN" in out
    solo = [r for r in fake.log if owners_of(r) == {"solo"}]
    assert solo and all(r.authorization is None for r in solo) and all(r.method == "GET" for r in solo)
    acme = [r for r in fake.log if owners_of(r) == {"acme"}]
    assert any(r.method == "POST" for r in acme)            # GraphQL: acme has a token
    assert all(token_in(r.authorization) == fake.token_of("acme") for r in acme)


@pytest.mark.parametrize("on_low", ["stop", "wait"])
def test_one_owners_exhausted_budget_does_not_stop_another(store, db_path, fake, clock, pem_path, pat, on_low):
    portfolio(store, fake, clock.datetime())
    fake.set_remaining("core", 0, reset_in=1800, who=f"installation {ACME}")
    outcomes, out = run(store, app_config(fake, db_path, pem_path, pat), clock,
                        slugs=["acme/widget", "beta/gizmo", "solo/tool"], policy=Policy(on_low_budget=on_low))
    status = {o.project: o.status for o in outcomes}
    assert status["beta/gizmo"] == status["solo/tool"] == "ok", outcomes
    refused = [r for r in fake.log if r.status == 403]
    assert refused and all(owners_of(r) == {"acme"} for r in refused)
    assert "App installation for acme" in out and "rate limit exhausted" in out
    if on_low == "stop":
        assert status["acme/widget"] == "error" and "stopping as asked" in (outcomes[0].error or "")
        assert not any(s > 100 for s in clock.slept)       # nobody waited for acme's reset
    else:
        assert status["acme/widget"] == "ok"                # waited for its own reset, then went on
        assert any(1790 < s <= 1802 for s in clock.slept)
    # beta and solo were asked after acme's refusal, with their own tokens, and answered
    after = fake.log[fake.log.index(refused[0]):]
    assert any(owners_of(r) == {"beta"} and r.status == 200 for r in after)
    assert any(owners_of(r) == {"solo"} and r.status == 200 for r in after)


def test_a_token_is_minted_again_before_it_expires(db_path, fake, clock, pem_path, pat):
    fake.add(widget(clock.datetime()))
    http = HttpSession(clock=clock, sleep=clock.sleep)
    clients = OwnerClients(app_config(fake, db_path, pem_path, pat), http)
    warnings: list[str] = []
    acme = clients.client("acme", warnings.append)
    assert acme.get("/repos/acme/widget").status == 200
    first = fake.token_of("acme")
    clock.now += 3300                                        # 5 minutes left: renewed before the next request
    assert clients.client("ACME", warnings.append) is acme
    assert acme.get("/repos/acme/widget").status == 200
    second = fake.token_of("acme")
    assert second != first and len(fake.requests("POST", "/access_tokens")) == 2
    gets = [r for r in fake.log if r.method == "GET" and r.path == "/repos/acme/widget"]
    assert [token_in(r.authorization) for r in gets] == [first, second]
    clock.now += 3000                                        # within the new token's hour: not minted again
    acme.graphql("query Q { rateLimit { cost remaining resetAt limit } }", {})
    assert len(fake.requests("POST", "/access_tokens")) == 2
    assert token_in(fake.requests("POST", "/graphql")[-1].authorization) == second
    clock.now += 3700                                        # the fake refuses an expired token (401):
    assert acme.get("/repos/acme/widget").status == 200      # the client never sends one
    assert not any(r.status == 401 for r in fake.log) and warnings == []
    assert len(http.secrets) == 4                            # the key and three tokens, redacted
    clients.close()
    http.close()


@pytest.mark.parametrize("fault", [
    Fault(f"/app/installations/{ACME}/access_tokens", 404, body={"message": "Not Found"}),
    Fault(f"/app/installations/{ACME}/access_tokens", 403, body={"message": "This installation has been suspended"}),
    Fault(f"/app/installations/{ACME}/access_tokens", 503, body=None),
], ids=["404", "403", "503"])
def test_a_failed_mint_falls_back_to_github_token_with_a_warning(store, db_path, fake, clock, pem_path, pat, fault):
    portfolio(store, fake, clock.datetime())
    fake.faults.append(fault)
    outcomes, out = run(store, app_config(fake, db_path, pem_path, pat), clock)
    assert [o.status for o in outcomes] == ["ok"] * 4, outcomes
    assert f"no token for owner 'acme' (installation {ACME}): GitHub answered {fault.status}" in out
    assert "its repositories are collected with GITHUB_TOKEN" in out
    assert all(token_in(r.authorization) == pat for r in fake.log if owners_of(r) == {"acme"})
    assert all(token_in(r.authorization) == fake.token_of("beta") for r in fake.log if owners_of(r) == {"beta"})
    assert len(fake.requests("POST", f"/app/installations/{ACME}/")) == 1     # not asked again in the run


def test_the_fake_checks_the_jwt_a_key_github_does_not_know_lists_nothing(store, db_path, fake, clock, tmp_path,
                                                                          pat):
    portfolio(store, fake, clock.datetime())
    other = tmp_path / "other.pem"
    other.write_text(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    outcomes, out = run(store, app_config(fake, db_path, other, pat), clock)
    assert [o.status for o in outcomes] == ["ok"] * 4, outcomes
    listing = fake.requests("GET", "/app/installations")
    assert [r.status for r in listing] == [401] and not fake.minted
    assert "listing its installations: GitHub answered 401: A JSON web token could not be decoded" in out
    assert "every owner is collected with GITHUB_TOKEN" in out
    assert all(token_in(r.authorization) == pat for r in fake.log if owners_of(r))


@pytest.mark.parametrize("key, why", [
    ("missing", "GITHUB_APP_PRIVATE_KEY_PATH"),
    ("not a key\n", "the App's private key cannot sign its JWT (InvalidKeyError)"),
])
def test_a_key_that_cannot_be_used_leaves_every_owner_on_github_token(store, db_path, fake, clock, tmp_path, pat,
                                                                      key, why):
    portfolio(store, fake, clock.datetime())
    path = tmp_path / "bad.pem"
    if key != "missing":
        path.write_text(key)
    outcomes, out = run(store, app_config(fake, db_path, path, pat), clock)
    assert [o.status for o in outcomes] == ["ok"] * 4, outcomes
    assert why in out and "every owner is collected with GITHUB_TOKEN" in out
    assert not fake.requests(contains="/app/")
    assert all(token_in(r.authorization) == pat for r in fake.log if owners_of(r))


def test_tokens_and_the_key_never_reach_the_database_errors_logs_or_export(
        store, db_path, fake, clock, pem_path, pat, cli, caplog, tmp_path):
    caplog.set_level(logging.DEBUG, logger="github")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    portfolio(store, fake, clock.datetime())
    # a hostile server quoting the Authorization header back in an error message
    fake.faults.append(Fault("/repos/acme/widget/releases", 422, echo_auth=True))
    outcomes, out = run(store, app_config(fake, db_path, pem_path, pat), clock)
    status = {o.project: o.status for o in outcomes}
    assert status["acme/widget"] == "partial" and status["beta/gizmo"] == "ok", outcomes
    key_lines = [line for line in pem_path.read_text().splitlines() if "-----" not in line]
    leaks = [*fake.minted, pat, *key_lines]
    assert len(fake.minted) == 2 and len(key_lines) > 10

    echoed = store.one("SELECT parts FROM collection_runs r JOIN projects p ON p.id = r.project_id "
                       "WHERE p.slug = 'acme/widget' AND source = 'github' ORDER BY r.id DESC LIMIT 1")[0]
    assert "Server error while handling token ***" in echoed, echoed
    dump = []
    for (table,) in store.all("SELECT table_name FROM information_schema.tables"):
        dump.append(repr(store.all(f'SELECT * FROM "{table}"')))
    texts = {"database": "\n".join(dump), "progress": out, "errors": repr([o.error for o in outcomes]),
             "logs": caplog.text}
    assert "/access_tokens" in caplog.text and '"token": "***"' in caplog.text   # PyGithub logged the mint
    store.close()
    result = cli("export", str(tmp_path / "export"), "--format", "json")
    assert result.code == 0, result.err
    texts["export"] = result.out + result.err + "".join(p.read_text() for p in (tmp_path / "export").rglob("*")
                                                        if p.is_file())
    for where, text in texts.items():
        assert not [s for s in leaks if s in text], where


def test_the_key_is_redacted_and_stays_out_of_the_configuration_repr(pem_path, monkeypatch, tmp_path):
    pem = pem_path.read_text()
    monkeypatch.setenv("GITHUB_APP_ID", str(APP_ID))
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", pem)
    cfg = config.load(tmp_path / "t.duckdb")
    assert cfg.github_app_key() == pem and pem not in repr(cfg) and cfg.github_app_id == str(APP_ID)
    assert config.redact(f"key: {pem} end", cfg) == "key: *** end"
    body = pem.strip().splitlines()[5]
    assert body not in config.redact_patterns(json.dumps({"key": pem}))      # JSON-escaped too
    minted = "ghs_" + secrets.token_hex(18)
    assert config.redact(f"token {minted} refused") == "token *** refused"
    monkeypatch.delenv("GITHUB_APP_PRIVATE_KEY")
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY_PATH", str(pem_path))
    cfg = config.load(tmp_path / "t.duckdb")
    assert cfg.github_app_key() == pem
    # worker processes and Dask tasks get neither the App nor its key
    task = executors.worker_config(cfg)
    assert (task.github_app_id, task.github_app_private_key_path, task.github_app_private_key) == (None, None, None)
