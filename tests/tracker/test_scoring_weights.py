"""The weights file: shipped defaults, overrides merged over them, clear errors for bad files."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from tracker.errors import UsageError
from tracker.scoring import weights as weights_mod


def test_shipped_weights_load_and_name_their_version():
    w = weights_mod.shipped()
    assert set(w["health"]["weights"]) == set(weights_mod.SUBSCORES)
    assert w.version.startswith(w["version"] + "+")


def test_override_is_merged_and_changes_the_version(tmp_path):
    f = tmp_path / "w.toml"
    f.write_text("[health.weights]\nactivity = 50\n\n[risk.flags.no_commits_12m]\ndays = 200\n")
    w = weights_mod.load(f)
    assert w["health"]["weights"]["activity"] == 50
    assert w["health"]["weights"]["funding"] == 10  # untouched keys keep the shipped value
    assert w["risk"]["flags"]["no_commits_12m"]["days"] == 200
    assert w.version != weights_mod.shipped().version


@pytest.mark.parametrize(
    "text, message",
    [
        ("[health.weights]\nactivity = 'lots'\n", "[health.weights] activity must be a number, got 'lots'"),
        ("[health.weights]\nactivty = 3\n", "[health.weights] unknown key(s) activty"),
        ("[health.weights]\nactivity = -1\n", "activity must be >= 0"),
        (
            "[subscores.activity.recency]\npoints = [[10, 100], [5, 0]]\n",
            "x values must be strictly ascending",
        ),
        ("[subscores.activity.recency]\npoints = [[0, 100], [5, 120]]\n", "scores must be between 0 and 100"),
        ("[subscores.activity.volume]\nlog_target = 0\n", "log_target must be > 0"),
        ("[subscores.activity.volume]\npoints = [[0, 0], [1, 100]]\n", "needs exactly one scale"),
        ("[risk.flags.archived]\nseverity = 'dire'\n", "severity must be one of low, medium, high, critical"),
        ("[truck_factor]\ncoverage = 0.9\n", "[truck_factor] holds published constants"),
        (
            "[health.weights]\nactivity = 0\ncontributor_resilience = 0\nresponsiveness = 0\n"
            "release_cadence = 0\nfunding = 0\nhygiene = 0\n",
            "at least one sub-score weight must be > 0",
        ),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_bad_override_is_one_clear_line(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(UsageError) as err:
        weights_mod.load(f)
    assert message in str(err.value)
    assert str(f) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        weights_mod.load(tmp_path / "nope.toml")


def test_cli_reports_a_bad_weights_file_and_writes_nothing(cli, tmp_path, store):
    from tracker import registry

    registry.add(store, "acme/lib")
    store.close()
    bad = tmp_path / "bad.toml"
    bad.write_text("[health.weights]\nactivity = 'x'\n")
    result = cli("score", "--weights", str(bad))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "activity must be a number" in result.err
    from tracker.store import Store

    with Store.open(store.path) as s:
        assert s.scalar("SELECT count(*) FROM scores") == 0  # nothing written
    assert cli("score").code == 0


# -- every validation rule, with its exact message, on both sides of its bound ----------------------
def shipped_copy() -> dict:
    return copy.deepcopy(weights_mod.shipped().data)


def problem(data: dict) -> str | None:
    try:
        weights_mod.validate(data, "w.toml")
    except UsageError as exc:
        return str(exc)
    return None


def with_(path: str, value) -> dict:
    """The shipped data with the value at a dotted `path` replaced (or removed when value is DEL)."""
    data = shipped_copy()
    *parents, last = path.split(".")
    table = data
    for key in parents:
        table = table[key]
    if value is DEL:
        del table[last]
    else:
        table[last] = value
    return data


DEL = object()


@pytest.mark.parametrize("path, value, message", [
    ("maturity", DEL, "[maturity] is missing or is not a table"),
    ("maturity", 3, "[maturity] is missing or is not a table"),
    ("maturity.young_days", "x", "[maturity] young_days must be a number, got 'x'"),
    ("maturity.young_days", True, "[maturity] young_days must be a number, got True"),
    ("maturity.young_days", float("inf"), "[maturity] young_days must be a number, got inf"),
    ("maturity.young_days", -1, "[maturity] young_days must be >= 0, got -1"),
    ("maturity.young_days", 1e9 + 1, "[maturity] young_days must be between -1e+09 and 1e+09, got 1000000001.0"),
    ("health.weights.activity", 1_000_001, "[health.weights] activity must be between -1e+06 and 1e+06, got 1000001"),
    ("risk.escalate_after", 0, "[risk] escalate_after must be > 0, got 0"),
    ("risk.flags.archived.severity", "severe",
     "[risk.flags.archived] severity must be one of low, medium, high, critical, got 'severe'"),
    ("risk.flags.no_release_18m.mature_severity", "meh",
     "[risk.flags.no_release_18m] mature_severity must be one of low, medium, high, critical, got 'meh'"),
    ("version", "", "[top level] version must be a non-empty string"),
    ("version", 3, "[top level] version must be a non-empty string"),
    ("subscores.activity.recency.points", [[0, 1]],
     "[subscores.activity.recency] points must be a list of at least two [x, score] pairs of numbers"),
    ("subscores.activity.recency.points", [[0, 1], [1]],
     "[subscores.activity.recency] points must be a list of at least two [x, score] pairs of numbers"),
    ("subscores.activity.recency.points", [[0, True], [1, 2]],
     "[subscores.activity.recency] points must be a list of at least two [x, score] pairs of numbers"),
    ("subscores.activity.recency.points", [[0, float("nan")], [1, 2]],
     "[subscores.activity.recency] points must be a list of at least two [x, score] pairs of numbers"),
    ("subscores.activity.recency.points", "steep",
     "[subscores.activity.recency] points must be a list of at least two [x, score] pairs of numbers"),
    ("subscores.activity.recency.points", [[0, 1], [2e9, 2]],
     "[subscores.activity.recency] points: numbers must be between -1e+09 and 1e+09"),
    ("subscores.activity.recency.points", [[0, 1], [0, 2]],
     "[subscores.activity.recency] points: x values must be strictly ascending, got [0, 0]"),
    ("subscores.activity.recency.points", [[0, 101], [1, 2]],
     "[subscores.activity.recency] points: scores must be between 0 and 100"),
    ("subscores.activity.recency.points", [[0, -1], [1, 2]],
     "[subscores.activity.recency] points: scores must be between 0 and 100"),
    ("subscores.activity.volume.points", [[0, 0], [1, 100]],
     "[subscores.activity.volume] needs exactly one scale: points = [[x, score], ...] or log_target = N"),
    ("subscores.activity.volume.log_target", DEL,
     "[subscores.activity.volume] needs exactly one scale: points = [[x, score], ...] or log_target = N"),
    ("funding_need.strain_points", [[1, 1.5], [2, 0]], "[funding_need] strain_points: scores must be between 0 and 1"),
    ("funding_need.strain_points", DEL,
     "[funding_need] strain_points must be a list of at least two [x, score] pairs of numbers"),
    ("funding_need.alive_floor", 1.5, "[funding_need] alive_floor must be between 0 and 1"),
    ("funding_need.alive_floor", -0.1, "[funding_need] alive_floor must be between 0 and 1"),
    ("funding_need.high", 0, "[funding_need] high must be > 0, got 0"),
    ("truck_factor.exclude_prefixes", "vendor/", "[truck_factor] exclude_prefixes must be a list of path prefixes"),
    ("criticality.pike.created_since.threshold", 0, "[criticality.pike.created_since] threshold must be > 0, got 0"),
    ("criticality.signals.weeks_per_year", 0, "[criticality.signals] weeks_per_year must be > 0, got 0"),
])
def test_each_rule_names_the_table_and_the_problem(path, value, message):
    assert problem(with_(path, value)) == f"weights w.toml: {message}"


@pytest.mark.parametrize("path, value", [
    ("health.weights.activity", 1_000_000),                  # the largest weight
    ("maturity.young_days", 1e9),                            # the largest number
    ("maturity.young_days", 0),
    ("risk.escalate_after", 0.5),                            # positive, under one
    ("subscores.activity.recency.points", [[0, 0], [1e9, 100]]),
    ("subscores.activity.recency.points", [[-1e9, 100], [0, 0]]),
    ("funding_need.alive_floor", 1), ("funding_need.alive_floor", 0),
    ("funding_need.strain_points", [[1, 1], [2, 0]]),
])
def test_values_at_each_bound_are_accepted(path, value):
    assert problem(with_(path, value)) is None


def test_unknown_keys_are_named_in_order_with_what_is_expected():
    data = shipped_copy()
    data["health"]["weights"].update({"zeta": 1, "alpha": 1})
    assert problem(data) == ("weights w.toml: [health.weights] unknown key(s) alpha, zeta; expected activity,"
                             " contributor_resilience, funding, hygiene, release_cadence, responsiveness")


def test_weights_that_sum_to_nothing_are_refused():
    data = shipped_copy()
    for comp in data["subscores"]["hygiene"].values():
        comp["weight"] = 0
    assert problem(data) == "weights w.toml: [subscores.hygiene] at least one component weight must be > 0"


def test_merge_replaces_values_and_merges_tables_key_by_key():
    base = {"a": {"b": 0, "c": 2}, "d": 1, "e": [1]}
    assert weights_mod.merge(base, {"a": {"b": 1}, "d": {"x": 1}, "e": [2]}) == {
        "a": {"b": 1, "c": 2}, "d": {"x": 1}, "e": [2]}


def test_the_version_names_the_exact_configuration():
    data = shipped_copy()
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
    assert weights_mod.shipped().version == f"{data['version']}+{digest}"
    reordered = dict(reversed(list(data.items())))          # key order does not change the version
    assert weights_mod._version(reordered) == weights_mod.shipped().version


def _leaves(data: dict, path: tuple[str, ...] = ()):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key), value


def _tables(data: dict, path: tuple[str, ...] = ()):
    for key, value in data.items():
        if isinstance(value, dict):
            yield (*path, key)
            yield from _tables(value, (*path, key))


NUMBERS = [p for p, v in _leaves(weights_mod.shipped().data) if isinstance(v, int | float) and not isinstance(v, bool)]
LEVEL_KEYS = [p for p, v in _leaves(weights_mod.shipped().data) if isinstance(v, str) and v in weights_mod.LEVELS]
TABLES = list(_tables(weights_mod.shipped().data))


@pytest.mark.parametrize("path", NUMBERS, ids=".".join)
def test_every_number_that_is_not_one_is_named_with_its_table(path):
    """Every number of the shipped file is checked, and the message names the table it sits in."""
    table = ".".join(path[:-1]) or "top level"
    assert problem(with_(".".join(path), "x")) == f"weights w.toml: [{table}] {path[-1]} must be a number, got 'x'"


@pytest.mark.parametrize("path", LEVEL_KEYS, ids=".".join)
def test_every_level_that_is_not_one_is_named_with_its_table(path):
    table = ".".join(path[:-1])
    assert problem(with_(".".join(path), "dire")) == (
        f"weights w.toml: [{table}] {path[-1]} must be one of {', '.join(weights_mod.LEVELS)}, got 'dire'")


@pytest.mark.parametrize("path", TABLES, ids=".".join)
def test_every_table_that_is_not_one_is_named(path):
    assert problem(with_(".".join(path), 3)) == f"weights w.toml: [{'.'.join(path)}] is missing or is not a table"


# Tables that take unknown keys without a word: the published constants (a --weights file cannot
# change them anyway) and [health], whose only table is [health.weights].
OPEN_TABLES = {"health", "truck_factor", "criticality", "criticality.signals"}


@pytest.mark.parametrize("path", [(), *TABLES], ids=lambda p: ".".join(p) or "top")
def test_an_unknown_key_is_named_with_its_table_and_what_is_expected(path):
    data = shipped_copy()
    table = data
    for key in path:
        table = table[key]
    expected = sorted(table)
    table["zzz"] = 1
    name = ".".join(path)
    if name in OPEN_TABLES or (name.startswith("criticality.pike") and name.count(".") == 2):  # per signal
        assert problem(data) is None
    else:
        assert problem(data) == (f"weights w.toml: [{name or 'top level'}] unknown key(s) zzz;"
                                 f" expected {', '.join(sorted(set(expected) | _allowed_extra(path)))}")


def _allowed_extra(path: tuple[str, ...]) -> set[str]:
    """Optional keys a table may hold beyond what the shipped file writes."""
    if path == ():
        return set(weights_mod.FIXED_TABLES) | {"version"}
    if len(path) == 3 and path[:2] == ("subscores",) + path[1:2]:
        return {"weight", "points", "log_target"}
    if len(path) == 3 and path[:2] == ("risk", "flags"):
        return {"severity", "mature_severity"}
    return set()


@pytest.mark.parametrize("value, ok", [(0, True), (1, True), (-0.01, False), (1.01, False)])
def test_evidence_min_coverage_is_a_share(value, ok):
    got = problem(with_("evidence.min_coverage", value))
    assert got == (None if ok else
                   "weights w.toml: [evidence] min_coverage must be between 0 and 1 (a share of the health weight)")


@pytest.mark.parametrize("value, ok", [(0, True), (100, True), (-1, False), (101, False)])
def test_evidence_funding_cap_is_a_score(value, ok):
    got = problem(with_("evidence.funding_max_without_money", value))
    assert (got is None) is ok and (ok or got.startswith("weights w.toml: [evidence] funding_max_without_money"))


@pytest.mark.parametrize("value", ["activity", ["activity", "nope"]])
def test_evidence_required_names_sub_scores(value):
    assert problem(with_("evidence.required", value)) == (
        f"weights w.toml: [evidence] required must be a list of sub-score names"
        f" ({', '.join(weights_mod.SUBSCORES)}), got {value!r}")


def test_evidence_grace_days_are_not_negative():
    assert problem(with_("evidence.git_data_grace_days", 0)) is None
    assert problem(with_("evidence.git_data_grace_days", -1)) == (
        "weights w.toml: [evidence] git_data_grace_days must be >= 0, got -1")


@pytest.mark.parametrize("path, value, message", [
    ("identity.merge_names", "yes", "[identity] merge_names must be true or false, got 'yes'"),
    ("identity.merge_names", 1, "[identity] merge_names must be true or false, got 1"),
    ("identity.min_name_words", 0, "[identity] min_name_words must be >= 1, got 0"),
    ("identity.min_name_words", 1.5, "[identity] min_name_words must be a whole number"),
    ("subscores.activity.recency.weight", -1, "[subscores.activity.recency] weight must be >= 0, got -1"),
    ("health.weights.funding", -5, "[health.weights] funding must be >= 0, got -5"),
    ("risk.flags.no_commits_12m.days", -1, "[risk.flags.no_commits_12m] days must be >= 0, got -1"),
    ("funding_need.strain_floor", 1.01, "[funding_need] strain_floor must be between 0 and 1"),
    ("funding_need.strain_floor", -0.01, "[funding_need] strain_floor must be between 0 and 1"),
])
def test_identity_negative_weights_and_thresholds_and_floors_are_refused(path, value, message):
    assert problem(with_(path, value)) == f"weights w.toml: {message}"


@pytest.mark.parametrize("path, value", [
    ("identity.merge_names", False), ("identity.min_name_words", 1), ("identity.min_name_words", 3.0),
    ("subscores.activity.recency.weight", 0), ("health.weights.funding", 0),
    ("risk.flags.no_commits_12m.days", 0), ("funding_need.strain_floor", 0), ("funding_need.strain_floor", 1),
])
def test_identity_zero_weights_and_floor_bounds_are_accepted(path, value):
    assert problem(with_(path, value)) is None


def test_health_weights_all_zero_are_refused_and_one_weight_is_enough():
    data = shipped_copy()
    data["health"]["weights"] = dict.fromkeys(data["health"]["weights"], 0)
    assert problem(data) == "weights w.toml: [health.weights] at least one sub-score weight must be > 0"
    data["health"]["weights"]["hygiene"] = 1
    assert problem(data) is None


# -- written against the fourth round's mutation survivors (docs/testing.md) ------------------------
def test_the_shipped_file_is_read_from_the_package_as_utf8():
    """The shipped weights come from tracker/config/ inside the installed package, decoded as UTF-8
    whatever the locale (shipped() is cached when the tests import, so this reads it again)."""
    import tracker

    path = Path(tracker.__file__).parent / "config" / weights_mod.SHIPPED
    assert weights_mod._shipped_text() == path.read_bytes().decode("utf-8")


def test_a_loaded_file_says_where_it_came_from(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[health.weights]\nfunding = 5\n", encoding="utf-8")
    w = weights_mod.load(path)
    assert (w.source, w["health"]["weights"]["funding"]) == (str(path), 5)


def test_a_sub_score_whose_last_component_weighs_nothing_is_accepted():
    """The components' weights are summed: a zero last weight after a positive one is fine."""
    data = shipped_copy()
    comps = data["subscores"]["hygiene"]
    names = list(comps)
    for name in names[:-1]:
        comps[name]["weight"] = 1
    comps[names[-1]]["weight"] = 0
    assert problem(data) is None


@pytest.mark.parametrize("weight, message", [
    (1_000_000, None),
    (1_000_001, "weights w.toml: [subscores.activity.recency] weight must be between -1e+06 and 1e+06, got 1000001"),
])
def test_a_component_weight_is_bounded_like_every_weight(weight, message):
    assert problem(with_("subscores.activity.recency.weight", weight)) == message
