"""Exchange with other tools: Well-Architected Tool custom lenses (customlens: read, write and
the risk rules; conditions: their rule language; walens: the ML Lens as a custom lens and
back) and OSCAL (oscal: catalog, profile, assessment results).

Modules: conditions, customlens, oscal, walens.

May import: policies, workload, shacl, lens and the core (and the report model, for type
checking only); validate imports interop, never the reverse.
"""
