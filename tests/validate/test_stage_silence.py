"""Silence rules: the lifecycle stage never turns a gap into a pass (docs/report.md).

Property over every example (and the gaming file): validated at each lifecycle stage, and
with none stated, no practice violated at one stage is verified or declared at another."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
import yaml

from engine.model import STAGES, PracticeStatus
from engine.policies.catalog import builtin_catalog
from engine.validate.validator import Validator
from engine.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
FILES = [*sorted((ROOT / "examples").glob("*.yaml")), ROOT / "tests" / "data" / "gaming" / "placeholder-only.yaml"]
AS_OF = dt.date(2026, 11, 30)
HOLDS = (PracticeStatus.VERIFIED, PracticeStatus.DECLARED)


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_stage_never_turns_a_violation_into_a_pass(path: Path, tmp_path: Path,
                                                   validator: Validator) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    outcomes: dict[str, dict[str, PracticeStatus]] = {}
    for stage in (*STAGES, None):
        doc = dict(data)
        doc.pop("lifecycle_stage", None)
        if stage is not None:
            doc["lifecycle_stage"] = stage
        target = tmp_path / f"{stage or 'unstated'}.yaml"
        target.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        report = validator.validate(load_workload(target, as_of=AS_OF))
        outcomes[stage or "unstated"] = {p: r.status for p, r in report.practices.items()}
    moved = [(p, a, b) for a, b in itertools.permutations(outcomes, 2)
             for p, st in outcomes[a].items()
             if st is PracticeStatus.VIOLATED and outcomes[b][p] in HOLDS]
    assert not moved, moved[:10]
    # and the property is not vacuous: the stage does change what is assessed
    assert outcomes["production"] != outcomes["experimentation"] or path.stem == "starter"
