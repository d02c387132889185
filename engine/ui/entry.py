"""The web app's entry point: pages built per role on every run.

``app.py`` at the top of the repository serves this script through
:mod:`engine.ui.server` (which also answers each page's URL); ``mlwa app`` does the same
when the package is installed from a wheel (where there is no ``app.py``). Page files are
named by absolute path, so both entry points find them.

Every page has its own URL (``/explore``, ``/validate`` …). Explore is also the root page;
``/explore`` reaches it through a hidden alias. A governance page opened by someone without
the governance role shows what it needs instead of the page (the write is still checked
where it happens, engine/ui/governance.py).
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from engine.errors import InputError
from engine.ui import components
from engine.ui.identity import GOVERNANCE, current_identity, oidc_configured

HERE = Path(__file__).resolve().parent
VIEWS = HERE / "views"
ICON = str(HERE / "assets" / "icon.png")

# section -> (view file, title, icon, url path); governance pages need the governance role
SECTIONS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "Lens": (("explore", "Explore", ":material/explore:", "explore"),
             ("practice", "Practice", ":material/menu_book:", "practice"),
             ("analytics", "Analytics", ":material/insights:", "analytics")),
    "Workloads": (("describe", "Describe", ":material/edit_note:", "describe"),
                  ("validate", "Validate", ":material/fact_check:", "validate"),
                  ("review", "Review", ":material/rate_review:", "review"),
                  ("portfolio", "Portfolio", ":material/folder_open:", "portfolio"),
                  ("history", "History", ":material/history:", "history")),
    "Governance": (("policies", "Policies", ":material/policy:", "policies"),
                   ("waivers", "Waivers", ":material/verified_user:", "waivers")),
}
RESTRICTED = {"Governance": GOVERNANCE}


def _needs_role(title: str, role: str) -> None:
    st.title(title)
    st.warning(f"The {title} page needs the **{role}** role; you are signed in as "
               f"{components.plain(st.session_state['identity'].name)} with the "
               f"{st.session_state['identity'].role} role.")
    st.caption("Ask an administrator for the role: behind the sign-in proxy, membership of the "
               "governance group; locally, `role = \"governance\"` in the app config "
               "(or `mlwa app --role governance`).")


def _pages(can_write: bool) -> tuple[dict[str, list[st.Page]], st.Page, st.Page]:
    pages: dict[str, list[st.Page]] = {}
    hidden: list[st.Page] = []
    explore = practice = None
    for section, entries in SECTIONS.items():
        allowed = section not in RESTRICTED or can_write
        for view, title, icon, path in entries:
            if allowed:
                page = st.Page(f"{VIEWS}/{view}.py", title=title, icon=icon,
                               url_path=path if view != "explore" else "home",
                               default=view == "explore")
                pages.setdefault(section, []).append(page)
                explore = page if view == "explore" else explore
                practice = page if view == "practice" else practice
            else:
                role = RESTRICTED[section]
                hint = functools.partial(_needs_role, title, role)
                hint.__name__ = f"needs_{path}"  # type: ignore[attr-defined]
                hidden.append(st.Page(hint, title=title, icon=icon, url_path=path,
                                      visibility="hidden"))
    # the root page is Explore; its documented URL /explore reaches the same view
    hidden.append(st.Page(f"{VIEWS}/explore.py", title="Explore", icon=":material/explore:",
                          url_path="explore", visibility="hidden"))
    pages["Lens"].extend(hidden)
    assert explore is not None and practice is not None
    return pages, explore, practice


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

    pages, _explore, practice = _pages(identity.can_write)
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
