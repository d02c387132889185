"""Policies: find and load packs and select from them (catalog), compile the compact YAML form
to SHACL (compact), lint a custom policy's shapes (lint), evaluate untrusted packs in a
limited child process (custom, sandbox). A new policy check is a file in a pack folder under
the top-level policies/ (no code); a new check on policies themselves goes here. The harness
that runs a policy's cases is validate/cases.py (it runs real validations); the SPARQL guard
is engine/sparqlguard.py.

Modules: admit, catalog, compact, custom, lint, sandbox.

May import: workload, shacl, lens and the core; never validate or anything above it.
"""
