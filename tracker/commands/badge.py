"""tracker badge: a shields-style SVG of a project's health and risk."""

from __future__ import annotations

import argparse
import sys
from xml.sax.saxutils import escape

from tracker import display, readmodel

# Colours of shields.io's named palette, by risk level; grey for unknown (insufficient data, not scored).
COLOURS = {"low": "#4c1", "medium": "#dfb317", "high": "#fe7d37", "critical": "#e05d44", "unknown": "#9f9f9f",
           None: "#9f9f9f"}
CHAR_WIDTH = 7  # px per character of 11px Verdana, the width shields.io badges assume on average
PADDING = 10  # px around each half's text
MAX_TEXT = 60  # characters of each half


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "badge",
        help="an SVG badge of a project's health and risk (to stdout)",
        description="Print a shields-style SVG badge: tracker badge OWNER/REPO > badge.svg",
    )
    p.add_argument("repo", help="OWNER/REPO or a GitHub URL")
    p.add_argument("--label", default="health", help="left-hand text (default: health)")
    p.set_defaults(func=cmd_badge, read_only=True)


def render(label: str, value: str, colour: str) -> str:
    """The SVG text. Label and value may come from user input: every character XML 1.0 forbids
    (control characters, lone surrogates, U+FFFE/U+FFFF) is removed, the text capped, then escaped."""
    label, value = display.plain(label)[:MAX_TEXT], display.plain(value)[:MAX_TEXT]
    lw = len(label) * CHAR_WIDTH + PADDING
    vw = len(value) * CHAR_WIDTH + PADDING
    total = lw + vw
    label_x, value_x = lw / 2, lw + vw / 2
    lab, val = escape(label), escape(value)
    title = escape(f"{label}: {value}", {'"': "&quot;", "'": "&apos;"})  # also used in an attribute
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img"'
        f' aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{vw}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif"'
        ' font-size="11">'
        f'<text x="{label_x}" y="15" fill="#010101" fill-opacity=".3">{lab}</text>'
        f'<text x="{label_x}" y="14">{lab}</text>'
        f'<text x="{value_x}" y="15" fill="#010101" fill-opacity=".3">{val}</text>'
        f'<text x="{value_x}" y="14">{val}</text></g></svg>\n'
    )


def badge_for(store, project: readmodel.Project, label: str = "health") -> str:
    """The badge of the project's latest score: '63 (coverage 71%) | low risk'; 'insufficient data'
    below the evidence rule; 'not scored' before `tracker score` has run."""
    row = readmodel.latest_score(store, project.id)
    if row is None:
        return render(label, "not scored", COLOURS[None])
    level = row["risk_level"]
    if row["health"] is None:  # an archived repository keeps its level: that fact needs nothing else
        known = f" | {level} risk" if level in COLOURS and level not in ("unknown", None) else ""
        return render(label, f"insufficient data{known}", COLOURS.get(level, COLOURS[None]))
    health = display.health(row["health"], row["coverage"])
    return render(
        label, f"{health} | {row['risk_level']} risk", COLOURS.get(row["risk_level"], COLOURS[None])
    )


def cmd_badge(ctx) -> int:
    store = ctx.store()
    project = readmodel.project(store, ctx.args.repo)
    sys.stdout.write(badge_for(store, project, ctx.args.label))
    return 0
