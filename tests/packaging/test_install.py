"""A user who cannot `pip install mlwa` from an index builds the wheel and sdist and installs the
wheel into a fresh virtual environment: the commands work there from the wheel alone."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_and_sdist_build_and_the_wheel_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # --no-isolation: build with the setuptools this environment has (no index reached).
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--sdist",
                    "--outdir", str(dist), str(REPO)], check=True, timeout=600,
                   capture_output=True)
    wheel = next(dist.glob("mlwa-*.whl"))
    sdist = next(dist.glob("mlwa-*.tar.gz"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("engine/_data/ontology/mlwa.ttl", "engine/_data/policies/ml-lens/pack.ttl",
                   "engine/_data/ontology/workload.schema.json"):
        assert needed in names, needed
    assert any(n.startswith("engine/ui/assets/") for n in names), "UI assets missing"
    with tarfile.open(sdist) as tar:
        members = tar.getnames()
    assert any(m.endswith("/policies/ml-lens/pack.ttl") for m in members)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies come from this environment's site-packages, seen through a folder of links
    # that leaves out mlwa itself: pip would otherwise take the checkout's editable install for
    # the one to replace, and uninstall it from this environment.
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("mlwa", "__editable__", "engine")) \
                and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    (site / "deps.pth").write_text(f"{deps}\n")
    # Without PYTHONPATH: a checkout on it (with its egg-info) would look installed already.
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
                    "--disable-pip-version-check", str(wheel)],
                   check=True, timeout=300, capture_output=True, env=clean)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           "MLWA_CACHE_DIR": str(tmp_path / "cache")}
    probe = subprocess.run([str(py), "-c", "import engine; print(engine.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    where = probe.stdout.strip()
    assert where.startswith(str(venv)), where
    example = tmp_path / "starter.yaml"
    example.write_bytes((REPO / "examples" / "starter.yaml").read_bytes())
    run = subprocess.run([str(venv / "bin" / "mlwa"), "validate", str(example), "--format", "json"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    assert '"findings"' in run.stdout
    helped = subprocess.run([str(venv / "bin" / "mlwa"), "app", "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "Usage" in helped.stdout, helped.stderr
    assert os.path.exists(venv / "bin" / "mlwa")
