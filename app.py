"""mlwa web app: explore the ML Lens, validate workloads, govern policies and waivers.

Run with ``mlwa app`` (or ``streamlit run app.py``). Pages are built per role on every
run: an architect never gets the governance pages, and opening one by URL lands on the
main page. Every write also checks the role where it happens (engine/ui/governance.py).
The page code lives in the package (engine/ui/) so an installed wheel serves the same app.
"""

from engine.ui.entry import main

main()
