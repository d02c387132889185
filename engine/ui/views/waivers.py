"""Waivers (governance): grant with a reason and an expiry, list, revoke."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from engine.errors import InputError
from engine.store import WriteRefused
from engine.ui import data, governance
from engine.ui.identity import Identity


def main() -> None:
    st.title("Waivers")
    st.caption("A waiver accepts the risk of one policy's findings on one workload until it expires; "
               "expired waivers stop covering findings.")
    ident = st.session_state.get("identity")
    assert isinstance(ident, Identity)
    store = data.store()
    try:
        waivers, _ = governance.read_waivers(store)
    except InputError as exc:
        st.error(f"The waivers document cannot be read: {exc}")
        return
    today = dt.date.today()

    with st.form("grant", clear_on_submit=False, border=True):
        st.markdown("**Grant a waiver**")
        c = st.columns(3)
        workload = c[0].text_input("Workload id", key="w_workload", placeholder="fraud-detection")
        codes = sorted(data.catalog().policies)
        policy = c[1].selectbox("Policy", codes, key="w_policy")
        focus = c[2].text_input("Only this node (optional)", key="w_focus",
                                placeholder="data_stores/raw-transactions")
        c = st.columns([1, 3])
        expires = c[0].date_input("Expires", value=today + dt.timedelta(days=90), min_value=today,
                                  key="w_expires")
        reason = c[1].text_input("Reason", key="w_reason", placeholder="why the risk is accepted")
        if st.form_submit_button("Grant", type="primary"):
            try:
                w = governance.grant_waiver(store, ident, workload=workload, policy=policy,
                                            reason=reason, expires=expires, focus=focus)
            except (WriteRefused, InputError) as exc:
                st.error(str(exc))
            else:
                data.store_changed()
                st.success(f"Granted {w.id} for {w.policy} on {w.workload} until {w.expires}.")
                waivers, _ = governance.read_waivers(store)

    st.subheader(f"{len(waivers)} waivers")
    if not waivers:
        st.info("No waiver has been granted.")
        return
    st.dataframe([{"id": w.id, "state": "expired" if w.expired(today) else "active",
                   "workload": w.workload, "policy": w.policy, "node": w.focus or "(all)",
                   "expires": w.expires.isoformat(), "reason": w.reason, "granted by": w.granted_by,
                   "granted": w.granted.isoformat()}
                  for w in sorted(waivers, key=lambda x: (not x.expired(today), x.expires))],
                 hide_index=True, width="stretch",
                 column_config={"state": st.column_config.TextColumn(help="expired waivers no longer apply")})
    c = st.columns([1, 3, 1])
    wid = c[0].selectbox("Waiver", [w.id for w in waivers], key="w_revoke_id")
    why = c[1].text_input("Reason for revoking", key="w_revoke_reason")
    if c[2].button("Revoke", key="w_revoke"):
        try:
            governance.revoke_waiver(store, ident, wid, reason=why)
        except (WriteRefused, InputError) as exc:
            st.error(str(exc))
        else:
            data.store_changed()
            st.success(f"Revoked {wid}.")
            st.rerun()


if __name__ == "__main__":
    main()
