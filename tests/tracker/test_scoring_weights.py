"""The weights file: shipped defaults, overrides merged over them, clear errors for bad files."""

from __future__ import annotations

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
