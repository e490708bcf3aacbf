"""The Streamlit app's pages (one module each), their read-only query layer and shared rendering.

`app.py` registers the pages; every page reads through `tracker.ui.queries` and renders
untrusted text through `tracker.ui.render`.
"""
