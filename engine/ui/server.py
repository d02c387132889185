"""The web app as an ASGI application: Streamlit's own server plus page routes.

A deep link such as ``/explore`` is served by Streamlit's single-page front end, which
first probes ``/explore/_stcore/health`` and ``/explore/_stcore/host-config`` (it cannot
tell a page name from a base path) and logs two 404s before it falls back to ``/``. The
routes here answer each page's URL with the same ``index.html`` plus one line that tells
the front end where the server is (the folder above the page), so it asks the right place
first. ``app.py`` (and ``mlwa app``, through ``engine/ui/serve.py``) build the app here.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

ENTRY = Path(__file__).resolve().parent / "entry.py"

# The front end reads ``window.__streamlit`` once when its module loads; a classic inline
# script in <head> runs before any module script.
_BASE_SCRIPT = ('<script>window.__streamlit={BACKEND_BASE_URL:'
                'new URL(".",window.location.href).href};</script>')


@functools.cache
def index_html() -> str:
    """Streamlit's index.html with the backend base URL set."""
    from streamlit import file_util

    text = (Path(file_util.get_static_dir()) / "index.html").read_text(encoding="utf-8")
    return text.replace("<head>", "<head>\n    " + _BASE_SCRIPT, 1)


async def _page(request: Any) -> Any:
    from starlette.responses import HTMLResponse

    return HTMLResponse(index_html(), headers={"Cache-Control": "no-cache"})


def page_paths() -> list[str]:
    """The URL path of every page the navigation can show."""
    from engine.ui.entry import SECTIONS

    return [entry[3] for entries in SECTIONS.values() for entry in entries]


def page_routes() -> list[Any]:
    from starlette.routing import Route

    return [Route(f"/{path}", _page, methods=["GET", "HEAD"]) for path in page_paths()]


def make_app(script: Path = ENTRY) -> Any:
    import streamlit as st

    return st.App(script, routes=page_routes())
