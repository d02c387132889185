"""Waivers (governance): grant with a reason and an expiry, list, revoke."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from engine.errors import InputError
from engine.governance.store import WriteRefused
from engine.ui import data, governance
from engine.ui.identity import Identity


def _grant_form(ident: Identity, today: dt.date) -> None:
    lz = data.lens()
    st.markdown("**Grant a waiver**")
    scope = st.radio("Waive", ["a policy", "a practice"], key="w_scope", horizontal=True)
    with st.form("grant", border=True):
        c = st.columns([2, 3])
        workload = c[0].text_input("Workload id", key="w_workload",
                                   placeholder="fraud-detection, or * for every workload")
        codes = sorted(data.catalog().policies)
        if scope == "a policy":
            policy = c[1].selectbox("Policy", codes, key="w_policy")
            practice = None
        else:
            practice = c[1].selectbox("Practice", [p.id2025 for p in lz.practices], key="w_practice",
                                      format_func=lambda k: f"{k} · {lz.practice(k).title2025}")
            policy = None
        c = st.columns([2, 1, 3])
        focus = c[0].text_input("Only this node (optional)", key="w_focus",
                                placeholder="data_stores/raw-transactions")
        expires = c[1].date_input("Expires", value=today + dt.timedelta(days=90),
                                  min_value=today + dt.timedelta(days=1), key="w_expires")
        reason = c[2].text_input("Reason", key="w_reason", placeholder="why the risk is accepted")
        if st.form_submit_button("Grant", type="primary"):
            try:
                w = governance.grant_waiver(data.store(), ident, workload=workload, policy=policy,
                                            practice=practice, reason=reason, expires=expires,
                                            focus=focus, today=today)
            except (WriteRefused, InputError) as exc:
                st.error(str(exc))
            else:
                data.store_changed()
                st.success(f"Granted {w.id} for {w.policy or w.practice} on {w.workload} "
                           f"until {w.expires}.")


def main() -> None:
    st.title("Waivers")
    st.caption("A waiver accepts the risk of a policy's (or a practice's) findings on a workload "
               "until it expires; from its expiry date its findings count again.")
    ident = st.session_state.get("identity")
    assert isinstance(ident, Identity)
    today = dt.date.today()
    _grant_form(ident, today)
    try:
        waivers, _ = governance.read_waivers(data.store())
    except InputError as exc:
        st.error(f"The waivers document cannot be read: {exc}")
        return
    st.subheader(f"{len(waivers)} waiver{'' if len(waivers) == 1 else 's'}")
    if not waivers:
        st.info("No waiver has been granted.")
        return
    order = {"expired": 0, "pending": 1, "active": 2}
    rows = sorted(waivers, key=lambda w: (order[w.status(today)], w.expires, w.id))
    st.dataframe([{"id": w.id, "state": w.status(today), "workload": w.workload,
                   "waives": w.policy or w.practice, "node": w.focus or "(all)",
                   "created": w.created.isoformat(), "expires": w.expires.isoformat(),
                   "reason": w.reason, "approver": w.approver} for w in rows],
                 hide_index=True, width="stretch",
                 column_config={"reason": st.column_config.TextColumn(width="large")})
    expired = sum(1 for w in waivers if w.status(today) == "expired")
    if expired:
        st.warning(f"{expired} waiver(s) have expired and no longer cover findings.")
    c = st.columns([1, 3, 1], vertical_alignment="bottom")
    wid = c[0].selectbox("Waiver", [w.id for w in waivers], key="w_revoke_id")
    why = c[1].text_input("Reason for revoking", key="w_revoke_reason")
    if c[2].button("Revoke", key="w_revoke", width="stretch"):
        try:
            governance.revoke_waiver(data.store(), ident, wid, reason=why)
        except (WriteRefused, InputError) as exc:
            st.error(str(exc))
        else:
            data.store_changed()
            st.success(f"Revoked {wid}.")
            st.rerun()


if __name__ == "__main__":
    main()
