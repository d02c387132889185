"""Validate: one workload (uploaded, an example, or pasted) against the policy catalogue."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import streamlit as st

from engine.errors import InputError
from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER
from engine.ui import components, data

if TYPE_CHECKING:
    from engine.validate.report import Report, WorkloadReport

UPLOAD_TYPES = ["yaml", "yml", "json", "ttl", "jsonld"]
DEFAULT_EXAMPLE = "genai-rag.yaml"


def _input() -> tuple[str, str] | None:
    """(text, filename) of the chosen workload, or None when nothing is chosen yet."""
    source = st.segmented_control("Workload", ["Example", "Upload", "Paste"], default="Example",
                                  key="validate_source") or "Example"
    if source == "Upload":
        cap = _cap()
        up = st.file_uploader("Workload file (YAML, JSON, Turtle or JSON-LD)", type=UPLOAD_TYPES,
                              key="validate_upload")
        st.caption(f"Up to {cap / 1024 / 1024:g} MiB per file. A larger file is refused with "
                   "its size and this limit shown here; the server turns away anything over "
                   f"{_server_cap_mib():g} MiB before the app sees it (the uploader then marks "
                   "the file in red).")
        if up is None:
            return None
        raw = up.getvalue()
        if len(raw) > cap:
            st.error(f"{components.plain(up.name)} is refused: it is {len(raw):,} bytes and "
                     f"the limit is {cap:,} bytes ({cap / 1024 / 1024:g} MiB).")
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


def _server_cap_mib() -> float:
    return float(st.get_option("server.maxUploadSize"))


def _cap() -> int:
    from engine.ui.settings import load_settings

    return load_settings().file_bytes


def finding_rows(findings: list[Any]) -> list[dict[str, Any]]:
    return [{"severity": f.severity.value, "policy": f.policy, "message": f.message,
             "practices": ", ".join(f.practices), "where": f.focus_label,
             "key": (f.path or "").replace("mlwa:", ""), "line": f.line,
             "pillar": data.pillar_label(f.pillar), "phase": data.phase_label(f.phase),
             "waived": f.waived_by or ""} for f in findings]


FINDING_COLUMNS = {
    "severity": st.column_config.TextColumn(width="small"),
    "policy": st.column_config.TextColumn(width="small"),
    "message": st.column_config.TextColumn(width="large"),
    "practices": st.column_config.TextColumn(width="medium"),
    "line": st.column_config.NumberColumn(format="%d", width="small"),
}


def finding_table(findings: list[Any], key: str) -> None:
    """Findings, every column readable; the selected row is shown in full below."""
    table = finding_rows(findings)
    event = st.dataframe(table, hide_index=True, width="stretch", key=key,
                         height=min(600, 38 + 35 * len(table)), row_height=35,
                         on_select="rerun", selection_mode="single-row",
                         column_config=FINDING_COLUMNS)
    picked = event.get("selection", {}).get("rows", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "rows", [])
    if picked:
        f = findings[picked[0]]
        with st.container(border=True):
            st.markdown(f"**{f.policy}** · {f.title} · *{f.severity.value}*")
            st.write(f.message)
            st.caption(f"{components.plain(f.focus_label)}"
                       + (f" · key {f.path.replace('mlwa:', '')}" if f.path else "")
                       + (f" · line {f.line}" if f.line else "")
                       + " · practices " + ", ".join(f.practices))
            st.markdown(f"**Fix.** {f.remediation}")
    else:
        st.caption("Select a row to read the finding in full with its fix.")


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
    st.caption(f"{len(rows)} of {len(findings)} findings")
    finding_table(rows, "findings_table")


def cell_shares(wr: WorkloadReport, ed: str) -> tuple[dict[str, dict[str, float]],
                                                      dict[str, dict[str, str]]]:
    """Share of the practices in each pillar × phase cell that are violated, and its label."""
    matrix = wr.matrix(ed)
    values: dict[str, dict[str, float]] = {}
    text: dict[str, dict[str, str]] = {}
    for pl in PILLAR_ORDER:
        for ph in PHASE_ORDER:
            cell = matrix[pl][ph]
            total = sum(cell.values())
            values.setdefault(pl, {})[ph] = cell["violated"] / total if total else 0.0
            text.setdefault(pl, {})[ph] = f"{cell['violated']}/{total}" if total else "–"
    return values, text


def gap_heatmap(wr: WorkloadReport, ed: str) -> None:
    values, text = cell_shares(wr, ed)
    fig = components.grid_figure(values, text=text, colorscale="Reds", edition=ed,
                                 hover="violated / practices", zmax=1.0)
    key = f"gap_grid_{ed}"
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode="points",
                            config={"displayModeBar": False})
    st.caption("Each cell: practices violated / practices in the cell; the colour is the share "
               "violated. Click a cell to list its findings.")
    cell = components.selected_cell(event)
    if cell is None:
        return
    pl, ph = cell
    lz = data.lens()
    keys = {p.id2025 for p in lz.practices if p.pillar == pl and p.phase(ed) == ph}
    rows = [f for f in wr.findings if keys & set(f.practices)]
    st.markdown(f"**{data.pillar_label(pl)} · {data.phase_label(ph)}**: {len(rows)} finding(s)")
    if rows:
        finding_table(rows, f"gap_cell_{pl}_{ph}")


RISK_ORDER = {"HIGH": 0, "MEDIUM": 1, "UNANSWERED": 2, "NONE": 3, "NOT_APPLICABLE": 4}


def risk_section(wr: WorkloadReport) -> None:
    lz = data.lens()
    ed = components.edition()
    counts = wr.risk_counts()
    c = st.columns(5)
    for i, risk in enumerate(("HIGH", "MEDIUM", "NONE", "UNANSWERED", "NOT_APPLICABLE")):
        c[i].metric(risk.replace("_", " ").title() + " risk" if risk in ("HIGH", "MEDIUM")
                    else risk.replace("_", " ").title(), counts.get(risk, 0))
    pillar_rows: dict[str, dict[str, int]] = {}
    for q, r in wr.questions.items():
        question = lz.question_by_id.get(q)
        if question is not None:
            row = pillar_rows.setdefault(question.pillar, {"HIGH": 0, "MEDIUM": 0})
            if r.value in row:
                row[r.value] += 1
    st.caption("High / medium risk questions per pillar: " + " · ".join(
        f"{data.pillar_label(pl)} {pillar_rows[pl]['HIGH']}/{pillar_rows[pl]['MEDIUM']}"
        for pl in PILLAR_ORDER if pl in pillar_rows))
    rows = sorted(wr.questions.items(), key=lambda kv: (RISK_ORDER.get(kv[1].value, 9), kv[0]))
    by_question: dict[str, list[Any]] = defaultdict(list)
    for p in lz.practices:
        by_question[p.question].append(p)
    table = []
    for q, r in rows:
        question = lz.question_by_id.get(q)
        violated = [p.id(ed) for p in by_question.get(q, [])
                    if (res := wr.practices.get(p.id2025)) is not None
                    and res.status.value == "violated"]
        table.append({"risk": r.value, "question": q,
                      "asks": question.summary if question else "",
                      "topic": question.title if question else "",
                      "violated practices": ", ".join(violated),
                      "practice page": f"./practice?id={violated[0]}" if violated else None})
    st.dataframe(table, hide_index=True, width="stretch", height=min(700, 38 + 35 * len(table)),
                 column_config={
                     "asks": st.column_config.TextColumn("question asked", width="large"),
                     "topic": st.column_config.TextColumn(width="medium"),
                     "practice page": st.column_config.LinkColumn(
                         "open", display_text="first violated practice →", width="small")})
    st.caption("The Review page answers the questions no configuration shows.")


def plan_section(wr: WorkloadReport) -> None:
    plan = wr.plan()
    if not plan:
        st.success("Nothing to improve: no practice is violated.")
        return
    c = st.columns([1, 1, 2])
    group = c[0].selectbox("Group by", ["Risk", "Pillar", "Phase", "Policy"], key="plan_group")
    risks = c[1].multiselect("Risk", sorted({i.risk for i in plan}), key="plan_risk")
    text = c[2].text_input("Filter", key="plan_text", placeholder="practice id, title or policy")
    items = [i for i in plan if (not risks or i.risk in risks)
             and (not text or text.lower() in f"{i.practice} {i.title} {' '.join(i.policies)}".lower())]
    groups: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        if group == "Policy":
            for code in item.policies or ("(no policy)",):
                groups[code].append(item)
        else:
            label = {"Risk": f"{item.risk} risk", "Pillar": data.pillar_label(item.pillar),
                     "Phase": data.phase_label(item.phase)}[group]
            groups[label].append(item)
    st.caption(f"{len(items)} of {len(plan)} practices to put in place, most urgent first, "
               f"in {len(groups)} group(s).")
    for label, members in groups.items():
        with st.expander(f"{label} · {len(members)} practice(s)", expanded=len(groups) == 1):
            st.dataframe([{"#": i.rank, "practice": i.practice, "title": i.title, "risk": i.risk,
                           "phase": data.phase_label(i.phase), "policies": ", ".join(i.policies),
                           "findings": i.findings, "how to fix": i.remediation} for i in members],
                         hide_index=True, width="stretch",
                         column_config={"title": st.column_config.TextColumn(width="medium"),
                                        "how to fix": st.column_config.TextColumn(width="large")})


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
        from engine.estate.history import record_run

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
