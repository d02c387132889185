"""Writes: only governance may save a policy, roll back or grant and revoke a waiver, even
when the function is called directly; the store refuses a second time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.governance.store import Store, WriteRefused
from engine.ui import governance
from engine.ui.identity import Identity
from tests.app.conftest import VIEWS, texts

ARCH = Identity("alice", "architect", "local")
GOV = Identity("gina", "governance", "local")

COMPACT = """code: ACME-SEC-001
title: Production endpoints run inside a VPC
severity: high
implements: [MLSEC05-BP01]
rationale: An endpoint outside a VPC is reachable from networks the team does not control.
remediation: Attach the endpoint to private subnets.
target: endpoints
checks:
  - path: network.vpc
    equals: true
    message: the endpoint is not attached to a VPC
"""
CASES = """policy: ACME-SEC-001
cases:
  - name: an endpoint in a VPC passes
    expect: pass
    workload:
      id: case
      name: Case
      endpoints:
        - name: api
          network: {vpc: true}
  - name: an endpoint outside a VPC fails
    expect: fail
    workload:
      id: case
      name: Case
      endpoints:
        - name: api
          network: {vpc: false}
    failures:
      - focus: endpoints/api
        path: mlwa:inVpc
"""


@pytest.fixture
def store(store_dir: Path) -> Store:
    return Store(store_dir)


@pytest.fixture
def turtle() -> str:
    return governance.compile_compact(COMPACT)


def test_compact_form_compiles_to_shacl(turtle: str) -> None:
    assert "sh:NodeShape" in turtle and "mlwa:inVpc" in turtle
    assert governance.policy_code(turtle) == "ACME-SEC-001"


def test_draft_is_tested_against_its_cases_and_the_examples(turtle: str) -> None:
    from engine.ui.data import EXAMPLES_DIR

    examples = {p.name: p.read_text() for p in EXAMPLES_DIR.glob("*.yaml")}
    trial = governance.try_policy(turtle, CASES, examples)
    assert trial.ok, (trial.problems, trial.lint, trial.cases)
    assert set(trial.examples) == set(examples)
    bad = governance.try_policy(turtle, CASES.replace("vpc: false", "vpc: true"))
    assert not bad.ok


def test_architect_cannot_save_a_policy_even_by_calling_the_function(store: Store, turtle: str) -> None:
    with pytest.raises(WriteRefused):
        governance.save_policy(store, ARCH, turtle, CASES, reason="try")
    assert store.log() == []
    # a forged identity claiming to pass the app's check is still refused by the store
    with pytest.raises(WriteRefused):
        store.write("policies", "custom/ACME-SEC-001.ttl", turtle, actor="alice", role="architect",
                    reason="bypass")
    assert store.documents("policies") == []


def test_governance_saves_history_and_rollback(store: Store, turtle: str) -> None:
    first = governance.save_policy(store, GOV, turtle, CASES, reason="new policy")
    changed = turtle.replace("the endpoint is not attached to a VPC", "no VPC")
    second = governance.save_policy(store, GOV, changed, CASES, reason="shorter message")
    assert first.version != second.version
    name = "custom/ACME-SEC-001.ttl"
    assert [e.version for e in store.history("policies", name)] == [first.version, second.version]
    assert governance.custom_policies(store)["ACME-SEC-001"] == changed
    with pytest.raises(WriteRefused):
        governance.rollback_document(store, ARCH, "policies", name, first.version, reason="no")
    governance.rollback_document(store, GOV, "policies", name, first.version, reason="undo")
    assert store.read("policies", name).text == turtle


def test_a_failing_draft_is_not_saved(store: Store, turtle: str) -> None:
    with pytest.raises(InputError, match="not saved"):
        governance.save_policy(store, GOV, turtle, CASES.replace("vpc: false", "vpc: true"),
                               reason="broken")
    assert store.documents("policies") == []


def test_waivers_grant_list_expire_revoke(store: Store) -> None:
    today = dt.date(2026, 11, 30)
    with pytest.raises(WriteRefused):
        governance.grant_waiver(store, ARCH, workload="genai-rag", policy="WA-SEC-001",
                                reason="r", expires=today + dt.timedelta(days=5), today=today)
    assert store.log() == []
    w = governance.grant_waiver(store, GOV, workload="genai-rag", policy="wa-sec-001",
                                reason="bucket migrates in January",
                                expires=today + dt.timedelta(days=30), today=today)
    assert (w.id, w.policy, w.approver, w.created) == ("W-1", "WA-SEC-001", "gina", today)
    p = governance.grant_waiver(store, GOV, workload="*", practice="mlsec02-bp01", reason="r2",
                                expires=today + dt.timedelta(days=3), today=today)
    assert (p.id, p.practice) == ("W-2", "MLSEC02-BP01")
    waivers, _ = governance.read_waivers(store)
    assert [x.id for x in waivers] == ["W-1", "W-2"]
    assert waivers[0].status(today) == "active"
    assert waivers[0].status(today + dt.timedelta(days=30)) == "expired"
    with pytest.raises(InputError):  # already expired
        governance.grant_waiver(store, GOV, workload="x", policy="WA-SEC-001", reason="r",
                                expires=today, today=today)
    with pytest.raises(InputError):  # both a policy and a practice
        governance.grant_waiver(store, GOV, workload="x", policy="WA-SEC-001", practice="MLSEC02-BP01",
                                reason="r", expires=today + dt.timedelta(days=1), today=today)
    with pytest.raises(WriteRefused):
        governance.revoke_waiver(store, ARCH, "W-1", reason="no")
    governance.revoke_waiver(store, GOV, "W-1", reason="fixed")
    assert [x.id for x in governance.read_waivers(store)[0]] == ["W-2"]
    assert len(store.history(governance.WAIVERS, governance.WAIVERS_DOC)) == 3


def test_store_waivers_cover_findings_until_they_expire(store: Store) -> None:
    from engine.governance.waivers import Waivers
    from engine.validate.validator import validate_workload
    from engine.workload import load_workload
    from tests.app.conftest import REPO

    wl = load_workload(REPO / "examples" / "genai-rag.yaml")
    today = dt.date(2026, 11, 30)
    plain = validate_workload(wl, engine="auto", as_of=today).workloads[0]
    target = plain.findings[0]
    governance.grant_waiver(store, GOV, workload=wl.id, policy=target.policy, reason="accepted",
                            expires=today + dt.timedelta(days=10), today=today)
    waivers = governance.read_waivers(store)[0]
    now = validate_workload(wl, engine="auto", as_of=today, waivers=Waivers(waivers)).workloads[0]
    assert {f.waived_by for f in now.findings if f.policy == target.policy} == {"W-1"}
    later = validate_workload(wl, engine="auto", as_of=today + dt.timedelta(days=11),
                              waivers=Waivers(waivers)).workloads[0]
    assert all(not f.waived for f in later.findings)
    assert any("expired" in n for n in later.notes)


# ------------------------------------------------------------------------------ the pages

def test_policies_page_compiles_tests_and_saves(make_app, store_dir: Path) -> None:
    at = make_app("governance", name="gina")
    at.switch_page(f"{VIEWS}/policies.py").run()
    assert not at.exception
    assert any("mlwa:inVpc" in c.value for c in at.code), "compiled SHACL is shown"
    at.text_area(key="pf_cases_ACME-SEC-001").set_value(CASES).run()
    at.button(key="pf_test").click().run()
    assert any("every case passed" in s.value for s in at.success)
    at.text_input(key="pf_reason").set_value("VPC for endpoints")
    at.button(key="pf_save").click().run()
    assert not at.exception
    assert any(s.value.startswith("Saved ACME-SEC-001") for s in at.success), texts(at)
    store = Store(store_dir)
    assert store.history("policies", "custom/ACME-SEC-001.ttl")[0].actor == "gina"
    # the saved policy joins the catalogue
    at.run()
    codes = set(at.dataframe[0].value["code"])
    assert "ACME-SEC-001" in codes


def test_policies_page_history_and_rollback(make_app, store_dir: Path) -> None:
    store = Store(store_dir)
    turtle = governance.compile_compact(COMPACT)
    first = governance.save_policy(store, GOV, turtle, CASES, reason="v1")
    governance.save_policy(store, GOV, turtle.replace("inside a VPC", "in a VPC"), CASES, reason="v2")
    at = make_app("governance")
    at.switch_page(f"{VIEWS}/policies.py").run()
    at.selectbox(key="hist_doc").set_value("policies/custom/ACME-SEC-001.ttl").run()
    at.selectbox(key="hist_version").set_value(first.version)
    at.text_input(key="hist_reason").set_value("back to v1")
    at.button(key="hist_rollback").click().run()
    assert not at.exception
    assert any("is current again" in s.value for s in at.success)
    assert store.read("policies", "custom/ACME-SEC-001.ttl").version == first.version


def test_waivers_page_grants_and_revokes(make_app, store_dir: Path) -> None:
    at = make_app("governance", name="gina")
    at.switch_page(f"{VIEWS}/waivers.py").run()
    assert not at.exception
    at.text_input(key="w_workload").set_value("genai-rag")
    at.selectbox(key="w_policy").set_value("WA-SEC-001")
    at.text_input(key="w_reason").set_value("bucket migrates in January")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any(s.value.startswith("Granted W-1") for s in at.success), texts(at)
    table = at.dataframe[0].value
    assert list(table["state"]) == ["active"]
    at.text_input(key="w_revoke_reason").set_value("fixed")
    at.button(key="w_revoke").click().run()
    assert governance.read_waivers(Store(store_dir))[0] == []


def test_expired_waivers_are_marked(make_app, store_dir: Path) -> None:
    store = Store(store_dir)
    from engine.governance.waivers import Waiver, Waivers

    old = Waiver("W-7", "genai-rag", "old", "gina", dt.date(2019, 12, 1), dt.date(2020, 1, 1),
                 policy="WA-SEC-001")
    store.write(governance.WAIVERS, governance.WAIVERS_DOC, Waivers([old]).dump(), actor="gina",
                role="governance", reason="seed")
    at = make_app("governance")
    at.switch_page(f"{VIEWS}/waivers.py").run()
    assert list(at.dataframe[0].value["state"]) == ["expired"]
    assert any("expired" in w.value for w in at.warning)
