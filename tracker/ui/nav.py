"""The app's pages and links between them.

Pages are the `show()` functions of the page modules; their URL paths are stable (`/`, `/project`, `/funders`,
`/compare`, `/dependencies`, `/runs`, `/methodology`)
so that a project page can be bookmarked as `/project?project=OWNER/REPO`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import streamlit as st

PAGES = (
    # (key, title, icon, url_path)
    ("overview", "Overview", ":material/dashboard:", "overview"),
    ("project", "Project", ":material/insights:", "project"),
    ("funders", "Funders", ":material/volunteer_activism:", "funders"),
    ("compare", "Compare", ":material/compare_arrows:", "compare"),
    ("dependencies", "Dependencies", ":material/account_tree:", "dependencies"),
    ("validation", "Validation", ":material/fact_check:", "validation"),
    ("runs", "Data & runs", ":material/database:", "runs"),
    ("methodology", "Methodology", ":material/menu_book:", "methodology"),
)
_REGISTERED = "_nav_registered"
FAVICON = Path(__file__).with_name("static") / "favicon.png"   # served by the app itself: no font host


def _render_fn(key: str):
    def run() -> None:
        import importlib

        from tracker.ui import queries, render

        # Each page guards its own reads; this catches a database problem anywhere else on the page
        # (a damaged file, a schema mismatch) so that it reads as words, never as a traceback.
        with render.guard(queries.database_path()):
            importlib.import_module(f"tracker.ui.{key}").show()

    run.__name__ = key
    return run


def pages() -> dict[str, Any]:
    """The app's pages as `st.Page` objects, keyed by page module name."""
    return {
        # no icons: the words say it, and the icon font is one download and layout fewer per page load
        key: st.Page(_render_fn(key), title=title, url_path=path, default=(key == "overview"))
        for key, title, _icon, path in PAGES
    }


def run_app() -> None:
    """Register the pages with `st.navigation` and run the one the URL asks for."""
    st.set_page_config(page_title="OSS sustainability tracker", page_icon=str(FAVICON), layout="wide")
    found = pages()
    # At the top, not in a sidebar: the pages' tables and charts get the whole width (every column
    # of the overview fits at 1440 px).
    navigation = st.navigation(list(found.values()), position="top")
    st.session_state[_REGISTERED] = True
    __import__("tracker.ui.banner", fromlist=["show"]).show()   # data's date and source, collection progress
    navigation.run()


def prefetch(url_path: str, params: dict[str, str]) -> None:
    """Read into the query caches what the page at `url_path` (its last URL segment; "" for the
    default page) will ask for with these query parameters. Called by tracker.ui.serve, off the
    event loop, when a browser requests the page's HTML: the reads then overlap the browser's
    loading of Streamlit's JavaScript instead of following it. Pages without a `prefetch`
    function are left alone."""
    import importlib

    from tracker.ui import banner, queries

    key = next((k for k, _, _, path in PAGES if path == url_path), "overview" if not url_path else None)
    if key is None:
        return
    db = queries.database_path()
    banner.prefetch(db, params)
    fetch = getattr(importlib.import_module(f"tracker.ui.{key}"), "prefetch", None)
    if fetch is not None:
        fetch(db, params)


def page_link(key: str, label: str, query_params: dict[str, str] | None = None) -> None:
    """A link to another page: `st.page_link` inside the app, a plain relative link otherwise
    (a page rendered on its own, as in unit tests). `label` must already be escaped."""
    if st.session_state.get(_REGISTERED):
        st.page_link(pages()[key], label=label, query_params=query_params)
        return
    path = dict((k, p) for k, _, _, p in PAGES)[key]
    query = urlencode(query_params or {}, safe="/")
    st.markdown(f"[{label}]({path}{'?' + query if query else ''})")


def switch_to(key: str, query_params: dict[str, str] | None = None) -> None:
    """Go to another page (used by table row selection); ignored outside the app."""
    if st.session_state.get(_REGISTERED):
        st.switch_page(pages()[key], query_params=query_params)

