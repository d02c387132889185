"""The W3C SHACL test suite on both backends.

The reference backend must pass every test except the known pySHACL failures (listed, with
reasons, in engine.shacl.conformance); the fast backend must pass every test, counting the
ones its gate routes to the reference engine, except where that engine itself is known to fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import require

from engine.shacl.conformance import (
    KNOWN_FAST_FAILURES,
    KNOWN_REFERENCE_FAILURES,
    W3CTest,
    known_failure,
    load_suite,
    run_test,
)

SUITE = Path(__file__).resolve().parents[1] / "data" / "w3c-shacl-tests"


def _tests() -> list[W3CTest]:
    if not (SUITE / "manifest.ttl").is_file():
        return []
    return load_suite(SUITE)


TESTS = _tests()


def test_suite_is_present_and_complete() -> None:
    require((SUITE / "manifest.ttl").is_file(), f"W3C SHACL tests not found at {SUITE}")
    assert len(TESTS) >= 120
    areas = {t.area for t in TESTS}
    assert {"core/node", "core/property", "core/path", "sparql/node"} <= areas


def test_known_failures_name_real_tests() -> None:
    require(bool(TESTS), "W3C SHACL tests not found")
    assert set(KNOWN_REFERENCE_FAILURES) | set(KNOWN_FAST_FAILURES) <= {t.id for t in TESTS}


def _explain(outcome: object) -> str:
    o = outcome
    lines = [getattr(o, "detail", "")]
    lines += [f"missing {k}" for k in sorted(getattr(o, "missing", ()))]
    lines += [f"extra   {k}" for k in sorted(getattr(o, "extra", ()))]
    return "\n".join(lines)


@pytest.mark.parametrize("backend", ["reference", "fast", "fast-oxigraph"])
@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_w3c(test: W3CTest, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``fast`` runs each data graph in-process (engine.shacl.fast.small), as it does from
    the second workload on; ``fast-oxigraph`` forces the same compiled queries through
    Oxigraph, the path of a first workload and of large batches."""
    import engine.shacl.fast as fast

    if backend == "fast-oxigraph":
        monkeypatch.setattr(fast, "SMALL", 0)
        backend = "fast"
    elif backend == "fast":
        monkeypatch.setattr(fast, "SMALL_AFTER", 0)
    outcome = run_test(test, backend)
    reason = known_failure(test.id, backend, outcome.routed)
    if reason:
        # Strict: a known failure that starts passing must be removed from the list.
        assert not outcome.passed, f"{test.id} now passes on {backend}: drop it from the list"
        pytest.xfail(reason)
    assert outcome.passed, _explain(outcome)


def test_conformance_doc_is_current(repo: Path) -> None:
    """docs/conformance.md is generated; regenerate it when this fails:
    python -m engine.shacl.conformance --markdown > docs/conformance.md"""
    require(bool(TESTS), "W3C SHACL tests not found")
    from engine.shacl.conformance import markdown, run_suite

    doc = repo / "docs" / "conformance.md"
    assert doc.read_text(encoding="utf-8") == markdown(list(run_suite()))
