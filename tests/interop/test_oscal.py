"""OSCAL exports validate against compliance-trestle's models and are reproducible."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from engine.errors import InputError
from engine.model import CheckKind, PracticeStatus, QuestionRisk, Severity
from engine.validate.report import Finding, PracticeResult, Report, WorkloadReport
from tests.conftest import require

require(importlib.util.find_spec("trestle") is not None,
        "compliance-trestle (the oscal extra) is not installed")

from engine.interop import oscal  # noqa: E402 - only once trestle is known to be there


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports and trestle's models must not reach the network."""
    import socket

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _report(as_of: str = "2026-01-15") -> Report:
    finding = Finding(
        policy="WA-SEC-001", title="Training data is encrypted at rest", severity=Severity.HIGH,
        kind=CheckKind.AUTOMATED, practices=("MLSEC04-BP01",), pillar="security",
        phase="data-processing", focus="urn:mlwa:workload:fraud/data_stores/raw",
        focus_label="data_stores/raw", path="mlwa:encryptedAtRest", value="false",
        message="data store raw is not encrypted at rest", file="examples/fraud.yaml", line=42,
        column=5, remediation="Turn on encryption with a customer managed key.",
        workload="fraud")
    wl = WorkloadReport(
        workload="fraud", name="Fraud detection", file="examples/fraud.yaml",
        content_hash="sha256:abc", findings=[finding],
        practices={
            "MLSEC04-BP01": PracticeResult("MLSEC04-BP01", PracticeStatus.VIOLATED, ("WA-SEC-001",)),
            "MLOPS01-BP01": PracticeResult("MLOPS01-BP01", PracticeStatus.ATTESTED, ("WA-OPS-001",)),
            "MLOPS01-BP02": PracticeResult("MLOPS01-BP02", PracticeStatus.NOT_ASSESSED, ()),
        },
        questions={"MLSEC04": QuestionRisk.HIGH})
    return Report(workloads=[wl], engine="reference", packs={"ml-lens": "0.1.0"}, policies=3,
                  as_of=as_of)


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    return oscal.export_catalog()


def test_catalog_is_valid_oscal_with_a_control_per_practice(catalog: dict[str, Any]) -> None:
    from engine.lens.ontology import load_lens

    model = oscal.validate_oscal(catalog)
    assert type(model).__name__ == "Catalog"
    groups = catalog["catalog"]["groups"]
    assert [g["id"] for g in groups] == [p.slug for p in load_lens().pillars]
    controls = {c["id"]: c for g in groups for c in g["controls"]}
    assert len(controls) == 105
    c = controls["mlcost06-bp04"]
    props = {p["name"]: p["value"] for p in c["props"]}
    assert props["id-2023"] == "MLCOST-23" and props["phase"] == "monitoring"
    assert props["phase-2023"] == "model-development"
    assert {p["name"] for p in c["parts"]} >= {"statement", "guidance"}
    assert any(link["href"].endswith("mlcost06-bp04.html") for link in c["links"])


def test_catalog_lists_policies_as_assessment_methods(catalog: dict[str, Any]) -> None:
    from engine.policies.catalog import builtin_catalog

    controls = {c["id"]: c for g in catalog["catalog"]["groups"] for c in g["controls"]}
    for pol in builtin_catalog().policies.values():
        for pid in pol.practices:
            methods = [p for p in controls[pid.lower()]["parts"] if p["name"] == "assessment-method"]
            assert any(p["title"].startswith(pol.code + ":") for p in methods), (pol.code, pid)


def test_outputs_are_reproducible(catalog: dict[str, Any]) -> None:
    assert oscal.export_catalog() == catalog
    assert oscal.export_results(_report()) == oscal.export_results(_report())
    assert oscal.export_results(_report())["assessment-results"]["uuid"] != \
        oscal.export_results(_report("2026-02-01"))["assessment-results"]["uuid"]


def test_profile_all_or_selected_controls() -> None:
    everything = oscal.export_profile()
    oscal.validate_oscal(everything)
    assert everything["profile"]["imports"][0]["include-all"] == {}
    some = oscal.export_profile(["MLCOST-23", "mlops01-bp01", "MLOPS01-BP01"], "Cost review")
    model = oscal.validate_oscal(some)
    assert model.metadata.title == "Cost review"
    assert some["profile"]["imports"][0]["include-controls"][0]["with-ids"] == [
        "mlcost06-bp04", "mlops01-bp01"]
    with pytest.raises(InputError, match="unknown practice"):
        oscal.export_profile(["MLXX-99"])


def test_assessment_results_carry_status_and_location() -> None:
    doc = oscal.export_results(_report())
    model = oscal.validate_oscal(doc)
    assert type(model).__name__ == "AssessmentResults"
    result = doc["assessment-results"]["results"][0]
    assert result["start"] == "2026-01-15T00:00:00+00:00"
    assert doc["assessment-results"]["metadata"]["last-modified"] == result["start"]
    findings = {f["target"]["target-id"]: f for f in result["findings"]}
    assert set(findings) == {"mlsec04-bp01_smt", "mlops01-bp01_smt"}  # not assessed: no claim
    assert findings["mlsec04-bp01_smt"]["target"]["status"]["state"] == "not-satisfied"
    assert findings["mlops01-bp01_smt"]["target"]["status"]["state"] == "satisfied"
    (obs,) = result["observations"]
    assert obs["relevant-evidence"][0]["href"] == "examples/fraud.yaml"
    assert "examples/fraud.yaml:42" in obs["relevant-evidence"][0]["description"]
    assert findings["mlsec04-bp01_smt"]["related-observations"] == [{"observation-uuid": obs["uuid"]}]


