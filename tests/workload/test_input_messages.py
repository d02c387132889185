"""Input messages (issue 22): suggestions come from the closest valid meaning, the list
of choices is never cut, and structure and reference errors come in one round."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.workload import load_workload_text
from engine.workload.structure import closest_meaning

PROBLEM_TYPES = ["binary-classification", "multiclass-classification", "regression",
                 "forecasting", "ranking", "recommendation", "clustering", "anomaly-detection",
                 "generation", "retrieval-augmented-generation", "computer-vision", "nlp",
                 "other"]


@pytest.mark.parametrize(("written", "meant"), [
    ("image-classification", "computer-vision"),
    ("object-detection", "computer-vision"),
    ("sentiment-analysis", "nlp"),
    ("rag", "retrieval-augmented-generation"),
    ("regresion", "regression"),
])
def test_problem_type_suggestions_follow_the_meaning(written: str, meant: str) -> None:
    assert closest_meaning(written, PROBLEM_TYPES) == meant


def _errors(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        load_workload_text(text, filename="w.yaml")
    return err.value.lines()


def test_messages_name_the_meant_choice_and_every_choice() -> None:
    lines = _errors("id: m\nname: M\nproblem: {type: image-classification}\n"
                    "feature_stores:\n  - {name: fs, type: sagemaker}\n")
    (ptype,) = [ln for ln in lines if "problem.type" in ln]
    assert "(did you mean `computer-vision`?)" in ptype
    assert "..." not in ptype and ptype.count(",") >= len(PROBLEM_TYPES) - 1
    assert "other;" in ptype  # the last choice is shown
    (fs,) = [ln for ln in lines if "feature_stores[0].type" in ln]
    assert "(did you mean `sagemaker-feature-store`?)" in fs


def test_structure_and_reference_errors_in_one_round() -> None:
    lines = _errors("id: m\nname: M\nproblem: {type: image-classification}\n"
                    "model_registries:\n  - name: reg\n    versions:\n      - {name: '1'}\n"
                    "endpoints:\n  - {name: ep, model: reg/2}\n")
    assert any("problem.type" in ln for ln in lines)
    assert any("endpoints[0].model" in ln and "reg/2" in ln for ln in lines), lines
    assert lines == sorted(lines, key=lambda ln: int(ln.split(":")[1]))  # in file order
