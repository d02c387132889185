"""Small pieces every page shares: the edition toggle, charts, escaped HTML snippets."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER
from engine.ui import data

PALETTE = {"pillar": "#1f4e79", "phase": "#2e7d32", "principle": "#8e44ad",
           "question": "#d68910", "practice": "#5d6d7e"}
RISK_COLOURS = {"HIGH": "#c0392b", "MEDIUM": "#e67e22", "NONE": "#27ae60",
                "UNANSWERED": "#95a5a6", "NOT_APPLICABLE": "#bdc3c7"}

CSS = """
<style>
.block-container {padding-top: 2.2rem; max-width: 1400px;}
.mlwa-src {font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.82rem;
  border: 1px solid #e5e7eb; border-radius: 6px; max-height: 520px; overflow: auto;
  background: #fbfbfc; line-height: 1.45;}
.mlwa-src .ln {display: inline-block; width: 3.2em; color: #9ca3af; text-align: right;
  padding-right: 0.8em; user-select: none;}
.mlwa-src .row {white-space: pre; padding: 0 0.5em;}
.mlwa-src .hit {background: #fde8e8; border-left: 3px solid #c0392b;}
.mlwa-src .note {color: #b03a2e; font-style: italic; padding-left: 1em;}
.mlwa-chip {display: inline-block; padding: 0.1rem 0.55rem; margin: 0 0.3rem 0.3rem 0;
  border-radius: 999px; background: #eef2f7; color: #1f2937; font-size: 0.8rem;}
</style>
"""


def edition() -> str:
    return str(st.session_state.get("edition", "2025"))


def sidebar_controls() -> None:
    st.sidebar.radio("Lens edition", ["2025", "2023"], key="edition", horizontal=True,
                     help="Which edition's practice ids, titles and phases to show.")


def plain(text: str) -> str:
    """``text`` with the Markdown that could make links, images, markup, maths or emphasis
    escaped, for labels that come from users and files."""
    import re

    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", str(text))


def chips(items: Sequence[str]) -> None:
    """A row of labels; every label is escaped."""
    if items:
        st.markdown("".join(f'<span class="mlwa-chip">{html.escape(str(i))}</span>' for i in items),
                    unsafe_allow_html=True)


def _wrap(label: str) -> str:
    words = label.split()
    if len(words) < 3:
        return label.replace(" ", "<br>") if len(label) > 14 else label
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + "<br>" + " ".join(words[half:])


def grid_figure(values: Mapping[str, Mapping[str, float]], *, text: Mapping[str, Mapping[str, str]]
                | None = None, colorscale: str = "Blues", title: str = "",
                edition: str = "2025", hover: str = "practices", zmax: float | None = None) -> Any:
    """A pillar × phase heatmap; an invisible marker on each cell makes a click select it."""
    import plotly.graph_objects as go

    cols = [_wrap(data.phase_label(ph)) for ph in PHASE_ORDER]
    rows = [data.pillar_label(pl) for pl in PILLAR_ORDER]
    z = [[values.get(pl, {}).get(ph, 0) for ph in PHASE_ORDER] for pl in PILLAR_ORDER]
    labels = [[(text[pl][ph] if text else str(values.get(pl, {}).get(ph, 0))) for ph in PHASE_ORDER]
              for pl in PILLAR_ORDER]
    top = zmax if zmax is not None else (max((v for row in z for v in row), default=0) or 1)
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, text=labels, texttemplate="%{text}", textfont={"size": 14},
        colorscale=colorscale, zmin=0, zmax=top, showscale=False, xgap=3, ygap=3,
        hoverinfo="skip"))
    xs, ys, custom, tips = [], [], [], []
    for pl in PILLAR_ORDER:
        for ph in PHASE_ORDER:
            xs.append(_wrap(data.phase_label(ph)))
            ys.append(data.pillar_label(pl))
            custom.append([pl, ph])
            tips.append(f"{data.pillar_label(pl)} · {data.phase_label(ph)}<br>"
                        + (text[pl][ph] if text else str(values.get(pl, {}).get(ph, 0))) + f" {hover}")
    fig.add_trace(go.Scatter(
        x=xs, y=ys, customdata=custom, mode="markers", showlegend=False, text=tips,
        hovertemplate="%{text}<extra></extra>",
        marker={"symbol": "square", "size": 60, "opacity": 0.01, "color": "#000"},
        selected={"marker": {"opacity": 0.01}}, unselected={"marker": {"opacity": 0.01}}))
    fig.update_layout(
        title=title or None, height=400, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        plot_bgcolor="white", clickmode="event+select", dragmode=False,
        xaxis={"side": "top", "showgrid": False, "zeroline": False, "fixedrange": True,
               "tickfont": {"size": 12}},
        yaxis={"showgrid": False, "zeroline": False, "autorange": "reversed", "fixedrange": True,
               "tickfont": {"size": 12}},
    )
    return fig


def selected_cell(event: Any) -> tuple[str, str] | None:
    """(pillar, phase) slugs of the clicked cell in a :func:`grid_figure` selection event."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        custom = point.get("customdata")
        if custom and len(custom) == 2:
            return str(custom[0]), str(custom[1])
    return None


def source_view(text: str, marks: Mapping[int, list[str]], *, context: int | None = None) -> str:
    """The source as escaped HTML lines; lines in ``marks`` are highlighted with their notes."""
    lines = text.splitlines()
    keep: list[int] = list(range(1, len(lines) + 1))
    if context is not None and marks:
        wanted = {n for m in marks for n in range(m - context, m + context + 1)}
        keep = [n for n in keep if n in wanted]
    out = ['<div class="mlwa-src">']
    previous = 0
    for n in keep:
        if previous and n != previous + 1:
            out.append('<div class="row"><span class="ln">⋮</span></div>')
        previous = n
        cls = "row hit" if n in marks else "row"
        note = ""
        if n in marks:
            note = '<span class="note">← ' + html.escape("; ".join(marks[n])) + "</span>"
        out.append(f'<div class="{cls}" id="L{n}"><span class="ln">{n}</span>'
                   f"{html.escape(lines[n - 1])}{note}</div>")
    out.append("</div>")
    return "".join(out)


def goto_practice(practice_id: str) -> None:
    """Select a practice and open the Practice page (a button callback)."""
    st.session_state["practice"] = practice_id
    st.session_state["_goto_practice"] = True
