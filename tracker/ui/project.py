"""Project page: score card with the why of every number, flags with evidence, activity, releases,
responsiveness, contributor concentration, funding and health history. Linked as ?project=OWNER/REPO."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker import display
from tracker.ui import charts, queries, render
from tracker.ui.render import fmt, md

HIDDEN_METRICS = {"weekly_commits"}  # shown as a chart instead


def choose_project(db: str) -> str | None:
    """The project named by the URL (?project=), or picked here (which updates the URL)."""
    slugs = queries.project_slugs(db)
    wanted = st.query_params.get("project")
    lookup = {s.lower(): s for s in slugs}
    current = lookup.get((wanted or "").strip().lower())
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
    c = st.columns(6)
    insufficient = score.get("health") is None and score.get("health_reason")
    c[0].metric("Health", "insufficient data" if insufficient else fmt(score.get("health"), digits=0),
                help=(md(score["health_reason"]) if insufficient
                      else "Weighted mean of the known sub-scores below (0-100); its coverage is beside it."))
    c[1].metric("Risk level", fmt(score.get("risk_level")),
                help="From the flags below; see methodology for the rules.")
    c[2].metric("Coverage", display.percent(score.get("coverage")),
                help="Share of the sub-scores' weight that was known. Unknown sub-scores are left out, not 0.")
    c[3].metric("Criticality", fmt(score.get("criticality"), digits=2),
                help="OpenSSF criticality score (original Pike algorithm), 0-1.")
    c[4].metric("Truck factor", fmt(score.get("truck_factor")),
                help="Fewest developers whose loss leaves most files without an author (Avelino et al.).")
    c[5].metric("Maturity", fmt(score.get("maturity")),
                help="A mature, stable project with little activity is not abandoned.")
    st.caption(f"Scored {fmt(score.get('computed_at'))} with weights {md(score.get('weights_version'))}. "
               f"Why each number: the table below gives each sub-score's reason and inputs.")
    frame = render.subscores_frame(score.get("subscores") or {})
    if frame.empty:
        st.write("No sub-scores recorded.")
    else:
        st.markdown(render.markdown_table(frame.assign(score=[fmt(v, digits=0) for v in frame["score"]])))
    st.markdown("**Risk flags**")
    flags = score.get("flags") or []
    if not flags:
        st.write("No risk flags raised.")
    for flag in flags:
        flag = flag if isinstance(flag, dict) else {"name": str(flag)}
        severity = f" ({md(flag['severity'])})" if flag.get("severity") else ""
        st.markdown(f"- **{md(flag.get('name'))}**{severity}: {md(flag.get('evidence') or 'no evidence recorded')}")
    unchecked = [u for u in score.get("unchecked") or [] if isinstance(u, dict)]
    if unchecked:
        st.caption("Not checkable yet: " + "; ".join(f"{md(u.get('name'))} ({md(u.get('reason'))})"
                                                     for u in unchecked))
    if score.get("maturity_reason"):
        st.caption(f"Maturity {md(score.get('maturity'))}: {md(score['maturity_reason'])}")


def activity(data: dict[str, Any]) -> None:
    st.subheader("Activity")
    weekly = data["weekly"]
    if not data["git_collected"]:
        st.info("Git history not collected yet: activity is unknown.")
    elif weekly.empty:
        st.write("The repository has no commits.")
    else:
        st.altair_chart(charts.weekly_activity(weekly), width="stretch")
    st.markdown("**Release timeline**")
    releases = data["releases"]
    if releases.empty:
        st.write("No releases known (no release tags collected; GitHub releases unknown until collected).")
    else:
        st.altair_chart(charts.release_timeline(releases), width="stretch")
        m = data["metrics"]
        interval = m.get("median_release_interval_days") or m.get("median_tag_interval_days")
        st.caption(f"{display.count(len(releases), 'release')} (a tag, its GitHub release and its PyPI upload "
                   f"count once) · last {fmt(releases['released_at'].max())} · median interval "
                   f"{fmt(interval, 'days')}")


def responsiveness(data: dict[str, Any]) -> None:
    st.subheader("Time to first response")
    m = data["metrics"]
    c = st.columns(3)
    c[0].metric("Issues, median (90 d)", fmt(m.get("median_time_to_first_response_hours_90d_issues"), "h"))
    c[1].metric("Pull requests, median (90 d)", fmt(m.get("median_time_to_first_response_hours_90d_prs"), "h"))
    c[2].metric("Change request closure ratio (90 d)", fmt(m.get("change_request_closure_ratio_90d"), digits=2))
    responses = data.get("responses")
    if responses is not None and not responses.empty:
        monthly = responses.dropna(subset=["median_hours"]).assign(
            kind=lambda d: d["kind"].map({"issue": "issues", "pr": "pull requests"}).fillna(d["kind"]))
        if not monthly.empty:
            st.altair_chart(charts.series(monthly, "month", "median_hours",
                                          "median hours to first response, by month opened", color="kind"),
                            width="stretch")
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
        st.altair_chart(charts.series(history, "computed_at", "hours", "median hours to first response",
                                      color="kind"), width="stretch")


def concentration(data: dict[str, Any]) -> None:
    st.subheader("Contributor concentration")
    m = data["metrics"]
    truck = (data["score"] or {}).get("truck_factor") or m.get("truck_factor")
    c = st.columns(4)
    c[0].metric("Contributor absence factor", fmt(m.get("contributor_absence_factor_365d")),
                help="Fewest people making half of the commits in 365 days (CHAOSS).")
    c[1].metric("Truck factor", fmt(truck))
    c[2].metric("Elephant factor", fmt(m.get("elephant_factor_365d")),
                help="Fewest organisations (by e-mail domain) making half of the commits (CHAOSS).")
    c[3].metric("Active contributors (365 d)", fmt(m.get("active_contributors_365d")))
    people = data["contributors"]
    if people.empty:
        st.caption("No commits by people in the last 365 days (or git history not collected yet).")
    else:
        top = people.iloc[0]
        st.caption(f"Top contributor's share: {top['share']:.0%} of {int(people['commits'].sum())} commits "
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
                st.dataframe(render.cells(pd.DataFrame(tiers)), hide_index=True, key="project_tiers")
    with right:
        st.markdown("**Open Collective income**")
        oc = f["oc_series"]
        history = data["history"].dropna(subset=["oc_received_12m_usd"])
        if oc is not None and not oc.empty:
            currencies = ", ".join(sorted({str(c) for c in oc["currency"].dropna()})) or "currency unknown"
            st.altair_chart(charts.series(oc, "month", "received", f"received per month ({currencies})",
                                          color="slug"), width="stretch")
        elif not history.empty:
            st.altair_chart(charts.series(history, "computed_at", "oc_received_12m_usd",
                                          "USD received, last 12 months"), width="stretch")
        else:
            st.write(f"Received in 12 months: {fmt(m.get('oc_received_12m_usd'), 'USD', 0)}; "
                     f"balance: {fmt(m.get('oc_balance_usd'), 'USD', 0)}")
        if f["oc"] is not None and not f["oc"].empty:
            st.dataframe(render.cells(f["oc"]), hide_index=True, key="project_oc")
        st.markdown("**Grants**")
        grants = f["grants"]
        if grants is None:
            st.write("unknown: grants registry not imported yet")
        elif grants.empty:
            st.write("No grants recorded for this project.")
        else:
            shown = render.cells(grants.drop(columns=["source_url"]))
            shown["source_url"] = [render.safe_url(u) or "" for u in grants["source_url"]]
            st.dataframe(shown, hide_index=True, key="project_grants", column_config={
                "source_url": st.column_config.LinkColumn("source")})
    st.markdown("**Funding impact**")
    impact = f["impact"]
    if impact is None or impact.empty:
        st.write(md(f["impact_note"]) if f["impact"] is None and f["impact_note"] else
                 "unknown: no dated grant linked to this project yet")
    else:
        st.caption("Activity per month in the months before and after each grant. "
                   + md(f["impact_note"] or "Correlation, not proof of cause."))
        st.dataframe(render.cells(impact, blank=("note",)), hide_index=True, key="project_impact")


def health_history(data: dict[str, Any]) -> None:
    st.subheader("Health history")
    history = data["history"].dropna(subset=["health"])
    if history.empty:
        st.write("No scoring runs yet.")
    else:
        st.altair_chart(charts.health_history(history), width="stretch")


def all_metrics(data: dict[str, Any]) -> None:
    st.subheader("All metrics")
    if data["score"] is None:
        st.info("Not scored yet: the metrics shown here are the ones `tracker score` stores with each score "
                "(the scheduler scores after each collection). `tracker report OWNER/REPO` computes them now.")
        return
    st.caption(f"Source: {md(data['metrics_source'])}. Unknown means not collected, never 0.")
    rows = [{"metric": k, "value": render.fmt_plain(v)} for k, v in data["metrics"].items()
            if k not in HIDDEN_METRICS]
    st.dataframe(pd.DataFrame(rows, columns=["metric", "value"]), hide_index=True, key="project_metrics",
                 width="stretch")


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


def header(data: dict[str, Any]) -> None:
    p, about = data["project"], data["about"]
    st.title(md(p.get("display_name") or p["name"]))
    st.caption(f"{md(p['slug'])} · category: {md(p.get('category') or 'uncategorised')} · "
               f"PyPI: {md(p.get('pypi_package') or 'none known')} · {freshness(data)}")
    if about.get("description"):
        st.markdown(md(about["description"], limit=500))
    links = [render.link("GitHub", f"https://github.com/{p['slug']}")]
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
        data = queries.project(db, slug)
    if data is None:
        st.warning(f"{md(slug)} is no longer tracked.")
        return
    header(data)
    score_card(data)
    wanted = st.query_params.get("section")
    section = st.segmented_control("Details", list(SECTIONS), default=wanted if wanted in SECTIONS else DEFAULT,
                                   key="project_section")
    if section and section != (wanted if wanted in SECTIONS else DEFAULT):
        st.query_params["section"] = section
    SECTIONS[section or DEFAULT](data)
