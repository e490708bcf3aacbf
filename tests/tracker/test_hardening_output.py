"""Output hygiene (issue 14): spreadsheet formulas neutralised in every CSV, control characters kept
off the terminal, exports never written through a planted symlink, values given to git never read
as options, XML-safe badges, no NaN/inf in JSON or CSV, funding labels that never read "nan"."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import xml.dom.minidom

import pytest

from collectors.git import repo as git_repo
from tracker import output, registry
from tracker.errors import CollectionError, UsageError
from tracker.store import Store

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(1+1)", "+1+cmd|' /C calc'!A0", "-2+3", "\tinjected",
            "\r=1+1"]
CONTROL = "\x1b[31m\x1b]0;owned\x07\x9b2J\x00\x08"


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: error: "), err
    assert "internal error" not in err
    return lines[0]


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def neutral(cell: str) -> bool:
    """A cell a spreadsheet shows as text: it does not begin with a formula character."""
    return not cell or cell[0] not in "=+-@\t\r"


# -- CSV ----------------------------------------------------------------------------------------
def test_the_shared_csv_writer_neutralises_formula_cells_and_keeps_numbers():
    rows = [{"text": f, "n": -5, "x": -1.5} for f in FORMULAS]
    text = output.to_csv(rows, ["text", "n", "x"])
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["text"] for r in parsed] == ["'" + f.replace("\r", "\n") for f in FORMULAS]  # shown as text
    assert {r["n"] for r in parsed} == {"-5"} and {r["x"] for r in parsed} == {"-1.5"}  # numbers stay numbers
    assert output.csv_cell("plain") == "plain" and output.csv_cell("a=b") == "a=b"


def test_list_grants_list_and_export_csv_neutralise_formulas(cli, tmp_path):
    projects = tmp_path / "projects.yaml"
    projects.write_text('- repo: acme/rocket\n  name: "=HYPERLINK(\\"http://evil\\")"\n  category: "-2+3"\n')
    assert cli("add", "--from", str(projects)).code == 0
    grants = tmp_path / "grants.csv"
    grants.write_text("funder,program,recipient_repo,amount,currency,awarded_on,source_url,note\n"
                      '"=HYPERLINK(""http://evil"")",@SUM(1),acme/rocket,100,USD,2024-01-01,'
                      "https://example.org/g,+1+cmd\n")
    assert cli("grants", "import", str(grants)).code == 0

    listed = cli("list", "--format", "csv")
    assert listed.code == 0 and "'-2+3" in listed.out
    granted = cli("grants", "list", "--format", "csv")
    assert granted.code == 0 and "'=HYPERLINK" in granted.out and "'@SUM(1)" in granted.out
    exported = tmp_path / "out"
    assert cli("export", str(exported), "--format", "csv").code == 0
    projects_csv = (exported / "projects.csv").read_text()
    assert "'=HYPERLINK" in projects_csv
    for text in (listed.out, granted.out, projects_csv, (exported / "scores.csv").read_text(),
                 (exported / "metrics.csv").read_text()):
        assert all(neutral(c) for c in csv_cells(text)), text


def test_deps_and_score_csv_use_the_shared_writer():
    from tracker.commands import score
    from tracker.deps import render

    assert render.output is output and score.output is output   # one CSV writer for every command


# -- control characters -------------------------------------------------------------------------
def test_category_and_names_with_control_characters_are_refused(cli, tmp_path):
    refused = cli("add", "acme/rocket", "--category", "\x1b[31mred")
    assert refused.code == 2 and "\x1b" not in refused.err
    one_error_line(refused.err)
    listing = tmp_path / "projects.yaml"
    listing.write_text('- repo: acme/rocket\n  name: "Rocket\\e]0;owned\\a"\n')
    refused = cli("add", "--from", str(listing))
    assert refused.code == 2 and "\x1b" not in refused.err and "\x07" not in refused.err
    one_error_line(refused.err)


def test_terminal_output_never_carries_control_characters(cli, store, db_path):
    """Whatever reached the database (an older version, another tool), tables, errors and status
    print it without escape sequences."""
    project, _ = registry.add(store, "acme/rocket")
    store.execute("UPDATE projects SET category = ?, display_name = ? WHERE id = ?",
                  [f"ml{CONTROL}", f"Rocket{CONTROL}", project.id])
    store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error)"
                  " VALUES ('git', ?, now(), now(), 'error', ?)", [project.id, f"server said {CONTROL}no"])
    store.close()
    for args in (("list",), ("status",), ("list", "--format", "json"), ("list", "--format", "csv"),
                 ("status", "--format", "json")):
        result = cli(*args)
        assert result.code == 0, result.err
        for text in (result.out, result.err):
            assert not any(c in text for c in "\x1b\x07\x9b\x00\x08"), (args, text)
    assert "server said" in cli("status").out


def test_a_symlink_target_with_escape_sequences_never_reaches_the_terminal(cli, make_repo):
    repo = make_repo("hostile")
    repo.commit("2024-01-01", files={"README.md": "hi\n"})
    (repo.path / ".github").mkdir()
    os.symlink(f"x{CONTROL.replace(chr(0), '')}y/FUNDING.yml", repo.path / ".github" / "FUNDING.yml")
    repo.git("add", "--", ".github/FUNDING.yml")
    repo.commit("2024-01-02", files={"b.txt": "b\n"})
    assert cli("add", "acme/hostile", "--git", str(repo.path)).code == 0
    result = cli("collect", "--source", "git", "--source", "funding")
    assert "symbolic link" in result.err                            # the problem is reported ...
    assert not any(c in result.err + result.out for c in "\x1b\x07\x9b\x08")  # ... without escapes


# -- exports ------------------------------------------------------------------------------------
def test_export_never_writes_through_a_planted_tmp_symlink(cli, tmp_path):
    assert cli("add", "acme/rocket").code == 0
    folder = tmp_path / "out"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for name in ("projects", "metrics", "scores"):
        os.symlink(victim, folder / f"{name}.csv.tmp")
    result = cli("export", str(folder), "--format", "csv")
    assert result.code == 0, result.err
    assert victim.read_text() == "precious\n"
    written = folder / "projects.csv"
    assert written.is_file() and not written.is_symlink() and "acme/rocket" in written.read_text()
    assert oct(written.stat().st_mode & 0o777) != "0o600"     # an ordinary file, readable as usual
    assert not [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_export_into_a_name_taken_by_a_folder_is_a_clear_error(cli, tmp_path):
    assert cli("add", "acme/rocket").code == 0
    folder = tmp_path / "out"
    (folder / "projects.json").mkdir(parents=True)
    result = cli("export", str(folder), "--format", "json")
    assert result.code == 2 and "projects.json" in one_error_line(result.err)


# -- values given to git ------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["-uX@x:foo", "--upload-pack=touch /tmp/owned", "-c core.pager=x",
                                   "ssh://-oProxyCommand=x/y", "git@-oProxyCommand=x:y"])
def test_git_sources_that_git_would_read_as_options_are_refused(cli, tmp_path, value):
    result = cli("add", "acme/rocket", f"--git={value}")
    assert result.code == 2, result.out
    one_error_line(result.err)
    listing = tmp_path / "projects.yaml"
    listing.write_text(json.dumps([{"repo": "acme/rocket", "git": value}]))
    result = cli("add", "--from", str(listing))
    assert result.code == 2
    assert "entry 1" in one_error_line(result.err)
    with pytest.raises(UsageError):
        registry.normalise_git_source(value)


def test_the_git_collector_refuses_an_option_like_source_already_stored(store, db_path, tmp_path, monkeypatch):
    """A database written before the check: the collector refuses the value before running git."""
    calls = []
    real_run = subprocess.run

    def spy(cmd, *args, **kwargs):
        calls.append(list(cmd))
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(git_repo.subprocess, "run", spy)
    project = registry.Project(1, "acme/rocket", "acme", "rocket", git_source="-uX@x:foo")
    with pytest.raises(CollectionError, match="option"):
        git_repo.clone_or_fetch("-uX@x:foo", tmp_path / "cache", project, lambda message: None)
    assert not [c for c in calls if "-uX@x:foo" in c]


def test_a_clone_passes_the_url_after_a_double_dash(make_repo, tmp_path, monkeypatch):
    origin = make_repo("origin")
    origin.commit("2024-01-01")
    calls = []
    real_run = subprocess.run

    def spy(cmd, *args, **kwargs):
        calls.append(list(cmd))
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(git_repo.subprocess, "run", spy)
    url = origin.path.as_uri()
    project = registry.Project(1, "acme/origin", "acme", "origin", git_source=url)
    git_repo.clone_or_fetch(url, tmp_path / "cache", project, lambda message: None)
    clone = next(c for c in calls if "clone" in c)
    assert clone[clone.index(url) - 1] == "--"
    other = make_repo("other")
    other.commit("2024-01-02")
    git_repo.clone_or_fetch(other.path.as_uri(), tmp_path / "cache", project, lambda message: None)
    set_url = next(c for c in calls if "set-url" in c)
    assert set_url[set_url.index(other.path.as_uri()) - 1] == "--" or set_url[-3] == "--"


# -- badge ----------------------------------------------------------------------------------------
def test_badge_text_is_xml_safe(cli):
    assert cli("add", "acme/rocket").code == 0
    result = cli("badge", "acme/rocket", "--label", "a\x01b\x1b[31m<&>\"'\ufffe\x85c")
    assert result.code == 0, result.err
    doc = xml.dom.minidom.parseString(result.out)       # well-formed XML
    title = doc.getElementsByTagName("title")[0].firstChild.data
    assert title.startswith("ab[31m<&>\"'c: ")
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in result.out.replace("\n", ""))


# -- NaN and infinity -----------------------------------------------------------------------------
def _no_constants(name: str):
    raise AssertionError(f"{name} in JSON output")


def test_json_and_csv_output_carry_no_nan_or_infinity():
    rows = [{"a": math.nan, "b": math.inf, "c": -math.inf, "d": 1.5, "e": [math.nan], "f": {"g": math.inf}}]
    out = io.StringIO()
    output.emit(rows, "json", stream=out)
    assert json.loads(out.getvalue(), parse_constant=_no_constants) == [
        {"a": None, "b": None, "c": None, "d": 1.5, "e": [None], "f": {"g": None}}]
    out = io.StringIO()
    output.emit(rows, "csv", ["a", "b", "c", "d"], stream=out)
    assert out.getvalue().splitlines()[1] == ",,,1.5"
    assert json.loads(output.dumps({"x": math.nan}), parse_constant=_no_constants) == {"x": None}


def test_funding_channel_labels_never_read_nan(page_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    with Store.open(page_db) as store:
        pid = store.scalar("SELECT id FROM projects WHERE slug = 'acme/rocket'")
        when = store.scalar("SELECT max(collected_at) FROM funding_channels WHERE project_id = ?", [pid])
        store.execute("INSERT INTO funding_channels (project_id, platform, account, ref, url, source, collected_at)"
                      " VALUES (?, 'liberapay', NULL, 'lp', 'https://liberapay.com/rocket', 'funding_yml', ?),"
                      " (?, 'custom', 'Donate by cheque', 'cheque', NULL, 'funding_yml', ?)",
                      [pid, when, pid, when])
    at = AppTest.from_string("from tracker.ui import project\nproject.show()\n", default_timeout=60)
    at.query_params["project"] = "acme/rocket"
    at.query_params["section"] = "Funding"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "liberapay" in shown and "cheque" in shown
    assert not re.search(r"\bnan\b", shown.replace("\\", "").lower()), shown


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    from tests.ui import builder

    path = builder.build(tmp_path / "app.duckdb")
    monkeypatch.setenv("TRACKER_DB", str(path))
    return path
