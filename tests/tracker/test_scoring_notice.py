"""Round 3 of the backtest's rules (docs/methodology.md, "Backtest"): the README's deprecation notice
(tracker/metrics/notice.py, flag `deprecation_notice`), quiet_90d not counted as resting when the
README announces a wind-down, and the few-commits clause of `abandoned` (high, not critical). Real git repositories built here; expectations computed by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.tracker.scoring_helpers import track
from tracker import metrics
from tracker.metrics import notice
from tracker.scoring import score_metrics
from tracker.scoring import weights as weights_mod
from tracker.userfiles import FileProblem

NOW = datetime(2026, 11, 1)
W = weights_mod.shipped()
PEOPLE = [("Ann", "ann@example.org"), ("Bob", "bob@corp.example.net"), ("Cy", "cy@uni.example.edu")]


def _score(store, project):
    return score_metrics(metrics.compute_all(store, project.id, NOW), W, NOW)


def _flags(result):
    return {f["name"]: f for f in result["flags"]}


def test_detect_reads_only_what_the_project_says_of_itself():
    # stopped: the project (by its name, "this project", "it", "we") says it stopped
    gym = ("The team that has been maintaining Gym since 2021 has moved all future development to Gymnasium,"
           " a drop in replacement for Gym, and Gym will not be receiving any future updates.")
    assert notice.detect(gym, "gym") == (notice.STOPPED, gym)
    long = "This project is no longer maintained, " + "and " * 60 + "that is all."
    level, quoted = notice.detect(long, "lib")
    assert level == notice.STOPPED and len(quoted) == notice.QUOTE_CHARS and quoted.endswith("…")
    assert notice.detect("# boto\n\nThis package is no longer maintained and has been replaced by Boto3.\n",
                         "boto") == (notice.STOPPED, "This package is no longer maintained and has been"
                                                     " replaced by Boto3.")
    assert notice.detect("**Faker is archived**. Read the reasons here.", "Faker")[0] == notice.STOPPED
    # a stop word that still promises fixes, in the same sentence, is maintenance only
    t2t = ("It is now deprecated &mdash; we keep it running and welcome bug-fixes, but encourage users to use"
           " the successor library Trax.")
    assert notice.detect(t2t, "tensor2tensor")[0] == notice.MAINTENANCE
    assert notice.detect("Chainer is under the maintenance phase and further development will be limited to"
                         " bug-fixes and maintenance only.", "chainer")[0] == notice.MAINTENANCE
    assert notice.detect("That means we are no longer adding new features or upgrading dependencies.",
                         "allennlp-models")[0] == notice.MAINTENANCE
    # what is not the project speaking of itself: deprecated APIs, archives to download, other tools
    assert notice.detect("The `old_api()` function is deprecated; use `new_api()`.", "lib") == (notice.NONE, None)
    assert notice.detect("pip install https://example.org/archive/master.zip", "lib") == (notice.NONE, None)
    assert notice.detect("Projects listed here are not maintained by us. Enable maintenance mode in"
                         " Django with a setting.", "lib") == (notice.NONE, None)
    assert notice.detect("", "lib") == (notice.NONE, None)
    assert notice.detect(None, "lib") == (None, None)  # no README: unknown, not "no notice"
    # only the README's start is read
    filler = "Some words about the library. " * 140  # 4,200 characters
    assert notice.detect(filler + "This project is no longer maintained.", "lib") == (notice.NONE, None)
    assert notice.detect("This project is no longer maintained. " + filler, "lib")[0] == notice.STOPPED


def test_a_stop_notice_in_the_readme_is_high_with_its_sentence(store, make_repo):
    """Young code (first commit 295 days before NOW), busy until 22 days ago: no activity flag; the
    README says it stopped, so the level is high whatever the activity says."""
    repo = make_repo("stopped")
    for month in range(1, 11):
        repo.commit(f"2026-{month:02d}-10", files={"a.py": str(month)})
    repo.commit("2026-10-10T12:00:00", files={"README.md": "# lib\n\nThis project is no longer maintained."
                                              " Use other instead.\n"})
    project = track(store, repo)
    m = metrics.compute_all(store, project.id, NOW)
    assert m["deprecation_notice"] == 2
    assert m["deprecation_notice_text"] == ["This project is no longer maintained."]
    assert "readme" not in m["repo_files"]  # not a governance file
    result = score_metrics(m, W, NOW)
    flag = _flags(result)["deprecation_notice"]
    assert flag["severity"] == "high"
    assert flag["evidence"] == 'the README says the project stopped: "This project is no longer maintained."'
    assert result["risk_level"] == "high"


def test_a_maintenance_notice_makes_a_quiet_established_project_high(store, make_repo):
    """Nine years of six fixes a year (January to June), none since 2026-06-10 (144 days before NOW):
    mature-stable, and quiet_90d is medium for it (test_scoring_risk) - unless the README announces
    a wind-down, when quiet is the wind-down: quiet_90d high, the notice itself medium."""
    repo = make_repo("winding")
    for year in range(2018, 2027):
        for month in range(1, 7):
            files = {"a.py": f"{year}{month}"}
            if (year, month) == (2026, 1):
                files["README.rst"] = "lib\n===\n\nlib is in maintenance mode: bug fixes only.\n"
            repo.commit(f"{year}-{month:02d}-10", files=files)
    result = _score(store, track(store, repo))
    assert result["maturity"] == "mature-stable", result["maturity_reason"]
    flags = _flags(result)
    assert flags["deprecation_notice"]["severity"] == "medium"
    assert flags["deprecation_notice"]["evidence"] == (
        'the README says the project is in maintenance only: "lib is in maintenance mode: bug fixes only."')
    assert flags["quiet_90d"]["severity"] == "high"
    assert flags["quiet_90d"]["evidence"] == ("last human commit 144 days ago (an established project, 9 years"
                                              " old); not counted as resting: the README has a deprecation notice")
    assert result["risk_level"] == "high"


def test_no_readme_is_unchecked_not_clean(store, make_repo):
    repo = make_repo("bare")
    for month in range(1, 11):
        repo.commit(f"2026-{month:02d}-10", files={"a.py": str(month)})
    result = _score(store, track(store, repo))
    assert "deprecation_notice" not in _flags(result)
    assert {u["name"]: u["reason"] for u in result["unchecked"]}["deprecation_notice"] == "no README collected"


def _old_history(repo, last_year=2023):
    for year in range(2018, last_year + 1):
        for i, (name, email) in enumerate(PEOPLE):
            repo.commit(f"{year}-0{i + 2}-10", name=name, email=email, files={f"m{i}.py": str(year)})
    repo.tag("v1.0", when=f"{last_year}-04-11", annotated=True)


def test_few_commits_abandoned_is_high_not_critical(store, make_repo):
    """One human commit in the 12 months before NOW (2026-05-01, 184 days), the last release
    (v1.0) on 2023-04-11 (1,300 days): abandoned by the few-commits clause, which is now high (not
    critical): one commit in a year is weaker evidence than a silent year."""
    quiet = make_repo("quiet")
    _old_history(quiet)
    quiet.commit("2026-05-01", files={"fix.py": "1"})
    result = _score(store, track(store, quiet, "acme/quiet"))
    assert result["maturity"] == "abandoned"
    assert result["maturity_reason"] == ("only 1 human commit in 12 months (the last 184 days ago) and last release"
                                         " 1,300 days ago: too little to be maintenance")
    flags = _flags(result)
    assert flags["abandoned"]["severity"] == "high"
    assert flags["quiet_90d"]["severity"] == "medium" and flags["no_release_18m"]["severity"] == "medium"
    assert result["risk_level"] == "high"  # abandoned (high); never critical by this clause


def test_a_silent_year_is_still_critical(store, make_repo):
    repo = make_repo("silent")
    _old_history(repo)
    result = _score(store, track(store, repo))
    assert result["maturity"] == "abandoned" and _flags(result)["abandoned"]["severity"] == "critical"
    assert result["risk_level"] == "critical"


def test_weights_check_the_new_severities(tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text('[risk.flags.deprecation_notice]\nmaintenance_severity = "severe"\n', encoding="utf-8")
    with pytest.raises((FileProblem, Exception), match="maintenance_severity must be one of low, medium, high"):
        weights_mod.load(bad)
    bad.write_text('[risk.flags.abandoned]\nfew_commits_severity = "loud"\n', encoding="utf-8")
    with pytest.raises(Exception, match="few_commits_severity must be one of"):
        weights_mod.load(bad)


def test_only_the_start_of_a_long_readme_is_stored_and_its_notice_still_found(store, make_repo):
    """A 250 KB README: 16 KiB stored (marked truncated), enough for the notice at its top."""
    repo = make_repo("long-readme")
    body = "# lib\n\nThis project is no longer maintained.\n\n" + "".join(
        f"Section {i}: usage notes that go on for a while.\n" for i in range(5000))
    assert len(body.encode()) > 200_000
    repo.commit("2026-10-10", files={"README.md": body})
    project = track(store, repo)
    content, truncated = store.one("SELECT content, truncated FROM repo_files WHERE project_id = ? AND kind = 'readme'",
                                   [project.id])
    assert truncated is True and len(content) == 16 * 1024 and body.startswith(content)
    assert metrics.compute_all(store, project.id, NOW)["deprecation_notice"] == 2


def test_the_project_speaks_of_itself_by_name_with_any_separator_or_in_the_first_person():
    stopped = "{} is no longer maintained."
    for name, said in (("allennlp-models", "AllenNLP Models"), ("allennlp-models", "allennlp_models"),
                       ("my_lib", "My-lib"), ("my_lib", "mylib"), ("gym", "Gym")):
        assert notice.detect(stopped.format(said), name)[0] == notice.STOPPED, (name, said)
    assert notice.detect(stopped.format("Code here"), "lib")[0] == notice.STOPPED
    assert notice.detect("I am in maintenance mode for now.", "lib") == (notice.MAINTENANCE,
                                                                         "I am in maintenance mode for now.")
    # without a name only the first person and "this project"-like words speak for the project
    assert notice.detect("The old_api() function is deprecated; use new_api().") == (notice.NONE, None)
    assert notice.detect("The old_api() function is deprecated; use new_api().", "  ") == (notice.NONE, None)
    assert notice.detect("This project is no longer maintained.")[0] == notice.STOPPED


def test_the_first_notice_sentence_is_quoted_and_a_later_stop_outranks_a_wind_down():
    first, second = "lib is in maintenance mode.", "We accept bug fixes only."
    assert notice.detect(f"{first} {second}", "lib") == (notice.MAINTENANCE, first)
    cared = "It is deprecated, but we still fix bugs."
    assert notice.detect(f"{cared} It is archived, but we still accept patches.", "lib") == (notice.MAINTENANCE,
                                                                                              cared)
    assert notice.detect(f"{cared} This project is no longer maintained.", "lib") == (
        notice.STOPPED, "This project is no longer maintained.")


def test_a_quoted_sentence_is_whole_up_to_its_cap_with_spaces_collapsed():
    start = "This project is no longer maintained"
    exact = start + "," + " and" * ((notice.QUOTE_CHARS - len(start) - 2) // 4) + "."
    exact = exact[:-1] + "x" * (notice.QUOTE_CHARS - len(exact)) + "."
    assert len(exact) == notice.QUOTE_CHARS
    assert notice.detect(exact, "lib") == (notice.STOPPED, exact)
    # cut at 199 characters where a space falls: no space before the ellipsis
    longer = start + "," + "x" * (notice.QUOTE_CHARS - 2 - len(start) - 1) + " and more words here."
    quoted = notice.detect(longer, "lib")[1]
    assert quoted == longer[:notice.QUOTE_CHARS - 2] + "…" and len(quoted) == notice.QUOTE_CHARS - 1
    assert notice.detect("This project\nis no  longer\tmaintained.", "lib") == (
        notice.STOPPED, "This project is no longer maintained.")
