"""Validation: how often the maintenance-risk verdict came true (`tracker backtest`).

For a stored backtest run: the results per corpus part (precision and recall of "high or critical"
for "became unmaintained"), the calibration chart (the observed share that became unmaintained per
risk level at the date, which should rise from low to critical), the confusion table and every
wrong call with its evidence. Reads through tracker.readmodel.backtests; writes nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker import display
from tracker.backtest.outcomes import LABELS
from tracker.backtest.report import definitions, summary_rows
from tracker.ui import charts, queries, render
from tracker.ui.render import md

HOW = ("`tracker backtest --as-of 2023-03-15 --horizon 12m --corpus data/backtest_corpus.csv` computes every"
       " verdict from what existed at the date only, then checks it against what happened next.")


MISS_COLUMNS = {"kind": "wrong call", "part": "set", "risk": "risk at the date",
                "evidence_at_date": "evidence at the date", "what_happened": "what happened next"}


def _run_label(r: dict) -> str:
    return (f"#{r['id']}: as of {display.date(r['as_of'])}, {display.count(r['horizon_months'], 'month')},"
            f" {display.count(r['projects'], 'project')} (run {display.date(r['ran_at'])})")


def calibration_frame(summaries: list[dict]) -> pd.DataFrame:
    """One row per part and risk level with projects: level, part, projects, became, share."""
    rows = [{"risk at the date": render.risk_label(c["level"]), "set": s["part"], "projects": c["n"],
             "became unmaintained": c["became_unmaintained"], "share": c["share"]}
            for s in summaries for c in s["calibration"] if c["n"]]
    return pd.DataFrame(rows, columns=["risk at the date", "set", "projects", "became unmaintained", "share"])


def show() -> None:
    st.title("Validation")
    st.caption("Would the maintenance-risk verdict have come true? Verdicts computed as of a past date, "
               "checked against what happened next. " + render.docs_link("backtest", "How the backtest works"))
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        data = queries.validation(db, st.session_state.get("validation_run"))
    with_git = data["with_git"]
    if data["run"] is None:
        st.info(md("No backtest has been run on this database yet; "
                   f"{display.count(len(with_git), 'tracked project')} with git history can be backtested. " + HOW)
                + " " + render.docs_link("backtest", "How the backtest works"))
        st.stop()
    runs = data["runs"]
    if len(runs) > 1:
        labels = {r["id"]: _run_label(r) for r in runs}
        st.selectbox("Backtest run", list(labels), format_func=labels.get, key="validation_run")
    run = data["run"]
    st.markdown(f"As of **{md(display.date(run['as_of']))}**, horizon"
                f" **{md(display.count(run['horizon_months'], 'month'))}**, weights {md(run['weights_version'])},"
                f" {md(display.count(run['projects'], 'project'))}. "
                + md("Prediction: risk high or critical; " + definitions(run) + "."))
    judged = {r.get("project", "").lower() for r in run["records"]}
    newer = [slug for slug in with_git if slug.lower() not in judged]
    if newer:
        st.caption(md(f"Not in this run: {display.count(len(newer), 'tracked project')} with git history "
                      f"({', '.join(newer[:10])}{', ...' if len(newer) > 10 else ''})."))
    summaries = run["summaries"]
    st.subheader("Results")
    table = pd.DataFrame(summary_rows(summaries, display.date(run["as_of"]),
                                      display.count(run["horizon_months"], "month")))
    st.dataframe(table, hide_index=True, key="validation_results")
    st.subheader("Calibration")
    frame = calibration_frame(summaries)
    if frame.empty:
        st.info("No project with an observed outcome: nothing to calibrate.")
    else:
        st.altair_chart(charts.calibration(frame), width="stretch")
        st.dataframe(frame, hide_index=True, key="validation_calibration")
    st.subheader("Confusion")
    for s in summaries:
        k = s["confusion"]
        st.markdown(f"**{md(s['part'])}**")
        st.dataframe(pd.DataFrame([
            {"": "called high/critical", "became unmaintained": k["true_positive"],
             "stayed maintained": k["false_positive"]},
            {"": "not called high/critical", "became unmaintained": k["false_negative"],
             "stayed maintained": k["true_negative"]}]), hide_index=True, key=f"validation_confusion_{s['part']}")
    st.subheader("Every wrong call")
    if run["misses"]:
        misses = pd.DataFrame(run["misses"]).fillna("unknown").rename(columns=MISS_COLUMNS)
        st.dataframe(misses, hide_index=True, key="validation_misses")
    else:
        st.success("None: every scored verdict came true.")
    apart = [r for r in run["records"] if r.get("outcome") not in ("became_unmaintained", "stayed_maintained")]
    if apart:
        st.subheader("Reported apart (not scored)")
        st.dataframe(pd.DataFrame([{"project": r["project"], "outcome": LABELS.get(r["outcome"], r["outcome"]),
                                    "risk at the date": r.get("risk_level") or "unknown"} for r in apart]),
                     hide_index=True, key="validation_apart")
