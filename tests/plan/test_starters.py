"""``mlwa workload new``: a commented starter per kind of system, from flags or answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.workload import load_workload_text
from engine.workload.starters import KINDS, starter_text


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_starter_loads_and_is_commented(kind: str) -> None:
    text = starter_text(kind, id=f"demo-{kind}", name=f"Demo {kind}")
    wl = load_workload_text(text, filename=f"{kind}.yaml")
    assert wl.id == f"demo-{kind}"
    assert text.count("#") >= 8
    assert f"--kind {kind}" in text


def test_flags_write_a_starter_that_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "rag.yaml"
    runner = CliRunner()
    args = ["workload", "new", "--kind", "genai-rag", "--name", "Help: assistant",
            "--region", "us-west-2", "-o", str(out)]
    r = runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "id: help-assistant" in text and 'name: "Help: assistant"' in text
    assert "us-west-2" in text and "generative: true" in text
    load_workload_text(text, filename="rag.yaml")
    again = runner.invoke(cli, args)
    assert again.exit_code != 0 and out.read_text() == text


def test_answers_to_the_questions_make_the_starter(tmp_path: Path) -> None:
    out = tmp_path / "scores.yaml"
    answers = "\n".join(["real-time", "Fraud scores", "", "pilot", "eu-central-1", "risk-ml",
                         str(out)]) + "\n"
    r = CliRunner().invoke(cli, ["workload", "new", "--ask"], input=answers)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    wl = load_workload_text(text, filename="scores.yaml")
    assert wl.id == "fraud-scores"
    assert "lifecycle_stage: pilot" in text and "team: risk-ml" in text
    assert "type: real-time" in text


def test_bad_flags_are_one_clear_error(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["workload", "new", "--kind", "batch", "--id", "Bad Id"])
    assert r.exit_code != 0 and "--id" in str(r.exception or r.output)
    r = runner.invoke(cli, ["workload", "new", "--name", "x"])
    assert r.exit_code != 0


def test_without_a_kind_and_a_terminal_the_generic_template_is_printed() -> None:
    r = CliRunner().invoke(cli, ["workload", "new"])
    assert r.exit_code == 0 and r.output.startswith("# yaml-language-server")
    assert "id: my-workload" in r.output
