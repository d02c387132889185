"""Custom packs are untrusted: linted on load, evaluated in a sandbox with limits.

The hostile cases from guides/security.md: SERVICE (refused by the lint), a ReDoS pattern
(refused), a cross-join SHACL-SPARQL query (stopped by the limits, the policy named) and
duplicate codes across packs (a clear error).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import PolicyError
from engine.policies.catalog import builtin_catalog, load_pack
from engine.policies.custom import SandboxedPrepared, SandboxLimits, is_trusted, prepare_policies
from engine.policies.sandbox import SandboxLimitExceeded
from engine.validate.validator import Validator, class_hierarchy
from engine.workload import load_workload_text
from tests.governance.conftest import ACME, HEAD, make_pack, mlwa, sparql_policy

FINE = sparql_policy("HOST-SEC-001", """
    SELECT $this ?value WHERE { $this mlwa:storeType ?value . FILTER (?value = "other") }""")
CROSS_JOIN = sparql_policy("HOST-SEC-002", """
    SELECT $this WHERE {
        $this a mlwa:DataStore .
        ?a ?p ?b . ?c ?q ?d . ?e ?r ?f .
        FILTER (STR(?f) = "never-there") }""")
SERVICE = sparql_policy("HOST-SEC-003", """
    SELECT $this WHERE { SERVICE <http://example.org/sparql> { $this ?p ?o } }""")
REDOS = HEAD + '''
pol:HOST-SEC-004 a sh:NodeShape , mlwa:Policy ;
    mlwa:policyCode "HOST-SEC-004" ; rdfs:label "names"@en ; mlwa:rationale "r"@en ;
    mlwa:remediation "r"@en ; mlwa:implements practice:MLSEC02-BP01 ;
    sh:targetClass mlwa:DataStore ;
    sh:property [ sh:path mlwa:location ; sh:pattern "^(a+)+$" ; sh:message "m"@en ] .
'''
CASES = """policy: {code}
cases:
  - {{name: ok, expect: pass, workload: {{id: c, name: C, data_stores: [{{name: a, type: s3}}]}}}}
  - name: bad
    expect: fail
    workload: {{id: c, name: C, data_stores: [{{name: a, type: other}}]}}
    failures: [{{focus: data_stores/a}}]
"""


def big_workload(stores: int = 60) -> str:
    lines = ["id: big", "name: Big", "data_stores:"]
    for i in range(stores):
        lines.append(f"  - {{name: s{i}, type: s3, location: 's3://b/{i}', "
                     "encryption: {at_rest: true, in_transit: true}}")
    return "\n".join(lines) + "\n"


TIGHT = {"MLWA_SANDBOX_CPU_SECONDS": "2", "MLWA_SANDBOX_WALL_SECONDS": "30"}


def test_the_builtin_pack_is_validated_in_process() -> None:
    pols = builtin_catalog().select(codes=["WA-SEC-001"])
    assert all(is_trusted(p) for p in pols)
    v = Validator(pols)
    assert not isinstance(v.prepared, SandboxedPrepared)


def test_custom_policies_go_through_the_sandbox_and_find_the_same() -> None:
    pack = load_pack(ACME)
    assert not any(is_trusted(p) for p in pack.policies)
    pols = [*builtin_catalog().select(codes=["WA-SEC-001"]), *pack.policies]
    v = Validator(pols)
    assert isinstance(v.prepared, SandboxedPrepared)
    wl = load_workload_text("id: w\nname: W\nendpoints: [{name: api, instances: 1}]\n"
                            "data_stores: [{name: raw, type: s3}]\n", filename="w.yaml")
    found = {(f.policy, f.focus_label, f.path) for f in v.validate(wl).findings}
    assert ("ACME-REL-001", "endpoints/api", "mlwa:instanceCount") in found  # sandboxed
    assert ("WA-SEC-001", "data_stores/raw", "mlwa:encryptedAtRest") in found  # in-process


def test_a_cross_join_is_stopped_by_the_cpu_limit_and_named() -> None:
    pack = load_pack(make_pack(Path(__import__("tempfile").mkdtemp()), "host",
                               {"HOST-SEC-002.ttl": CROSS_JOIN}))
    wl = load_workload_text(big_workload(), filename="big.yaml")
    prepared = prepare_policies(list(pack.policies), pack.policies[0].graph, "reference",
                                ontology=class_hierarchy(),
                                limits=SandboxLimits(cpu_seconds=2, wall_seconds=30))
    with pytest.raises(SandboxLimitExceeded) as info:
        prepared.validate(wl.graph)
    assert str(info.value) == "policy HOST-SEC-002 exceeded its 2 s CPU limit"


def test_validate_names_the_costly_policy_among_several(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "host", {"HOST-SEC-001.ttl": FINE, "HOST-SEC-002.ttl": CROSS_JOIN})
    wl = tmp_path / "big.yaml"
    wl.write_text(big_workload(), encoding="utf-8")
    r = mlwa("validate", str(wl), "--pack", str(pack), "--policy", "HOST-SEC-001",
             "--policy", "HOST-SEC-002", "--format", "json", env=TIGHT)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "policy HOST-SEC-002 exceeded its 2 s CPU limit" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_builtin_pack_is_unaffected_by_the_limits(tmp_path: Path) -> None:
    wl = tmp_path / "big.yaml"
    wl.write_text(big_workload(), encoding="utf-8")
    r = mlwa("validate", str(wl), "--policy", "WA-SEC-001", "--format", "json",
             env={"MLWA_SANDBOX_CPU_SECONDS": "0.1"})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["workloads"][0]["summary"]["findings"]["high"] == 0


def test_policies_test_reports_the_limit_as_a_failure(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "host", {"HOST-SEC-001.ttl": FINE,
                                        "HOST-SEC-001.cases.yaml": CASES.format(code="HOST-SEC-001"),
                                        "HOST-SEC-002.ttl": CROSS_JOIN,
                                        "HOST-SEC-002.cases.yaml": _big_cases("HOST-SEC-002")})
    r = mlwa("policies", "test", str(pack), "--cpu-limit", "2", "--wall-limit", "30")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "FAIL policy HOST-SEC-002 exceeded its 2 s CPU limit" in r.stdout
    assert "FAIL HOST-SEC-001" not in r.stdout  # the other policy still ran and passed


def _big_cases(code: str) -> str:
    import copy

    import yaml

    from engine.workload.safeyaml import load_yaml

    data, _ = load_yaml(big_workload())
    return yaml.safe_dump({"policy": code, "cases": [
        {"name": "big passes", "expect": "pass", "workload": data},
        {"name": "fails", "expect": "fail", "workload": copy.deepcopy(data),
         "failures": [{"focus": "data_stores/s0"}]}]})


@pytest.mark.parametrize("name,text,needle", [
    ("HOST-SEC-003.ttl", SERVICE, "SERVICE"),
    ("HOST-SEC-004.ttl", REDOS, "exponential time"),
], ids=["service", "redos"])
def test_hostile_policies_are_refused_on_load(tmp_path: Path, name: str, text: str,
                                              needle: str) -> None:
    pack = make_pack(tmp_path, "host", {name: text})
    with pytest.raises(PolicyError) as info:
        load_pack(pack)
    assert any(needle in line for line in info.value.lines()), info.value.lines()
    r = mlwa("policies", "test", str(pack))
    assert r.returncode == 2 and needle in r.stderr and name in r.stderr, r.stderr


def test_a_redos_pattern_in_compact_form_is_refused_with_its_line(tmp_path: Path) -> None:
    text = (ACME / "ACME-REL-001.policy.yaml").read_text().replace(
        "    min: 2\n    message: the endpoint runs", "    pattern: '^([a-z]+\\s?)+$'\n"
        "    message: the endpoint runs").replace("path: instances", "path: name")
    pack = make_pack(tmp_path, "host", {"ACME-REL-001.policy.yaml": text})
    line = text.splitlines().index("    pattern: '^([a-z]+\\s?)+$'") + 1
    r = mlwa("policies", "test", str(pack))
    assert r.returncode == 2
    assert f"ACME-REL-001.policy.yaml:{line}:14:" in r.stderr and "pattern refused" in r.stderr, r.stderr


def test_duplicate_codes_across_two_packs_are_a_clear_error(tmp_path: Path) -> None:
    a = make_pack(tmp_path, "pack-a", {"HOST-SEC-001.ttl": FINE})
    b = make_pack(tmp_path, "pack-b", {"HOST-SEC-001.ttl": FINE})
    wl = tmp_path / "w.yaml"
    wl.write_text("id: w\nname: W\n", encoding="utf-8")
    for args in (("validate", str(wl), "--pack", str(a), "--pack", str(b)),
                 ("policies", "test", str(a), str(b))):
        r = mlwa(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "policy code HOST-SEC-001 is also defined in pack pack-a" in r.stderr, r.stderr
