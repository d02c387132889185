"""Analytics: the lens graph measured with networkx."""

from __future__ import annotations

import streamlit as st

from engine.ui import components, data


def main() -> None:
    import plotly.graph_objects as go

    lz = data.lens()
    st.title("Lens analytics")
    st.caption("Computed with networkx on the lens graph (pillars, phases, principles, questions, "
               "practices and their relations).")

    left, right = st.columns(2)
    with left:
        st.subheader("Design principles by number of practices")
        cov = lz.principle_coverage()
        rows = sorted(((lz.principle_by_slug[s].label, n) for s, n in cov.items()), key=lambda x: x[1])
        fig = go.Figure(go.Bar(x=[n for _, n in rows], y=[label for label, _ in rows], orientation="h",
                               marker_color=components.PALETTE["principle"], text=[n for _, n in rows],
                               textposition="outside"))
        fig.update_layout(height=420, margin={"l": 5, "r": 30, "t": 10, "b": 10}, plot_bgcolor="white",
                          xaxis={"title": "practices", "showgrid": True, "gridcolor": "#eee"})
        st.plotly_chart(fig, key="principles_bar", config={"displayModeBar": False})
    with right:
        st.subheader("Most central practices")
        top = data.centrality(15)
        ed = components.edition()
        table = [{"practice": lz.practice(pid).id(ed), "title": lz.practice(pid).title(ed),
                  "betweenness": round(score, 4)}
                 for pid, score in top]
        st.dataframe(table, hide_index=True, width="stretch", height=420,
                     column_config={"betweenness": st.column_config.ProgressColumn(
                         "betweenness", min_value=0.0, max_value=max(s for _, s in top) or 1.0,
                         format="%.4f")})

    st.subheader("Practices with no automated policy")
    gaps = data.automation_gaps(data.generation())
    c = st.columns(3)
    c[0].metric("Attestation only", sum(1 for g in gaps if g["coverage"] == "attestation only"))
    c[1].metric("No policy at all", sum(1 for g in gaps if g["coverage"] == "no policy"))
    c[2].metric("Automated", len(lz.practices) - len(gaps))
    st.dataframe(gaps, hide_index=True, width="stretch", height=360)

    st.subheader("Orphans")
    orphans = lz.orphans()
    if orphans:
        st.warning(f"{len(orphans)} nodes have no relation: " + ", ".join(orphans))
    else:
        st.success("Every pillar, phase, principle, question and practice is connected.")


if __name__ == "__main__":
    main()
