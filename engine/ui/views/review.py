"""Review: walk the lens questions for a workload, see what its description already shows,
answer the rest, and take the answers away as attestations (engine/ui/review_model.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import streamlit as st

from engine.errors import InputError
from engine.lens.ontology import PILLAR_ORDER
from engine.ui import components, data
from engine.ui import review_model as rm
from engine.ui.views.validate import UPLOAD_TYPES

if TYPE_CHECKING:
    from engine.interop.customlens import ImportedLens

OUTCOME_TEXT = {"verified": "verified by the description", "declared": "declared only",
                "attested": "attested", "waived": "waived", "not_applicable": "not applicable",
                "violated": "violated", "not_assessed": "not assessed",
                rm.ASK: "needs your answer (no attestation)"}
RISK_TEXT = {"HIGH": "high risk", "MEDIUM": "medium risk", "NONE": "no risk",
             "UNANSWERED": "unanswered", "NOT_APPLICABLE": "not applicable"}


@st.cache_resource
def custom_lens() -> ImportedLens:
    return rm.ml_lens_as_custom_lens(data.lens())


def _workload() -> tuple[str, str] | None:
    source = st.segmented_control("Workload", ["Example", "Upload"], default="Example",
                                  key="review_source") or "Example"
    if source == "Upload":
        up = st.file_uploader("Workload file", type=UPLOAD_TYPES, key="review_upload")
        if up is None:
            return None
        try:
            return up.getvalue().decode("utf-8"), up.name
        except UnicodeDecodeError:
            st.error(f"{components.plain(up.name)} is not UTF-8 text.")
            return None
    names = list(data.examples())
    name = st.selectbox("Example", names, key="review_example",
                        index=names.index("starter.yaml") if "starter.yaml" in names else 0)
    return data.examples()[name], name


def _answers(workload: str) -> dict[str, rm.Answer]:
    """The answers of this session for ``workload`` (kept apart per workload)."""
    store = st.session_state.setdefault("review_answers", {})
    return store.setdefault(workload, {})


def _seed(key: str, value: Any) -> None:
    """Give a widget its stored value when it is drawn again (widget state is dropped while
    a question is folded away)."""
    if key not in st.session_state:
        st.session_state[key] = value


def question_form(qid: str, answers: dict[str, rm.Answer], outcomes: dict[str, str],
                  ed: str) -> None:
    lz = data.lens()
    answer = answers.get(qid) or rm.Answer()
    q = lz.question_by_id[qid]
    st.markdown(f"*{q.summary}*")
    st.dataframe([{"practice": lz.practice(p).id(ed), "title": lz.practice(p).title(ed),
                   "risk if missing": lz.practice(p).risk, "from the description": OUTCOME_TEXT.get(s, s)}
                  for p, s in outcomes.items()], hide_index=True, width="stretch",
                 column_config={"title": st.column_config.TextColumn(width="large")})
    open_choices = [p for p, s in outcomes.items() if s == rm.ASK]
    violated = [lz.practice(p).id(ed) for p, s in outcomes.items() if s == "violated"]
    unseen = [lz.practice(p).id(ed) for p, s in outcomes.items() if s == "not_assessed"]
    if violated:
        st.caption("Violated by the description (fix or waive; an answer cannot override it): "
                   + ", ".join(violated))
    if unseen:
        st.caption("Shown only by configuration: describe it in the workload file (the Describe "
                   "page) rather than answer it: " + ", ".join(unseen))
    base = f"rv_{qid}"
    _seed(f"{base}_choices", [p for p in answer.choices if p in open_choices])
    _seed(f"{base}_none", answer.none)
    _seed(f"{base}_na", answer.not_applicable)
    _seed(f"{base}_reason", answer.reason)
    _seed(f"{base}_note", answer.note)
    na = st.checkbox("Not applicable to this workload", key=f"{base}_na")
    if na:
        reason = st.text_input("Why not applicable (required)", key=f"{base}_reason")
        choices, none = [], False
    else:
        reason = ""
        none = st.checkbox("None of these", key=f"{base}_none")
        choices = [] if none else st.multiselect(
            "Also in place (not shown by the description)", open_choices, key=f"{base}_choices",
            format_func=lambda p: f"{lz.practice(p).id(ed)} · {lz.practice(p).title(ed)}",
            disabled=not open_choices,
            placeholder="Choose practices" if open_choices else "Nothing left to choose")
    note = st.text_input("Evidence (a link, a ticket, a document)", key=f"{base}_note",
                         help="Required for a chosen practice to count: the attestation "
                              "policies do not accept a bare claim.")
    answers[qid] = rm.Answer(list(choices), none, na, reason, note)
    if choices and not note.strip():
        st.warning("Add the evidence: without it the chosen practices do not count (the report "
                   "would not count them either).")
    if na and not reason.strip():
        st.warning("Give a reason: a question is not applicable only with one.")


def main() -> None:
    ed = components.edition()
    lz = data.lens()
    st.title("Review")
    st.caption("The lens questions for one workload: what its description already shows, "
               "and your answers for the rest. Risks follow the lens's own rules (the ML Lens "
               "as a Well-Architected Tool custom lens); answers become attestations.")
    chosen = _workload()
    if chosen is None:
        st.info("Choose an example or upload a workload to review it.")
        return
    text, filename = chosen
    try:
        report = data.validate_text(text, filename, "auto", ed, data.generation())
    except InputError as exc:
        st.error("The workload could not be read:")
        st.code("\n".join(exc.lines()), language=None)
        return
    wr = report.workloads[0]
    custom = custom_lens()
    answers = _answers(wr.workload)
    st.subheader(components.plain(wr.name))

    c = st.columns([1, 1, 2])
    pillar = c[0].selectbox("Pillar", ["all", *PILLAR_ORDER], key="review_pillar",
                            index=1, format_func=lambda s: "All pillars" if s == "all"
                            else data.pillar_label(s))
    show = c[1].selectbox("Questions", ["all", "open (not no-risk)", "answered"], key="review_show")
    questions = [q for q in lz.questions if pillar in ("all", q.pillar)]
    risks_before = {q.id: rm.question_risk(q.id, lz, custom, wr, None) for q in lz.questions}

    summary = st.container()
    for q in questions:
        outcomes = rm.shown_practices(q.id, lz, wr)
        risk = rm.question_risk(q.id, lz, custom, wr, answers.get(q.id))
        if show.startswith("open") and risk in ("NONE", "NOT_APPLICABLE"):
            continue
        if show == "answered" and not (answers.get(q.id) and answers[q.id].given):
            continue
        with st.expander(f"{q.id} · {q.title} — {RISK_TEXT.get(risk, risk)}"):
            question_form(q.id, answers, outcomes, ed)
            now = rm.question_risk(q.id, lz, custom, wr, answers.get(q.id))
            st.markdown(f"Risk now: **{RISK_TEXT.get(now, now)}** "
                        f"(from the description alone: {RISK_TEXT.get(risks_before[q.id])})")

    risks_after = {q.id: rm.question_risk(q.id, lz, custom, wr, answers.get(q.id))
                   for q in lz.questions}
    before, after = rm.risk_counts(risks_before), rm.risk_counts(risks_after)
    with summary:
        m = st.columns(5)
        for i, risk in enumerate(rm.RISKS):
            m[i].metric(RISK_TEXT[risk].capitalize(), after[risk],
                        delta=after[risk] - before[risk] or None, delta_color="inverse"
                        if risk in ("HIGH", "MEDIUM", "UNANSWERED") else "normal")
        st.caption("All questions of the lens; the change is against the description alone.")

    st.divider()
    _save(answers, wr, text, filename, ed)


def _save(answers: dict[str, rm.Answer], wr: Any, text: str, filename: str, ed: str) -> None:
    identity = st.session_state.get("identity")
    owner = identity.name if identity is not None else "architect"
    items = rm.attestations(answers, data.lens(), wr, owner=owner, when=dt.date.today())
    missing = [qid for qid, a in answers.items() if a.not_applicable and not a.reason.strip()]
    st.subheader("Save the answers")
    if not items:
        st.caption("Answer a question to get attestations to save.")
        return
    if missing:
        st.error("Not applicable without a reason: " + ", ".join(missing))
        return
    body = rm.attestations_yaml(items, wr.workload)
    c = st.columns(3)
    c[0].download_button("Attestations (YAML)", body, file_name=f"{wr.workload}.attestations.yaml",
                         mime="application/x-yaml", icon=":material/download:", key="review_dl",
                         width="stretch")
    try:
        merged = rm.with_attestations(text, filename, items)
    except InputError as exc:
        st.caption(str(exc))
        merged = None
    if merged is not None:
        c[1].download_button("Workload with the answers", merged,
                             file_name=filename.rsplit(".", 1)[0] + ".reviewed.yaml",
                             mime="application/x-yaml", icon=":material/download:",
                             key="review_dl_merged", width="stretch")
    if identity is not None and identity.can_write and c[2].button(
            "Save in the store", key="review_store", icon=":material/save:", width="stretch"):
        from engine.governance.store import WriteRefused

        try:
            entry = data.store().write("attestations", f"{wr.workload}.yaml", body,
                                       actor=identity.name, role=identity.role,
                                       reason=f"review answers for {wr.workload}")
        except (WriteRefused, InputError, TypeError) as exc:
            st.error(f"Not saved: {exc}")
        else:
            st.success(f"Saved as attestations/{wr.workload}.yaml (audit entry "
                       f"{getattr(entry, 'seq', '?')}).")
    st.code(body, language="yaml")
    if merged is not None and st.button("Validate with these answers", key="review_revalidate",
                                        type="primary"):
        with st.status("Validating the workload with the answers …") as status:
            try:
                again = data.validate_text(merged, filename, "auto", ed, data.generation())
            except InputError as exc:
                status.update(label="The answers did not load", state="error")
                st.code("\n".join(exc.lines()), language=None)
                return
            status.update(label="Validated with the answers", state="complete")
        nwr = again.workloads[0]
        counts = nwr.risk_counts()
        st.session_state["review_revalidated"] = counts
        m = st.columns(5)
        for i, risk in enumerate(rm.RISKS):
            m[i].metric("Report: " + RISK_TEXT[risk], counts.get(risk, 0))
        st.caption(f"{len(items)} attestations added; practices attested: "
                   f"{nwr.status_counts().get('attested', 0)}. This is the report every "
                   "format (and the Validate page) gives for the workload file with the answers.")


if __name__ == "__main__":
    main()
