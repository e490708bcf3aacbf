"""Project page: score card with the why of every number, flags with evidence, activity, releases,
responsiveness, contributor concentration, funding and health history. Linked as ?project=OWNER/REPO."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker import catalogue, display
from tracker.scoring import remediation as scoring_remediation
from tracker.scoring.weights import shipped
from tracker.ui import charts, figures, queries, render
from tracker.ui.render import fmt, md

HIDDEN_METRICS = {"weekly_commits"}  # shown as a chart instead
# Column names of the funding tables, in words (the grids would show the stored names)
TIER_COLUMNS = {"name": "tier", "monthly_price_usd": "a month (USD)", "is_one_time": "one-time"}
OC_COLUMNS = {"name": "collective", "status": "status", "fiscal_host_name": "fiscal host", "currency": "currency",
              "balance": "balance", "yearly_budget": "yearly budget", "received_12m": "received, 12 months",
              "spent_12m": "spent, 12 months", "contributors_count": "contributors", "collected_at": "collected"}
GRANT_COLUMNS = {"awarded_on": "awarded", "period_months": "months", "kind": "kind", "note": "note"}


def resolve(db: str, wanted: str | None) -> str | None:
    """The tracked project a ?project= value names (letter case ignored), or None."""
    lookup = {s.lower(): s for s in queries.project_slugs(db)}
    return lookup.get((wanted or "").strip().lower())


def prefetch(db: str, params: dict[str, str]) -> None:
    """What `show` reads first for these query parameters, into the caches (tracker.ui.nav.prefetch)."""
    slug = resolve(db, params.get("project"))
    if slug:
        queries.project_summary(db, slug)


def choose_project(db: str) -> str | None:
    """The project named by the URL (?project=), or picked here (which updates the URL). With a
    project in the URL the chooser sits in a popover, which the browser draws only when opened."""
    slugs = queries.project_slugs(db)
    wanted = st.query_params.get("project")
    current = resolve(db, wanted)
    where = st.popover("Another project", width="content") if current else st.container()
    with where:
        choice = st.selectbox("Project", slugs, index=slugs.index(current) if current else None,
                              key="project_select", placeholder="Choose a project")
    if wanted and current is None:
        st.warning(f"{md(wanted, limit=200)} is not tracked. Add it on the Data & runs page.")
    if choice and choice != current:
        st.query_params["project"] = choice
    return choice


def score_card(data: dict[str, Any]) -> None:
    score = data["score"]
    st.subheader("Score card")
    if score is None:
        st.info("Not scored yet: health, risk and coverage are unknown until `tracker score` runs "
                "(the scheduler does it after each collection).")
        return
    # Plain metrics (no border, no tooltip each): the page draws noticeably faster, and the caption
    # under the card links each number to its method instead.
    c = st.columns([1, 1, 1.25, 1, 1.4, 2.1])
    health = score.get("health")
    insufficient = health is None and score.get("health_reason")  # below the evidence rule
    c[0].metric("Health", "insufficient data" if insufficient else fmt(health, digits=0))
    c[1].metric("Coverage", display.percent(score.get("coverage")))
    c[2].metric("Risk level", render.risk_label(score.get("risk_level")))
    c[3].metric("Criticality", fmt(score.get("criticality"), digits=2))
    c[4].metric("Truck factor", fmt(score.get("truck_factor")))
    maturity = score.get("maturity")
    with c[5].container():
        st.caption("Maturity")
        st.markdown(f"**{md(catalogue.label_or_name(maturity)) if maturity else 'unknown'}**")
        st.caption(md(score.get("maturity_reason") or (catalogue.description(maturity) if maturity else
                                                       "not enough history to tell")))
    st.caption("Health: the weighted mean of the known sub-scores (0-100)"
               + ("" if health is not None else f"; {md(score['health_reason'])}" if insufficient
                  else "; unknown: too little data was collected to judge")
               + ". Coverage: the share of that weight whose inputs were known. Risk: "
               + md(catalogue.LEVELS[render.risk_key(score.get("risk_level"))].description)
               + " Criticality: how much depends on it (OpenSSF, 0-1). Truck factor: "
               + md(catalogue.METRICS["truck_factor"].description))
    st.caption(f"Scored {fmt(score.get('computed_at'))} with weights {md(score.get('weights_version'))} · "
               + " · ".join(render.docs_link(n, t) for n, t in (
                   ("health", "how health is computed"), ("risk_level", "how risk is judged"),
                   ("criticality", "criticality"), ("truck_factor", "truck factor"))))


def remediation(data: dict[str, Any]) -> None:
    """What would raise the score: for each sub-score, the next steps by the health points they add."""
    score = data["score"]
    st.subheader("What would raise this score")
    if score is None:
        st.write("Not scored yet: nothing to raise.")
        return
    steps = scoring_remediation.steps(data["metrics"], shipped(), data["now"])
    if not steps:
        st.write("Nothing the project's own work would add, from what is known: every known input is at its "
                 "ceiling, or the inputs are unknown (collect them first; the sub-scores below say which).")
        return
    health_known = score.get("health") is not None
    st.caption(("Each step is worth the health points shown: the project re-scored with that one change, "
                "by the weights in tracker/config/weights.toml." if health_known else
                "Health is unknown (too little data), so steps show the points they add to their sub-score.")
               + " " + render.docs_link("sub-scores-0-100-and-health", "How the sub-scores are computed"))
    subs = score.get("subscores") or {}
    groups = scoring_remediation.by_subscore(steps)
    columns = st.columns(2)
    for i, (name, group) in enumerate(groups.items()):
        now = (subs.get(name) or {}).get("score") if isinstance(subs.get(name), dict) else None
        if now is None:  # a score stored by an older scoring version: the sub-score as scored now
            now = group[0].subscore_before
        lines = [f"**{md(catalogue.label_or_name(name))}** (now {fmt(now, digits=0)}) · "
                 f"{render.docs_link(name, 'how')}"]
        for step in group:
            points = (f"**+{step.gain:.1f}** health" if step.gain is not None
                      else f"**+{step.subscore_gain:.1f}** {md(catalogue.label_or_name(name))}")
            lines.append(f"- {points}: {md(step.label)}  \n  "
                         f":gray[{md(step.detail)} · {render.docs_link(step.metric, 'definition')}]")
        with columns[i % 2].container(border=True):
            st.markdown("\n".join(lines))


def subscores_table(data: dict[str, Any]) -> None:
    score = data["score"]
    if score is None:
        return
    st.subheader("Sub-scores: why each number")
    frame = render.subscores_frame(score.get("subscores") or {})
    if frame.empty:
        st.write("No sub-scores recorded.")
        return
    rows = ["| sub-score | score | why | inputs |", "|---|---|---|---|"]
    for r in frame.itertuples(index=False):
        rows.append(f"| {render.docs_link(r.name, r[1])} | {fmt(r.score, digits=0)} | {md(r.why)} | {md(r.inputs)} |")
    st.markdown("\n".join(rows))
    flags(score)


def flags(score: dict[str, Any]) -> None:
    st.markdown(f"**Risk flags** · {render.docs_link('maintenance-risk-flags-and-maturity', 'what each flag means')}")
    raised = score.get("flags") or []
    if not raised:
        st.write("No risk flags raised.")
    for flag in raised:
        flag = flag if isinstance(flag, dict) else {"name": str(flag)}
        severity = f" ({md(flag['severity'])})" if flag.get("severity") else ""
        st.markdown(f"- **{md(catalogue.label_or_name(str(flag.get('name'))))}**{severity}: "
                    f"{md(flag.get('evidence') or 'no evidence recorded')}")
    unchecked = [u for u in score.get("unchecked") or [] if isinstance(u, dict)]
    if unchecked:
        st.caption("Not checkable yet: " + "; ".join(
            f"{md(catalogue.label_or_name(str(u.get('name'))))} ({md(u.get('reason'))})" for u in unchecked))


ACTIVITY_SPANS = {"last 3 years": 36, "whole history": None}


def activity(data: dict[str, Any]) -> None:
    st.subheader("Activity")
    monthly, releases = data["monthly"], data["releases"]
    if not data["git_collected"]:
        st.info("Git history not collected yet: activity is unknown.")
    elif monthly.empty:
        st.write("The repository has no commits.")
    span = "last 3 years"
    if not monthly.empty:
        span = st.segmented_control("Period", list(ACTIVITY_SPANS), default="last 3 years",
                                    key="project_activity_span") or "last 3 years"
        months = ACTIVITY_SPANS[span]
        monthly = monthly.tail(months) if months else monthly
    if not monthly.empty or not releases.empty:
        # drawn as HTML on the server: no Vega-Lite for the browser to fetch on the page's first view
        title = f"Commits a month and releases, {span}" if not monthly.empty else "Releases"
        figure = figures.activity(monthly, releases, title)
        if figure:
            st.html(figure)
    if not monthly.empty:
        people = monthly["active_contributors"]
        st.caption(f"{display.count(int(monthly['commits'].sum()), 'commit')} in the period shown, "
                   f"{display.number(int(monthly['human_commits'].sum()))} of them by people; "
                   f"people committing in a month: {int(people.median())} typically, {int(people.max())} at most "
                   f"(bots excluded; each bar's tooltip has its month's); first commit "
                   f"{display.date(data['monthly']['month'].min())}. Orange lines: releases.")
    st.markdown("**Release timeline**")
    if releases.empty:
        st.write("No releases known (no release tags collected; GitHub releases unknown until collected).")
    else:
        m = data["metrics"]
        interval = m.get("median_release_interval_days") or m.get("median_tag_interval_days")
        st.caption(f"{display.count(len(releases), 'release')} in all (a tag, its GitHub release and its PyPI "
                   f"upload count once) · last {fmt(releases['released_at'].max())} · median interval "
                   f"{display.quantity(interval, 'days')}")


def responsiveness(data: dict[str, Any]) -> None:
    st.subheader("Time to first response")
    m = data["metrics"]
    c = st.columns(3)
    for cell, name in zip(c, ("median_time_to_first_response_hours_90d_issues",
                              "median_time_to_first_response_hours_90d_prs", "change_request_closure_ratio_90d"),
                          strict=True):
        metric = catalogue.METRICS[name]
        cell.metric(metric.label, display.quantity(m.get(name), metric.unit), help=metric.description, border=True)
    responses = data.get("responses")
    if responses is not None and not responses.empty:
        monthly = responses.dropna(subset=["median_hours"]).assign(
            kind=lambda d: d["kind"].map({"issue": "issues", "pr": "pull requests"}).fillna(d["kind"]))
        if not monthly.empty:
            st.altair_chart(charts.series(monthly, "month", "median_hours",
                                          "median hours to a first response", color="kind",
                                          legend_title="opened"), width="stretch")
        st.caption(f"Last two years: {int(responses['opened'].sum())} opened, "
                   f"{int(responses['unanswered'].sum())} still without a response from someone else "
                   "(bots' and authors' own comments do not count).")
        return
    history = data["history"].melt(id_vars=["computed_at"], value_vars=["ttfr_issues_hours", "ttfr_prs_hours"],
                                   var_name="kind", value_name="hours").dropna(subset=["hours"])
    if history.empty:
        st.caption("No history yet: response times come from GitHub issues and pull requests, and are unknown "
                   "until the GitHub collector has run and the project was scored.")
    else:
        history["kind"] = history["kind"].map({"ttfr_issues_hours": "issues", "ttfr_prs_hours": "pull requests"})
        st.altair_chart(charts.series(history, "computed_at", "hours", "median hours to a first response",
                                      color="kind", legend_title="opened"), width="stretch")


def concentration(data: dict[str, Any]) -> None:
    st.subheader("Contributor concentration")
    m = data["metrics"]
    truck = (data["score"] or {}).get("truck_factor") or m.get("truck_factor")
    c = st.columns(4)
    values = {"contributor_absence_factor_365d": m.get("contributor_absence_factor_365d"), "truck_factor": truck,
              "elephant_factor_365d": m.get("elephant_factor_365d"),
              "active_contributors_365d": m.get("active_contributors_365d")}
    for cell, (name, value) in zip(c, values.items(), strict=True):
        metric = catalogue.METRICS[name]
        cell.metric(metric.label, display.quantity(value, metric.unit), help=metric.description, border=True)
    people = data["contributors"]
    if people.empty:
        st.caption("No commits by people in the last 365 days (or git history not collected yet).")
    else:
        top = people.iloc[0]
        st.caption(f"Top contributor's share: {display.percent(top['share'])} of "
                   f"{display.count(int(people['commits'].sum()), 'human commit')} in the last 365 days "
                   "(names as committed; e-mail addresses are never shown).")
        st.altair_chart(charts.concentration(people), width="stretch")


def funding(data: dict[str, Any]) -> None:
    st.subheader("Funding")
    f, m, status = data["funding"], data["metrics"], data["funding_status"]
    st.caption(f"Summary: {md(status.text())}")
    st.caption(f"Has funding (money received): {status.has_funding} · asks for funding: {status.asks}. "
               "A declared channel asks for money; only sponsors, Open Collective income and grants show "
               "money received." + ("" if data["score"] else " Not scored yet: both unknown until `tracker score`."))
    left, right = st.columns(2)
    with left:
        st.markdown("**Channels**")
        channels = f["channels"]
        if channels is None:
            st.write("unknown: funding files and links not collected yet")
        elif channels.empty:
            st.write("None recorded (not collected yet, or the project lists none).")
        else:
            for row in channels.to_dict("records"):
                # a column with gaps comes back from pandas with NaN in them: unknown, never "nan"
                row = {k: None if display.is_unknown(v) else v for k, v in row.items()}
                label = f"{row.get('platform')}: {row.get('account') or row.get('url') or ''}"
                sources = ", ".join(str(s) for s in row.get("sources") or [] if s) or None
                st.markdown(f"- {render.link(label, row.get('url'))} (from {md(sources)})")
        st.markdown("**GitHub Sponsors**")
        sponsors = f["sponsors"]
        if sponsors is None:
            st.write("unknown: GitHub data not collected yet")
        elif not sponsors:
            st.write("unknown: no Sponsors data for this project yet")
        else:
            listing = sponsors.get("has_sponsors_listing")
            st.write(f"Listing: {fmt(listing)} · sponsors: {fmt(sponsors.get('sponsors_count'))} · "
                     f"owner: {fmt(sponsors.get('owner_login'))}")
            if sponsors.get("goal_title") or sponsors.get("goal_percent_complete") is not None:
                st.write(f"Goal: {fmt(sponsors.get('goal_title'))}, "
                         f"{fmt(sponsors.get('goal_percent_complete'))}% complete")
            tiers = [t for t in sponsors.get("tiers") or [] if isinstance(t, dict)]
            if tiers:
                st.dataframe(render.cells(pd.DataFrame(tiers).rename(columns=TIER_COLUMNS)), hide_index=True,
                             key="project_tiers")
    with right:
        st.markdown("**Open Collective income**")
        oc = f["oc_series"]
        history = data["history"].dropna(subset=["oc_received_12m_usd"])
        if oc is not None and not oc.empty:
            currencies = ", ".join(sorted({str(c) for c in oc["currency"].dropna()})) or "currency unknown"
            st.altair_chart(charts.series(oc, "month", "received", f"a month ({currencies})",
                                          color="slug"), width="stretch")
        elif not history.empty:
            st.altair_chart(charts.series(history, "computed_at", "oc_received_12m_usd",
                                          "USD received, last 12 months"), width="stretch")
        else:
            st.write(f"Received in 12 months: {fmt(m.get('oc_received_12m_usd'), 'USD', 0)}; "
                     f"balance: {fmt(m.get('oc_balance_usd'), 'USD', 0)}")
        if f["oc"] is not None and not f["oc"].empty:
            st.dataframe(render.cells(f["oc"].drop(columns=["slug"], errors="ignore").rename(columns=OC_COLUMNS)),
                         hide_index=True, key="project_oc")
        st.markdown("**Grants**")
        grants = f["grants"]
        if grants is None:
            st.write("unknown: grants registry not imported yet")
        elif grants.empty:
            st.write("No grants recorded for this project.")
        else:
            shown = render.cells(grants.drop(columns=["source_url", "awarded_precision"], errors="ignore"))
            shown["source"] = [render.safe_url(u) or "" for u in grants["source_url"]]
            st.dataframe(shown.rename(columns=GRANT_COLUMNS), hide_index=True, key="project_grants",
                         column_config={"source": st.column_config.LinkColumn("source")})
    st.markdown("**Funding impact**")
    impact = f["impact"]
    if impact is None or impact.empty:
        st.write(md(f["impact_note"]) if f["impact"] is None and f["impact_note"] else
                 "unknown: no dated grant linked to this project yet")
    else:
        st.caption("Activity per month in the months before and after each grant. "
                   + md(f["impact_note"] or "Correlation, not proof of cause."))
        measured = impact.dropna(subset=["measure"])
        if not measured.empty:
            long = measured.melt(id_vars=["grant", "measure"], value_vars=["before", "after"], var_name="when",
                                 value_name="per month").dropna(subset=["per month"])
            long["row"] = [f"{m} ({g})" if measured["grant"].nunique() > 1 else m
                           for m, g in zip(long["measure"], long["grant"], strict=True)]
            long["when"] = long["when"].map({"before": "before the grant", "after": "after the grant"})
            st.altair_chart(charts.grouped_bars(long, "row", "per month", "when", "on average, each in its own unit",
                                                value_format=",.1f"), width="stretch")
        notes = impact.dropna(subset=["note"]).drop_duplicates("grant")
        for row in notes.itertuples(index=False):
            st.caption(f"{md(row.grant)}: {md(row.note)}")


def health_history(data: dict[str, Any]) -> None:
    st.subheader("Health history")
    history = data["history"].dropna(subset=["health"])
    if history.empty:
        st.write("No scoring run with a health score yet.")
    else:
        shown = history.assign(risk=[render.risk_label(r) for r in history["risk_level"]])
        st.altair_chart(charts.health_history(shown), width="stretch")
        st.caption(f"{display.count(len(history), 'scoring run')} from {display.date(history['computed_at'].min())} "
                   f"to {display.date(history['computed_at'].max())}; each point coloured by its risk level.")


def all_metrics(data: dict[str, Any]) -> None:
    st.subheader("All metrics")
    if data["score"] is None:
        st.info("Not scored yet: the metrics shown here are the ones `tracker score` stores with each score "
                "(the scheduler scores after each collection). `tracker report OWNER/REPO` computes them now.")
        return
    st.caption(f"Source: {md(data['metrics_source'])}. Unknown means not collected, never 0. "
               f"{render.docs_link('git-metrics', 'Definitions')}")
    rows = []
    for name, value in data["metrics"].items():
        if name in HIDDEN_METRICS:
            continue
        metric = catalogue.METRICS.get(name)
        rows.append({"metric": metric.label if metric else catalogue.label_or_name(name),
                     "value": display.quantity(value, metric.unit) if metric and not isinstance(value, list | dict)
                     else render.fmt_plain(value),
                     "what it is": metric.description if metric else "",
                     "source": metric.source if metric else ""})
    st.dataframe(pd.DataFrame(rows, columns=["metric", "value", "what it is", "source"]), hide_index=True,
                 key="project_metrics", width="stretch",
                 column_config={"what it is": st.column_config.TextColumn(width="large")})


# The score card is always shown; one detail section at a time keeps the page quick to draw
# (each chart costs the browser tens to hundreds of milliseconds). ?section= picks one by URL.
SECTIONS = {
    "Activity & releases": activity,
    "Responsiveness": responsiveness,
    "Contributors": concentration,
    "Funding": funding,
    "Health history": health_history,
    "All metrics": all_metrics,
}
DEFAULT = "Activity & releases"
NEEDS_DETAILS = {"Responsiveness", "Contributors", "Funding", "Health history"}


def header(data: dict[str, Any]) -> None:
    p, about = data["project"], data["about"]
    st.title(md(p.get("display_name") or p["name"]))
    st.caption(f"{md(p['slug'])} · category: {md(p.get('category') or 'uncategorised')} · "
               f"PyPI: {md(p.get('pypi_package') or 'none known')} · {freshness(data)}")
    if about.get("description"):
        st.markdown(md(about["description"], limit=500))
    links = [render.link("GitHub", f"https://github.com/{p['slug']}"),
             render.docs_link("methodology", "Methodology: how every number is computed")]
    if render.safe_url(about.get("homepage")):
        links.append(render.link("homepage", about["homepage"]))
    st.markdown(" · ".join(links))


def freshness(data: dict[str, Any]) -> str:
    """'data as of 2026-01-31 10:05 UTC (the oldest of 3 sources' last collections; 1 failing)'."""
    bundle = data["bundle"]
    if not bundle["sources_with_data"]:
        return "no data collected yet"
    failing = f"; {display.count(bundle['sources_failing'], 'source')} failing" if bundle["sources_failing"] else ""
    sources = display.count(bundle["sources_with_data"], "source")
    return f"data as of {display.when(bundle['data_as_of'])} (the oldest last collection of {sources}{failing})"


def show() -> None:
    """Render the project page."""
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        slug = choose_project(db)
        if not slug:
            st.info("Choose a project, or open one from the Overview.")
            return
        data = queries.project_summary(db, slug)
    if data is None:
        st.warning(f"{md(slug)} is no longer tracked.")
        return
    header(data)
    score_card(data)
    remediation(data)
    subscores_table(data)
    wanted = st.query_params.get("section")
    section = st.segmented_control("Details", list(SECTIONS), default=wanted if wanted in SECTIONS else DEFAULT,
                                   key="project_section")
    if section and section != (wanted if wanted in SECTIONS else DEFAULT):
        st.query_params["section"] = section
    section = section or DEFAULT
    if section in NEEDS_DETAILS:  # read only when a section shows them: the first view stays quick
        with render.guard(db):
            data = data | queries.project_details(db, data["project"]["id"])
    SECTIONS[section](data)
