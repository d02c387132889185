"""Profiles: selection, severity overrides (report and exit code), not-applicable practices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import InputError, PolicyError
from engine.governance.profiles import load_profile, load_profile_text
from engine.model import PracticeStatus, Severity
from engine.policies.catalog import builtin_catalog
from engine.validate.validator import validate_paths
from tests.conftest import REPO
from tests.governance.conftest import ACME, mlwa

BAD = """id: demo
name: Demo
data_stores:
  - name: raw
    type: s3
    encryption: {at_rest: false, in_transit: true}
"""

PROFILE = """id: relaxed
title: Relaxed encryption
select:
  policies: [WA-SEC-001, WA-SEC-002]
overrides:
  - {policy: WA-SEC-001, severity: low}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_an_override_changes_the_severity_and_the_exit_code(tmp_path: Path) -> None:
    wl = write(tmp_path, "bad.yaml", BAD)
    prof = write(tmp_path, "relaxed.yaml", PROFILE)
    plain = mlwa("validate", str(wl), "--policy", "WA-SEC-001", "--format", "json")
    assert plain.returncode == 1
    assert json.loads(plain.stdout)["workloads"][0]["findings"][0]["severity"] == "high"
    tailored = mlwa("validate", str(wl), "--profile", str(prof), "--format", "json",
                    "--fail-on", "medium")
    assert tailored.returncode == 0, tailored.stderr
    findings = json.loads(tailored.stdout)["workloads"][0]["findings"]
    assert [(f["policy"], f["severity"]) for f in findings] == [("WA-SEC-001", "low")]
    assert mlwa("validate", str(wl), "--profile", str(prof), "--fail-on", "low").returncode == 1


def test_not_applicable_practices_are_reported_with_their_reason(tmp_path: Path) -> None:
    wl = write(tmp_path, "bad.yaml", BAD)
    prof = load_profile(write(tmp_path, "na.yaml", PROFILE + "not_applicable:\n"
                              "  - practice: MLSEC-02\n    reason: public open data only\n"))
    assert prof.not_applicable() == {"MLSEC02-BP01": "public open data only"}
    report = validate_paths([wl], profile=prof)
    result = report.workloads[0].practices["MLSEC02-BP01"]
    assert result.status is PracticeStatus.NOT_APPLICABLE
    assert result.reason == "public open data only"
    assert not [f for f in report.workloads[0].findings if f.policy == "WA-SEC-001"]


def test_selection_by_pack_pillar_severity_and_exclusion() -> None:
    prof = load_profile_text("id: p\ntitle: P\nselect:\n  pillars: [security]\n"
                             "  severities: [high]\nexclude:\n  policies: [WA-SEC-001]\n", "p.yaml")
    chosen = prof.select(builtin_catalog())
    assert chosen and all(p.pillar == "security" and p.severity is Severity.HIGH for p in chosen)
    assert "WA-SEC-001" not in {p.code for p in chosen}


@pytest.mark.parametrize("text,line,needle", [
    ("id: p\ntitle: P\nnot_applicable:\n  - practice: MLOE-07\n", 4, "without a reason"),
    ("id: p\ntitle: P\nnot_applicable:\n  - {practice: MLOE-99, reason: x}\n", 4, "unknown practice"),
    ("id: p\ntitle: P\noverrides:\n  - {policy: WA-SEC-001, severity: urgent}\n", 4, "high, medium or low"),
    ("id: p\ntitle: P\nselect:\n  pillars: [safety]\n", 4, "unknown pillar"),
    ("id: p\ntitle: P\nselekt: {}\n", 3, "unknown key 'selekt'"),
    ("id: p\ntitle: P\nallow_inline_waivers: true\n", 3, "inline waivers are not supported"),
])
def test_profile_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_profile_text(text, "prof.yaml")
    hit = [x for x in info.value.lines() if needle in x]
    assert hit and hit[0].startswith(f"prof.yaml:{line}:"), info.value.lines()


def test_a_profile_naming_an_unknown_policy_points_at_it() -> None:
    prof = load_profile_text("id: p\ntitle: P\nexclude:\n  policies: [WA-SEC-999]\n", "prof.yaml")
    with pytest.raises(InputError) as info:
        prof.select(builtin_catalog())
    assert info.value.lines()[0].startswith("prof.yaml:4:")
    assert "WA-SEC-999" in info.value.lines()[0]


def test_profile_check_command_on_the_sample() -> None:
    sample = REPO / "examples" / "governance" / "prod-profile.yaml"
    r = mlwa("profile", "check", str(sample), "--pack", str(ACME))
    assert r.returncode == 0, r.stderr
    assert "override WA-REL-008: high -> medium" in r.stdout
    assert "not applicable MLCOST04-BP07" in r.stdout
    missing = mlwa("profile", "check", str(sample))  # acme pack not loaded
    assert missing.returncode == 2 and "add it with --pack DIR" in missing.stderr
