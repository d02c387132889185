"""Explore: the lens as a pillar × phase heatmap, a Sankey, a graph and a search."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine.ontology import PHASE_ORDER, PILLAR_ORDER
from engine.ui import components, data

MAX_GRAPH_NODES = 400
_PILLAR_TINTS = ("rgba(31,78,121,0.35)", "rgba(192,57,43,0.35)", "rgba(39,174,96,0.35)",
                 "rgba(142,68,173,0.35)", "rgba(214,137,16,0.35)", "rgba(22,160,133,0.35)")


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


def practice_table(ed: str, pillar: str | None, phase: str | None, query: str) -> list[str]:
    rows = data.practice_rows(ed)
    hits = set(data.search_practices(query, ed)) if query.strip() else None
    shown = [r for r in rows if (pillar is None or r["_pillar"] == pillar)
             and (phase is None or r["_phase"] == phase) and (hits is None or r["_key"] in hits)]
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
    return [r["_key"] for r in shown]


def sankey_section(ed: str, pillar: str | None, keys: list[str]) -> None:
    import plotly.graph_objects as go

    lz = data.lens()
    show_practices = st.toggle("Show practices (for the filtered set)", value=pillar is not None,
                               key="sankey_practices")
    chosen = [lz.practice(k) for k in keys]
    labels: list[str] = []
    colours: list[str] = []
    index: dict[str, int] = {}

    def node(key: str, label: str, colour: str) -> int:
        if key not in index:
            index[key] = len(labels)
            labels.append(label)
            colours.append(colour)
        return index[key]

    for pl in PILLAR_ORDER:  # lifecycle and pillar order, top to bottom
        if any(p.pillar == pl for p in chosen):
            node(f"pl:{pl}", data.pillar_label(pl), components.PALETTE["pillar"])
    for ph in PHASE_ORDER:
        if any(p.phase(ed) == ph for p in chosen):
            node(f"ph:{ph}", data.phase_label(ph), components.PALETTE["phase"])
    links: dict[tuple[int, int], int] = {}
    link_colour: dict[tuple[int, int], str] = {}
    for p in chosen:
        a = node(f"pl:{p.pillar}", data.pillar_label(p.pillar), components.PALETTE["pillar"])
        b = node(f"ph:{p.phase(ed)}", data.phase_label(p.phase(ed)), components.PALETTE["phase"])
        links[(a, b)] = links.get((a, b), 0) + 1
        link_colour[(a, b)] = _PILLAR_TINTS[PILLAR_ORDER.index(p.pillar) % len(_PILLAR_TINTS)]
        if show_practices and len(chosen) <= 60:
            c = node(f"p:{p.id2025}", f"{p.id(ed)} {p.title(ed)[:48]}", components.PALETTE["practice"])
            links[(b, c)] = links.get((b, c), 0) + 1
            link_colour[(b, c)] = "rgba(93,109,126,0.30)"
    if show_practices and len(chosen) > 60:
        st.caption("Pick a pillar or a phase to see individual practices (more than 60 match).")
    if not links:
        st.info("No practices match the filter.")
        return
    # fixed columns and lifecycle order (plotly would otherwise reorder the nodes)
    has_practices = any(k.startswith("p:") for k in index)
    column = {"pl": 0.001, "ph": 0.5 if has_practices else 0.999, "p": 0.999}
    xs: list[float] = []
    ys: list[float] = []
    per_col: dict[str, int] = {}
    for key in index:
        kind = key.split(":", 1)[0]
        per_col[kind] = per_col.get(kind, 0) + 1
    seen: dict[str, int] = {}
    for key in index:
        kind = key.split(":", 1)[0]
        seen[kind] = seen.get(kind, 0) + 1
        xs.append(column[kind])
        ys.append(0.001 + 0.998 * (seen[kind] - 0.5) / per_col[kind])
    fig = go.Figure(go.Sankey(
        arrangement="fixed",
        node={"label": labels, "color": colours, "pad": 12, "thickness": 14, "x": xs, "y": ys},
        link={"source": [s for s, _ in links], "target": [t for _, t in links],
              "value": list(links.values()), "color": [link_colour[k] for k in links]},
    ))
    fig.update_layout(height=max(420, min(1400, 16 * len(labels))), margin={"l": 5, "r": 5, "t": 10, "b": 10},
                      font={"size": 11})
    st.plotly_chart(fig, key="explore_sankey", config={"displayModeBar": False})


def graph_elements(focus: set[str], kinds: set[str], expanded: set[str], depth: int
                   ) -> dict[str, Any]:
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
    out_nodes = [{"data": {"id": n, "label": nodes[n]["kind"], "name": _short(n, nodes[n]["label"]),
                           "title": nodes[n]["label"]}} for n in sorted(keep)]
    out_edges = [{"data": {"id": f"{a}>{b}>{r}", "source": a, "target": b, "label": r}}
                 for a, b, r in edges if a in keep and b in keep]
    return {"nodes": out_nodes, "edges": out_edges}


def _short(node: str, label: str) -> str:
    """Practices and questions are drawn with their id; the info panel shows the title."""
    kind, _, ident = node.partition(":")
    return ident if kind in ("practice", "question") else label[:40]


def graph_section(pillar: str | None, keys: list[str]) -> None:
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
                             format_func=lambda n: data.lens_nodes().get(n, {}).get("label", n),
                             key="graph_start")
    with c3:
        depth = st.slider("Hops", 1, 3, 2, key="graph_depth")
    expanded: set[str] = st.session_state.setdefault("graph_expanded", set())
    if st.session_state.get("_graph_start") != start:
        expanded.clear()
        st.session_state["_graph_start"] = start
    elements = graph_elements({start}, kinds or {"practice"}, expanded, depth)
    st.caption(f"{len(elements['nodes'])} nodes, {len(elements['edges'])} edges · select a node "
               "and press the expand button (or double-click) to add its neighbours.")
    styles = [NodeStyle(kind, colour, "name", custom_styles={
        "font-size": 9 if kind == "practice" else 11, "color": "#374151", "text-valign": "bottom",
        "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": "120px",
        "min-zoomed-font-size": 0, "width": 14 if kind == "practice" else 22,
        "height": 14 if kind == "practice" else 22}) for kind, colour in components.PALETTE.items()]
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
    keys = practice_table(ed, pillar, phase, query)
    tab_flow, tab_graph = st.tabs(["Pillar → phase → practice", "Graph"], key="explore_tab",
                                  on_change="rerun")
    if tab_flow.open:
        with tab_flow:
            sankey_section(ed, pillar, keys)
    if tab_graph.open:
        with tab_graph:
            graph_section(pillar, keys)


if __name__ == "__main__":
    main()
