"""The built-in pack: every cases file through one harness, and the catalogue invariants.

Cases are data; nobody writes a test per policy. A policy without cases, with incomplete
metadata or implementing an unknown practice fails here.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from engine.lens.ontology import load_lens
from engine.model import CheckKind, Severity
from engine.paths import builtin_pack_dir
from engine.policies.catalog import CODE_RE, builtin_catalog
from engine.validate.cases import meta_validate, run_policy_cases

CATALOG = builtin_catalog()
POLICIES = sorted(CATALOG.policies.values(), key=lambda p: p.code)
MIN_CASES = 2


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.code)
def test_policy_cases(policy) -> None:  # type: ignore[no-untyped-def]
    report = run_policy_cases(policy)
    assert not report.problems, report.problems
    failures = [f"{r.name}: {r.detail}" for r in report.results if not r.ok]
    assert not failures, failures
    assert len(report.results) >= MIN_CASES


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.code)
def test_policy_is_a_valid_shapes_graph(policy) -> None:  # type: ignore[no-untyped-def]
    assert meta_validate(policy) == []


def test_codes_unique_and_match_file_names() -> None:
    files = sorted(p.name.split(".")[0] for p in builtin_pack_dir().glob("*.ttl") if p.name != "pack.ttl")
    assert files == [p.code for p in POLICIES]
    assert all(CODE_RE.match(p.code) for p in POLICIES)
    for prefix, codes in _by_prefix().items():
        numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
        assert numbers == list(range(1, len(numbers) + 1)), f"{prefix} numbering has gaps"


def _by_prefix() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in POLICIES:
        out.setdefault(p.code.rsplit("-", 1)[0], []).append(p.code)
    return out


def test_every_practice_has_a_policy() -> None:
    covered = {pid for p in POLICIES for pid in p.practices}
    missing = sorted(p.id2025 for p in load_lens().practices if p.id2025 not in covered)
    assert not missing, f"{len(missing)} practices have no policy: {missing}"


def test_well_over_half_of_practices_are_checked_automatically() -> None:
    automated = {pid for p in POLICIES if p.kind is CheckKind.AUTOMATED for pid in p.practices}
    assert len(automated) >= 60, len(automated)


def test_severity_follows_practice_risk() -> None:
    lens = load_lens()
    for p in POLICIES:
        risks = {lens.practice(x).risk for x in p.practices}
        expected = Severity.HIGH if "high" in risks else Severity.MEDIUM
        assert p.severity is expected, (p.code, risks, p.severity)


def test_metadata_complete_and_messages_everywhere() -> None:
    from rdflib import RDF, BNode
    from rdflib.namespace import SH

    for p in POLICIES:
        assert 10 <= len(p.title) <= 90, p.code
        assert len(p.rationale) >= 60 and len(p.remediation) >= 40, p.code
        assert p.status.value == "stable", p.code
        g = p.graph
        # Results are reported for the root shape's own constraints and for its property
        # shapes; nested shapes (inside sh:qualifiedValueShape, sh:or, ...) report through them.
        props = list(g.objects(p.shape, SH.property))
        constraints = props + list(g.objects(p.shape, SH.sparql))
        constraints += [c for ps in props for c in g.objects(ps, SH.sparql)]
        for c in constraints:
            assert g.value(c, SH.message) is not None, (p.code, "constraint without sh:message", c)
        node_level = (SH["or"], SH["and"], SH["not"], SH.xone, SH.node, SH["class"], SH.closed,
                      SH.nodeKind, SH["in"], SH.hasValue)
        if any((p.shape, k, None) in g for k in node_level):
            assert g.value(p.shape, SH.message) is not None, (p.code, "root constraint without sh:message")
        # no shape leaks into another policy's namespace
        for s in g.subjects(RDF.type, SH.NodeShape):
            assert isinstance(s, BNode) or str(s).startswith("https://w3id.org/mlwa/policy/"), (p.code, s)


def test_texts_are_our_own_words() -> None:
    """Rationales and remediations must not reuse the lens's own sentences verbatim: a cheap
    guard is that none repeats the practice description either (those are ours too, but a
    rationale that only restates it adds nothing)."""
    lens = load_lens()
    for p in POLICIES:
        for pid in p.practices:
            desc = lens.practice(pid).description
            assert p.rationale != desc, p.code


def test_cases_floor() -> None:
    counts: Counter[str] = Counter()
    import yaml

    for p in POLICIES:
        assert p.cases_path is not None
        data = yaml.safe_load(p.cases_path.read_text(encoding="utf-8"))
        counts.update(c["expect"] for c in data["cases"])
    assert counts["pass"] >= len(POLICIES) and counts["fail"] >= len(POLICIES)
    assert counts["pass"] + counts["fail"] >= int(2.5 * len(POLICIES))


def test_harness_catches_a_wrong_case(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The harness itself can fail: a case that expects the wrong focus is reported."""
    import shutil

    from engine.policies.catalog import load_pack

    pack = tmp_path / "pack"
    pack.mkdir()
    shutil.copy(builtin_pack_dir() / "pack.ttl", pack / "pack.ttl")
    shutil.copy(builtin_pack_dir() / "WA-SEC-001.ttl", pack / "WA-SEC-001.ttl")
    cases = (builtin_pack_dir() / "WA-SEC-001.cases.yaml").read_text(encoding="utf-8")
    (pack / "WA-SEC-001.cases.yaml").write_text(
        re.sub(r"focus: data_stores/raw\n        path: mlwa:encryptedAtRest\n  - name: a store that",
               "focus: data_stores/other\n        path: mlwa:encryptedAtRest\n  - name: a store that",
               cases), encoding="utf-8")
    policy = load_pack(pack, lint=False).policies[0]
    report = run_policy_cases(policy)
    assert [r.ok for r in report.results].count(False) == 1
