"""Lazy imports on the validate path keep their safety settings."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.perf_correctness.conftest import REPO


def _run(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_remote_graph_loading_is_off_whenever_rdflib_sparql_is_imported() -> None:
    assert _run("import engine.workload, rdflib.plugins.sparql as s; "
                "print(s.SPARQL_LOAD_GRAPHS)") == "False"
    assert _run("import rdflib.plugins.sparql as s, engine.workload; "
                "print(s.SPARQL_LOAD_GRAPHS)") == "False"


def test_fast_validation_imports_no_heavy_optional_modules() -> None:
    out = _run(
        "import sys\n"
        "from engine.validate.validator import validate_paths\n"
        "r = validate_paths(['examples/starter.yaml'], engine='fast')\n"
        "assert r.workloads\n"
        "print(sorted(m for m in ('rdflib.plugins.sparql', 'jsonschema', 'pyshacl')"
        " if m in sys.modules))")
    assert out == "[]"
