"""funding.json and funding links in detail: every rule of classify_url and of the channel, plan and
history readers, with the exact problem each bad value earns. Written against the survivors of
`make mutation` (docs/testing.md): each case here fails when one rule is changed."""

from __future__ import annotations

import json

import pytest

from collectors.funding.files import (
    MAX_JSON_BYTES,
    MAX_TEXT,
    MAX_URL,
    MAX_YML_BYTES,
    Manifest,
    Problems,
    account_url,
    classify_url,
    normalise_url,
    open_collective_slugs,
    parse_funding_json,
    parse_funding_yml,
    safe_url,
)


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/sponsors/tiangolo", ("github", "tiangolo")),
    ("https://github.com/Sponsors/tiangolo/", ("github", "tiangolo")),      # the prefix in any case
    ("https://github.com/tiangolo", ("github", "tiangolo")),                 # a profile link names the user
    ("https://github.com/sponsors/ann/dashboard", ("github", "ann")),
    ("https://github.com/", ("github", None)),
    ("https://github.com/sponsors/-bad-", ("github", None)),                  # not a GitHub user name
    ("https://www.patreon.com/Xena/", ("patreon", "Xena")),
    ("https://ko-fi.com/ann", ("ko_fi", "ann")),
    ("https://tidelift.com/funding/github/pypi/requests", ("tidelift", "pypi/requests")),
    ("https://TIDELIFT.com/Funding/GitHub/pypi/x", ("tidelift", "pypi/x")),
    ("https://tidelift.com/subscription/pkg/pypi-x", ("tidelift", None)),  # not the funding prefix
    ("https://issuehunt.io/r/ann", ("issuehunt", "ann")),
    ("https://issuehunt.io/ann", ("issuehunt", None)),
    ("https://opencollective.com/numpy/contribute", ("open_collective", "numpy")),
    ("https://opencollective.com/", ("open_collective", None)),
    ("https://liberapay.com/ann!", ("liberapay", None)),                    # not an account name
    ("https://paypal.me/ann", ("paypal", "ann")),
    ("https://example.org/donate", ("custom", None)),
    ("https:///nohost", ("custom", None)),
])
def test_classify_url(url, expected):
    assert classify_url(url) == expected


def channels(doc: dict) -> Manifest:
    return parse_funding_json(json.dumps({"version": "v1.0.0", "entity": {"name": "x"}, "funding": doc}))


def problems(m: Manifest) -> list[str]:
    return m.problems.as_list()


def test_channel_types_addresses_and_their_problems():
    m = channels({"channels": [
        {"guid": " oc ", "type": " Payment-Provider ", "address": "https://opencollective.com/tool"},
        {"id": "bank1", "type": "bank", "address": "IBAN DE00 0000"},                 # kept as existing only
        {"type": "crypto", "address": "bitcoin:1abc"},
        {"guid": "mail", "type": "other", "address": "mailto:ann@example.org"},
        {"guid": "site", "type": "other", "address": "www.example.org/give"},
        {"guid": "bad", "type": "other", "address": "https://exa mple.org"},
        {"guid": "num", "type": "cash", "address": 42},
        {"guid": "user", "type": "other", "address": "ann@example.org:80"},
        {"guid": "   ", "type": "cheque"},
    ]})
    assert [(c.platform, c.account, c.url, c.guid) for c in m.channels] == [
        ("open_collective", "tool", "https://opencollective.com/tool", "oc"),
        ("bank", None, None, "bank1"),
        ("other", None, None, "channel-3"),
        ("other", None, None, "mail"),
        ("other", None, "https://www.example.org/give", "site"),
        ("other", None, None, "bad"),
        ("cash", None, None, "num"),
        ("other", None, None, "user"),
        ("cheque", None, None, "channel-9"),
    ]
    assert problems(m) == [
        "channel type 'crypto' is not one of bank, payment-provider, cheque, cash, other",
        "channel channel-3: address with a 'bitcoin' link dropped",
        "channel mail: address with a 'mailto' link dropped",
        "channel bad: address is not a valid URL; dropped",
        "channel num: address is not text; ignored",
    ]
    assert open_collective_slugs(m) == ["tool"]


