"""Streamlit entry point: `streamlit run app.py` (or `tracker app`). Pages live in tracker/ui/."""

from tracker.ui.nav import run_app

run_app()
