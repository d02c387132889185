"""The ML Lens knowledge graph: load the bundled ontology and ask it questions (ontology),
check the lens graph itself (check), map practice ids between the 2023 and 2025 editions
(editions).

Modules: check, editions, ontology.

May import: the core (errors, model, vocab, paths, rdfio, cache, sparqlguard) and
rdflib/networkx/owlready2. Nothing else of engine: every other part may read the lens.
"""
