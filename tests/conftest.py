"""Shared fixtures. Third-party data the tests read lives in tests/data (each set with its
licence); the practice table is project data in ontology/src."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    """The compiled-policy cache (engine.cache) of this test session lives in a folder of its
    own, so tests never read or fill the user's cache; CLI tests inherit it."""
    import tempfile

    if not os.environ.get("MLWA_CACHE_DIR"):
        os.environ["MLWA_CACHE_DIR"] = tempfile.mkdtemp(prefix="mlwa-test-cache-")
    # The store's audit key (engine.governance.store.load_audit_key) likewise: never the user's own.
    if not os.environ.get("MLWA_AUDIT_KEY_FILE"):
        key_dir = tempfile.mkdtemp(prefix="mlwa-test-key-")
        os.environ["MLWA_AUDIT_KEY_FILE"] = os.path.join(key_dir, "audit.key")


# The quick loop is `python -m pytest -m "not slow"`. Whole folders whose tests drive a browser,
# build packages, compare engines over many workloads or run documented commands are slow, and
# so are single tests that took more than ~5 s on a quiet 2-core machine.
SLOW_FOLDERS = ("tests/e2e/", "tests/perf_correctness/", "tests/packaging/", "tests/docs/",
                "tests/scale/")
SLOW_TESTS = (
    "tests/interop/test_walens.py::test_all_reference_lenses_import_and_round_trip_through_rdf",
    "tests/interop/test_walens.py::test_round_trip_keeps_extra_keys_and_odd_spellings",
    "tests/interop/test_oscal.py::test_results_from_a_real_validation_run",
    "tests/history/test_history.py::test_cli_record_baseline_history_and_diff",
    "tests/history/test_history.py::test_baseline_new_only",
    "tests/history/test_history.py::test_list_filters_by_workload",
    "tests/app/test_validate.py::test_engine_choice_reference",
    "tests/app/test_validate.py::test_a_store_profile_tailors_the_run",
    "tests/app/test_governance.py::test_policies_page_history_and_rollback",
    "tests/app/test_governance.py::test_policies_page_compiles_tests_and_saves",
    "tests/app/test_governance.py::test_draft_is_tested_against_its_cases_and_the_examples",
    "tests/app/test_command.py::test_mlwa_app_serves_and_passes_store_and_role",
    "tests/app/test_portfolio.py::test_portfolio_page_validates_the_examples_worst_first",
    "tests/governance/test_custom_sandbox.py::test_policies_test_reports_the_limit_as_a_failure",
    "tests/governance/test_custom_sandbox.py::test_validate_names_the_costly_policy_among_several",
    "tests/governance/test_custom_sandbox.py::test_a_cross_join_is_stopped_by_the_cpu_limit_and_named",
    "tests/governance/test_custom_sandbox.py::test_duplicate_codes_across_two_packs_are_a_clear_error",
    "tests/governance/test_profiles.py::test_an_override_changes_the_severity_and_the_exit_code",
    "tests/ontology/test_lens.py::test_hermit_finds_the_ontology_consistent",
    "tests/ontology/test_lens.py::test_cli_export_formats",
    "tests/scale/test_estate_identity.py::test_query_gives_each_file_its_own_endpoints_and_reruns_line_up",
    "tests/app/test_portfolio.py::test_portfolio_page_lists_two_files_sharing_an_id_as_two_rows",
)


# The longest tests start first, so that with pytest-xdist no worker is left running one of
# them alone at the end (test_fast_equals_reference alone takes about 7 minutes).
FIRST = (
    "tests/perf_correctness/test_engines_agree.py::test_fast_equals_reference",
    "tests/e2e/",
    "tests/perf_correctness/",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks the tests named above ``slow`` (one list, so the quick loop is defined in one
    place) and moves the longest ones to the front (a stable sort: the rest keep their order)."""
    slow = pytest.mark.slow
    for item in items:
        nodeid = item.nodeid
        if nodeid.startswith(SLOW_FOLDERS) or nodeid.split("[")[0] in SLOW_TESTS:
            item.add_marker(slow)

    def rank(item: pytest.Item) -> int:
        return next((i for i, p in enumerate(FIRST) if item.nodeid.startswith(p)), len(FIRST))

    items.sort(key=rank)


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` when ``condition`` is false; under CI=true fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def test_data() -> Path:
    """tests/data: the W3C SHACL suite, the SARIF 2.1.0 schema, published custom lenses."""
    return REPO / "tests" / "data"


@pytest.fixture(scope="session")
def practice_table() -> Path:
    """The lens's 105 practices in both editions (project data, read by ontology/tools)."""
    return REPO / "ontology" / "src" / "ml-lens-practices.csv"
