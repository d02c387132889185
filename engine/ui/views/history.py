"""History: recorded validation runs, the trend per workload, and what changed between runs."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine.errors import InputError
from engine.ui import components


def _runs() -> list[dict[str, Any]]:
    from engine.estate.history import list_runs

    return list_runs()


def _label(run: dict[str, Any]) -> str:
    """A run on the chart's axis: its date and time to the second, and its milestone."""
    stamp = str(run.get("timestamp") or run["id"])[:19].replace("T", " ")
    return stamp + (f" · {components.plain(str(run['milestone']))}" if run.get("milestone") else "")


def trend_figure(runs: list[dict[str, Any]]) -> Any:
    """Open findings by severity over the runs of one workload (oldest first).

    The axis is the runs themselves (one tick per run), so a single run is one labelled
    point rather than a time axis zoomed to milliseconds. Waived findings are not open.
    """
    import plotly.graph_objects as go

    ordered = sorted(runs, key=lambda r: r.get("timestamp") or "")
    x = [_label(r) for r in ordered]
    fig = go.Figure()
    for sev, color in (("high", "#b3261e"), ("medium", "#e8a33d"), ("low", "#6b8fb3")):
        fig.add_trace(go.Scatter(x=x, y=[r["findings"][sev] for r in ordered], name=sev,
                                 mode="lines+markers", line={"color": color}))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      plot_bgcolor="white",
                      xaxis={"type": "category", "title": "recorded run"},
                      yaxis={"title": "open findings (waived excluded)", "gridcolor": "#eee",
                             "rangemode": "tozero", "tickformat": "d"},
                      legend={"orientation": "h"})
    return fig


def waiver_changes(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[dict[str, Any]],
                                                                  list[dict[str, Any]]]:
    """Findings present in both runs whose waiver changed: (newly waived, waiver ended).
    These move the trend's open counts without being new or fixed."""
    from engine.estate.history import json_finding_key

    before = {json_finding_key(f): f for f in a.get("findings", [])}
    waived, ended = [], []
    for f in b.get("findings", []):
        old = before.get(json_finding_key(f))
        if old is None:
            continue
        if f.get("waived") and not old.get("waived"):
            waived.append(f)
        elif old.get("waived") and not f.get("waived"):
            ended.append(f)
    return waived, ended


def diff_section(run_a: str, run_b: str) -> None:
    from engine.estate.history import diff_runs, load_run

    try:
        doc_a, doc_b = load_run(run_a), load_run(run_b)
        d = diff_runs(doc_a, doc_b)
    except InputError as exc:
        st.error(f"Cannot compare these runs: {exc}")
        return
    waived, ended = waiver_changes(doc_a, doc_b)
    m = st.columns(6)
    m[0].metric("New findings", len(d.new))
    m[1].metric("Fixed findings", len(d.fixed))
    m[2].metric("Newly waived", len(waived))
    m[3].metric("Waiver ended", len(ended))
    m[4].metric("Unchanged", len(d.unchanged) - len(waived) - len(ended))
    m[5].metric("Question risks changed", len(d.question_changes))
    st.caption("Open findings on the trend change by new − fixed − newly waived + waiver ended.")
    cols = ["workload", "policy", "severity", "focusLabel", "path", "message", "line"]
    for title, rows in (("New", d.new), ("Fixed", d.fixed), ("Newly waived", waived),
                        ("Waiver ended", ended)):
        st.markdown(f"**{title}**")
        if rows:
            st.dataframe([{k: r.get(k) for k in cols} for r in rows], hide_index=True,
                         width="stretch")
        else:
            st.caption("none")
    if d.question_changes:
        st.markdown("**Risk changes per question**")
        st.dataframe(d.question_changes, hide_index=True, width="stretch")


def main() -> None:
    st.title("History")
    st.caption("Runs recorded with `mlwa validate --record` (optionally `--milestone NAME`), "
               "`mlwa portfolio`, or the Record button on the Validate page.")
    runs = _runs()
    if not runs:
        st.info("No runs recorded yet. Validate a workload and record the run, then come back "
                "after a change to see what it fixed.")
        return
    workloads = sorted({w for r in runs for w in r["workloads"]})
    wid = st.selectbox("Workload", workloads, key="history_workload")
    from engine.estate.history import list_runs

    mine = list_runs(workload=wid)
    st.subheader("Open findings over time")
    st.plotly_chart(trend_figure(mine), key="history_trend", config={"displayModeBar": False})
    st.dataframe([{"run": r["id"], "recorded": r.get("timestamp"), "milestone": r.get("milestone"),
                   "engine": r.get("engine"), "high": r["findings"]["high"],
                   "medium": r["findings"]["medium"], "low": r["findings"]["low"]} for r in mine],
                 hide_index=True, width="stretch")
    if len(mine) < 2:
        st.caption("Record a second run of this workload to compare.")
        return
    st.subheader("What changed")
    labels = {r["id"]: f"{r['id']} · {r.get('timestamp')}" + (f" · {r['milestone']}" if r.get("milestone") else "")
              for r in mine}
    ids = [r["id"] for r in mine]  # newest first
    left, right = st.columns(2)
    run_a = left.selectbox("From run", ids, index=1, format_func=labels.__getitem__, key="history_a")
    run_b = right.selectbox("To run", ids, index=0, format_func=labels.__getitem__, key="history_b")
    diff_section(run_a, run_b)


if __name__ == "__main__":
    main()
