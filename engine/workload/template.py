"""The commented template printed by ``mlwa workload new``."""

TEMPLATE = """\
# A workload description for mlwa (AWS Well-Architected Machine Learning Lens).
# Reference: docs/workload-format.md. Check it with: mlwa workload check FILE
id: my-workload            # lower-case; names every node IRI
name: My ML workload
"""
