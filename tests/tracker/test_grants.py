"""The grants registry through the CLI: import (CSV, YAML), validation naming rows, dedup, list."""

from __future__ import annotations

import csv
from pathlib import Path

from tracker.config import REPO_ROOT
from tracker.grants import COLUMNS

SHIPPED = REPO_ROOT / "data" / "grants.csv"
SEED = Path("/work/shared/data/grants-seed.csv")


def write_csv(path: Path, rows: list[dict[str, str]], columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns))
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


GOOD = {"funder": "Sovereign Tech Fund", "program": "Investments", "recipient_project": "Tool",
        "recipient_repo": "ann/tool", "amount": "150000", "currency": "EUR", "awarded_on": "2024-03-01",
        "period_months": "12", "kind": "grant", "source_url": "https://example.org/stf/tool", "note": "maintenance"}


def test_shipped_grants_file_keeps_every_seed_row_and_source():
    shipped = list(csv.DictReader(SHIPPED.open(encoding="utf-8")))
    assert len(shipped) == 55
    assert all(r["source_url"] for r in shipped)
    if SEED.exists():
        assert shipped == list(csv.DictReader(SEED.open(encoding="utf-8")))


def test_import_shipped_file_links_tracked_projects_and_reimport_is_idempotent(cli):
    assert cli("add", "numpy/numpy").code == 0
    assert cli("add", "scikit-learn/scikit-learn").code == 0
    r = cli("grants", "import", str(SHIPPED))
    assert r.code == 0, r.err
    assert "55 grants read" in r.out and "55 new" in r.out and "12 grants in the registry are linked" in r.out
    again = cli("grants", "import", str(SHIPPED))
    assert "0 new, 0 updated, 55 unchanged" in again.out
    rows = cli("grants", "list", "--project", "numpy/numpy", "--format", "json").json()
    assert len(rows) == 6 and {r["tracked"] for r in rows} == {"numpy/numpy"}
    nasa = next(r for r in rows if r["funder"] == "NASA")
    assert (nasa["amount"], nasa["currency"], nasa["amount_usd"], nasa["awarded_on"], nasa["period_months"]) == (
        385385.0, "USD", 385385.0, "2022-08-10", 36)
    bids = next(r for r in rows if r["program"] == "Grants to UC Berkeley BIDS")
    assert bids["awarded_on"] == "2018-04"  # month precision is kept, not invented
    everything = cli("grants", "list", "--format", "json").json()
    assert len(everything) == 55
    uncertain = next(r for r in everything if r["recipient"] == "DeepSpeed")
    assert uncertain["repo"] == "deepspeedai/DeepSpeed?" and uncertain["tracked"] is None
    euro = next(r for r in everything if r["recipient"] == "OpenEuroLLM consortium")
    assert (euro["amount"], euro["currency"], euro["amount_usd"]) == (37400000.0, "EUR", 38937140.0)


def test_invalid_rows_are_all_named_and_nothing_is_imported(cli, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [
        GOOD,
        {**GOOD, "recipient_repo": "not a repo", "awarded_on": "2024-05-05"},
        {**GOOD, "amount": "lots", "awarded_on": "2024-06-06"},
        {**GOOD, "awarded_on": "2024-13-01"},
        {**GOOD, "source_url": "javascript:alert(1)", "awarded_on": "2024-07-07"},
        {**GOOD, "source_url": "", "awarded_on": "2024-08-08"},
        {**GOOD, "currency": "euros", "awarded_on": "2024-09-09"},
        {**GOOD, "funder": "", "awarded_on": "2024-10-10"},
        {**GOOD, "period_months": "-3", "awarded_on": "2024-11-11"},
        {**GOOD, "kind": "loan", "awarded_on": "2024-12-12"},
        {**GOOD, "currency": "", "awarded_on": "2025-01-01"},
    ])
    r = cli("grants", "import", str(bad))
    assert r.code == 2 and r.out == ""
    assert "10 invalid row(s), nothing imported" in r.err
    for n, words in [(2, "recipient_repo: repository 'not a repo'"), (3, "amount 'lots' is not a number"), (4, "awarded_on"),
                     (5, "source_url 'javascript:alert(1)'"), (6, "source_url is empty"),
                     (7, "currency 'euros'"), (8, "funder is empty"), (9, "period_months '-3'"),
                     (10, "kind 'loan'"), (11, "amount given without currency")]:
        assert f"row {n} " in r.err and words in r.err, (n, words)
    assert len(r.err.strip().splitlines()) == 1
    assert cli("grants", "list", "--format", "json").json() == []


def test_unknown_column_and_malformed_files(cli, tmp_path):
    typo = write_csv(tmp_path / "typo.csv", [{**{k: v for k, v in GOOD.items() if k != "amount"}, "ammount": "5"}],
                     [c for c in COLUMNS if c != "amount"] + ["ammount"])
    r = cli("grants", "import", str(typo))
    assert r.code == 2 and "row 1 (ann/tool): unknown column 'ammount'" in r.err
    (tmp_path / "ragged.csv").write_text("funder,source_url\nA,https://x.example,extra\n")
    assert "more cells than the header" in cli("grants", "import", str(tmp_path / "ragged.csv")).err
    assert "no such file" in cli("grants", "import", str(tmp_path / "missing.csv")).err
    (tmp_path / "x.json").write_text("[]")
    assert "give a .csv, .yaml or .yml file" in cli("grants", "import", str(tmp_path / "x.json")).err
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    assert "not UTF-8" in cli("grants", "import", str(tmp_path / "bin.csv")).err


