"""Package list for setuptools: the engine package plus the two top-level data folders.

ontology/ and policies/ stay at the top of the repository (fixed by the product's owner);
in the wheel they travel as engine/_data/ontology and engine/_data/policies. pyproject.toml
maps them with package-dir; this file only adds them to the automatically found packages,
which pyproject.toml alone cannot combine.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["engine", "engine.*"]),
        "engine._data.ontology",
        "engine._data.policies",
    ]
)
