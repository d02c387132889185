"""The estate: validating a whole portfolio in bounded memory (portfolio), the RDF store of
every workload and run (store), recorded runs, milestones and diffs (history).

Modules: history, portfolio, store.

May import: governance, formatters, validate, interop, policies, workload, shacl, lens and
the core.
"""
