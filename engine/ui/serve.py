"""What ``mlwa app`` runs when the package is installed from a wheel (no ``app.py``):
the same ASGI application as ``app.py``, found by ``streamlit run`` as ``app``."""

import streamlit as st

from engine.ui.server import ENTRY, page_routes

app = st.App(ENTRY, routes=page_routes())