def test_a_long_guid_is_cut_to_64_characters():
    m = channels({"channels": [{"guid": "g" * 100, "type": "bank"}]})
    assert m.channels[0].guid == "g" * 64


def test_plans_status_frequency_amount_currency_and_channels():
    m = channels({"channels": [{"guid": "oc", "type": "bank"}], "plans": [
        {"guid": "a", "name": "  Monthly  ", "status": "active", "frequency": " Monthly ", "amount": 5,
         "currency": " eur ", "channels": ["oc", "ghost", 7]},
        {"guid": "b", "status": "Inactive", "frequency": "hourly", "amount": 0, "currency": "EURO"},
        {"guid": "c", "status": "paused", "amount": 1e12 + 1, "currency": ""},
        {"guid": "d", "status": 1, "amount": True, "channels": "oc"},
        {"guid": "e", "amount": -1, "currency": 5},
        {"guid": "f", "amount": 1e12, "name": "   "},
    ]})
    got = [(p.guid, p.name, p.status, p.frequency, p.amount, p.currency, p.channels) for p in m.plans]
    assert got == [
        ("a", "Monthly", "active", "monthly", 5.0, "EUR", ["oc"]),
        ("b", None, "inactive", "other", 0.0, None, []),
        ("c", None, None, None, None, None, []),
        ("d", None, None, None, None, None, []),
        ("e", None, None, None, None, None, []),
        ("f", None, None, None, 1e12, None, []),
    ]
    assert problems(m) == [
        "plan a: channel 'ghost' is not among funding.channels",
        "plan a: channel '7' is not among funding.channels",
        "plan status 'Inactive' read as 'inactive'",
        "plan frequency 'hourly' is not one of one-time, weekly, fortnightly, monthly, yearly, other",
        "plan b currency is not a three-letter currency code; ignored",
        "plan status 'paused' is not active/inactive",
        "plan c amount is out of range; ignored",
        "plan d amount is not a number; ignored",
        "plan e amount is out of range; ignored",
        "plan e currency is not a three-letter currency code; ignored",
    ]


def test_history_years_and_their_amounts():
    m = channels({"history": [
        {"year": " 2021 ", "income": 10, "expenses": 2.5, "taxes": 0, "currency": "usd", "description": " d "},
        {"year": 1970}, {"year": 2100}, {"year": 1969}, {"year": 2101}, {"year": True}, {"year": 2020.0},
        {"year": "20x1"}, {"year": 2019, "income": 1e13, "description": "x" * 600},
    ]})
    assert [(h.year, h.income, h.expenses, h.taxes, h.currency, h.description) for h in m.history] == [
        (2021, 10.0, 2.5, 0.0, "USD", "d"), (1970, None, None, None, None, None),
        (2100, None, None, None, None, None), (2019, None, None, None, None, "x" * 500)]
    assert problems(m) == [
        "history entry with year '1969' ignored (expected 1970-2100)",
        "history entry with year '2101' ignored (expected 1970-2100)",
        "history entry with year 'True' ignored (expected 1970-2100)",
        "history entry with year '2020.0' ignored (expected 1970-2100)",
        "history entry with year '20x1' ignored (expected 1970-2100)",
        "history 2019 income is out of range; ignored",
    ]


def test_lists_that_are_not_lists_and_items_that_are_not_objects():
    m = channels({"channels": {"a": 1}, "plans": [1, "x"], "history": None})
    assert m.channels == [] and m.plans == [] and m.history == []
    assert problems(m) == ["funding.channels is not a list; ignored", "funding.plans[0] is not an object; ignored",
                           "funding.plans[1] is not an object; ignored"]


