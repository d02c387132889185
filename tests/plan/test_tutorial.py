"""docs/tutorial.md works as written: its shell commands run in order in an empty folder,
its YAML blocks marked ``<!-- merge: FILE -->`` are merged into the file as a reader would
in an editor, and the last run reports what the three changes fixed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"(?:<!-- merge: (?P<target>\S+) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```",
                   re.S)


def steps() -> list[tuple[str, str, str | None]]:
    """(language, body, merge target) of every fenced block, in order."""
    return [(m["lang"], m["body"], m["target"]) for m in BLOCK.finditer(TUTORIAL.read_text())]


def merge(into: Any, new: Any) -> Any:
    """What a reader does in an editor: keys of a mapping go into the mapping; an item of
    a list goes into the item with the same name (or practice), else at the end."""
    if isinstance(into, dict) and isinstance(new, dict):
        for key, value in new.items():
            into[key] = merge(into[key], value) if key in into else value
        return into
    if isinstance(into, list) and isinstance(new, list):
        for item in new:
            name = next((item.get(k) for k in ("name", "practice") if isinstance(item, dict)
                         and k in item), None)
            same = [old for old in into if isinstance(old, dict) and name is not None
                    and name in (old.get("name"), old.get("practice"))]
            if same:
                merge(same[0], item)
            else:
                into.append(item)
        return into
    return new


def run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(line)
    assert argv[0] == "mlwa", f"the tutorial runs only mlwa commands: {line}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    # `mlwa` is the installed entry point of `python -m engine`; the test runs the
    # checkout's code whether or not it is installed
    return subprocess.run([sys.executable, "-m", "engine", *argv[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_tutorial_has_the_steps_it_promises() -> None:
    text = TUTORIAL.read_text()
    commands = [b for lang, b, _ in steps() if lang == "sh"]
    joined = "\n".join(commands)
    for needle in ("mlwa workload new", "mlwa validate churn.yaml\n", "--baseline before.json"):
        assert needle in joined
    assert sum(1 for _, _, target in steps() if target) == 3  # the top three actions
    assert "workload-format.md" in text


@pytest.mark.slow
def test_tutorial_runs_as_written(tmp_path: Path) -> None:
    outputs: list[str] = []
    for lang, body, target in steps():
        if target:
            path = tmp_path / target
            doc = merge(yaml.safe_load(path.read_text()), yaml.safe_load(body))
            path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
            continue
        if lang != "sh":
            continue
        for line in body.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            r = run(line, tmp_path)
            allowed = (0, 1) if line.split()[1] == "validate" else (0,)
            assert r.returncode in allowed, f"{line}\n{r.stdout}\n{r.stderr}"
            outputs.append(r.stdout)
    last = outputs[-1]
    m = re.search(r"since baseline before\.json: (\d+) new, (\d+) fixed", last)
    assert m, last[:2000]
    assert int(m.group(1)) == 0 and int(m.group(2)) >= 20
    # the three actions the reader fixed are no longer in the plan
    first = outputs[2]
    tops = re.findall(r"^\s+[123]\. \[\w+\] (.+)$", first, re.M)
    assert len(tops) == 3
    assert "data_stores[training-data]" in tops[0]
    for gone in ("data_stores[training-data]", "of problem:", "Attest MLPERF01-BP01"):
        assert gone not in last
