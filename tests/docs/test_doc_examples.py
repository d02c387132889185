"""Shell blocks that README.md and docs/*.md mark as runnable run as written from a clone.

A block opens with ```` ```bash runnable ````; each line is one command, run by bash in a scratch
folder that holds copies of `examples/` and the published custom lenses under the same relative
paths as in a clone. A command passes when it exits 0, or with the code its comment names
(`# ... exit 1 ...`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

FENCE = re.compile(r"^```bash runnable\s*\n(.*?)^```", re.M | re.S)
EXIT = re.compile(r"#.*\bexit (\d)\b")


def _commands() -> list[tuple[str, int, str]]:
    found = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in FENCE.findall(doc.read_text(encoding="utf-8")):
            for line in block.splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    m = EXIT.search(line)
                    found.append((doc.relative_to(REPO).as_posix(), int(m.group(1)) if m else 0,
                                  line.strip()))
    return found


COMMANDS = _commands()


def test_the_docs_mark_runnable_blocks() -> None:
    docs = {doc for doc, _, _ in COMMANDS}
    assert "README.md" in docs and len(COMMANDS) >= 5, docs


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("clone")
    shutil.copytree(REPO / "examples", root / "examples")
    shutil.copytree(REPO / "tests" / "data" / "custom-lenses", root / "tests" / "data" / "custom-lenses")
    return root


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "expected", "command"), COMMANDS,
                         ids=[f"{d}:{c[:50]}" for d, _, c in COMMANDS])
def test_documented_command_runs_as_written(scratch: Path, doc: str, expected: int,
                                            command: str) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
               HOME=str(scratch), NO_COLOR="1")
    proc = subprocess.run(["bash", "-c", command], cwd=scratch, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == expected, f"{doc}: {command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr
