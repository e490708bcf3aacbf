"""funding.json and funding links in detail: every rule of classify_url and of the channel, plan and
history readers, with the exact problem each bad value earns. Written against the survivors of
`make mutation` (docs/testing.md): each case here fails when one rule is changed."""

from __future__ import annotations

import json

import pytest

from collectors.funding.files import (
    MAX_TEXT,
    Manifest,
    Problems,
    classify_url,
    open_collective_slugs,
    parse_funding_json,
    parse_funding_yml,
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
