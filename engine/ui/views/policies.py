"""Policies (governance): the catalogue, authoring in the compact form, history and rollback."""

from __future__ import annotations

from typing import Any

import streamlit as st
import yaml

from engine.errors import InputError
from engine.governance.store import WriteRefused
from engine.ui import data, governance
from engine.ui.identity import Identity

CASES_TEMPLATE = """policy: {code}
cases:
  - name: a compliant {kind} passes
    expect: pass
    workload:
      id: case
      name: Case
      {kind}:
        - name: good
          # the keys your checks need, set as required
  - name: a non-compliant {kind} fails
    expect: fail
    workload:
      id: case
      name: Case
      {kind}:
        - name: bad
    failures:
      - focus: {kind}/bad
        path: network.vpc   # the key the check fails on, as in a workload file
"""


def _sample_value(check: dict[str, Any]) -> Any:
    """A value that satisfies one compact check (for the starter cases)."""
    if "equals" in check:
        return check["equals"]
    if check.get("one_of"):
        return check["one_of"][0]
    if check.get("min") is not None:
        return check["min"]
    return True


def _nest(keys: list[str], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return out


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def starter_cases(compact: dict[str, Any]) -> str:
    """Cases that the drafted checks pass: a node meeting every check passes, one without
    the checked keys fails on each of them. Paths are workload keys, never predicates."""
    target, code = compact["target"], compact["code"] or "DRAFT-001"
    checks = [c for c in compact["checks"] if c.get("path") and not c["path"].startswith("mlwa:")]
    good: dict[str, Any] = {"name": "good"}
    for c in checks:
        _merge(good, _nest(c["path"].split("."), _sample_value(c)))
    if target == "workload":
        ok_wl: dict[str, Any] = {"id": "case", "name": "Case", **{k: v for k, v in good.items()
                                                                   if k != "name"}}
        bad_wl: dict[str, Any] = {"id": "case", "name": "Case"}
        focus = "workload"
    else:
        ok_wl = {"id": "case", "name": "Case", target: [good]}
        bad_wl = {"id": "case", "name": "Case", target: [{"name": "bad"}]}
        focus = f"{target}/bad"
    failing = [{"focus": focus, "path": c["path"]} for c in checks
               if c.get("required") or "equals" in c or c.get("one_of") or c.get("min") is not None]
    doc = {"policy": code, "cases": [
        {"name": f"an entry of {target} meeting every check passes", "expect": "pass", "workload": ok_wl},
        {"name": f"an entry of {target} without the checked keys fails", "expect": "fail",
         "workload": bad_wl, "failures": failing}]}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _identity() -> Identity:
    ident = st.session_state.get("identity")
    assert isinstance(ident, Identity)
    return ident


def catalogue_tab() -> None:
    cat = data.catalog()
    pols = sorted(cat.policies.values(), key=lambda p: p.code)
    c = st.columns(4)
    kinds = c[0].multiselect("Kind", ["automated", "attestation"], key="cat_kind")
    sev = c[1].multiselect("Severity", ["high", "medium", "low"], key="cat_sev")
    packs = c[2].multiselect("Pack", sorted({p.pack for p in pols}), key="cat_pack")
    text = c[3].text_input("Search", key="cat_search", placeholder="code, title or practice")
    rows = [p for p in pols if (not kinds or p.kind.value in kinds) and (not sev or p.severity.value in sev)
            and (not packs or p.pack in packs)
            and (not text or text.lower() in f"{p.code} {p.title} {' '.join(p.practices)}".lower())]
    st.caption(f"{len(rows)} of {len(pols)} policies")
    event = st.dataframe(
        [{"code": p.code, "title": p.title, "severity": p.severity.value, "kind": p.kind.value,
          "status": p.status.value, "practices": ", ".join(p.practices),
          "pillar": data.pillar_label(p.pillar), "pack": p.pack} for p in rows],
        hide_index=True, width="stretch", height=380, on_select="rerun",
        selection_mode="single-row", key="cat_table",
        column_config={"title": st.column_config.TextColumn(width="large")})
    picked = event.get("selection", {}).get("rows", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "rows", [])
    if picked:
        pol = rows[picked[0]]
        st.markdown(f"#### {pol.code} · {pol.title}")
        st.markdown(f"**Why.** {pol.rationale}")
        st.markdown(f"**Fix.** {pol.remediation}")
        st.code(pol.turtle(), language="turtle")


def _form_to_compact() -> dict[str, Any]:
    from engine.workload.spec import KIND_BY_ID

    lz = data.lens()
    c = st.columns([1, 2])
    code = c[0].text_input("Code", value="ACME-SEC-001", key="pf_code",
                           help="Your organisation's prefix, an area and a number: ACME-SEC-001")
    title = c[1].text_input("Title", value="Production endpoints run inside a VPC", key="pf_title")
    c4 = st.columns(4)
    severity = c4[0].selectbox("Severity", ["high", "medium", "low"], key="pf_sev")
    kind = c4[1].selectbox("Kind", ["automated", "attestation"], key="pf_kind")
    status = c4[2].selectbox("Status", ["stable", "preview", "deprecated"], key="pf_status")
    target = c4[3].selectbox("Applies to", ["endpoints", "workload", *[k for k in KIND_BY_ID if k != "endpoints"]],
                            key="pf_target")
    implements = st.multiselect("Implements practices", [p.id2025 for p in lz.practices],
                                default=["MLSEC05-BP01"], key="pf_impl",
                                format_func=lambda k: f"{k} · {lz.practice(k).title2025}")
    rationale = st.text_area("Rationale (why it matters)", key="pf_rationale", height=80,
                             value="An endpoint outside a VPC is reachable from networks the team does not control.")
    remediation = st.text_area("Remediation (how to fix)", key="pf_remediation", height=80,
                               value="Attach the endpoint to private subnets: set `network: {vpc: true}`.")
    st.markdown("**Checks** · one row per property; *path* uses the keys of a workload file "
                "(e.g. `network.vpc`, `encryption.at_rest`, `instances`).")
    rows = st.data_editor(
        [{"path": "network.vpc", "required": False, "equals": "true", "one_of": "", "min": None,
          "message": "the endpoint is not attached to a VPC"}],
        num_rows="dynamic", key="pf_checks", width="stretch",
        column_config={"required": st.column_config.CheckboxColumn(default=False),
                       "min": st.column_config.NumberColumn(),
                       "equals": st.column_config.TextColumn(help="true/false, a number or text"),
                       "one_of": st.column_config.TextColumn(help="comma-separated values")})
    checks = []
    for r in rows:
        if not r.get("path"):
            continue
        check: dict[str, Any] = {"path": str(r["path"]).strip()}
        if r.get("required"):
            check["required"] = True
        if r.get("equals") not in (None, ""):
            check["equals"] = yaml.safe_load(str(r["equals"]))
        if r.get("one_of"):
            check["one_of"] = [yaml.safe_load(v.strip()) for v in str(r["one_of"]).split(",") if v.strip()]
        if r.get("min") is not None and r.get("min") == r.get("min"):
            check["min"] = r["min"]
        if r.get("message"):
            check["message"] = str(r["message"])
        checks.append(check)
    return {"code": code.strip(), "title": title.strip(), "severity": severity, "status": status,
            "kind": kind, "implements": implements, "rationale": rationale.strip(),
            "remediation": remediation.strip(), "target": target, "checks": checks}


def author_tab() -> None:
    mode = st.segmented_control("Write the policy as", ["Form", "Turtle"], default="Form",
                                key="pf_mode") or "Form"
    turtle: str | None = None
    if mode == "Form":
        compact = _form_to_compact()
        text = yaml.safe_dump(compact, sort_keys=False, allow_unicode=True)
        left, right = st.columns(2)
        left.markdown("**Compact form**")
        left.code(text, language="yaml")
        right.markdown("**Compiled SHACL**")
        try:
            turtle = governance.compile_compact(text, f"{compact['code'] or 'draft'}.policy.yaml")
            right.code(turtle, language="turtle")
        except InputError as exc:
            right.error("The policy does not compile:")
            right.code("\n".join(exc.lines()), language=None)
        code, kind = compact["code"], compact["target"]
        starter = starter_cases(compact)
    else:
        custom = governance.custom_policies(data.store())
        start = st.selectbox("Start from", ["(blank)", *custom], key="pt_start")
        turtle = st.text_area("Policy (SHACL Turtle)", value=custom.get(start, ""), height=320,
                              key=f"pt_text_{start}")
        try:
            code = governance.policy_code(turtle) if turtle.strip() else "ACME-SEC-001"
        except InputError:
            code = "ACME-SEC-001"
        kind = "endpoints"
        starter = CASES_TEMPLATE.format(code=code, kind=kind)
    cases_key = f"pf_cases_{code}"
    existing = _stored_cases(code)
    cases = st.text_area("Cases (what must pass and what must fail)", height=300, key=cases_key,
                         value=existing or starter,
                         help="Paths are the keys of a workload file (network.vpc). A case "
                              "names the node and key that must fail, never message text.")
    if not turtle:
        return
    c = st.columns([3, 1, 1], vertical_alignment="bottom")
    reason = c[0].text_input("Reason for the change", key="pf_reason",
                             placeholder="why this policy (recorded in the audit log)")
    if c[1].button("Test", key="pf_test", width="stretch"):
        with st.status("Testing the draft …", expanded=True) as status:
            st.write("Linting the policy, running its cases in the sandbox, then the "
                     f"{len(data.examples())} bundled examples (each in its own process).")
            result = governance.try_policy(turtle, cases, data.examples())
            st.session_state["pf_trial"] = result
            status.update(label="Tested: " + ("everything passed" if result.ok
                                              else "see the problems below"),
                          state="complete" if result.ok else "error", expanded=False)
    save = c[2].button("Save", key="pf_save", type="primary", width="stretch")
    trial = st.session_state.get("pf_trial")
    if trial is not None and trial.code == code:
        _show_trial(trial)
    if save:
        try:
            entry = governance.save_policy(data.store(), _identity(), turtle, cases,
                                           reason=reason or f"save {code}")
        except WriteRefused as exc:
            st.error(f"Refused: {exc}")
        except InputError as exc:
            st.error(str(exc))
        else:
            data.store_changed()
            st.success(f"Saved {code} (version {entry.version[:12] if entry.version else '?'}, "
                       f"audit entry {entry.seq}).")


def _stored_cases(code: str) -> str | None:
    from engine.governance.store import NotFound

    try:
        return data.store().read(governance.POLICIES, f"{governance.CUSTOM_PACK}/{code}.cases.yaml").text
    except (NotFound, InputError):
        return None


def _show_trial(trial: governance.PolicyTrial) -> None:
    if trial.ok:
        st.success(f"{trial.code}: every case passed and the lint found nothing.")
    for p in trial.problems + trial.lint:
        st.error(p)
    if trial.cases is not None:
        for p in trial.cases.problems:
            st.error(p)
        st.dataframe([{"case": r.name, "expect": r.expect, "result": "pass" if r.ok else "FAIL",
                       "detail": r.detail} for r in trial.cases.results], hide_index=True,
                     width="stretch")
    if trial.examples:
        st.caption("Findings on the bundled examples: " + ", ".join(
            f"{name}: {n}" for name, n in trial.examples.items()))


def history_tab() -> None:
    store = data.store()
    docs = [f"{c}/{n}" for c, n in store.documents() if c in (governance.POLICIES, governance.WAIVERS)]
    if not docs:
        st.info("The store holds no custom policy or waiver yet.")
        return
    chosen = st.selectbox("Document", docs, key="hist_doc")
    collection, name = chosen.split("/", 1)
    entries = store.history(collection, name)
    current = store.current_version(collection, name)
    st.dataframe([{"seq": e.seq, "time": e.time, "actor": e.actor, "action": e.action,
                   "version": (e.version or "")[:12], "current": "●" if e.version == current else "",
                   "reason": e.reason} for e in reversed(entries)], hide_index=True, width="stretch")
    versions = [e.version for e in entries if e.version and e.version != current]
    if not versions:
        return
    c = st.columns([1, 2, 1])
    version = c[0].selectbox("Version", list(dict.fromkeys(reversed(versions))), key="hist_version",
                             format_func=lambda v: v[:12])
    reason = c[1].text_input("Reason", key="hist_reason", placeholder="why roll back")
    with st.expander("Content of that version"):
        st.code(store.read(collection, name, version).text)
    if c[2].button("Roll back", key="hist_rollback", width="stretch"):
        try:
            entry = governance.rollback_document(store, _identity(), collection, name, version,
                                                 reason=reason)
        except (WriteRefused, InputError) as exc:
            st.error(str(exc))
        else:
            data.store_changed()
            st.success(f"{chosen}: version {version[:12]} is current again (audit entry {entry.seq}).")


def main() -> None:
    st.title("Policies")
    tabs = st.tabs(["Catalogue", "Author a policy", "History and rollback"])
    with tabs[0]:
        catalogue_tab()
    with tabs[1]:
        author_tab()
    with tabs[2]:
        history_tab()


if __name__ == "__main__":
    main()
