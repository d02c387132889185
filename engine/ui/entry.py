"""The web app's entry point: pages built per role on every run.

``app.py`` at the top of the repository calls :func:`main`; ``mlwa app`` runs this file
directly when the package is installed from a wheel (where there is no ``app.py``). Page
files are named by absolute path, so both entry points find them.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from engine.errors import InputError
from engine.ui import components
from engine.ui.identity import current_identity, oidc_configured

HERE = Path(__file__).resolve().parent
VIEWS = HERE / "views"
ICON = str(HERE / "assets" / "icon.png")


def main() -> None:
    st.set_page_config(page_title="mlwa · ML Lens", page_icon=ICON, layout="wide",
                       initial_sidebar_state="expanded")
    st.markdown(components.CSS, unsafe_allow_html=True)

    try:
        identity = current_identity()
    except InputError as exc:
        st.error(f"The app configuration is invalid: {exc}")
        st.stop()
    st.session_state["identity"] = identity

    explore = st.Page(f"{VIEWS}/explore.py", title="Explore", icon=":material/explore:", url_path="explore",
                      default=True)
    practice = st.Page(f"{VIEWS}/practice.py", title="Practice", icon=":material/menu_book:", url_path="practice")
    pages: dict[str, list[st.Page]] = {
        "Lens": [explore, practice,
                 st.Page(f"{VIEWS}/analytics.py", title="Analytics", icon=":material/insights:", url_path="analytics")],
        "Workloads": [st.Page(f"{VIEWS}/validate.py", title="Validate", icon=":material/fact_check:", url_path="validate"),
                      st.Page(f"{VIEWS}/portfolio.py", title="Portfolio", icon=":material/folder_open:", url_path="portfolio"),
                      st.Page(f"{VIEWS}/history.py", title="History", icon=":material/history:", url_path="history")],
    }
    if identity.can_write:
        pages["Governance"] = [
            st.Page(f"{VIEWS}/policies.py", title="Policies", icon=":material/policy:", url_path="policies"),
            st.Page(f"{VIEWS}/waivers.py", title="Waivers", icon=":material/verified_user:", url_path="waivers"),
        ]
    nav = st.navigation(pages)

    if identity.via == "local-governance":
        st.warning("Local governance mode (`mlwa app --local-governance`): nobody signed in, "
                   "and this session may change policies and waivers. The store records the "
                   "operating-system user of the server beside the name shown.", icon="⚠️")
    with st.sidebar:
        components.sidebar_controls()
        st.caption(f"Signed in as {components.plain(identity.name)} · {identity.role}"
                   + {"proxy": " (proxy)", "oidc": " (sign-in)"}.get(identity.via, ""))
        if identity.via in ("local", "local-governance") and oidc_configured():
            st.button("Sign in", on_click=st.login)
        elif identity.via == "oidc":
            st.button("Sign out", on_click=st.logout)

    if st.session_state.pop("_goto_practice", False) and nav is not practice:
        st.switch_page(practice)
    nav.run()


if __name__ == "__main__":
    main()
