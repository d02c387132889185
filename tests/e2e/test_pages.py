"""Deep links, the Review page and the Describe page in a real browser. Marker: browser.

Every test runs under the ``page`` fixture's guard: any request to a host other than
127.0.0.1, any console error (a 404 logs one) and any page error fails it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import no_exception, screenshot, settle

pytestmark = pytest.mark.browser

TITLES = {"explore": "Explore the ML Lens", "practice": "MLOPS01-BP01", "analytics": "Lens analytics",
          "describe": "Describe a workload", "validate": "Validate a workload", "review": "Review",
          "portfolio": "Portfolio", "history": "History", "policies": "Policies",
          "waivers": "Waivers"}


def test_the_page_list_is_the_navigation() -> None:
    from engine.ui.server import page_paths

    assert sorted(page_paths()) == sorted(TITLES)


@pytest.mark.slow
@pytest.mark.parametrize("path", list(TITLES))
def test_each_deep_link_opens_its_page(page: Any, servers: dict, path: str) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{servers['governance'].url}/{path}")
    page.wait_for_selector(f'h1:has-text("{TITLES[path]}")', timeout=120_000)
    settle(page)
    no_exception(page)
    assert page.get_by_text("Page not found").count() == 0
    assert failed == []


def _open_question(page: Any, qid: str) -> Any:
    expander = page.locator('[data-testid="stExpander"]', has_text=f"{qid} ·").first
    expander.locator("summary").click()
    settle(page)
    return expander


def _answer(page: Any, expander: Any, evidence: str) -> None:
    """Choose the first open practice of a question and give the evidence."""
    box = expander.locator('[data-testid="stMultiSelect"]').first
    option = page.locator('[role="option"]').first
    for _ in range(5):  # the list may close again when a rerun lands on the click
        box.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:  # the list did not open: try the click again
            settle(page)
    option.click()
    page.keyboard.press("Escape")
    settle(page)
    note = expander.get_by_role("textbox", name="Evidence (a link, a ticket, a document)")
    note.fill(evidence)
    note.press("Enter")
    settle(page)


def _metric(page: Any, label: str) -> int:
    m = page.locator('[data-testid="stMetric"]', has_text=label).first
    return int(m.locator('[data-testid="stMetricValue"]').inner_text())


@pytest.mark.slow
def test_review_three_answers_change_the_risk_and_feed_the_report(
        page: Any, servers: dict, tmp_path: Path) -> None:
    import datetime as dt

    from engine.lens.ontology import load_lens
    from engine.ui import review_model as rm
    from engine.validate.validator import validate_workload
    from engine.workload import load_workload_text
    from tests.conftest import REPO

    page.goto(f"{servers['architect'].url}/review")
    page.wait_for_selector('h1:has-text("Review")', timeout=120_000)
    page.wait_for_selector('[data-testid="stExpander"]', timeout=120_000)  # validated
    settle(page)
    # all pillars, so the three questions are on one page
    page.locator('[data-testid="stSelectbox"]', has_text="Pillar").first.click()
    page.locator('[role="option"]', has_text="All pillars").click()
    page.wait_for_function("""() => document.querySelectorAll(
        '[data-testid="stExpander"]').length >= 35""", timeout=120_000)
    settle(page)
    labels = {"HIGH": "High risk", "MEDIUM": "Medium risk", "NONE": "No risk",
              "UNANSWERED": "Unanswered"}
    shown = {r: _metric(page, label) for r, label in labels.items()}
    # starter.yaml: three questions with practices only an answer can settle; what each answer
    # does to the question's risk comes from the same model the page uses
    lens = load_lens()
    custom = rm.ml_lens_as_custom_lens(lens)
    wr = validate_workload(load_workload_text(
        (REPO / "examples" / "starter.yaml").read_text(encoding="utf-8"), filename="starter.yaml"),
        as_of=dt.date.today()).workloads[0]
    qids = [q.id for q in lens.questions
            if any(s == rm.ASK for s in rm.shown_practices(q.id, lens, wr).values())][:3]
    assert len(qids) == 3, qids
    delta = dict.fromkeys(labels, 0)
    for qid in qids:
        first = next(p for p, s in rm.shown_practices(qid, lens, wr).items() if s == rm.ASK)
        risk = rm.question_risk(qid, lens, custom, wr, rm.Answer(choices=[first], note="x"))
        delta[wr.questions[qid].value] -= 1
        delta[risk] += 1
    for qid in qids:
        _answer(page, _open_question(page, qid), f"https://wiki.example.com/review/{qid}")
        no_exception(page)
    assert any(delta.values()), delta  # at least one answer changes a risk
    for r, label in labels.items():
        assert _metric(page, label) == shown[r] + delta[r], (label, delta)
    screenshot(page, "review-answered")

    with page.expect_download() as info:
        page.get_by_role("button", name="Attestations (YAML)").click()
    saved = tmp_path / "answers.yaml"
    info.value.save_as(saved)
    items = yaml.safe_load(saved.read_text(encoding="utf-8"))["attestations"]
    chosen = {i["practice"] for i in items}
    assert {p[:p.index("-")] for p in chosen} == set(qids) and len(chosen) >= 3
    assert all(i["status"] == "implemented" and i["owner"] == "architect-user"
               and i["evidence"].startswith("https://") for i in items)

    # re-validate: in the app, and the downloaded attestations added to the file by hand
    page.get_by_role("button", name="Validate with these answers").click()
    page.wait_for_selector("text=Report: high risk", timeout=120_000)
    settle(page)
    starter = yaml.safe_load((REPO / "examples" / "starter.yaml").read_text(encoding="utf-8"))
    before = validate_workload(load_workload_text(yaml.safe_dump(starter), filename="s.yaml"))
    starter["attestations"] = (starter.get("attestations") or []) + items
    after = validate_workload(load_workload_text(yaml.safe_dump(starter), filename="s.yaml"))
    b, a = before.workloads[0].risk_counts(), after.workloads[0].risk_counts()
    assert all(a[r] - b[r] == delta[r] for r in labels), (a, b, delta)  # page and report agree
    assert _metric(page, "Report: high risk") == a["HIGH"]
    screenshot(page, "review-revalidated")


@pytest.mark.slow
def test_describe_builds_a_valid_starter_from_an_empty_form(page: Any, servers: dict,
                                                            tmp_path: Path) -> None:
    from engine.workload import load_workload_text

    page.goto(f"{servers['architect'].url}/describe")
    page.wait_for_selector('h1:has-text("Describe a workload")', timeout=120_000)
    settle(page)
    assert page.get_by_text("problem(s) to fix").first.is_visible()
    for label, value in (("id *", "churn-model"), ("name *", "Churn model")):
        box = page.get_by_label(label, exact=True).first
        box.fill(value)
        box.press("Enter")
        settle(page)
    page.wait_for_selector("text=Valid:", timeout=60_000)
    no_exception(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download YAML").click()
    saved = tmp_path / "churn-model.yaml"
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {"id": "churn-model", "name": "Churn model"}
    load_workload_text(text, filename=str(saved))  # the CLI's loader accepts it
    screenshot(page, "describe-valid")
