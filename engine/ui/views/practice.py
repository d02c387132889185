"""Practice: one best practice with both editions' ids, its context and its policies."""

from __future__ import annotations

import streamlit as st
import yaml

from engine.ui import components, data


def _selected() -> str:
    lz = data.lens()
    wanted = st.query_params.get("id") or st.session_state.get("practice") or lz.practices[0].id2025
    found = lz.find(str(wanted))
    return found.id2025 if found else lz.practices[0].id2025


def _select(pid: str) -> None:
    st.session_state["practice"] = pid
    st.session_state["practice_pick"] = pid


def main() -> None:
    lz = data.lens()
    ed = components.edition()
    current = _selected()
    ids = [p.id2025 for p in lz.practices]
    st.session_state.setdefault("practice_pick", current)
    if st.session_state.get("practice") and st.session_state["practice"] != st.session_state["practice_pick"]:
        st.session_state["practice_pick"] = st.session_state["practice"]
    pid = st.selectbox("Practice", ids, key="practice_pick",
                       format_func=lambda k: f"{lz.practice(k).id(ed)} · {lz.practice(k).title(ed)}")
    st.session_state["practice"] = pid
    st.query_params["id"] = pid
    p = lz.practice(pid)

    st.title(p.id(ed))
    st.subheader(p.title(ed))
    components.chips([f"2025: {p.id2025}", f"2023: {p.id2023}", f"risk: {p.risk}",
                      data.pillar_label(p.pillar), f"phase: {data.phase_label(p.phase(ed))}"])
    st.write(p.description)
    if p.title2023 != p.title2025:
        st.caption(f"2023 title: {p.title2023}")
    source = p.source2025 if ed == "2025" else (p.source2023 or p.source2025)
    if source.startswith("https://"):
        st.link_button("Open the lens page on docs.aws.amazon.com ↗", source)

    left, right = st.columns(2)
    with left:
        q = lz.question_by_id.get(p.question)
        st.subheader("Question")
        if q:
            st.markdown(f"**{q.id}** · {q.title}")
            st.caption(q.summary)
        st.subheader("Design principles")
        for slug in p.principles:
            pr = lz.principle_by_slug.get(slug)
            st.markdown(f"- **{pr.label if pr else slug}**" + (f": {pr.description}" if pr and pr.description else ""))
        if not p.principles:
            st.caption("None named.")
    with right:
        st.subheader("Related practices")
        if not p.related:
            st.caption("None named.")
        for rid in p.related:
            r = lz.find(rid)
            if r is None:
                continue
            st.button(f"{r.id(ed)} · {r.title(ed)}", key=f"rel_{rid}", on_click=_select,
                      args=(r.id2025,), width="stretch")

    st.subheader("Policies that check this practice")
    policies = data.catalog().by_practice().get(p.id2025, [])
    if not policies:
        st.info("No policy in the catalogue implements this practice yet.")
    for pol in sorted(policies, key=lambda x: x.code):
        with st.expander(f"{pol.code} · {pol.title} ({pol.kind.value}, {pol.severity.value})"):
            st.markdown(f"**Why.** {pol.rationale}")
            st.markdown(f"**Fix.** {pol.remediation}")
            st.caption(f"pack {pol.pack} · status {pol.status.value}")
            _cases(pol)


def _cases(pol: object) -> None:
    from engine.errors import InputError
    from engine.validate.cases import load_cases

    try:
        cases = load_cases(pol)  # type: ignore[arg-type]
    except InputError as exc:
        st.caption(f"No cases: {exc}")
        return
    for case in cases[:4]:
        verdict = "passes" if case.get("expect") == "pass" else "fails"
        st.markdown(f"*Example that {verdict}:* {case.get('name', '')}")
        st.code(yaml.safe_dump(case.get("workload"), sort_keys=False, allow_unicode=True),
                language="yaml")
        if case.get("failures"):
            st.caption("Fails on: " + ", ".join(f"{f.get('focus', 'workload')} {f.get('path') or ''}".strip()
                                                 for f in case["failures"]))


if __name__ == "__main__":
    main()
