"""Intervals and daemon settings from a TOML file and the environment."""

from __future__ import annotations

import pytest

from tracker.errors import UsageError
from tracker.schedule_config import DEFAULT_INTERVAL, load, parse_duration


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), (0.5, 0.5), ("90", 90.0), ("90s", 90.0), ("15m", 900.0), ("6h", 21600.0),
    ("1d", 86400.0), ("1h30m", 5400.0), ("1 h 30 m", 5400.0), ("2w", 1209600.0), ("0.5s", 0.5),
])
def test_durations(text, seconds):
    assert parse_duration(text, "x") == seconds


@pytest.mark.parametrize("text", ["", "soon", "6x", "1h foo", -5, 0, "0s", True, [1]])
def test_bad_durations_are_one_clear_error(text):
    with pytest.raises(UsageError, match=r"^x: "):
        parse_duration(text, "x")


def test_defaults_follow_the_sources_rhythm():
    cfg = load(None, env={})
    assert cfg.interval_for("github") == 3600
    assert cfg.interval_for("git") == 6 * 3600
    assert cfg.interval_for("pypi") == cfg.interval_for("opencollective") == 86400
    assert cfg.interval_for("some_new_source") == DEFAULT_INTERVAL
    assert cfg.misfire_grace_time == 7 * 86400 and cfg.poll == 5 and cfg.score_after_collect


def test_file_then_environment(tmp_path):
    path = tmp_path / "schedule.toml"
    path.write_text(
        '[intervals]\ndefault = "12h"\ngit = "2h"\ngithub = "off"\nnewsource = 600\n'
        '[scheduler]\npoll = "2s"\nmisfire_grace_time = "none"\nlock_timeout = "1m"\nscore_after_collect = false\n')
    cfg = load(path, env={})
    assert cfg.interval_for("git") == 7200
    assert cfg.interval_for("github") is None                   # switched off
    assert cfg.interval_for("newsource") == 600
    assert cfg.interval_for("pypi") == 86400                    # its own default stays
    assert cfg.interval_for("unknown") == 12 * 3600             # the file's default
    assert (cfg.poll, cfg.misfire_grace_time, cfg.lock_timeout, cfg.score_after_collect) == (2, None, 60, False)

    env = {"TRACKER_SCHEDULE_GIT": "30m", "TRACKER_SCHEDULE_GITHUB": "1h", "TRACKER_SCHEDULE_POLL": "1",
           "TRACKER_SCHEDULE_MISFIRE_GRACE": "1h", "TRACKER_SCHEDULE_SCORE": "yes",
           "TRACKER_SCHEDULE_DEFAULT": "3d", "TRACKER_SCHEDULE_CONFIG": "ignored-when-a-path-is-given"}
    cfg = load(path, env=env)
    assert cfg.interval_for("git") == 1800 and cfg.interval_for("github") == 3600
    assert cfg.interval_for("unknown") == 3 * 86400
    assert (cfg.poll, cfg.misfire_grace_time, cfg.score_after_collect) == (1, 3600, True)


def test_config_path_from_the_environment(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[intervals]\ngit = "5m"\n')
    assert load(None, env={"TRACKER_SCHEDULE_CONFIG": str(path)}).interval_for("git") == 300


@pytest.mark.parametrize("content, message", [
    ("[intervals\n", "not valid TOML"),
    ('[interval]\ngit = "1h"\n', "unknown section"),
    ('[scheduler]\npol = "1s"\n', "unknown [scheduler] key"),
    ('[intervals]\ngit = "sometimes"\n', "[intervals] git: 'sometimes' is not a duration"),
    ('[intervals]\n"Bad Name" = "1h"\n', "not a source name"),
    ('[scheduler]\nscore_after_collect = "maybe"\n', "is not true or false"),
])
def test_bad_files_say_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(UsageError) as info:
        load(path, env={})
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load(tmp_path / "nope.toml", env={})
