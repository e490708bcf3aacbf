"""`tracker deps --format sarif`: SARIF 2.1.0 that holds to the schema's required fields (checked
with jsonschema against those parts of the OASIS schema, written out below), one rule per signal,
result levels from the risk, locations at the dependency file and line, accepted risks as
suppressions, stable fingerprints, and unread inputs as a failed invocation."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.deps.index_fill import fill
from tracker.deps.formats import parse_path
from tracker.deps.signals import SIGNALS

REAL = Path(__file__).parent / "files" / "real"

_MESSAGE = {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
            "properties": {"text": {"type": "string"}}}
_MULTIFORMAT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"},
                                                                       "markdown": {"type": "string"}}}
# The required fields and enumerations of sarif-schema-2.1.0.json (OASIS SARIF 2.1.0) for the
# objects this tool writes.
SARIF_REQUIRED = {
    "type": "object", "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"}, "$schema": {"type": "string"},
        "runs": {"type": "array", "items": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "rules": {"type": "array", "items": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": {"type": "string"}, "shortDescription": _MULTIFORMAT,
                                       "fullDescription": _MULTIFORMAT, "help": _MULTIFORMAT}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "message": _MESSAGE, "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
                                "properties": {
                                    "artifactLocation": {"type": "object",
                                                         "properties": {"uri": {"type": "string"}}},
                                    "region": {"type": "object",
                                               "properties": {"startLine": {"type": "integer", "minimum": 1}}}}}}}},
                        "suppressions": {"type": "array", "items": {
                            "type": "object", "required": ["kind"],
                            "properties": {"kind": {"enum": ["inSource", "external"]},
                                           "status": {"enum": ["accepted", "underReview", "rejected"]}}}}}}},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"executionSuccessful": {"type": "boolean"},
                                   "toolExecutionNotifications": {"type": "array", "items": {
                                       "type": "object", "required": ["message"],
                                       "properties": {"message": _MESSAGE}}}}}},
                "artifacts": {"type": "array", "items": {"type": "object", "properties": {
                    "location": {"type": "object", "properties": {"uri": {"type": "string"}}}}}},
            }}},
    },
}


def sarif_of(cli, *args):
    result = cli("deps", *args, "--format", "sarif")
    data = json.loads(result.out)
    jsonschema.validate(data, SARIF_REQUIRED)
    return result, data


def test_sarif_of_a_real_lock(cli, npm_api, tmp_path, monkeypatch):
    work = tmp_path / "repo"
    work.mkdir()
    (work / "package-lock.json").write_text((REAL / "package-lock.json").read_text())
    monkeypatch.chdir(work)                  # CI runs in the checkout: paths relative to it
    fill([parse_path(work / "package-lock.json")], npm_state=npm_api)
    result, data = sarif_of(cli, "package-lock.json")
    assert result.code == 0
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [s.id for s in SIGNALS] + ["project_risk"]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    by_package = {}
    for res in run["results"]:
        by_package.setdefault(res["properties"]["package"], []).append(res)
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    left = {r["ruleId"]: r for r in by_package["left-pad"]}
    assert left["deprecated"]["level"] == "error"            # high -> error
    assert left["deprecated"]["message"]["text"] == ("left-pad 1.3.0: npm marks the latest version 1.3.0"
                                                     " deprecated: use String.prototype.padStart()")
    location = left["deprecated"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "package-lock.json"
    lines = (work / "package-lock.json").read_text().splitlines()
    assert lines[location["region"]["startLine"] - 1].strip() == '"node_modules/left-pad": {'
    assert run["artifacts"] == [{"location": {"uri": "package-lock.json"}}]
    assert run["invocations"][0]["executionSuccessful"] is True
    # the same run again: the same fingerprints (an alert stays one alert)
    _, again = sarif_of(cli, "package-lock.json")
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == \
        [r["partialFingerprints"] for r in run["results"]]
    # an accepted risk is still reported, as suppressed
    ignore = work / "accepted.yaml"
    ignore.write_text("- package: left-pad\n  reason: replaced in Q1\n  until: 2999-01-01\n")
    _, accepted = sarif_of(cli, "package-lock.json", "--ignore", str(ignore))
    suppressed = [r for r in accepted["runs"][0]["results"] if r.get("suppressions")]
    assert {r["properties"]["package"] for r in suppressed} == {"left-pad"}
    assert suppressed[0]["suppressions"][0] == {"kind": "external", "status": "accepted",
                                                "justification": "accepted until 2999-01-01: replaced in Q1"}


def test_sarif_levels_and_a_project_risk(cli, db_path, pypi_api, tmp_path):
    from datetime import datetime

    from tests.deps.scores import add_score
    from tests.fakes.pypi_server import package_doc, release_file
    from tracker.store import Store

    with Store.open(db_path) as store:
        add_score(store, "pallets/click", computed_at=datetime(2026, 5, 1), risk="medium", health=55.0,
                  flags=[("no_release_18m", "no release for 20 months")], pypi="click")
    pypi_api.packages["early"] = package_doc("early", "0.1", {"Source": "https://github.com/o/early"},
                                             {"0.1": [release_file("0.1", "2026-10-01T00:00:00Z")]},
                                             classifiers=["Development Status :: 2 - Pre-Alpha"])
    req = tmp_path / "requirements.txt"
    req.write_text("click==8.1.7\nearly==0.1\n")
    _, data = sarif_of(cli, str(req), "--as-of", "2026-11-30")
    results = {r["ruleId"]: r for r in data["runs"][0]["results"]}
    assert results["project_risk"]["level"] == "warning"                  # medium -> warning
    assert results["project_risk"]["message"]["text"] == ("click 8.1.7: pallets/click is at medium maintenance risk"
                                                          " (health 55; no_release_18m)")
    assert results["project_risk"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert results["early_status"]["level"] == "note"                     # low -> note
    assert results["early_status"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_of_an_unread_input_is_a_failed_invocation(cli, tmp_path):
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"lockfileVersion": 1, "dependencies": {"x": {"version": "1.0.0"}}}')
    result, data = sarif_of(cli, str(lock), "--fail-on", "high")
    assert result.code == 2
    invocation = data["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "lockfileVersion 1" in invocation["toolExecutionNotifications"][0]["message"]["text"]
