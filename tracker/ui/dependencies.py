"""App page "Dependencies": upload or paste a dependency file and see, at once, the same risk
report as `tracker deps`: every PyPI and npm package looked up on its index (the package-index
signals: deprecated, yanked version in use, no recent release, far behind, ...), the project's
own health and risk where its repository is tracked and scored, the risk distribution as a chart,
the rows riskiest first, each explained in plain words, and downloads (JSON, CSV, Markdown, SARIF).

What the page writes, and where (DESIGN.md: the app never writes collected data to the
database): index lookups go through the same client and cache as the CLI, and the cache is its
own SQLite file beside the database (tracker/deps/indexcache.py), never the database, which the
page opens read-only. "Track all" appends `track` requests to `collection_requests` (the one
write the app may make); the scheduler carries them out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from tracker import config as config_mod
from tracker.deps import render as deps_render
from tracker.deps import thresholds as thresholds_mod
from tracker.deps.formats import SUPPORTED, decode, memory_loader, parse_text
from tracker.deps.lookup import INDEX_NAMES, IndexLookup
from tracker.deps.model import ParseResult
from tracker.deps.report import LEVELS, DepsReport, build
from tracker.deps.signals import BY_ID, PROJECT_RULE
from tracker.errors import TrackerError
from tracker.runs import utcnow
from tracker.store import Store, open_reader
from tracker.ui import requests_panel
from tracker.ui.charts import risk_scale
from tracker.ui.render import cells as render_cells

PASTE_KINDS = {"detect from content": None, "requirements.txt": "requirements", "pyproject.toml": "pyproject",
               "uv.lock": "uv", "poetry.lock": "poetry", "Pipfile.lock": "pipfile",
               "package-lock.json": "npm", "CycloneDX / SPDX JSON": "sbom"}
TABLE_COLUMNS = ["package", "version", "ecosystem", "risk", "evidence", "pulled in by", "repo", "health",
                 "last_release", "funding", "accepted_note"]
ORDER = ["critical", "high", "medium", "low", "unknown"]


def _parse_inputs(uploads: list[Any], pasted: str, paste_kind: str | None) -> tuple[list[ParseResult], list[str]]:
    """Parse every uploaded file (their -r includes resolve among the uploads) and the pasted text."""
    texts: dict[str, str] = {}
    errors: list[str] = []
    notes: dict[str, str] = {}
    for upload in uploads:
        try:
            text, problem = decode(upload.getvalue(), upload.name)
        except TrackerError as exc:
            errors.append(str(exc))
            continue
        texts[upload.name] = text
        if problem:
            notes[upload.name] = problem
    loader = memory_loader(texts)
    results = []
    for name, text in texts.items():
        try:
            result = parse_text(text, name, loader)
        except TrackerError as exc:
            errors.append(str(exc))
            continue
        if name in notes:
            result.warn(None, notes[name])
        results.append(result)
    if pasted.strip():
        name = "pasted text" if paste_kind is None else f"pasted {paste_kind}"
        try:
            results.append(parse_text(pasted, name, None, PASTE_KINDS.get(paste_kind or "")
                                      if paste_kind else None))
        except TrackerError as exc:
            errors.append(str(exc))
    return results, errors


def _report(results: list[ParseResult], look_up: bool) -> DepsReport:
    """The report, with index lookups (the index cache file first) unless `look_up` is off."""
    cfg = config_mod.load()
    store: Store | None = None
    if Path(cfg.db_path).exists():
        store = open_reader(cfg.db_path)
    thresholds = thresholds_mod.load()
    lookup = IndexLookup(cfg, thresholds, offline=not look_up)
    try:
        return build(store, cfg, results, utcnow(), offline=not look_up, thresholds=thresholds, lookup=lookup)
    finally:
        lookup.close()
        if store is not None:
            store.close()


def _cached_report(uploads: list[Any], pasted: str, paste_kind: str | None,
                   look_up: bool) -> tuple[DepsReport | None, list[str]]:
    """Parse and assess once per input: widgets changed afterwards (the level filter, the row to
    explain) reuse the report held in the session instead of asking the indexes again."""
    digest = hashlib.sha256()
    for upload in uploads:
        digest.update(upload.name.encode() + b"\0" + upload.getvalue() + b"\0")
    digest.update(f"{pasted}\0{paste_kind}\0{look_up}".encode())
    key = digest.hexdigest()
    held = st.session_state.get("deps_report")
    if held and held[0] == key:
        return held[1], held[2]
    results, errors = _parse_inputs(uploads, pasted, paste_kind)
    if not results:
        return None, errors
    count = sum(len(r.dependencies) for r in results)
    with st.spinner(f"Assessing {count} {'dependency' if count == 1 else 'dependencies'}"
                    + (": asking PyPI and npm for the ones not in the index cache…" if look_up else "…")):
        report = _report(results, look_up)
    st.session_state["deps_report"] = (key, report, errors)
    return report, errors


def _summary(report: DepsReport) -> None:
    s = report.summary
    cols = st.columns(5)
    cols[0].metric("Dependencies", s["dependencies"])
    cols[1].metric("Critical", s["risk"]["critical"])
    cols[2].metric("High", s["risk"]["high"])
    cols[3].metric("Truck factor 1", len(s["one_person"]))
    cols[4].metric("Unknown risk", s["risk"]["unknown"])
    st.markdown(deps_render.md(deps_render.headline(report)))
    for line in deps_render.summary_lines(report)[1:]:
        st.markdown("- " + deps_render.md(line))


def distribution(report: DepsReport) -> pd.DataFrame:
    """Dependencies per risk level (unknown included), riskiest first."""
    counts = report.summary["risk"]
    return pd.DataFrame({"risk": ORDER, "dependencies": [counts.get(level, 0) for level in ORDER]})


def _chart(report: DepsReport) -> None:
    data = distribution(report)
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("dependencies:Q", title="dependencies"),
        y=alt.Y("risk:N", sort=ORDER, title=None),
        color=alt.Color("risk:N", scale=risk_scale(), legend=None),
        tooltip=["risk:N", "dependencies:Q"],
    ).properties(height=34 * len(ORDER))
    st.altair_chart(chart, width="stretch")


def _ago(days: int | None) -> str:
    if days is None:
        return "unknown"
    if days >= 730:
        return f"{days / 365.25:.1f} years ago"
    if days >= 60:
        return f"{days / 30.44:.0f} months ago"
    return f"{days} days ago"


def explain(row: dict[str, Any]) -> list[str]:
    """A row in plain words, as paragraphs of Markdown (every value escaped): what its risk is and
    where it comes from, each finding with why it matters and what helps, how it got into the
    project, and what would tell more."""
    e = deps_render.md
    name = f"**{e(row['package'])}**" + (f" {e(row['version'])}" if row["version"] else "")
    index = INDEX_NAMES.get(row["ecosystem"], "its index")
    if row["risk"] is None:
        why = {"not_found": f"{index} does not know it (a private package?)",
               "unknown": f"{index} could not be asked and the index cache has no copy"}.get(row["index_status"],
                                                                                              "no index covers it")
        head = f"{name}: risk unknown. {e(why)}."
    else:
        basis = {"index": f"what {index} says about the package",
                 "project": "the tracked project's own health and risk",
                 "index and project": f"both {index} and the tracked project's own scores"}[row["risk_basis"]]
        head = f"{name} is at **{e(row['risk'])}** risk, from {e(basis)}."
    out = [head]
    for finding in row["findings"]:
        if finding["level"] == "none":
            continue
        signal = BY_ID[finding["signal"]]
        out.append(f"- **{e(signal.title)}** ({e(finding['level'])}): {e(finding['evidence'])}. "
                   f"{e(signal.motivation)} *What helps:* {e(signal.remediation)}")
    if row["project_risk"] is not None:
        _, title, motivation, remedy = PROJECT_RULE
        flags = ", ".join(row["flags"]) or "no flag"
        out.append(f"- **{e(title)}** ({e(row['project_risk'])}): health {e(deps_render.health_text(row))}, flags: {e(flags)}."
                   f" {e(motivation)} *What helps:* {e(remedy)}")
    if row["index_status"] == "found" and not [f for f in row["findings"] if f["level"] != "none"]:
        out.append(f"- {index} shows no warning sign: last release {e(_ago(row['days_since_last_release']))},"
                   f" {e(row['releases_12m'])} releases in the last 12 months.")
    if row["direct"] is True:
        out.append("It is a **direct** dependency: your files ask for it.")
    elif row["via"]:
        out.append(f"It comes in through {e(' > '.join(row['via']))}"
                   + (f" (and {len(row['pulled_in_by']) - 1} other direct dependencies)"
                      if len(row["pulled_in_by"]) > 1 else "") + ".")
    elif row["direct"] is False:
        out.append("It is a transitive dependency (the file does not say which direct one brings it).")
    if row["repo"] is None:
        out.append("No source repository is known, so the project's own health cannot be assessed.")
    elif not row["tracked"]:
        out.append(f"Its repository {e(row['repo'])} is not tracked yet: **Track all** below asks the collector to"
                   " add it; once collected and scored, its activity, contributors and funding deepen this row.")
    elif row["project_risk"] is None:
        out.append(f"Its repository {e(row['repo'])} is tracked but not scored yet.")
    if row["funding"]:
        out.append(f"Funding: {e(row['funding'])}.")
    if row["accepted_note"]:
        out.append(f"Accepted: {e(row['accepted_note'])}.")
    return out


def _track_button(report: DepsReport) -> None:
    missing = report.summary["not_tracked"]
    if not missing:
        return
    label = f"Track all: ask the collector to track the {len(missing)} repositories not tracked yet"
    if st.button(label, key="deps_track"):
        requests_panel.track_many(str(config_mod.load().db_path), missing)


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    flats = []
    for r in rows:
        f = deps_render.flat(r)
        f["pulled in by"] = " > ".join(r["via"][:-1]) if len(r["via"]) > 1 else ("direct" if r["direct"] else None)
        f["health"] = deps_render.health_text(f)  # with its coverage beside it, as everywhere
        flats.append(f)
    return pd.DataFrame(flats, columns=TABLE_COLUMNS)


def render() -> None:
    st.header("Dependencies")
    st.caption("Upload or paste a requirements file, lock file or SBOM: every PyPI and npm package is looked up on"
               " its index at once (deprecated, yanked, no recent release, far behind, ...), and where its"
               " repository is tracked and scored, the project's own health and risk count too. Supported: "
               + ", ".join(SUPPORTED) + ". Nothing in the files is executed.")
    uploads = st.file_uploader("Dependency files", accept_multiple_files=True, key="deps_upload") or []
    pasted = st.text_area("…or paste one", key="deps_paste", height=160)
    paste_kind = st.selectbox("Pasted text is", list(PASTE_KINDS), key="deps_paste_kind")
    look_up = st.checkbox("Look packages up on PyPI and npm (else the index cache only)", value=True,
                          key="deps_look_up")
    if not uploads and not pasted.strip():
        st.info("Give a file to see its dependency risk report.")
        return
    try:
        report, errors = _cached_report(list(uploads), pasted,
                                        None if paste_kind == "detect from content" else paste_kind, look_up)
    except TrackerError as exc:
        st.error(str(exc))
        return
    for error in errors:
        st.error(error)
    if report is None:
        return
    _summary(report)
    _chart(report)
    level = st.selectbox("Show risk at or above", ["everything", *LEVELS], key="deps_min_level")
    rows = report.rows if level == "everything" else [
        r for r in report.rows if r["risk"] in LEVELS and LEVELS.index(r["risk"]) >= LEVELS.index(level)]
    st.caption("Riskiest first. Pick a dependency below to read why.")
    st.dataframe(render_cells(_table(rows), blank=("accepted_note",)), hide_index=True, width="stretch")
    if rows:
        labels = [f"{r['package']} {r['version'] or ''} ({r['risk'] or 'unknown'})".replace("  ", " ")
                  for r in rows]
        chosen = st.selectbox("Explain", range(len(rows)), format_func=lambda i: labels[i], key="deps_explain")
        for paragraph in explain(rows[chosen]):
            st.markdown(paragraph)
    if report.unsupported:
        with st.expander(f"{len(report.unsupported)} listed but not assessed"):
            st.dataframe(render_cells(pd.DataFrame(report.unsupported)), hide_index=True)
    if report.warnings:
        with st.expander(f"{len(report.warnings)} warnings"):
            for w in report.warnings:
                st.text(w)
    _track_button(report)
    cols = st.columns(4)
    cols[0].download_button("Download JSON", deps_render.to_json(report), "dependency-risk.json",
                            "application/json", key="deps_dl_json")
    cols[1].download_button("Download CSV", deps_render.to_csv(report), "dependency-risk.csv", "text/csv",
                            key="deps_dl_csv")
    cols[2].download_button("Download Markdown", deps_render.markdown(report), "dependency-risk.md",
                            "text/markdown", key="deps_dl_md")
    cols[3].download_button("Download SARIF", deps_render.render(report, "sarif"), "dependency-risk.sarif",
                            "application/sarif+json", key="deps_dl_sarif")


# The app's navigation (tracker/ui/nav.py) calls each page module's `show()`.
show = render