def test_a_hundred_items_are_read_and_no_note_is_made():
    m = channels({"channels": [{"guid": f"c{i}", "type": "bank"} for i in range(100)]})
    assert len(m.channels) == 100 and problems(m) == []


def test_problems_count_repeats_and_stop_at_fifty_kinds():
    p = Problems()
    assert not p
    p.add("a")
    p.add("a")
    assert p and p.as_list() == ["a (2 times)"]
    for i in range(60):
        p.add(f"m{i}")
    assert len(p.as_list()) == 50
    p.add("a")
    assert p.as_list()[0] == "a (3 times)"


def test_unknown_keys_are_kept_short_and_json_safe():
    m = parse_funding_yml("github: ann\nfuture_platform: " + "y" * 400 + "\nlists: [1, 2.5, true, null, "
                          + ", ".join(str(i) for i in range(20)) + "]\n" + "nested: {a: 1}\n")
    assert m.unknown_keys["future_platform"] == "y" * MAX_TEXT
    assert m.unknown_keys["lists"] == [1, 2.5, True, None, 0, 1, 2, 3, 4, 5]
    assert m.unknown_keys["nested"] == "{'a': 1}"


# == At their edges (written against the third round's survivors of collectors/funding/files.py) ==
# FUNDING.yml and funding.json at their edges: exact problem texts people read, how much of a bad
# value a problem quotes (a size cap), every length and count limit on both sides, which channels,
# plans and history years come out of which input. Pure parser calls, no files, no network. (Kept in
# this file: mutmut runs only the test files listed in pyproject.toml's [tool.mutmut], and changing
# that list discards every result of a run.)

NO_PLATFORM = "no platform set (GitHub's template with everything commented out?)"
CHANNEL_TYPES = "bank, payment-provider, cheque, cash, other"
FREQUENCIES = "one-time, weekly, fortnightly, monthly, yearly, other"


def manifest(funding=None, **top) -> str:
    doc = {"version": "v1.0.0", "entity": {"name": "x"}, **top}
    if funding is not None:
        doc["funding"] = funding
    return json.dumps(doc)


# -- safe_url and the small link helpers --------------------------------------------------------
def _url_of_length(n: int) -> str:
    base = "https://x.example/"
    return base + "a" * (n - len(base))


@pytest.mark.parametrize("value, expected", [
    ("http://x.example/give", "http://x.example/give"),             # plain http is a link too
    ("HTTP://x.example/give", "HTTP://x.example/give"),
    ("  https://x.example/  ", "https://x.example/"),
    ("https://x.example:8080/give", "https://x.example:8080/give"),
    ("https://x.example:99999/give", None),                          # port out of range
    ("https://x.example:port/give", None),                           # port not a number
    ("https://ann@x.example/", None),                                # a user name alone is a credential too
    ("https://x.example/\x7f", None),                                # DEL is a control character
    ("example.org/give", None),                                      # a bare host only where asked for
    (_url_of_length(MAX_URL), _url_of_length(MAX_URL)),
    (_url_of_length(MAX_URL + 1), None),
    ("", None),
    ("   ", None),
])
def test_safe_url_edges(value, expected):
    assert safe_url(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("example.org/give", "https://example.org/give"),
    ("paypal.me/ann", "https://paypal.me/ann"),
    ("ann", None),                                                   # no dot: not a host
])
def test_safe_url_bare_host_when_allowed(value, expected):
    assert safe_url(value, allow_bare_host=True) == expected


@pytest.mark.parametrize("platform, account, expected", [
    ("github", "ann", "https://github.com/sponsors/ann"),
    ("custom", "ann", None),           # custom entries are links, not accounts
    ("paypal", "ann", None),           # a platform GitHub's FUNDING.yml does not know
])
def test_account_url(platform, account, expected):
    assert account_url(platform, account) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://WWW.Example.org/Give/?a=1", "example.org/give?a=1"),
    ("https://x.example/giveX", "x.example/givex"),
    ("/donate/", "/donate"),                                         # no host: the path alone
])
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


