"""mlwa web app: explore the ML Lens, validate workloads, govern policies and waivers.

Run with ``mlwa app`` (or ``streamlit run app.py``). ``app`` below is an ASGI application:
Streamlit's server running engine/ui/entry.py, plus a route per page so deep links such as
``/explore`` open their page (engine/ui/server.py says why). Pages are built per role on
every run; every write also checks the role where it happens (engine/ui/governance.py).
The page code lives in the package (engine/ui/) so an installed wheel serves the same app.
"""

import streamlit as st

from engine.ui.server import ENTRY, page_routes

app = st.App(ENTRY, routes=page_routes())
