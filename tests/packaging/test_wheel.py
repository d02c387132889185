"""The wheel carries the ontology and the policies, and engine.paths finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_contains_data_and_loads_the_lens_from_it(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(REPO)], check=True, timeout=300,
                   capture_output=True)
    wheel = next(out.glob("mlwa-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("engine/py.typed", "engine/_data/ontology/mlwa.ttl",
                   "engine/_data/ontology/lens/index.json", "engine/_data/ontology/workload.schema.json",
                   "engine/_data/policies/ml-lens/pack.ttl",
                   "engine/_data/policies/ml-lens/WA-SEC-001.cases.yaml"):
        assert needed in names, needed
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = ("import engine.paths as p, engine.lens.ontology as o; "
             "print(p.ontology_dir()); print(len(o.load_lens().practices))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, check=True, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    where, count = result.stdout.split()
    assert where == str(site / "engine" / "_data" / "ontology")
    assert count == "105"