def test_yaml_import_with_native_dates_and_duplicates(cli, tmp_path):
    cli("add", "ann/tool")
    path = tmp_path / "grants.yaml"
    path.write_text(
        "grants:\n"
        "  - {funder: STF, program: Investments, recipient_repo: ann/tool, amount: 150000, currency: EUR,\n"
        "     awarded_on: 2024-03-01, period_months: 12, kind: grant, source_url: 'https://example.org/a'}\n"
        "  - {funder: stf, program: investments, recipient_repo: Ann/Tool, amount: 150000, currency: EUR,\n"
        "     awarded_on: 2024-03-01, source_url: 'https://example.org/a'}\n"
        "  - {funder: NLnet, recipient_project: Tool, awarded_on: 2023, source_url: 'ann/tool:FUNDING.md'}\n")
    r = cli("grants", "import", str(path))
    assert r.code == 0, r.err
    assert "2 new" in r.out and "1 duplicate rows skipped (rows 2)" in r.out
    rows = cli("grants", "list", "--format", "json").json()
    assert [(g["funder"], g["awarded_on"], g["tracked"]) for g in rows] == [
        ("STF", "2024-03-01", "ann/tool"), ("NLnet", "2023", None)]
    # a corrected amount updates the same grant
    path.write_text(path.read_text().replace("amount: 150000, currency: EUR,\n     awarded_on: 2024-03-01, period",
                                             "amount: 160000, currency: EUR,\n     awarded_on: 2024-03-01, period"))
    assert "0 new, 1 updated, 1 unchanged" in cli("grants", "import", str(path)).out
    assert cli("grants", "list", "--format", "json").json()[0]["amount"] == 160000.0


def test_yaml_alias_bomb_and_wrong_shapes_are_refused(cli, tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x, x]\nb: &b [*a, *a, *a]\ngrants: [*b]\n")
    assert "aliases" in cli("grants", "import", str(bomb)).err
    flat = tmp_path / "flat.yaml"
    flat.write_text("funder: x\n")
    assert "expected a list of grants" in cli("grants", "import", str(flat)).err
    nested = tmp_path / "nested.yaml"
    nested.write_text("- {funder: X, recipient_project: Y, source_url: 'https://x.example', note: [1, 2]}\n")
    assert "row 1 (Y): note: list is not allowed here" in cli("grants", "import", str(nested)).err


def test_rates_override_and_unknown_currency(cli, tmp_path, monkeypatch):
    cli("add", "ann/tool")
    path = write_csv(tmp_path / "g.csv", [GOOD, {**GOOD, "currency": "XAU", "awarded_on": "2024-04-01"}])
    r = cli("grants", "import", str(path))
    assert r.code == 0 and "no rate for XAU" in r.err
    rows = cli("grants", "list", "--format", "json").json()
    assert {g["currency"]: g["amount_usd"] for g in rows} == {"EUR": 156165.0, "XAU": None}
    rates = tmp_path / "rates.csv"
    rates.write_text("# date: 2024-01-01\n# source: test table\ncurrency,usd_per_unit\nEUR,1.10\nXAU,2000\n")
    got = cli("grants", "list", "--format", "json", "--rates", str(rates)).json()
    assert {g["currency"]: g["amount_usd"] for g in got} == {"EUR": 165000.0, "XAU": 300000000.0}
    monkeypatch.setenv("TRACKER_RATES", str(rates))
    assert cli("grants", "list", "--format", "json").json()[0]["amount_usd"] in (165000.0, 300000000.0)
    table = cli("grants", "list")
    assert "rates of 2024-01-01 (rates.csv)" in table.err
    csv_out = cli("grants", "list", "--format", "csv").out.splitlines()
    assert csv_out[0] == ",".join(["funder", "program", "recipient", "repo", "tracked", "amount", "currency",
                                   "amount_usd", "awarded_on", "period_months", "kind", "source_url", "note"])


def test_list_for_untracked_project_is_a_clear_error(cli):
    cli("add", "a/b")
    r = cli("grants", "list", "--project", "x/y")
    assert r.code == 2 and "x/y is not tracked" in r.err


def test_grants_files_that_never_end_or_nest_too_deep_are_refused(cli, tmp_path):
    """Grants files go through the one reader: size capped while reading, nesting capped."""
    endless = tmp_path / "grants.csv"
    endless.symlink_to("/dev/zero")
    r = cli("grants", "import", str(endless))
    assert r.code == 2 and "larger than 5,000,000 bytes" in r.err
    deep = tmp_path / "grants.yaml"
    deep.write_text("- {funder: X, recipient_project: Y, source_url: 'https://x.example', note: "
                    + "[" * 150 + "]" * 150 + "}\n")
    r = cli("grants", "import", str(deep))
    assert r.code == 2 and "nested more than 100 levels deep" in r.err and r.err.count("\n") == 1
    assert cli("grants", "list", "--format", "json").json() == []
