"""Validate: one workload (uploaded, an example, or pasted) against the policy catalogue."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import streamlit as st

from engine.errors import InputError
from engine.ontology import PHASE_ORDER, PILLAR_ORDER
from engine.ui import components, data

if TYPE_CHECKING:
    from engine.report import Report, WorkloadReport

UPLOAD_TYPES = ["yaml", "yml", "json", "ttl", "jsonld"]
DEFAULT_EXAMPLE = "genai-rag.yaml"


def _input() -> tuple[str, str] | None:
    """(text, filename) of the chosen workload, or None when nothing is chosen yet."""
    source = st.segmented_control("Workload", ["Example", "Upload", "Paste"], default="Example",
                                  key="validate_source") or "Example"
    if source == "Upload":
        up = st.file_uploader("Workload file (YAML, JSON, Turtle or JSON-LD)", type=UPLOAD_TYPES,
                              key="validate_upload")
        if up is None:
            return None
        raw = up.getvalue()
        cap = _cap()
        if len(raw) > cap:
            st.error(f"{up.name} is {len(raw):,} bytes; the limit is {cap:,}.")
            return None
        try:
            return raw.decode("utf-8"), up.name
        except UnicodeDecodeError:
            st.error(f"{up.name} is not UTF-8 text.")
            return None
    if source == "Paste":
        fmt = st.selectbox("Format", ["yaml", "json", "ttl", "jsonld"], key="validate_paste_fmt")
        text = st.text_area("Workload description", height=260, key="validate_paste",
                            placeholder="id: my-workload\nname: My workload\n...")
        return (text, f"pasted.{fmt}") if text.strip() else None
    names = list(data.examples())
    name = st.selectbox("Example", names, key="validate_example",
                        index=names.index(DEFAULT_EXAMPLE) if DEFAULT_EXAMPLE in names else 0)
    return data.examples()[name], name


def _cap() -> int:
    from engine.ui.settings import load_settings

    return load_settings().file_bytes


def findings_section(wr: WorkloadReport) -> None:
    findings = wr.findings
    if not findings:
        st.success("No findings: every selected policy passed or had nothing to check.")
        return
    c = st.columns(4)
    sev = c[0].multiselect("Severity", ["high", "medium", "low"], key="f_sev")
    pil = c[1].multiselect("Pillar", sorted({f.pillar for f in findings}), key="f_pillar",
                           format_func=data.pillar_label)
    pha = c[2].multiselect("Phase", [p for p in PHASE_ORDER if any(f.phase == p for f in findings)],
                           key="f_phase", format_func=data.phase_label)
    pol = c[3].multiselect("Policy", sorted({f.policy for f in findings}), key="f_policy")
    rows = [f for f in findings if (not sev or f.severity.value in sev) and (not pil or f.pillar in pil)
            and (not pha or f.phase in pha) and (not pol or f.policy in pol)]
    table = [{"severity": f.severity.value,
              "policy": f.policy, "message": f.message, "where": f.focus_label,
              "path": f.path or "", "line": f.line, "practice": ", ".join(f.practices),
              "pillar": data.pillar_label(f.pillar), "phase": data.phase_label(f.phase),
              "waived": f.waived_by or ""} for f in rows]
    st.dataframe(table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
                 column_config={"message": st.column_config.TextColumn(width="large"),
                                "line": st.column_config.NumberColumn(format="%d")})
    with st.expander("How to fix each finding"):
        for code in dict.fromkeys(f.policy for f in rows):
            first = next(f for f in rows if f.policy == code)
            st.markdown(f"**{code}** · {first.title}")
            st.caption(first.remediation)


def gap_heatmap(wr: WorkloadReport, ed: str) -> None:
    matrix = wr.matrix(ed)
    values = {pl: {ph: matrix[pl][ph]["violated"] for ph in PHASE_ORDER} for pl in PILLAR_ORDER}
    text = {pl: {ph: (f"{matrix[pl][ph]['violated']}/{sum(matrix[pl][ph].values())}"
                      if sum(matrix[pl][ph].values()) else "–") for ph in PHASE_ORDER}
            for pl in PILLAR_ORDER}
    fig = components.grid_figure(values, text=text, colorscale="Reds", edition=ed,
                                 hover="violated / practices")
    st.plotly_chart(fig, key="gap_grid", config={"displayModeBar": False})
    st.caption("Each cell: practices violated / practices in the cell.")


def risk_section(wr: WorkloadReport) -> None:
    lz = data.lens()
    counts = wr.risk_counts()
    c = st.columns(5)
    for i, risk in enumerate(("HIGH", "MEDIUM", "NONE", "UNANSWERED", "NOT_APPLICABLE")):
        c[i].metric(risk.replace("_", " ").title() + " risk" if risk in ("HIGH", "MEDIUM")
                    else risk.replace("_", " ").title(), counts.get(risk, 0))
    order = {"HIGH": 0, "MEDIUM": 1, "UNANSWERED": 2, "NONE": 3, "NOT_APPLICABLE": 4}
    rows = sorted(wr.questions.items(), key=lambda kv: (order.get(kv[1].value, 9), kv[0]))
    st.dataframe([{"risk": r.value, "question": q, "title": lz.question_by_id[q].title
                   if q in lz.question_by_id else "", "pillar": data.pillar_label(
                       lz.question_by_id[q].pillar) if q in lz.question_by_id else ""}
                  for q, r in rows], hide_index=True, width="stretch", height=360)


def plan_section(wr: WorkloadReport) -> None:
    plan = wr.plan()
    if not plan:
        st.success("Nothing to improve: no practice is violated.")
        return
    for item in plan[:40]:
        with st.container(border=True):
            st.markdown(f"**{item.rank}. {item.practice} · {item.title}**")
            components.chips([f"risk: {item.risk}", data.pillar_label(item.pillar),
                              data.phase_label(item.phase), *item.policies,
                              f"{item.findings} finding(s)"])
            st.caption(item.remediation)


def source_section(wr: WorkloadReport, text: str) -> None:
    marks: dict[int, list[str]] = defaultdict(list)
    for f in wr.open_findings:
        if f.line:
            marks[f.line].append(f"{f.policy}: {f.message}")
    only = st.toggle("Only the lines with findings (and 3 around them)", value=len(text) > 4000,
                     key="source_only")
    st.markdown(components.source_view(text, marks, context=3 if only else None),
                unsafe_allow_html=True)


def downloads(report: Report, stem: str) -> None:
    from engine.formatters import SUFFIXES, render

    policies = data.catalog().policies
    mime = {"markdown": "text/markdown", "html": "text/html", "json": "application/json",
            "sarif": "application/sarif+json"}
    cols = st.columns(4)
    for col, fmt in zip(cols, ("markdown", "html", "json", "sarif"), strict=True):
        body = _render(report, fmt, policies, render)
        col.download_button(fmt.upper() if fmt != "markdown" else "Markdown", body,
                            file_name=f"{stem}{SUFFIXES[fmt]}", mime=mime[fmt], key=f"dl_{fmt}", icon=":material/download:",
                            width="stretch")


def download_and_record(report: Report, filename: str) -> None:
    downloads(report, (filename.rsplit(".", 1)[0] or "report") + ".report")
    record_section(report)


def record_section(report: Report) -> None:
    """Record this validation as a run, to follow the workload on the History page."""
    st.divider()
    cols = st.columns([2, 1])
    milestone = cols[0].text_input("Milestone name (optional)", key="record_milestone",
                                   placeholder="e.g. release-2026-12")
    if cols[1].button("Record in history", key="record_run", icon=":material/history:"):
        from engine.history import record_run

        try:
            run_id = record_run(report, milestone=milestone.strip() or None)
        except InputError as exc:
            st.error(f"Not recorded: {exc}")
        else:
            st.success(f"Recorded as run {run_id}; see the History page.")


def _render(report: Report, fmt: str, policies: Any, render: Any) -> str:
    return str(render(report, fmt, policies=policies))


def main() -> None:
    ed = components.edition()
    st.title("Validate a workload")
    top = st.columns([3, 1])
    gen = data.generation()
    with top[1]:
        engine = st.selectbox("Engine", list(data.ENGINES), key="validate_engine",
                              help="auto: the fast engine, with shapes it cannot run sent to the "
                                   "reference engine (pySHACL).")
        profiles = data.profile_names(gen)
        profile = st.selectbox("Profile", ["(none)", *profiles], key="validate_profile",
                               help="A tailoring profile kept by governance in the store.") \
            if profiles else "(none)"
    with top[0]:
        chosen = _input()
    if chosen is None:
        st.info("Choose an example, upload a file or paste a description to validate it.")
        return
    text, filename = chosen
    try:
        report = data.validate_text(text, filename, engine, ed, gen,
                                    profile=None if profile == "(none)" else profile)
    except InputError as exc:
        st.error("The workload could not be read:")
        st.code("\n".join(exc.lines()), language=None)
        return
    wr = report.workloads[0]
    counts = wr.counts()
    st.subheader(components.plain(wr.name))  # names come from the uploaded file: no markup
    st.caption(f"{components.plain(wr.workload)} · {components.plain(filename)} · "
               f"{report.policies} policies · engine {report.engine} · as of {report.as_of}")
    m = st.columns(5)
    m[0].metric("High", counts["high"])
    m[1].metric("Medium", counts["medium"])
    m[2].metric("Low", counts["low"])
    m[3].metric("Waived", counts["waived"])
    m[4].metric("Practices violated", wr.status_counts()["violated"])
    # how each practice is known (evidence level): verified, declared, attested, ...
    st.caption("Practices: " + " · ".join(f"{n} {level.replace('_', ' ')}"
                                          for level, n in wr.status_counts().items()))
    for note in wr.notes:
        st.caption(f"Note: {components.plain(note)}")
    names = ["Findings", "Gap heatmap", "Risk per question", "Improvement plan", "Source",
             "Download"]
    # lazy tabs: only the open one runs, so a round trip renders one section
    tabs = st.tabs(names, key="validate_tab", on_change="rerun")
    sections = (lambda: findings_section(wr), lambda: gap_heatmap(wr, ed),
                lambda: risk_section(wr), lambda: plan_section(wr),
                lambda: source_section(wr, text),
                lambda: download_and_record(report, filename))
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open:
            with tab:
                section()


if __name__ == "__main__":
    main()
