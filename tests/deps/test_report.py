"""The report: mapping precedence, latest scores, summary, accepted risks, the gate, the formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from tests.deps.scores import add_score, create_scores
from tests.fakes.pypi_server import package_doc, release_file
from tracker import config
from tracker.deps import accepted as accepted_mod
from tracker.deps import render
from tracker.deps.mapping import load_overrides
from tracker.deps.report import build
from tracker.deps.requirements import parse
from tracker.errors import UsageError

NOW = datetime(2026, 6, 1, 12, 0)
REQS = """\
requests==2.31.0
click==8.1.7
django>=4.2
tiny-helper @ git+https://github.com/someone/tiny-helper@v0.3
six==1.16.0
internal-lib==3.0
flask==3.0.2
ghost-package==0.1
numpy==1.26.4
"""


@pytest.fixture
def scored(store):
    create_scores(store)
    add_score(store, "psf/requests", computed_at=datetime(2026, 1, 1), risk="high", health=30.0, pypi="requests")
    add_score(store, "psf/requests", computed_at=datetime(2026, 5, 1), risk="low", health=82.5,
              truck_factor=4, criticality=0.8,
              metrics={"days_since_last_release": 30, "has_sponsors_listing": True, "sponsors_count": 12,
                       "funding_channels_count": 2}, pypi="requests")
    add_score(store, "pallets/click", computed_at=datetime(2026, 5, 1), risk="critical", health=21.0,
              flags=[("archived", "archived on GitHub"), ("single_maintainer", "one person made 97% of commits")],
              truck_factor=1, criticality=0.71,
              metrics={"funding_channels_count": 0, "sponsors_count": 0, "days_since_last_tag": 400},
              pypi="click")
    add_score(store, "django/django", computed_at=datetime(2026, 5, 2), risk="high", health=45.0,
              truck_factor=3, criticality=0.9, maturity="mature-stable",
              subscores={"activity": {"score": 80, "reason": "busy"},
                         "responsiveness": {"score": 20, "reason": "slow first responses"}},
              metrics={"oc_yearly_budget_usd": 150000.0, "funding_channels_count": 3}, pypi="Django")
    from tracker import registry
    registry.add(store, "someone/tiny-helper")   # tracked, not scored yet
    return store


@pytest.fixture(autouse=True)
def index(pypi_api):
    """PyPI knows flask (its newest upload is yanked) and internal-lib; every other name is a 404."""
    pypi_api.packages["flask"] = package_doc(
        "Flask", "3.0.2", {"Source": "https://github.com/pallets/flask"},
        {"3.0.2": [release_file("3.0.2", "2024-02-03T10:00:00Z")],
         "9.9.9": [release_file("9.9.9", "2026-05-01T10:00:00Z", yanked=True, reason="mistake")]})
    pypi_api.packages["internal-lib"] = package_doc(
        "internal-lib", "3.0", {"Source": "https://github.com/someone/wrong"},
        {"3.0": [release_file("3.0", "2026-03-01T00:00:00Z")]})
    return pypi_api


def report_for(store, text=REQS, **kw):
    return build(store, config.load(), [parse(text, "requirements.txt")], NOW, **kw)


def test_rows_scores_and_mapping_precedence(scored, tmp_path):
    overrides_file = tmp_path / "overrides.yaml"
    overrides_file.write_text("six: https://github.com/benjaminp/six\ninternal-lib: none\n")
    report = report_for(scored, overrides=load_overrides(overrides_file))
    rows = {r["package"]: r for r in report.rows}
    # riskiest first
    assert [r["package"] for r in report.rows[:4]] == ["click", "django", "flask", "requests"]
    req = rows["requests"]
    assert (req["repo"], req["mapped_by"], req["risk"], req["health"]) == ("psf/requests", "tracked", "low", 82.5)
    assert req["last_release"] == "2026-04-01"
    assert req["funding"] == "received: 12 sponsors · asks for funding: 2 channels" and req["funded"] is True
    click = rows["click"]
    assert click["flags"] == ["archived", "single_maintainer"] and click["truck_factor"] == 1
    assert "archived: archived on GitHub" in click["why"]
    assert click["funding"] == "received: none found · asks for funding: no channel" and click["funded"] is False
    assert click["last_release"] == "2025-03-27"   # from the git tag age when GitHub releases are unknown
    dj = rows["django"]
    assert dj["funding"] == "received: $150,000/yr OC budget · asks for funding: 3 channels"
    assert "weakest: responsiveness" in dj["why"]
    assert "maturity: mature-stable" in dj["why"]
    assert rows["tiny-helper"]["repo"] == "someone/tiny-helper" and rows["tiny-helper"]["mapped_by"] == "file"
    assert rows["tiny-helper"]["risk"] is None and "not scored yet" in rows["tiny-helper"]["why"]
    assert (rows["six"]["repo"], rows["six"]["mapped_by"], rows["six"]["tracked"]) == ("benjaminp/six", "override",
                                                                                         False)
    assert "--track" in rows["six"]["why"]
    assert rows["internal-lib"]["repo"] is None and "says it has no repository" in rows["internal-lib"]["why"]
    assert (rows["flask"]["repo"], rows["flask"]["mapped_by"]) == ("pallets/flask", "pypi")
    assert rows["flask"]["last_release"] == "2024-02-03"   # yanked uploads do not count
    # the package index gives flask a risk of its own at once: no release for over two years
    assert (rows["flask"]["risk"], rows["flask"]["risk_basis"]) == ("medium", "index")
    assert rows["flask"]["evidence"].startswith("no release for 2.3 years (last: 3.0.2 on 2024-02-03)")
    assert "not on PyPI" in rows["ghost-package"]["why"] and rows["ghost-package"]["risk"] is None
    # a tracked project's risk stands when the index has nothing to add
    assert (req["risk_basis"], req["index_status"]) == ("project", "not_found")


def test_summary(scored):
    s = report_for(scored).summary
    assert s["dependencies"] == 9
    assert s["risk"] == {"critical": 1, "high": 1, "medium": 1, "low": 2, "unknown": 4}
    assert s["critical_or_high"] == 2
    assert [r["package"] for r in s["riskiest"]] == ["click", "django", "flask"]
    assert s["index_assessed"] == 2                                # flask and internal-lib
    assert s["one_person"] == [{"package": "click", "repo": "pallets/click"}]
    assert s["unfunded_important"] == [{"package": "click", "repo": "pallets/click", "criticality": 0.71}]
    assert s["not_tracked"] == ["pallets/flask", "someone/wrong"]
    assert s["not_scored"] == 1 and s["not_mapped"] == 3


def test_accepted_risks_and_their_expiry(scored, tmp_path):
    path = tmp_path / "accepted.yaml"
    path.write_text(
        "- package: click\n  reason: replaced by typer in Q3\n  until: 2026-09-30\n"
        "- repo: Django/Django\n  reason: LTS, reviewed\n  until: 2026-05-31\n"
        "- package: not-used\n  reason: old\n  until: 2027-01-01\n")
    report = report_for(scored, accepted=accepted_mod.load(path))
    rows = {r["package"]: r for r in report.rows}
    assert rows["click"]["accepted"] == {"reason": "replaced by typer in Q3", "until": "2026-09-30"}
    assert rows["django"]["accepted"] is None
    assert rows["django"]["accepted_note"] == "accepted risk expired on 2026-05-31 (LTS, reviewed)"
    assert "accepted risk for django/django expired on 2026-05-31: it counts again" in " ".join(report.warnings)
    assert "ignore file entry 3 (not-used) matches no dependency" in report.warnings
    assert [r["package"] for r in report.failing("high")] == ["django"]
    assert report.failing("critical") == []


@pytest.mark.parametrize("body, words", [
    ("- package: six\n  until: 2026-01-01\n", "a 'reason' is required"),
    ("- package: six\n  reason: x\n", "an 'until' date is required"),
    ("- package: six\n  reason: x\n  until: next year\n", "'until' must be a date"),
    ("- reason: x\n  until: 2026-01-01\n", "exactly one of 'package' or 'repo'"),
    ("- repo: not a repo\n  reason: x\n  until: 2026-01-01\n", "not a repo"),
    ("six: [\n", "not valid YAML"),
])
def test_bad_ignore_files(tmp_path, body, words):
    path = tmp_path / "ignore.yaml"
    path.write_text(body)
    with pytest.raises(UsageError, match=words):
        accepted_mod.load(path)


def test_bad_override_files(tmp_path):
    path = tmp_path / "o.yaml"
    path.write_text("six: gitlab.com/x/y\n")
    with pytest.raises(UsageError, match="not a GitHub URL|not of the form"):
        load_overrides(path)
    path.write_text("- six\n")
    with pytest.raises(UsageError, match="expected a mapping"):
        load_overrides(path)


def test_no_database_and_no_scores_table(store):
    report = build(None, config.load(), [parse("six==1.16.0\n", "r.txt")], NOW, offline=True)
    assert report.rows[0]["risk"] is None and "not in the index cache (--offline)" in report.rows[0]["why"]
    # a database where scoring never ran: still a report, risk unknown
    report = report_for(store, "click @ git+https://github.com/pallets/click\n")
    assert report.rows[0]["repo"] == "pallets/click" and report.rows[0]["risk"] is None


def test_merging_across_files(scored):
    a = parse("# via annotations say direct\nrequests==2.31.0\n    # via -r requirements.in\n", "a.txt")
    b = parse("requests==2.32.0\n", "b.txt")
    report = build(scored, config.load(), [a, b], NOW, offline=True)
    (row,) = report.rows
    assert row["version"] == "2.31.0, 2.32.0" and row["direct"] is True
    assert row["found_in"] == ["a.txt:2", "b.txt:1"]


def test_formats(scored):
    report = report_for(scored, "click==8.1.7\nrequests==2.31.0\nsix\n")
    data = json.loads(render.to_json(report))
    assert set(data) == {"as_of", "files", "summary", "dependencies", "unsupported", "unread", "warnings"}
    assert data["as_of"] == "2026-06-01T12:00:00Z" and data["dependencies"][0]["package"] == "click"
    rows = list(csv.DictReader(io.StringIO(render.to_csv(report))))
    assert rows[0]["package"] == "click" and rows[0]["flags"] == "archived; single_maintainer"
    assert rows[2]["health"] == "" and rows[2]["risk"] == ""      # unknown is empty, never 0
    table = render.table(report)
    assert table.splitlines()[0].split()[:3] == ["package", "version", "direct"]
    assert "carried by one person (truck factor 1): click" in table
    md = render.markdown(report)
    # one summary line, then the top risks with their evidence
    assert md.startswith("### Dependency risk \u2014 3 dependencies: 1 critical, 1 low, 1 unknown\n\nTop risks:\n\n"
                         "1. **critical** click 8.1.7: archived: archived on GitHub\n")
    assert "| click | 8.1.7 | critical | archived: archived on GitHub | unknown | pallets/click | 21 \\(coverage 90%\\) |" in md
    assert "<details><summary>2 more (low or unknown risk)</summary>" in md


def test_markdown_escapes_untrusted_text(store):
    create_scores(store)
    add_score(store, "evil/pkg", computed_at=datetime(2026, 5, 1), risk="high", health=10.0,
              flags=[("x", "<img src=x onerror=alert(1)> | @everyone [link](http://e.vil) `code`")], pypi="evil")
    report = report_for(store, "evil==1\n")
    md = render.markdown(report)
    assert "<img" not in md and "&lt;img" in md
    assert "@everyone" not in md and "@\u200beveryone" in md
    assert "[link](http" not in md and "\\|" in md


def test_markdown_stays_under_the_comment_limit(store):
    text = "".join(f"package-number-{i}==1.0.{i}\n" for i in range(3000)) + "bad line !!\n" * 80
    md = render.markdown(report_for(store, text, offline=True))   # no lookups: 3,000 against a closed port wait 7 s of retries
    assert "80 warnings" in md and "30 more in the JSON report" in md
    assert len(md) < 65_536 and "not shown, see the JSON or CSV report" in md


def test_markdown_cuts_a_long_attention_table_and_says_so(scored):
    report = report_for(scored, "click==8.1.7\n")
    report.rows = [dict(report.rows[0], package=f"clone-{i}") for i in range(2000)]
    md = render.markdown(report)
    assert len(md) < 65_536
    assert "more at medium risk or above: see the JSON or CSV report." in md


def test_json_and_sarif_never_carry_nan(scored):
    """A non-finite number (a score stored as NaN) is null in JSON and SARIF: JSON has no NaN."""
    from tracker.deps import sarif

    report = report_for(scored, "click==8.1.7\n")
    report.rows[0]["health"] = float("nan")
    report.summary["nan_check"] = float("inf")
    data = json.loads(render.to_json(report), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert data["dependencies"][0]["health"] is None and data["summary"]["nan_check"] is None
    report.rows[0]["health_coverage"] = float("nan")
    text = sarif.render(report)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in SARIF"))
