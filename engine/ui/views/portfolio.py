"""Portfolio: validate many workloads (a server folder under the configured root, or a zip)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import streamlit as st

from engine.errors import InputError
from engine.ui import components, data
from engine.ui.settings import load_settings
from engine.ui.uploads import WorkloadFile, read_folder, read_zip, resolve_under, subfolders


def _files() -> list[WorkloadFile] | None:
    settings = load_settings()
    root = settings.portfolio_root or data.EXAMPLES_DIR
    source = st.segmented_control("Workloads from", ["Server folder", "Zip upload"],
                                  default="Server folder", key="portfolio_source") or "Server folder"
    try:
        if source == "Zip upload":
            up = st.file_uploader("A zip of workload files", type=["zip"], key="portfolio_zip")
            if up is None:
                return None
            return read_zip(up.getvalue(), max_entries=settings.zip_entries,
                            max_total=settings.zip_total_bytes, max_file=settings.file_bytes)
        # the server's own paths are not the visitor's business: name the root, never show it
        st.caption("Folders under the portfolio root set in the app config"
                   if settings.portfolio_root else
                   "Folders of the bundled examples (set `[portfolio] root` in the app config "
                   "to validate your own)")
        options = subfolders(root)
        if not options:
            st.info("No folder under the root holds workload files.")
            return None
        rel = st.selectbox("Folder", options, key="portfolio_folder",
                           format_func=lambda r: "(the root itself)" if r == "." else r)
        return read_folder(resolve_under(root, rel), max_entries=settings.zip_entries,
                           max_file=settings.file_bytes)
    except InputError as exc:
        st.error(str(exc))
        return None


def _validate_all(files: list[WorkloadFile], engine: str, edition: str) -> tuple[list[Any], list[str]]:
    gen = data.generation()
    bar = st.progress(0.0, text="Validating …")
    reports, errors = [], []
    for i, f in enumerate(files, start=1):
        try:
            reports.append(data.validate_text(f.text, f.name, engine, edition, gen).workloads[0])
        except InputError as exc:
            errors.append(f"{f.name}: {exc}")
        bar.progress(i / len(files), text=f"Validated {i} of {len(files)}: {f.name}")
    bar.empty()
    return reports, errors


def main() -> None:
    import plotly.graph_objects as go

    st.title("Portfolio")
    st.caption("Validate many workloads at once and see where the risk is, worst first.")
    top = st.columns([3, 1])
    with top[1]:
        engine = st.selectbox("Engine", list(data.ENGINES), key="portfolio_engine")
    with top[0]:
        files = _files()
    if not files:
        if files is not None:
            st.info("No workload files found there.")
        return
    import hashlib

    digest = hashlib.sha256("\0".join(f"{f.name}\0{f.text}" for f in files).encode()).hexdigest()
    run_key = (digest, engine, components.edition(), data.generation())
    clicked = st.button(f"Validate {len(files)} workloads", type="primary", key="portfolio_run")
    if clicked:
        st.session_state["portfolio_result"] = (run_key, *_validate_all(files, engine, components.edition()))
    result = st.session_state.get("portfolio_result")
    if not result or result[0] != run_key:
        st.caption(", ".join(f.name for f in files[:20]) + (" …" if len(files) > 20 else ""))
        return
    _, reports, errors = result
    for e in errors:
        st.error(e)
    if not reports:
        return
    from engine.estate.portfolio import shared_ids

    clash = shared_ids(reports)
    if clash is not None:
        st.info("Two files give the same workload id; they are listed as two workloads, "
                "each with its file. " + clash.split(";")[0] + ".")
    rows = []
    for wr in reports:
        c = wr.counts()
        r = wr.risk_counts()
        rows.append({"workload": wr.workload, "name": wr.name, "file": wr.file, "high": c["high"],
                     "medium": c["medium"], "low": c["low"], "waived": c["waived"],
                     "high-risk questions": r["HIGH"], "medium-risk questions": r["MEDIUM"],
                     "practices violated": wr.status_counts()["violated"]})
    rows.sort(key=lambda x: (-x["high-risk questions"], -x["high"], -x["medium-risk questions"],
                             -x["medium"], x["workload"], x["file"] or ""))
    m = st.columns(4)
    m[0].metric("Workloads", len(reports))
    m[1].metric("High findings", sum(x["high"] for x in rows))
    m[2].metric("High-risk questions", sum(x["high-risk questions"] for x in rows))
    m[3].metric("Could not be read", len(errors))
    st.subheader("Risk across workloads, worst first")
    st.dataframe(rows, hide_index=True, width="stretch")
    fig = go.Figure()
    # Two files may give the same id: each is its own workload, so the bars name the file too
    # (a bar per label: plotly would stack two rows with one name into one bar).
    ids = Counter(x["workload"] for x in rows)
    names = [x["workload"] if ids[x["workload"]] == 1 else f"{x['workload']} ({x['file']})"
             for x in rows]
    for key, colour in (("high-risk questions", components.RISK_COLOURS["HIGH"]),
                        ("medium-risk questions", components.RISK_COLOURS["MEDIUM"])):
        fig.add_bar(y=names, x=[x[key] for x in rows], name=key, orientation="h", marker_color=colour)
    fig.update_layout(barmode="stack", height=max(240, 38 * len(rows) + 80), plot_bgcolor="white",
                      margin={"l": 5, "r": 5, "t": 10, "b": 10}, yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "y": -0.15})
    st.plotly_chart(fig, key="portfolio_bar", config={"displayModeBar": False})
    st.subheader("Most violated practices")
    counts: dict[str, int] = {}
    for wr in reports:
        for pid, res in wr.practices.items():
            if res.status.value == "violated":
                counts[pid] = counts.get(pid, 0) + 1
    lz = data.lens()
    st.dataframe([{"practice": pid, "title": lz.practice(pid).title2025, "risk": lz.practice(pid).risk,
                   "workloads": n} for pid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:25]],
                 hide_index=True, width="stretch")


if __name__ == "__main__":
    main()
