"""The layout of ``engine/`` holds: import contracts (``.importlinter``), no cycles, package
docstrings that say what they may import, and a reason on every long module."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "engine"
LONG = 600
REASON = "Why this file is long:"


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` from this Python's environment, on the tree at ``root``."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or \
        shutil.which("lint-imports")
    assert exe, "lint-imports not found: install the test extra (import-linter)"
    args = [exe, "--no-cache"]
    for c in contracts:
        args += ["--contract", c]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(root)
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    r = lint_imports(REPO)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout and "BROKEN" not in r.stdout


def test_the_cycle_check_fails_on_a_deliberate_cycle(tmp_path: Path) -> None:
    """In a copy of the tree: the acyclic contract passes, then one added import that closes a
    circle (the backend contract importing a backend that imports it) breaks it."""
    shutil.copytree(ENGINE, tmp_path / "engine",
                    ignore=shutil.ignore_patterns("__pycache__", "assets"))
    shutil.copy(REPO / ".importlinter", tmp_path / ".importlinter")
    assert lint_imports(tmp_path, "acyclic").returncode == 0

    base = tmp_path / "engine" / "shacl" / "base.py"
    assert "from engine.shacl.base import" in (base.parent / "reference.py").read_text()
    base.write_text(base.read_text() + "\n\nfrom engine.shacl import reference  # noqa: E402\n")
    r = lint_imports(tmp_path, "acyclic")
    assert r.returncode != 0, r.stdout
    assert "no import cycles anywhere in engine BROKEN" in r.stdout, r.stdout
    assert ".base -> .reference" in r.stdout or ".reference -> .base" in r.stdout, r.stdout


def _modules() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_over_600_lines_says_why() -> None:
    missing = []
    for p in _modules():
        text = p.read_text(encoding="utf-8")
        if len(text.splitlines()) > LONG:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if REASON not in doc:
                missing.append(f"{p.relative_to(REPO)} ({len(text.splitlines())} lines)")
    assert not missing, f"over {LONG} lines without '{REASON} ...' in the docstring: {missing}"


@pytest.mark.parametrize("package", sorted(
    p.parent.name for p in ENGINE.glob("*/__init__.py")))
def test_every_package_says_what_lives_there_and_what_it_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((ENGINE / package / "__init__.py").read_text())) or ""
    assert doc.split("\n\n")[0].strip(), f"engine/{package}/__init__.py: no docstring"
    assert "May import:" in doc, f"engine/{package}/__init__.py: no 'May import:' paragraph"


def test_the_layers_name_every_top_level_part() -> None:
    """A new folder or top-level module of engine/ must be placed in a layer."""
    config = (REPO / ".importlinter").read_text()
    layers = config.split("layers =", 1)[1].split("\n\n", 1)[0]
    named = {m.strip() for line in layers.splitlines()
             for m in line.replace("|", ":").split(":") if m.strip()}
    parts = {f"engine.{p.parent.name}" for p in ENGINE.glob("*/__init__.py")}
    parts |= {f"engine.{p.stem}" for p in ENGINE.glob("*.py")
              if p.stem not in ("__init__", "__main__")}
    assert parts <= named, f"not in any layer of .importlinter: {sorted(parts - named)}"
