"""Streamlit entry point (placeholder until the app issue): shows what is tracked."""

import os

import streamlit as st

st.set_page_config(page_title="OSS sustainability tracker", layout="wide")
st.title("Open-source sustainability tracker")
db = os.environ.get("TRACKER_DB", "data/tracker.duckdb")
st.write(f"Database: `{db}`. Use `tracker report OWNER/REPO` for metrics; the full app comes next.")