# -- FUNDING.yml: whole-file outcomes -----------------------------------------------------------
@pytest.mark.parametrize("text, status, expected", [
    (None, "unreadable", ["file content not available"]),
    ("", "empty", [NO_PLATFORM]),
    ("# github: octo\n", "empty", [NO_PLATFORM]),
    ("github:\npatreon:\n", "empty", [NO_PLATFORM]),
    ("- github\n- octo\n", "invalid", ["expected 'platform: account' lines, got a YAML list"]),
    ("just some words", "invalid", ["expected 'platform: account' lines, got a YAML str"]),
    ("github: 'bad name!'\n", "invalid", ["github: 'bad name!' is not a valid account name; dropped"]),
    # a value given and dropped makes the file invalid even when a later key is empty
    ("github: 'bad name!'\npatreon:\n", "invalid", ["github: 'bad name!' is not a valid account name; dropped"]),
    ("patreon:\ngithub: 'bad name!'\n", "invalid", ["github: 'bad name!' is not a valid account name; dropped"]),
])
def test_funding_yml_status_and_problems(text, status, expected):
    m = parse_funding_yml(text)
    assert (m.kind, m.status, problems(m), m.channels) == ("funding_yml", status, expected, [])


def test_funding_yml_size_cap_in_bytes_on_both_sides():
    head = "github: octo\n#"
    at_cap = head + "x" * (MAX_YML_BYTES - len(head))
    m = parse_funding_yml(at_cap)
    assert (m.status, [c.account for c in m.channels]) == ("ok", ["octo"])
    for over in (at_cap + "x", head + "é" * (MAX_YML_BYTES // 2)):   # bytes, not characters, count
        m = parse_funding_yml(over)
        assert (m.status, problems(m), m.channels) == (
            "invalid", [f"file larger than {MAX_YML_BYTES} bytes; not parsed"], [])


# -- FUNDING.yml: values ------------------------------------------------------------------------
@pytest.mark.parametrize("text, channels, expected", [
    # empty entries are skipped silently, booleans with a note; the values after them still count
    ("github: [~, '', true, octo, ann]\n", [("github", "octo"), ("github", "ann")],
     ["github: bool value ignored (expected a name or URL)"]),
    ("github: [[x], octo]\n", [("github", "octo")], ["github: list value ignored (expected a name or URL)"]),
    # GitHub user names have no '_' or '.', other platforms' account names may
    ("github: ann_dev\n", [], ["github: 'ann_dev' is not a valid account name; dropped"]),
    ("patreon: ann_dev\n", [("patreon", "ann_dev")], []),
    ("liberapay: ann.dev\n", [("liberapay", "ann.dev")], []),          # an account, not a bare host
    # a link to another platform where an account was expected: kept as a link, no account
    ("patreon: https://ko-fi.com/ann\n", [("patreon", None)], ["patreon: expected an account name, got a URL"]),
    ("ko_fi: https://ko-fi.com/ann\n", [("ko_fi", "ann")], ["ko_fi: expected an account name, got a URL"]),
    # the same account or link twice is one channel
    ("github: [octo, Octo]\n", [("github", "octo")], []),
    ("custom: [https://a.example/give, 'https://www.A.example/give/']\n", [("custom", None)], []),
    ("custom: [https://a.example/give, https://a.example/giveX]\n", [("custom", None), ("custom", None)], []),
    ("custom: http://old.example/donate\n", [("custom", None)], []),
])
def test_funding_yml_values(text, channels, expected):
    m = parse_funding_yml(text)
    assert [(c.platform, c.account) for c in m.channels] == channels
    assert problems(m) == expected


def test_a_link_to_another_platform_keeps_the_link():
    m = parse_funding_yml("patreon: https://ko-fi.com/ann\n")
    assert [(c.platform, c.account, c.url) for c in m.channels] == [("patreon", None, "https://ko-fi.com/ann")]


def test_bad_values_are_quoted_up_to_80_characters():
    link = "javascript:" + "a" * 100
    name = "!" * 100
    m = parse_funding_yml(f"custom: '{link}'\npatreon: '{name}'\n")
    assert m.channels == [] and m.status == "invalid"
    assert problems(m) == [f"custom: {link[:80]!r} is not an http(s) URL; dropped",
                           f"patreon: {name[:80]!r} is not a valid account name; dropped"]


def test_unknown_keys_quote_60_characters_and_keep_250():
    key = "k" * 300
    m = parse_funding_yml(f"github: octo\n{key}: value\n")
    assert m.unknown_keys == {"k" * MAX_TEXT: "value"}
    assert problems(m) == [f"unknown key {'k' * 60!r} (not a GitHub FUNDING.yml platform); kept, not used"]


def test_unknown_keys_keep_infinite_numbers_as_text():
    m = parse_funding_yml("github: octo\nup: .inf\ndown: -.inf\nodd: .nan\nfine: 1.5\n")
    assert m.unknown_keys == {"up": "inf", "down": "-inf", "odd": "nan", "fine": 1.5}


def test_open_collective_slugs_only_from_open_collective_accounts():
    m = parse_funding_yml("github: octo\nopen_collective: numpy\ncustom: [https://opencollective.com/]\n")
    assert open_collective_slugs(m) == ["numpy"]


# -- funding.json: whole-file outcomes ----------------------------------------------------------
NOT_MANIFEST = "not a fundingjson.org manifest (no 'entity' or 'funding'): another format uses this name"


@pytest.mark.parametrize("text, status, expected", [
    (None, "unreadable", ["file content not available"]),
    ("[" * 100_000 + "]" * 100_000, "invalid", ["JSON nested too deeply"]),
    ("{not json", "invalid",
     ["not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"]),
    ('{"funding": {"plans": [{"amount": NaN}]}}', "invalid", ["not valid JSON: NaN is not valid JSON"]),
    ('{"entity": -Infinity}', "invalid", ["not valid JSON: -Infinity is not valid JSON"]),
    ('{"type": "github"}', "not_manifest", [NOT_MANIFEST]),
    ('[{"entity": {}}]', "not_manifest", [NOT_MANIFEST]),
])
def test_funding_json_status_and_problems(text, status, expected):
    m = parse_funding_json(text)
    assert (m.kind, m.status, problems(m), m.channels) == ("funding_json", status, expected, [])


def test_funding_json_size_cap_in_bytes_on_both_sides():
    head = '{"entity": {}, "funding": {"channels": [{"guid": "b", "type": "bank"}]}}'
    at_cap = head + " " * (MAX_JSON_BYTES - len(head))
    m = parse_funding_json(at_cap)
    assert (m.status, [c.guid for c in m.channels]) == ("ok", ["b"])
    too_big = [f"file larger than {MAX_JSON_BYTES} bytes; not parsed"]
    for over in (at_cap + " ", head[:-1] + ', "x": "' + "é" * (MAX_JSON_BYTES // 2) + '"}'):
        m = parse_funding_json(over)
        assert (m.status, problems(m), m.channels) == ("invalid", too_big, [])


@pytest.mark.parametrize("doc, expected", [
    ({"entity": {"name": "x"}}, ["no 'version'; read as v1", "'funding' is missing or not an object"]),
    ({"version": "v1.0.0", "funding": {}}, ["'entity' is missing or not an object"]),
    ({"version": "v1.0.0", "entity": [], "funding": []},
     ["'entity' is missing or not an object", "'funding' is missing or not an object"]),
    ({"version": "v1.0.0", "entity": {}, "funding": {}, "projects": {"a": 1}}, ["'projects' is not a list; ignored"]),
])
def test_a_manifest_needs_entity_or_funding_and_says_what_is_missing(doc, expected):
    m = parse_funding_json(json.dumps(doc))
    assert (m.status, problems(m)) == ("empty", expected)


@pytest.mark.parametrize("version, kept, expected", [
    (" v1.1.0 ", "v1.1.0", []),
    ("1.0.0", "1.0.0", []),
    (None, None, ["no 'version'; read as v1"]),
    (2, "2", ["version '2' is not v1.x; read as v1"]),
    ("v2.0.0-and-a-very-long-suffix", "v2.0.0-and-a-very-lo",   # kept to 20 characters
     ["version 'v2.0.0-and-a-very-lo' is not v1.x; read as v1"]),
])
def test_versions(version, kept, expected):
    doc = {"entity": {}, "funding": {"channels": [{"type": "bank"}]}}
    if version is not None:
        doc["version"] = version
    m = parse_funding_json(json.dumps(doc))
    assert (m.status, m.version, problems(m)) == ("ok", kept, expected)


@pytest.mark.parametrize("funding, status", [
    ({}, "empty"),
    ({"channels": [], "plans": [], "history": []}, "empty"),
    ({"channels": [{"type": "bank"}]}, "ok"),
    ({"plans": [{"guid": "p"}]}, "ok"),
    ({"history": [{"year": 2024}]}, "ok"),
])
def test_any_channel_plan_or_year_makes_a_manifest_ok(funding, status):
    assert parse_funding_json(manifest(funding)).status == status


def test_entity_details_are_trimmed_and_capped():
    long_type = "organisation-" * 5
    doc = {"version": "v1.0.0", "funding": {},
           "entity": {"type": long_type, "role": " owner ", "name": "n" * 300},
           "projects": [{"repositoryUrl": {"url": "https://github.com/ann/tool"}}, {"name": "other"}]}
    m = parse_funding_json(json.dumps(doc), repo_slug="ann/tool")
    assert m.detail == {"entity_type": long_type[:40], "entity_role": "owner", "entity_name": "n" * MAX_TEXT,
                        "projects": 2, "lists_this_repo": True}
    m = parse_funding_json(json.dumps({"entity": {"role": "x" * 50}, "funding": {}}))
    assert m.detail == {"entity_type": None, "entity_role": "x" * 40, "entity_name": None,
                        "projects": 0, "lists_this_repo": None}


def _repo(url):
    return {"repositoryUrl": {"url": url}}


@pytest.mark.parametrize("projects, slug, expected", [
    ([_repo("https://github.com/ann/tool")], None, None),             # no repository to look for
    ({"a": _repo("https://github.com/ann/tool")}, "ann/tool", None),  # projects not a list
    ([], "ann/tool", False),
    ([_repo("https://github.com/other/thing")], "ann/tool", False),
    ([_repo("javascript:alert(1)")], "ann/tool", False),
    ([_repo("https://github.com/Ann/Tool.git")], "ann/tool", True),
    ([_repo("https://github.com/ann/tool/")], "Ann/Tool", True),
    ([_repo("https://github.com/XOrg/LibX")], "XOrg/LibX", True),
    ([{"repositoryUrl": "https://github.com/ann/tool"}], "ann/tool", True),  # a plain string, as early tools wrote
    (["ann/tool", None, _repo("https://github.com/ann/tool")], "ann/tool", True),
])
def test_lists_this_repo(projects, slug, expected):
    m = parse_funding_json(manifest({}, projects=projects), repo_slug=slug)
    assert m.detail["lists_this_repo"] is expected


# -- funding.json: channels, plans, history ---------------------------------------------------
def test_channel_types_and_addresses_at_their_edges():
    mailto = "mailto:ann@example.org?subject=Re:funding"
    m = parse_funding_json(manifest({"channels": [
        {"guid": "none"},                                                    # no type at all
        {"guid": "num", "type": 3},
        {"guid": "long", "type": "t" * 60},
        {"guid": "upper", "type": "other", "address": "BITCOIN:1abc"},
        {"guid": "mail", "type": "other", "address": mailto},
        {"guid": "scheme", "type": "other", "address": "web+averyveryverylongscheme:x"},
        {"guid": "http", "type": "other", "address": "http://give.example/now"},
        {"guid": "badhttp", "type": "other", "address": "http://exa mple.org"},
        {"guid": "HTTPS", "type": "other", "address": "HTTPS://exa mple.org"},
    ]}))
    assert [(c.guid, c.platform, c.url) for c in m.channels] == [
        ("none", "other", None), ("num", "other", None), ("long", "other", None), ("upper", "other", None),
        ("mail", "other", None), ("scheme", "other", None), ("http", "other", "http://give.example/now"),
        ("badhttp", "other", None), ("HTTPS", "other", None)]
    assert problems(m) == [
        f"channel type 'None' is not one of {CHANNEL_TYPES}",
        f"channel type '3' is not one of {CHANNEL_TYPES}",
        f"channel type {'t' * 40!r} is not one of {CHANNEL_TYPES}",
        "channel upper: address with a 'BITCOIN' link dropped",
        "channel mail: address with a 'mailto' link dropped",
        "channel scheme: address with a 'web+averyveryverylon' link dropped",   # 20 characters of it
        "channel badhttp: address is not a valid URL; dropped",
        "channel HTTPS: address is not a valid URL; dropped",
    ]


def test_plans_without_ids_are_numbered_and_long_values_quoted_in_part():
    m = parse_funding_json(manifest({"channels": [{"guid": "c", "type": "bank"}], "plans": [
        {"name": "First"},
        {"id": "  ", "name": "Second"},
        {"guid": "long", "status": "INACTIVE-UNTIL-2030-OR-LATER", "frequency": "every-second-tuesday-of-the-month",
         "channels": ["c", "x" * 50]},
    ]}))
    assert [(p.guid, p.name, p.status, p.frequency, p.channels) for p in m.plans] == [
        ("plan-1", "First", None, None, []), ("plan-2", "Second", None, None, []),
        ("long", None, None, "other", ["c"])]
    assert problems(m) == [
        "plan status 'INACTIVE-UNTIL-2030-' read as 'inactive-until-2030-or-later'",
        "plan status 'inactive-until-2030-' is not active/inactive",
        f"plan frequency 'every-second-tuesday' is not one of {FREQUENCIES}",
        f"plan long: channel {'x' * 40!r} is not among funding.channels",
    ]


def test_a_plan_id_used_twice_keeps_the_first_and_reads_on():
    m = parse_funding_json(manifest({"plans": [
        {"guid": "a", "amount": 1}, {"guid": "a", "amount": 2}, {"guid": "b", "amount": 3}]}))
    assert [(p.guid, p.amount) for p in m.plans] == [("a", 1.0), ("b", 3.0)]
    assert problems(m) == ["plan id 'a' used twice; the first kept"]


def test_history_problems_name_the_year_and_the_field():
    m = parse_funding_json(manifest({"history": [
        {"year": 2020, "income": 5, "expenses": "lots", "taxes": -1, "currency": "euro"},
        {"year": 2020, "income": 6},
        {"year": 2021, "expenses": 1e12, "taxes": True},
        "2022",
        {"year": "1" * 25},
    ]}))
    assert [(h.year, h.income, h.expenses, h.taxes, h.currency) for h in m.history] == [
        (2020, 5.0, None, None, None), (2021, None, 1e12, None, None)]
    assert problems(m) == [
        "funding.history[3] is not an object; ignored",
        "history 2020 expenses is not a number; ignored",
        "history 2020 taxes is out of range; ignored",
        "history 2020 currency is not a three-letter currency code; ignored",
        "history year 2020 given twice; the first kept",
        "history 2021 taxes is not a number; ignored",
        f"history entry with year {'1' * 20!r} ignored (expected 1970-2100)",
    ]
