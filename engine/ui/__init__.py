"""The Streamlit front end's page code (the only part of ``engine`` that imports Streamlit).

``settings`` and ``identity`` decide who the user is and what they may do; ``governance``
holds every write, each checking the role where it happens; ``uploads`` reads uploaded
files and zip archives with caps; ``data`` holds the cached lens, catalogue and derived
tables; ``views/`` holds one script per page, run by ``st.navigation`` from ``app.py``.

May import: anything in engine except commands. A new app page is one module in ui/views/.
"""
