"""Robust input (issue 14): out-of-range dates, absurd durations, deep TOML and extreme weights are
each one clear line and exit 2, never "internal error"."""

from __future__ import annotations

import pytest

from tracker import schedule_config
from tracker.errors import UsageError
from tracker.store import Store


def one_error_line(result) -> str:
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: error: "), result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
    return lines[0]


@pytest.fixture
def tracked(cli, make_repo):
    repo = make_repo("a")
    repo.commit("2024-01-01")
    assert cli("add", "o/a", "--git", str(repo.path)).code == 0
    assert cli("collect", "--source", "git").code == 0
    return "o/a"


@pytest.mark.parametrize("when", ["0001-01-01", "1000-06-30", "9999-12-31", "9999-12-31T23:59:59"])
@pytest.mark.parametrize("command", [("report", "o/a"), ("score",), ("grants", "impact"), ("export", "{out}", "--format", "csv"),
                                     ("report", "o/a", "--format", "json")])
def test_out_of_range_as_of_dates(cli, tracked, tmp_path, when, command):
    args = [a.replace("{out}", str(tmp_path / "out")) for a in command]
    line = one_error_line(cli(*args, "--as-of", when))
    assert "--as-of" in line and when in line and "1970" in line


def test_as_of_in_range_still_works(cli, tracked):
    assert cli("report", "o/a", "--as-of", "2024-06-01").code == 0
    assert cli("report", "o/a", "--as-of", "2024-06-01T10:00:00+02:00").code == 0


@pytest.mark.parametrize("value", ["99999999999d", "1e400", "inf", "nan", "1e20s", "1000000w", "366d"])
@pytest.mark.parametrize("key", ["poll", "misfire_grace_time", "lock_timeout"])
def test_absurd_scheduler_durations(cli, tmp_path, key, value):
    config = tmp_path / "schedule.toml"
    config.write_text(f'[scheduler]\n{key} = "{value}"\n')
    line = one_error_line(cli("schedule", "--once", "--config", str(config)))
    assert key in line


@pytest.mark.parametrize("value", ["99999999999d", "inf", "nan", "1e400"])
def test_absurd_intervals_in_the_file_and_the_environment(cli, tmp_path, monkeypatch, value):
    config = tmp_path / "schedule.toml"
    config.write_text(f'[intervals]\ngit = "{value}"\n')
    assert "[intervals] git" in one_error_line(cli("schedule", "--once", "--config", str(config)))
    monkeypatch.setenv("TRACKER_SCHEDULE_GIT", value)
    assert "TRACKER_SCHEDULE_GIT" in one_error_line(cli("schedule", "--once"))
    with pytest.raises(UsageError):
        schedule_config.parse_duration(float(value) if value in ("inf", "nan") else value, "x")


def test_sensible_durations_still_parse():
    assert schedule_config.parse_duration("365d", "x") == 365 * 86400
    assert schedule_config.parse_duration("1h30m", "x") == 5400
    assert schedule_config.parse_duration(0.5, "x") == 0.5


def test_deep_toml_weights_and_schedule_config(cli, tracked, tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested" in one_error_line(cli("score", "--weights", str(deep)))
    tables = tmp_path / "tables.toml"
    tables.write_text("x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n")
    assert "nested" in one_error_line(cli("score", "--weights", str(tables)))
    config = tmp_path / "deep-config.toml"
    config.write_text("[intervals]\ngit = " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested" in one_error_line(cli("schedule", "--once", "--config", str(config)))


def test_a_huge_weights_file_is_refused_before_reading(cli, tracked, tmp_path):
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.truncate(300_000_000)          # sparse: costs no disk, would cost memory if read whole
    line = one_error_line(cli("score", "--weights", str(big)))
    assert "bytes" in line


@pytest.mark.parametrize("override", [
    "[health.weights]\nactivity = 1e308\ncontributor_resilience = 1e308\nresponsiveness = 1e308\n",
    "[subscores.activity.recency]\nweight = 1e308\n[subscores.activity.volume]\nweight = 1e308\n",
    "[subscores.activity.recency]\npoints = [[-1e308, 0], [1e308, 100]]\n",
    "[subscores.activity.volume]\nlog_target = 1e308\n",
])
def test_extreme_weights_are_a_validation_error(cli, tracked, tmp_path, db_path, override):
    weights = tmp_path / "weights.toml"
    weights.write_text(override)
    line = one_error_line(cli("score", "--weights", str(weights)))
    assert "weights" in line and str(weights) in line
    with Store.open(db_path, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM scores WHERE isnan(health) OR isnan(coverage)") == 0
