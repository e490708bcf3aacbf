"""Methodology: the app's own copy of docs/methodology.md, so that every "how it is computed" link
works without a network. Sections keep GitHub's heading anchors (`methodology#truck-factor`), the
ones the metric catalogue names (tracker/catalogue.py), and a link opens at its section."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import streamlit as st

from tracker.config import REPO_ROOT

DOC = "docs/methodology.md"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped (hyphens and underscores kept),
    spaces to hyphens. 'Sub-scores (0-100) and health' -> 'sub-scores-0-100-and-health'."""
    text = re.sub(r"[`*_\[\]()]|<[^>]+>", lambda m: "_" if m.group(0) == "_" else "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def find_doc() -> Path | None:
    """docs/methodology.md beside the package (a checkout), else in the working directory."""
    for base in (REPO_ROOT, Path.cwd()):
        path = base / DOC
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=4)
def sections(path: str, mtime: float) -> list[tuple[int, str, str, str]]:
    """(level, heading, anchor, body) for each heading of the document (level 0: text before any)."""
    out: list[tuple[int, str, str, str]] = []
    level, heading, body, fenced = 0, "", [], False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        found = None if fenced else _HEADING.match(line)
        if found:
            out.append((level, heading, anchor(heading) if heading else "", "\n".join(body)))
            level, heading, body = len(found.group(1)), found.group(2), []
        else:
            body.append(line)
    out.append((level, heading, anchor(heading) if heading else "", "\n".join(body)))
    return out


def show() -> None:
    """Render the methodology page."""
    path = find_doc()
    if path is None:
        st.title("Methodology")
        st.warning(f"{DOC} is not installed beside the app. It is in the project's repository.")
        return
    for level, heading, key, body in sections(str(path), path.stat().st_mtime):
        if heading:
            if level == 1:
                st.title(heading, anchor=key)
            elif level == 2:
                st.header(heading, anchor=key, divider="gray")
            elif level == 3:
                st.subheader(heading, anchor=key)
            else:
                st.markdown(f"**{heading}**")
        if body.strip():
            st.markdown(body)