def test_validation_rejects_broken_documents(catalog: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(catalog))
    broken["catalog"]["groups"][0]["controls"][0]["id"] = "not an id"
    with pytest.raises(InputError, match="not a valid OSCAL catalog"):
        oscal.validate_oscal(broken)
    broken = json.loads(json.dumps(catalog))
    del broken["catalog"]["metadata"]["last-modified"]
    with pytest.raises(InputError):
        oscal.validate_oscal(broken)
    with pytest.raises(InputError):
        oscal.validate_oscal({"component-definition": {}})


def test_cli_writes_valid_documents(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from engine.cli import cli

    runner = CliRunner()
    out = tmp_path / "profile.json"
    result = runner.invoke(cli, ["oscal", "profile", "--control", "MLCOST-23", "-o", str(out)])
    assert result.exit_code == 0, result.output
    oscal.validate_oscal(json.loads(out.read_text(encoding="utf-8")))
    result = runner.invoke(cli, ["oscal", "catalog"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["catalog"]["uuid"] == oscal.export_catalog()["catalog"]["uuid"]


def test_results_from_a_real_validation_run(repo: Path) -> None:
    """End to end through engine.validate.validator when the policy engine can run the example."""
    import datetime as dt

    from engine.validate.validator import validate_paths

    example = repo / "examples" / "starter.yaml"
    report = validate_paths([example], as_of=dt.date(2026, 1, 15))
    doc = oscal.export_results(report)
    oscal.validate_oscal(doc)
    assert doc["assessment-results"]["results"][0]["start"].startswith("2026-01-15")


# ------------------------------------------------------------------ issue 22: what OSCAL tools see

AS_OF_EXAMPLES = "2026-11-30"  # the date the examples assume (docs/interop.md)


def test_oscal_version_is_the_one_trestle_models() -> None:
    import trestle.oscal

    assert oscal.OSCAL_VERSION == trestle.oscal.OSCAL_VERSION
    doc = oscal.export_results(_report())
    assert doc["assessment-results"]["metadata"]["oscal-version"] == trestle.oscal.OSCAL_VERSION


def test_import_ap_resolves_to_a_plan_in_the_back_matter() -> None:
    doc = oscal.export_results(_report())["assessment-results"]
    href = doc["import-ap"]["href"]
    assert href.startswith("#") and href != "#"
    (plan,) = [r for r in doc["back-matter"]["resources"] if r["uuid"] == href[1:]]
    assert plan["title"] == "mlwa assessment plan" and "policies" in plan["description"]
    assert oscal.export_results(_report(), plan_href="plan.json")[
        "assessment-results"]["import-ap"]["href"] == "plan.json"


def test_evidence_links_are_relative_and_never_leak_a_home_directory(tmp_path: Path,
                                                                     repo: Path) -> None:
    import datetime as dt
    import os

    from engine.validate.validator import validate_paths

    report = validate_paths([repo / "examples" / "churn-batch.yaml"], engine="fast",
                            as_of=dt.date(2026, 11, 30))
    home = os.path.expanduser("~")
    for base, expected in ((repo, "examples/churn-batch.yaml"),
                           (repo / "examples", "churn-batch.yaml"),
                           (tmp_path, None)):
        doc = oscal.export_results(report, base_dir=base)
        text = json.dumps(doc)
        assert str(repo) not in text and home not in text
        hrefs = {e["href"] for r in doc["assessment-results"]["results"]
                 for o in r["observations"] for e in o["relevant-evidence"]}
        assert hrefs and all(not h.startswith("/") for h in hrefs)
        if expected is not None:
            assert hrefs == {expected}


@pytest.mark.slow
@pytest.mark.parametrize("example", ["churn-batch", "fraud-detection", "genai-rag", "starter"])
def test_trestle_import_and_validate_accept_the_results_of_every_example(
        example: str, tmp_path: Path, repo: Path) -> None:
    import shutil
    import subprocess
    import sys

    trestle = shutil.which("trestle", path=str(Path(sys.executable).parent)) or \
        shutil.which("trestle")
    require(trestle is not None, "the trestle command is not installed")
    out = tmp_path / "out" / f"{example}.json"
    out.parent.mkdir()
    made = subprocess.run([sys.executable, "-m", "engine", "oscal", "results",
                           str(repo / "examples" / f"{example}.yaml"), "--as-of", AS_OF_EXAMPLES,
                           "-o", str(out)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    ws = tmp_path / "ws"
    ws.mkdir()
    assert subprocess.run([trestle, "init"], cwd=ws, capture_output=True, timeout=120,
                          check=False).returncode == 0
    imported = subprocess.run([trestle, "import", "-f", str(out), "-o", example], cwd=ws,
                              capture_output=True, text=True, timeout=120, check=False)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    checked = subprocess.run([trestle, "validate", "-f",
                              f"assessment-results/{example}/assessment-results.json"],
                             cwd=ws, capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0 and "VALID" in checked.stdout + checked.stderr, \
        checked.stdout + checked.stderr


@pytest.mark.slow
def test_every_documented_oscal_command_runs_as_written(tmp_path: Path, repo: Path) -> None:
    """The `mlwa oscal` lines of docs/interop.md, run from a folder holding the examples."""
    import shlex
    import shutil
    import subprocess
    import sys

    shutil.copytree(repo / "examples", tmp_path / "examples")
    text = (repo / "docs" / "interop.md").read_text(encoding="utf-8")
    commands = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("mlwa oscal ")]
    assert len(commands) >= 3
    for line in commands:
        args = shlex.split(line.split("  #")[0])[1:]
        done = subprocess.run([sys.executable, "-m", "engine", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, check=False,
                              env={**__import__("os").environ, "PYTHONPATH": str(repo)})
        assert done.returncode == 0, f"{line}: {done.stderr}"
