"""Explore: the lens as a pillar × phase heatmap, a Sankey, a graph and a search."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER
from engine.ui import components, data

MAX_GRAPH_NODES = 400


def heatmap_section(ed: str) -> tuple[str | None, str | None]:
    """The practice-count grid; returns the (pillar, phase) filter chosen by click or select."""
    lz = data.lens()
    counts = lz.matrix(ed)
    left, right = st.columns([3, 1])
    with right:
        st.markdown("**Filter**")
        pillar = st.selectbox("Pillar", ["All", *PILLAR_ORDER], key="explore_pillar",
                              format_func=lambda s: s if s == "All" else data.pillar_label(s))
        phase = st.selectbox("Phase", ["All", *PHASE_ORDER], key="explore_phase",
                             format_func=lambda s: s if s == "All" else data.phase_label(s))
        st.caption("Click a cell of the grid to filter by it; pick *All* to clear.")
    with left:
        fig = components.grid_figure(counts, edition=ed)
        key = f"explore_grid_{ed}"
        st.plotly_chart(fig, key=key, on_select=lambda: _cell_clicked(key),
                        selection_mode="points", config={"displayModeBar": False})
    return (None if pillar == "All" else pillar), (None if phase == "All" else phase)


def _cell_clicked(key: str) -> None:
    """Selection callback of the grid: a clicked cell sets the pillar and phase filters."""
    cell = components.selected_cell(st.session_state.get(key))
    if cell:
        st.session_state["explore_pillar"], st.session_state["explore_phase"] = cell


def filtered_rows(ed: str, pillar: str | None, phase: str | None, query: str
                  ) -> list[dict[str, Any]]:
    rows = data.practice_rows(ed)
    hits = set(data.search_practices(query, ed)) if query.strip() else None
    return [r for r in rows if (pillar is None or r["_pillar"] == pillar)
            and (phase is None or r["_phase"] == phase) and (hits is None or r["_key"] in hits)]


def practice_table(shown: list[dict[str, Any]], pillar: str | None, phase: str | None) -> None:
    st.markdown(f"**{len(shown)} practices**"
                + (f" · pillar *{data.pillar_label(pillar)}*" if pillar else "")
                + (f" · phase *{data.phase_label(phase)}*" if phase else ""))
    table = [{k: v for k, v in r.items() if not k.startswith("_")} for r in shown]
    event = st.dataframe(table, hide_index=True, width="stretch", height=320,
                         on_select="rerun", selection_mode="single-row", key="explore_table",
                         column_config={"title": st.column_config.TextColumn(width="large")})
    picked = event.get("selection", {}).get("rows", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "rows", [])
    if picked:
        key = shown[picked[0]]["_key"]
        st.button(f"Open {key} →", on_click=components.goto_practice, args=(key,),
                  type="primary", key="explore_open")


def structure_section(ed: str, keys: list[str]) -> None:
    """Pillar → question → practice as a treemap of the filtered practices (one box per
    practice, sized equally, coloured by risk), so a filter narrows it instead of merging it."""
    import plotly.graph_objects as go

    lz = data.lens()
    chosen = [lz.practice(k) for k in keys]
    if not chosen:
        st.info("No practices match the filter.")
        return
    ids, labels, parents, colours, hover = [], [], [], [], []
    risk_colour = {"high": components.RISK_COLOURS["HIGH"], "medium": components.RISK_COLOURS["MEDIUM"]}
    seen: set[str] = set()

    def add(ident: str, label: str, parent: str, colour: str, tip: str) -> None:
        ids.append(ident)
        labels.append(label)
        parents.append(parent)
        colours.append(colour)
        hover.append(tip)

    for p in sorted(chosen, key=lambda p: (PILLAR_ORDER.index(p.pillar), p.question, p.id(ed))):
        pl_id, q_id = f"pl:{p.pillar}", f"q:{p.question}"
        if pl_id not in seen:
            seen.add(pl_id)
            add(pl_id, data.pillar_label(p.pillar), "", "#eef2f7", data.pillar_label(p.pillar))
        if q_id not in seen:
            seen.add(q_id)
            q = lz.question_by_id.get(p.question)
            add(q_id, p.question, pl_id, "#dde4ee", q.summary if q else p.question)
        add(f"p:{p.id2025}", f"{p.id(ed)}<br>{p.title(ed)[:60]}", q_id,
            risk_colour.get(p.risk, "#95a5a6"), f"{p.id(ed)} · {p.title(ed)} · {p.risk} risk")
    values = [0 if i.startswith(("pl:", "q:")) else 1 for i in ids]
    fig = go.Figure(go.Treemap(ids=ids, labels=labels, parents=parents, values=values,
                               marker={"colors": colours}, hovertext=hover,
                               hovertemplate="%{hovertext}<extra></extra>", maxdepth=3,
                               textfont={"size": 13}, tiling={"pad": 2}))
    fig.update_layout(height=620, margin={"l": 5, "r": 5, "t": 10, "b": 10})
    st.caption(f"{len(chosen)} practices by pillar and question ({ed} ids); red: high-risk "
               "practice, orange: medium. Click a box to zoom in.")
    st.plotly_chart(fig, key="explore_structure", config={"displayModeBar": False})


def graph_elements(focus: set[str], kinds: set[str], expanded: set[str], depth: int,
                   ed: str = "2025") -> dict[str, Any]:
    """Nodes within ``depth`` hops of ``focus`` (plus neighbours of ``expanded``), of ``kinds``."""
    nodes = data.lens_nodes()
    edges = data.lens_edges()
    adj: dict[str, set[str]] = {}
    for a, b, _ in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    keep = {n for n in focus if n in nodes}
    frontier = set(keep)
    for _ in range(depth):
        frontier = {m for n in frontier for m in adj.get(n, ()) if nodes[m]["kind"] in kinds} - keep
        keep |= frontier
    for n in expanded:
        if n in nodes:
            keep.add(n)
            keep |= {m for m in adj.get(n, ()) if nodes[m]["kind"] in kinds}
    keep = {n for n in keep if nodes[n]["kind"] in kinds or n in focus}
    if len(keep) > MAX_GRAPH_NODES:
        keep = set(sorted(keep)[:MAX_GRAPH_NODES])
    out_nodes = [{"data": {"id": n, "label": nodes[n]["kind"],
                           "name": _short(n, nodes[n]["label"], ed),
                           "title": _title(n, nodes[n]["label"], ed)}} for n in sorted(keep)]
    out_edges = [{"data": {"id": f"{a}>{b}>{r}", "source": a, "target": b, "label": r}}
                 for a, b, r in edges if a in keep and b in keep]
    return {"nodes": out_nodes, "edges": out_edges}


def _short(node: str, label: str, ed: str = "2025") -> str:
    """Practices and questions are drawn with their id (the edition's own for practices);
    the info panel shows the title."""
    kind, _, ident = node.partition(":")
    if kind == "practice":
        p = data.lens().find(ident)
        return p.id(ed) if p else ident
    return ident if kind == "question" else label[:40]


def _title(node: str, label: str, ed: str) -> str:
    kind, _, ident = node.partition(":")
    if kind == "practice":
        p = data.lens().find(ident)
        return f"{p.id(ed)} · {p.title(ed)}" if p else label
    return label


def graph_section(pillar: str | None, keys: list[str], ed: str) -> None:
    from streamlit_cytoscape import EdgeStyle, NodeStyle, streamlit_cytoscape

    c1, c2, c3 = st.columns([2, 2, 1])
    with c1:
        kinds = set(st.multiselect("Show", ["pillar", "phase", "principle", "question", "practice"],
                                   default=["pillar", "principle", "question", "practice"],
                                   key="graph_kinds"))
    with c2:
        start_options = [f"pillar:{p}" for p in PILLAR_ORDER] + [f"practice:{k}" for k in keys]
        default_start = f"pillar:{pillar or PILLAR_ORDER[1]}"
        start = st.selectbox("Start from", start_options,
                             index=start_options.index(default_start)
                             if default_start in start_options else 0,
                             format_func=lambda n: _title(n, str(data.lens_nodes().get(n, {}).get("label", n)), ed),
                             key="graph_start")
    with c3:
        depth = st.slider("Hops", 1, 3, 2, key="graph_depth")
    expanded: set[str] = st.session_state.setdefault("graph_expanded", set())
    if st.session_state.get("_graph_start") != start:
        expanded.clear()
        st.session_state["_graph_start"] = start
    elements = graph_elements({start}, kinds or {"practice"}, expanded, depth, ed)
    st.caption(f"{len(elements['nodes'])} nodes, {len(elements['edges'])} edges · select a node "
               "and press the expand button (or double-click) to add its neighbours.")
    st.markdown(" ".join(
        f'<span class="mlwa-chip"><span style="color:{colour}">●</span> {kind}</span>'
        for kind, colour in components.PALETTE.items() if kind in (kinds or {"practice"})),
        unsafe_allow_html=True)  # the legend: fixed words and colours, nothing from a file
    styles = [NodeStyle(kind, colour, "name", custom_styles={
        "font-size": 13 if kind == "practice" else 15, "font-weight": 600 if kind == "pillar" else 400,
        "color": "#1f2937", "text-valign": "bottom", "text-margin-y": 4,
        "text-wrap": "ellipsis", "text-max-width": "160px", "text-background-color": "#ffffff",
        "text-background-opacity": 0.8, "min-zoomed-font-size": 7,
        "width": 18 if kind == "practice" else 26,
        "height": 18 if kind == "practice" else 26}) for kind, colour in components.PALETTE.items()]
    edge_styles = [EdgeStyle(rel, color="#c3c9d2", caption=None, directed=True) for rel in
                   ("pillar", "phase", "question", "servesPrinciple", "relatedPractice",
                    "subPhaseOf", "nextPhase")]
    event = streamlit_cytoscape(elements, layout="cose", node_styles=styles,
                                edge_styles=edge_styles, height=560, key="lens_graph",
                                node_actions=["expand"])
    if isinstance(event, dict) and event.get("action") == "expand":
        ids = set((event.get("data") or {}).get("node_ids") or [])
        stamp = event.get("timestamp")
        if ids and st.session_state.get("_graph_stamp") != stamp:
            st.session_state["_graph_stamp"] = stamp
            expanded |= ids
            st.rerun()
    if expanded:
        st.button("Reset expansion", on_click=expanded.clear, key="graph_reset")


def main() -> None:
    ed = components.edition()
    st.title("Explore the ML Lens")
    lz = data.lens()
    m = st.columns(5)
    m[0].metric("Practices", len(lz.practices))
    m[1].metric("Pillars", len(lz.pillars))
    m[2].metric("Phases", len(lz.top_phases))
    m[3].metric("Principles", len(lz.principles))
    m[4].metric("Questions", len(lz.questions))
    query = st.text_input("Search", key="explore_query",
                          placeholder="An id of either edition (MLSEC02-BP01, MLSEC-03) or words "
                                      "(encryption, drift, lineage)")
    hits = data.search_practices(query, ed) if query.strip() else []
    if query.strip() and len(hits) == 1:
        p = lz.practice(hits[0])
        st.success(f"{p.id(ed)} · {p.title(ed)}")
        st.button(f"Open {p.id(ed)} →", on_click=components.goto_practice, args=(p.id2025,),
                  key="search_open", type="primary")
    elif query.strip() and not hits:
        st.warning(f"No practice matches {query!r}.")
    st.subheader(f"Practices by pillar and lifecycle phase ({ed} edition)")
    pillar, phase = heatmap_section(ed)
    shown = filtered_rows(ed, pillar, phase, query)
    keys = [r["_key"] for r in shown]
    # lazy tabs: the first render draws one chart (the grid) and the list; the treemap and
    # the graph are drawn when their tab is opened
    tab_list, tab_flow, tab_graph = st.tabs(
        ["Practices", "Pillar → question → practice", "Graph"], key="explore_tab",
        on_change="rerun")
    if tab_list.open:
        with tab_list:
            practice_table(shown, pillar, phase)
    if tab_flow.open:
        with tab_flow:
            structure_section(ed, keys)
    if tab_graph.open:
        with tab_graph:
            graph_section(pillar, keys, ed)


if __name__ == "__main__":
    main()
