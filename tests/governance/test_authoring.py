"""`mlwa policies new`: a scaffold that loads but is red until the author fills it in."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.commands.policies_authoring import scaffold
from engine.errors import UsageError
from engine.policies.catalog import load_pack
from engine.validate.cases import run_pack_tests
from tests.governance.conftest import mlwa

FILLED_CASES = """policy: {code}
cases:
  - name: an endpoint in a VPC passes
    expect: pass
    workload: {{id: c, name: C, endpoints: [{{name: api, network: {{vpc: true}}}}]}}
  - name: an endpoint outside a VPC fails
    expect: fail
    workload: {{id: c, name: C, endpoints: [{{name: api, network: {{vpc: false}}}}]}}
    failures: [{{focus: endpoints/api, path: mlwa:inVpc}}]
"""


@pytest.mark.parametrize("compact", [True, False], ids=["compact", "shacl"])
def test_the_scaffold_is_red_until_filled_in(tmp_path: Path, compact: bool) -> None:
    pack = tmp_path / "acme-extra"
    files = scaffold(pack, "XTRA-SEC-001", compact)
    assert (pack / "pack.ttl") in files
    assert (pack / ("XTRA-SEC-001.policy.yaml" if compact else "XTRA-SEC-001.ttl")) in files
    [pol] = load_pack(pack).policies
    [report] = run_pack_tests([pol])
    assert not report.ok and all(not r.ok for r in report.results)
    (pack / "XTRA-SEC-001.cases.yaml").write_text(FILLED_CASES.format(code="XTRA-SEC-001"))
    [report] = run_pack_tests(list(load_pack(pack).policies))
    assert report.ok, (report.problems, [r.detail for r in report.results])


def test_the_command_scaffolds_next_codes_and_refuses_overwrites(tmp_path: Path) -> None:
    pack = tmp_path / "team"
    r = mlwa("policies", "new", "--pack", str(pack))
    assert r.returncode == 0, r.stderr
    assert (pack / "TEAM-NEW-001.policy.yaml").exists()
    assert mlwa("policies", "new", "--pack", str(pack)).returncode == 0
    assert (pack / "TEAM-NEW-002.policy.yaml").exists()  # the prefix now comes from pack.ttl
    red = mlwa("policies", "test", str(pack))
    assert red.returncode == 1 and "0 passed, 4 failed" in red.stdout, red.stdout + red.stderr
    with pytest.raises(UsageError, match="already exists"):
        scaffold(pack, "TEAM-NEW-001", True)
    with pytest.raises(UsageError, match="does not look like"):
        scaffold(pack, "bad code", True)
