"""Workloads for the perf-correctness tests: the four examples and 50 generated ones."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("fraud-detection", "churn-batch", "genai-rag", "starter")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("mlwa_bench_generate",
                                                  REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def workloads() -> list[Any]:
    import datetime as dt

    import yaml

    from engine.workload import load_workload, load_workload_text

    as_of = dt.date(2027, 6, 1)
    out = [load_workload(REPO / "examples" / f"{n}.yaml", as_of=as_of) for n in EXAMPLES]
    for stem, doc, _ in _generator().generate(50, seed=11, faults=3):
        out.append(load_workload_text(yaml.safe_dump(doc, sort_keys=False),
                                      filename=f"{stem}.yaml", as_of=as_of))
    return out
