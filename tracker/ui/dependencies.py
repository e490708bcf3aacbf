"""App page "Dependencies": upload or paste a dependency file, see the same risk report as
`tracker deps`, and download it (JSON, CSV, Markdown).

The page reads the database read-only and maps packages from the PyPI cache only (the app never
writes collected data); it may file "track this repository" requests for the collector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tracker import config as config_mod
from tracker.deps import render as deps_render
from tracker.deps.formats import SUPPORTED, decode, memory_loader, parse_text
from tracker.deps.model import ParseResult
from tracker.deps.report import LEVELS, DepsReport, build
from tracker.errors import TrackerError
from tracker.runs import utcnow
from tracker.store import Store, open_reader
from tracker.ui import requests_panel
from tracker.ui.render import cells as render_cells

PASTE_KINDS = {"detect from content": None, "requirements.txt": "requirements", "pyproject.toml": "pyproject",
               "uv.lock": "uv", "poetry.lock": "poetry", "Pipfile.lock": "pipfile",
               "CycloneDX / SPDX JSON": "sbom"}
TABLE_COLUMNS = ["package", "version", "direct", "repo", "health", "risk", "flags", "truck_factor",
                 "last_release", "funding", "why", "accepted_note"]


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


def _report(results: list[ParseResult]) -> DepsReport:
    cfg = config_mod.load()
    store: Store | None = None
    if Path(cfg.db_path).exists():
        store = open_reader(cfg.db_path)
    try:
        return build(store, cfg, results, utcnow(), offline=True)
    finally:
        if store is not None:
            store.close()


def _summary(report: DepsReport) -> None:
    s = report.summary
    cols = st.columns(5)
    cols[0].metric("Dependencies", s["dependencies"])
    cols[1].metric("Critical", s["risk"]["critical"])
    cols[2].metric("High", s["risk"]["high"])
    cols[3].metric("Truck factor 1", len(s["one_person"]))
    cols[4].metric("Unknown risk", s["risk"]["unknown"])
    for line in deps_render.summary_lines(report)[1:]:
        st.markdown("- " + deps_render.md(line))


def _track_button(report: DepsReport) -> None:
    missing = report.summary["not_tracked"]
    if not missing:
        return
    if st.button(f"Ask the collector to track the {len(missing)} repositories not tracked yet", key="deps_track"):
        requests_panel.track_many(str(config_mod.load().db_path), missing)


def render() -> None:
    st.header("Dependencies")
    st.caption("Upload or paste a requirements file, lock file or SBOM: each dependency's repository, health,"
               " maintenance risk, truck factor, last release and funding. Supported: " + ", ".join(SUPPORTED)
               + ". Nothing in the files is executed; packages are mapped from the PyPI cache"
               " (`tracker deps FILE` on the command line also asks PyPI).")
    uploads = st.file_uploader("Dependency files", accept_multiple_files=True, key="deps_upload") or []
    pasted = st.text_area("…or paste one", key="deps_paste", height=160)
    paste_kind = st.selectbox("Pasted text is", list(PASTE_KINDS), key="deps_paste_kind")
    if not uploads and not pasted.strip():
        st.info("Give a file to see its dependency risk report.")
        return
    results, errors = _parse_inputs(list(uploads), pasted, None if paste_kind == "detect from content"
                                    else paste_kind)
    for error in errors:
        st.error(error)
    if not results:
        return
    try:
        report = _report(results)
    except TrackerError as exc:
        st.error(str(exc))
        return
    _summary(report)
    level = st.selectbox("Show risk at or above", ["everything", *LEVELS], key="deps_min_level")
    rows = report.rows if level == "everything" else [
        r for r in report.rows if r["risk"] in LEVELS and LEVELS.index(r["risk"]) >= LEVELS.index(level)]
    frame = pd.DataFrame([deps_render.flat(r) for r in rows], columns=TABLE_COLUMNS)
    st.dataframe(render_cells(frame, blank=("accepted_note",)), hide_index=True, width="stretch")
    if report.unsupported:
        with st.expander(f"{len(report.unsupported)} listed but not yet supported"):
            st.dataframe(render_cells(pd.DataFrame(report.unsupported)), hide_index=True)
    if report.warnings:
        with st.expander(f"{len(report.warnings)} warnings"):
            for w in report.warnings:
                st.text(w)
    _track_button(report)
    cols = st.columns(3)
    cols[0].download_button("Download JSON", deps_render.to_json(report), "dependency-risk.json",
                            "application/json", key="deps_dl_json")
    cols[1].download_button("Download CSV", deps_render.to_csv(report), "dependency-risk.csv", "text/csv",
                            key="deps_dl_csv")
    cols[2].download_button("Download Markdown", deps_render.markdown(report), "dependency-risk.md",
                            "text/markdown", key="deps_dl_md")


# The app's navigation (tracker/ui/nav.py) calls each page module's `show()`.
show = render
