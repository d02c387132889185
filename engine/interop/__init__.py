"""Interoperability: Well-Architected Tool custom lenses, lens editions and OSCAL.

* :mod:`engine.interop.walens`: export the ML Lens as a Well-Architected Tool custom lens;
  import any custom lens into RDF and back; evaluate risk rules for a review.
* :mod:`engine.interop.editions`: map practice ids between the 2023 and 2025 editions and
  list what changed.
* :mod:`engine.interop.oscal`: OSCAL catalog, profile and assessment results.
"""
