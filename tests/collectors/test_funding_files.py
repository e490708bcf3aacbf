"""FUNDING.yml and funding.json parsing: real files from real repositories, and hostile ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.funding.files import (
    MAX_JSON_BYTES,
    MAX_YML_BYTES,
    classify_url,
    parse_funding_json,
    parse_funding_yml,
    safe_url,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "funding_examples"

# GitHub's FUNDING.yml template, as repositories commit it untouched.
TEMPLATE = """# These are supported funding model platforms

github: # Replace with up to 4 GitHub Sponsors-enabled usernames e.g., [user1, user2]
patreon: # Replace with a single Patreon username
open_collective: # Replace with a single Open Collective username
ko_fi: # Replace with a single Ko-fi username
tidelift: # Replace with a single Tidelift platform-name/package-name e.g., npm/babel
community_bridge: # Replace with a single Community Bridge project-name e.g., cloud-foundry
liberapay: # Replace with a single Liberapay username
issuehunt: # Replace with a single IssueHunt username
lfx_crowdfunding: # Replace with a single LFX Crowdfunding project-name e.g., cloud-foundry
polar: # Replace with a single Polar username
buy_me_a_coffee: # Replace with a single Buy Me a Coffee username
thanks_dev: # Replace with a single thanks.dev username
custom: # Replace with up to 4 custom sponsorship URLs e.g., ['link1', 'link2']
"""


def pairs(m):
    return [(c.platform, c.account, c.url) for c in m.channels]


# -- real FUNDING.yml files -------------------------------------------------------------------
def test_fastapi_github_as_a_list():
    m = parse_funding_yml((EXAMPLES / "fastapi.FUNDING.yml").read_text())
    assert m.status == "ok"
    assert pairs(m) == [("github", "tiangolo", "https://github.com/sponsors/tiangolo")]
    assert m.problems.as_list() == []


def test_numpy_three_platforms_scalar_values():
    m = parse_funding_yml((EXAMPLES / "numpy-2022.FUNDING.yml").read_text())
    assert pairs(m) == [
        ("open_collective", "numpy", "https://opencollective.com/numpy"),
        ("tidelift", "pypi/numpy", "https://tidelift.com/funding/github/pypi/numpy"),
        ("custom", None, "https://numpy.org/about#donate"),
    ]


def test_requests_custom_as_quoted_one_item_list():
    m = parse_funding_yml((EXAMPLES / "requests.FUNDING.yml").read_text())
    assert pairs(m) == [("custom", None, "https://www.python.org/psf/sponsorship/")]


def test_spacy_custom_as_flow_list_of_two_urls():
    m = parse_funding_yml((EXAMPLES / "spaCy.FUNDING.yml").read_text())
    assert [c.url for c in m.channels] == ["https://explosion.ai/merch", "https://explosion.ai/tailored-solutions"]


def test_template_with_everything_commented_out_is_empty_not_invalid():
    m = parse_funding_yml(TEMPLATE)
    assert m.status == "empty" and m.channels == []
    assert "template" in m.problems.as_list()[0]
    only_comments = "\n".join("# " + line for line in TEMPLATE.splitlines())
    assert parse_funding_yml(only_comments).status == "empty"


def test_every_github_key_with_single_values():
    text = TEMPLATE.replace("github: #", "github: octo #").replace("patreon: #", "patreon: pat #") \
        .replace("open_collective: #", "open_collective: oc-slug #").replace("ko_fi: #", "ko_fi: kofi #") \
        .replace("tidelift: #", "tidelift: npm/babel #").replace("community_bridge: #", "community_bridge: cf #") \
        .replace("liberapay: #", "liberapay: lp #").replace("issuehunt: #", "issuehunt: ih #") \
        .replace("lfx_crowdfunding: #", "lfx_crowdfunding: lfx #").replace("polar: #", "polar: pol #") \
        .replace("buy_me_a_coffee: #", "buy_me_a_coffee: bmc #").replace("thanks_dev: #", "thanks_dev: u/gh/octo #") \
        .replace("custom: #", "custom: ['https://example.org/donate'] #")
    m = parse_funding_yml(text)
    assert m.status == "ok" and m.problems.as_list() == []
    got = {c.platform: c.url for c in m.channels}
    assert got == {
        "github": "https://github.com/sponsors/octo", "patreon": "https://www.patreon.com/pat",
        "open_collective": "https://opencollective.com/oc-slug", "ko_fi": "https://ko-fi.com/kofi",
        "tidelift": "https://tidelift.com/funding/github/npm/babel",
        "community_bridge": "https://funding.communitybridge.org/projects/cf",
        "liberapay": "https://liberapay.com/lp", "issuehunt": "https://issuehunt.io/r/ih",
        "lfx_crowdfunding": "https://crowdfunding.lfx.linuxfoundation.org/projects/lfx",
        "polar": "https://polar.sh/pol", "buy_me_a_coffee": "https://buymeacoffee.com/bmc",
        "thanks_dev": "https://thanks.dev/u/gh/octo", "custom": "https://example.org/donate",
    }


def test_githubs_limits_four_usernames_four_custom_urls_one_value_elsewhere():
    m = parse_funding_yml("github: [a, b, c, d, e]\ncustom: [https://1.example, https://2.example, "
                          "https://3.example, https://4.example, https://5.example]\npatreon: [p1, p2]\n")
    assert [c.account for c in m.channels if c.platform == "github"] == ["a", "b", "c", "d"]
    assert len([c for c in m.channels if c.platform == "custom"]) == 4
    assert [c.account for c in m.channels if c.platform == "patreon"] == ["p1"]
    problems = " | ".join(m.problems.as_list())
    assert "github: 5 usernames, GitHub uses at most 4" in problems
    assert "custom: 5 URLs" in problems and "patreon: 2 values" in problems


def test_unknown_keys_are_kept_and_reported_not_fatal():
    m = parse_funding_yml("github: octo\notechie: someone\nmy_bank: {iban: X}\n")
    assert m.status == "ok"
    assert pairs(m) == [("github", "octo", "https://github.com/sponsors/octo")]
    assert m.unknown_keys == {"otechie": "someone", "my_bank": "{'iban': 'X'}"}
    assert sum("unknown key" in p for p in m.problems.as_list()) == 2


def test_wrong_types_are_recorded_not_crashing():
    m = parse_funding_yml("github: {user: octo}\nko_fi: 12345\npatreon: true\ncustom: [[nested]]\n")
    assert pairs(m) == [("ko_fi", "12345", "https://ko-fi.com/12345")]  # YAML int read as GitHub does: text
    text = " | ".join(m.problems.as_list())
    assert "github: a mapping is not a valid value" in text
    assert "patreon: bool value ignored" in text and "custom: list value ignored" in text


def test_unsafe_and_invalid_links_are_dropped():
    m = parse_funding_yml("custom: ['javascript:alert(1)', 'https://user:pw@evil.example/', "
                          "'https://ok.example/give', 'paypal.me/someone']\n"
                          "github: ['bad name!', '../../etc']\nko_fi: 'data:text/html,x'\n")
    assert [c.url for c in m.channels] == ["https://ok.example/give", "https://paypal.me/someone"]
    assert len(m.problems.as_list()) == 5


def test_url_where_an_account_was_expected_is_kept_with_a_note():
    m = parse_funding_yml("patreon: https://www.patreon.com/someone\n")
    assert pairs(m) == [("patreon", "someone", "https://www.patreon.com/someone")]
    assert "expected an account name, got a URL" in m.problems.as_list()[0]


def test_yaml_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)) + "github: *j\n"
    m = parse_funding_yml(bomb)
    assert m.status == "invalid" and m.channels == []
    assert "aliases" in m.problems.as_list()[0]


def test_huge_and_deep_and_broken_yaml():
    assert parse_funding_yml("custom: " + "x" * MAX_YML_BYTES).status == "invalid"
    assert parse_funding_yml("github: octo", truncated=True).status == "invalid"
    deep = parse_funding_yml("github: " + "[" * 5000 + "]" * 5000)
    assert deep.status == "invalid"
    many = parse_funding_yml("custom: [" + ", ".join(["x"] * 2500) + "]")
    assert many.status == "invalid" and "YAML nodes" in many.problems.as_list()[0]
    broken = parse_funding_yml("github: [octo\npatreon: x: y")
    assert broken.status == "invalid" and broken.problems.as_list()[0].startswith("not valid YAML")
    assert parse_funding_yml("- github\n- octo\n").status == "invalid"
    assert parse_funding_yml(None).status == "unreadable"
    assert parse_funding_yml("!!python/object/apply:os.system ['echo hi']").status == "invalid"


# -- funding.json -----------------------------------------------------------------------------
def test_openssl_real_manifest_with_drift():
    m = parse_funding_json((EXAMPLES / "openssl.funding.json").read_text(), repo_slug="openssl/openssl")
    assert m.status == "ok" and m.version == "v1.0.0"
    # a channel without address (bank) is kept as a channel without URL; bank details are never stored
    assert pairs(m) == [("bank", None, None), ("github", "openssl", "https://github.com/sponsors/openssl")]
    assert [c.guid for c in m.channels] == ["mybank", "github"]
    assert len(m.plans) == 6 and {p.status for p in m.plans} == {"active"}
    premier = m.plans[0]
    assert (premier.guid, premier.amount, premier.currency, premier.frequency, premier.channels) == (
        "premiersponsorship", 100000.0, "USD", "yearly", ["mybank", "github"])
    assert m.plans[-1].amount == 0.0  # "any amount"
    assert m.problems.as_list() == ["plan status 'Active' read as 'active' (6 times)"]
    assert m.detail["entity_name"] == "OpenSSL Software Foundation" and m.detail["lists_this_repo"] is True


V110 = {
    "$schema": "https://fundingjson.org/schema/v1.1.0.json",
    "version": "v1.1.0",
    "entity": {"type": "individual", "role": "maintainer", "name": "Ann Dev", "email": "ann@example.org",
               "description": "I maintain things.", "webpageUrl": {"url": "https://ann.example"}},
    "projects": [{"guid": "tool", "name": "Tool", "description": "A tool.",
                  "webpageUrl": {"url": "https://ann.example/tool"},
                  "repositoryUrl": {"url": "https://github.com/ann/tool"},
                  "licenses": ["spdx:MIT"], "tags": ["cli"]}],
    "funding": {
        "channels": [
            {"guid": "oc", "type": "payment-provider", "address": "https://opencollective.com/tool"},
            {"guid": "paypal", "type": "payment-provider", "address": "ann@example.org"},
            {"guid": "bad", "type": "other", "address": "javascript:alert(1)"},
        ],
        "plans": [
            {"guid": "monthly", "status": "active", "name": "Monthly", "amount": 500, "currency": "eur",
             "frequency": "monthly", "channels": ["oc", "paypal"]},
            {"guid": "infra", "status": "inactive", "name": "Servers", "amount": 1200.5, "currency": "USD",
             "frequency": "yearly", "channels": ["ghost"]},
        ],
        "history": [
            {"year": 2023, "income": 12000, "expenses": 3000, "taxes": 100, "currency": "EUR",
             "description": "first year"},
            {"year": 2024, "income": 15000, "expenses": 5000, "currency": "EUR"},
            {"year": 2024, "income": 1, "currency": "EUR"},
        ],
    },
}


def test_v110_manifest_with_history_and_plans():
    m = parse_funding_json(json.dumps(V110), repo_slug="ann/tool")
    assert m.status == "ok" and m.version == "v1.1.0"
    assert pairs(m) == [("open_collective", "tool", "https://opencollective.com/tool"),
                        ("payment-provider", None, None), ("other", None, None)]
    assert [(p.guid, p.amount, p.currency, p.channels) for p in m.plans] == [
        ("monthly", 500.0, "EUR", ["oc", "paypal"]), ("infra", 1200.5, "USD", [])]
    assert [(h.year, h.income, h.expenses, h.taxes, h.currency) for h in m.history] == [
        (2023, 12000.0, 3000.0, 100.0, "EUR"), (2024, 15000.0, 5000.0, None, "EUR")]
    text = " | ".join(m.problems.as_list())
    assert "'javascript' link dropped" in text
    assert "channel 'ghost' is not among funding.channels" in text
    assert "history year 2024 given twice" in text
    assert m.detail["lists_this_repo"] is True


def test_files_named_funding_json_that_are_not_manifests():
    for text in ('{"type": "github", "url": "https://github.com/sponsors/x"}',
                 '[{"type": "patreon", "url": "https://patreon.com/x"}]', '"just a string"', "{}"):
        m = parse_funding_json(text)
        assert m.status == "not_manifest", text
        assert m.channels == []


def test_hostile_and_wrong_funding_json():
    assert parse_funding_json("{not json").status == "invalid"
    assert parse_funding_json('{"funding": {"plans": [{"amount": NaN}]}}').status == "invalid"
    assert parse_funding_json("[" * 100_000 + "]" * 100_000).status == "invalid"
    assert parse_funding_json(" " * (MAX_JSON_BYTES + 1)).status == "invalid"
    assert parse_funding_json("{}", truncated=True).status == "invalid"
    weird = parse_funding_json(json.dumps({
        "version": 2, "entity": "me",
        "funding": {"channels": {"a": 1}, "plans": [1, {"guid": "p", "amount": "lots", "currency": "dollars",
                                                        "frequency": "hourly", "status": "ACTIVE!"},
                                                    {"guid": "p", "amount": 1e300}],
                    "history": [{"year": "1066"}, {"year": True}, {"year": 2020, "income": -5}]},
    }))
    assert weird.status == "ok"  # what could be read was read
    assert [(p.guid, p.amount, p.currency, p.frequency, p.status) for p in weird.plans] == [
        ("p", None, None, "other", None)]
    assert [(h.year, h.income) for h in weird.history] == [(2020, None)]
    assert len(weird.problems.as_list()) >= 9
    many = parse_funding_json(json.dumps({"entity": {}, "funding": {"channels": [
        {"guid": f"c{i}", "type": "bank"} for i in range(500)]}}))
    assert len(many.channels) == 100 and "only the first 100 read" in " ".join(many.problems.as_list())


def test_safe_url_and_classification():
    assert safe_url("https://github.com/sponsors/x") == "https://github.com/sponsors/x"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "file:///etc/passwd", "https://", "http://a b.com",
                "https://x.example/\x00", "ftp://x.example", "https://[::1", 42, None, "https://u:p@x.example"):
        assert safe_url(bad) is None, bad
    assert classify_url("https://opencollective.com/numpy/contribute") == ("open_collective", "numpy")
    assert classify_url("https://github.com/sponsors/tiangolo") == ("github", "tiangolo")
    assert classify_url("https://www.patreon.com/x") == ("patreon", "x")
    assert classify_url("https://example.org/donate") == ("custom", None)


@pytest.mark.parametrize("name", ["fastapi.FUNDING.yml", "numpy-2022.FUNDING.yml", "requests.FUNDING.yml",
                                  "spaCy.FUNDING.yml"])
def test_every_real_funding_yml_parses_cleanly(name):
    m = parse_funding_yml((EXAMPLES / name).read_text())
    assert m.status == "ok" and m.channels and not m.problems
