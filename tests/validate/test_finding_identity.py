"""A finding's identity (``Finding.key()``) separates every constraint of a policy: two
messages of one policy on one node and path are two findings everywhere a key is used
(baselines, ``mlwa diff``, SARIF fingerprints, OSCAL observation uuids)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from engine.estate.history import apply_baseline, diff_runs, load_run, record_run
from engine.policies.catalog import builtin_catalog
from engine.validate.cases import CASES_AS_OF, load_cases
from engine.validate.validator import Validator, validate_paths
from engine.workload import load_workload_text

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 6, 30)

NO_PIPELINES = {"id": "pipe", "name": "Pipelines", "lifecycle_stage": "production"}
CD_ONLY = {**NO_PIPELINES, "pipelines": [{"name": "deploy", "type": ["cd"],
                                          "triggers": ["commit"], "tests": ["smoke"]}]}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLWA_ESTATE", str(tmp_path / "estate"))
    monkeypatch.setenv("MLWA_HISTORY", str(tmp_path / "history"))


def _write(folder: Path, doc: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pipe.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _ops012(path: Path) -> object:
    return validate_paths([path], codes=["WA-OPS-012"], engine="fast", as_of=AS_OF)


def test_two_constraints_on_one_path_are_two_findings(tmp_path: Path) -> None:
    report = _ops012(_write(tmp_path, NO_PIPELINES))
    findings = [f for f in report.findings if f.policy == "WA-OPS-012"]  # type: ignore[attr-defined]
    assert sorted(f.message for f in findings) == [
        "the production workload has no continuous delivery pipeline",
        "the production workload has no continuous integration pipeline"]
    assert findings[0].key() != findings[1].key()


def test_every_cases_workload_gives_findings_with_distinct_keys() -> None:
    """Every workload of every cases file, against the whole built-in catalogue: no two
    findings of one report share a key (WA-OPS-012, WA-OPS-014 and WA-PERF-003 did)."""
    policies = list(builtin_catalog().policies.values())
    validator = Validator(policies, engine="fast", as_of=CASES_AS_OF)
    checked, clashes = 0, []
    for pol in policies:
        for case in load_cases(pol):
            wl = load_workload_text(json.dumps(case["workload"]), filename=f"{pol.code}.cases",
                                    as_of=CASES_AS_OF, fmt="json")
            report = validator.validate(wl)
            counts = Counter(f.key() for f in report.findings)
            clashes += [(pol.code, case.get("name"), k) for k, n in counts.items() if n > 1]
            checked += 1
    assert checked > 400
    assert not clashes, clashes[:5]


def test_diff_counts_one_fixed_when_one_of_two_messages_is_fixed(tmp_path: Path) -> None:
    run_a = record_run(_ops012(_write(tmp_path / "a", NO_PIPELINES)), use_estate=False)  # type: ignore[arg-type]
    run_b = record_run(_ops012(_write(tmp_path / "b", CD_ONLY)), use_estate=False)  # type: ignore[arg-type]
    d = diff_runs(load_run(run_a), load_run(run_b))
    assert [f["message"] for f in d.fixed] == [
        "the production workload has no continuous delivery pipeline"]
    assert len(d.unchanged) == 1 and not d.new


def test_new_only_keeps_a_new_message_apart_from_a_known_one(tmp_path: Path) -> None:
    """The baseline knows only "no CI"; the current run also lacks CD: one finding is new."""
    base = record_run(_ops012(_write(tmp_path / "a", {
        **NO_PIPELINES, "pipelines": [{"name": "d", "type": ["cd"], "triggers": ["commit"],
                                       "tests": ["smoke"]}]})), use_estate=False)  # type: ignore[arg-type]
    report = apply_baseline(_ops012(_write(tmp_path / "b", NO_PIPELINES)), base,  # type: ignore[arg-type]
                            new_only=True)
    assert [f.message for f in report.new_findings] == [
        "the production workload has no continuous delivery pipeline"]
    assert report.fails("high")
    from engine.formatters import render

    text = render(report, "text")
    new_lines = [ln for ln in text.splitlines() if ": new WA-OPS-012 " in ln]
    assert len(new_lines) == 1 and "continuous delivery" in new_lines[0]
    assert sum(1 for ln in text.splitlines() if " WA-OPS-012 high " in ln) == 2


@pytest.mark.parametrize("example", sorted(p.name for p in (REPO / "examples").glob("*.yaml")))
def test_oscal_observation_uuids_are_unique(example: str) -> None:
    from engine.interop.oscal import export_results

    report = validate_paths([REPO / "examples" / example], engine="fast",
                            as_of=dt.date(2026, 11, 30))
    doc = export_results(report)
    uuids = [o["uuid"] for r in doc["assessment-results"]["results"]
             for o in r.get("observations", [])]
    assert len(uuids) == len(set(uuids))
