"""The app in a real browser: every page, an upload, the graph, a policy change by
governance and the refusal of an architect. Marker: browser."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from engine.lens.ontology import load_lens
from tests.app.test_governance import CASES
from tests.conftest import REPO
from tests.e2e.conftest import no_exception, open_page, record_timing, screenshot, settle

#: the Portfolio page offers to validate every example workload
EXAMPLES = len(list((REPO / "examples").glob("*.yaml")))

pytestmark = pytest.mark.browser

PAGES = {  # sidebar title -> text the page must show
    "Explore": "Explore the ML Lens",
    "Practice": "Related practices",
    "Analytics": "Practices with no automated policy",
    "Validate": "Customer support assistant",
    "Portfolio": f"Validate {EXAMPLES} workloads",  # the run itself: test_portfolio_runs_with_a_progress_bar
    "History": "Runs recorded with",
    "Policies": "Catalogue",
    "Waivers": "Grant a waiver",
}


def _first_render(page: Any, url: str, label: str) -> None:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector('h1:has-text("Explore the ML Lens")')
    record_timing(f"explore_{label}_title_s", time.perf_counter() - start)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    page.locator('[data-testid="stDataFrame"]:visible').first.wait_for(timeout=60_000)
    record_timing(f"explore_{label}_render_s", time.perf_counter() - start)


def test_every_page_renders_offline(page: Any, servers: dict) -> None:
    _first_render(page, servers["governance"].url, "first")
    settle(page)
    _first_render(page, servers["governance"].url, "warm")
    settle(page)
    for title, must in PAGES.items():
        if title != "Explore":
            open_page(page, title)
        page.get_by_text(must).first.wait_for(timeout=90_000)
        settle(page)
        no_exception(page)
        screenshot(page, title.lower())


def test_graph_is_drawn_by_the_bundled_cytoscape(page: Any, servers: dict) -> None:
    page.goto(servers["governance"].url)
    settle(page)
    page.get_by_role("tab", name="Graph").click()
    frame_el = page.wait_for_selector('iframe[title*="cytoscape"]', timeout=60_000)
    frame = frame_el.content_frame()
    frame.wait_for_selector("#cy canvas", timeout=60_000)
    assert frame.locator("#cy canvas").count() >= 1
    settle(page)

    def drawn() -> int:
        text = page.locator('p:has-text("nodes,")').first.inner_text()
        return int(text.split(" nodes", 1)[0])

    before = drawn()
    # select a principle inside the component and press its expand button
    page.wait_for_timeout(1500)
    frame.evaluate("""() => { const cy = document.getElementById('cy')._cyreg.cy;
        const node = cy.nodes('[label = "principle"]')[0]; node.select(); node.emit('tap'); }""")
    page.wait_for_timeout(500)
    frame.locator("#nodeActionsExpand").click(force=True)
    page.wait_for_function(f"""() => {{
        const p = [...document.querySelectorAll('p')].find(e => e.innerText.includes(' nodes,'));
        return p && parseInt(p.innerText) > {before}; }}""", timeout=60_000)
    settle(page)
    assert drawn() > before
    page.get_by_role("tab", name="Graph").scroll_into_view_if_needed()
    screenshot(page, "explore-graph")


def test_clicking_a_heatmap_cell_filters_the_practices(page: Any, servers: dict) -> None:
    page.goto(servers["governance"].url)
    settle(page)
    # Plotly draws the heatmap after Streamlit is idle: wait until its layout exists
    page.wait_for_function("""() => {
        const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
        return gd && gd._fullLayout && gd._fullLayout.xaxis;
    }""", timeout=60_000)
    point = page.evaluate("""() => {
        const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {x: box.left + xa._offset + xa.l2p(2), y: box.top + ya._offset + ya.l2p(1)};
    }""")
    page.mouse.click(point["x"], point["y"])
    expected = len(load_lens().select(pillar="security", phase="data-processing"))
    page.wait_for_selector(f'text="{expected} practices"', timeout=30_000)
    settle(page)
    # "5 practices" must not match the unfiltered "105 practices" still on the page
    summary = page.locator("p", has_text=re.compile(rf"(^|[^0-9]){expected} practices")) \
        .first.inner_text()
    assert "Security" in summary and "Data processing" in summary
    screenshot(page, "explore-filtered")


def test_upload_an_example_and_see_its_findings(page: Any, servers: dict, tmp_path) -> None:
    page.goto(servers["architect"].url)
    settle(page)
    open_page(page, "Validate")
    page.locator('[data-testid="stButtonGroup"] button:has-text("Upload")').click()
    settle(page)
    # a unique copy, so the round trip is not served from the cache
    src = tmp_path / "rag-upload.yaml"
    src.write_text((REPO / "examples" / "genai-rag.yaml").read_text()
                   + f"\n# upload {time.time()}\n")
    start = time.perf_counter()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(src))
    page.wait_for_selector('h3:has-text("Customer support assistant")', timeout=60_000)
    page.locator('[data-testid="stDataFrame"]:visible').first.wait_for(timeout=60_000)
    record_timing("validation_round_trip_s", time.perf_counter() - start)
    settle(page)
    no_exception(page)
    assert page.get_by_text("rag-upload.yaml").first.is_visible()
    page.get_by_role("tab", name="Source").click()
    page.wait_for_selector(".mlwa-src .hit", timeout=60_000)
    settle(page)
    assert page.locator(".mlwa-src .hit").count() >= 1
    screenshot(page, "validate-upload")


def test_governance_changes_a_policy(page: Any, servers: dict) -> None:
    page.goto(servers["governance"].url)
    settle(page)
    open_page(page, "Policies")
    page.get_by_role("tab", name="Author a policy").click()
    settle(page)
    cases = page.get_by_role("textbox", name="Cases (what must pass and what must fail)")
    cases.fill(CASES)
    cases.press("Control+Enter")
    settle(page)
    page.get_by_role("button", name="Test", exact=True).click()
    page.wait_for_selector("text=every case passed", timeout=120_000)
    page.get_by_label("Reason for the change").fill("endpoints must run in a VPC")
    page.get_by_label("Reason for the change").press("Enter")
    settle(page)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=Saved ACME-SEC-001", timeout=120_000)
    settle(page)
    screenshot(page, "policies-saved")
    page.get_by_role("tab", name="History and rollback").click()
    settle(page)
    assert page.get_by_text("History and rollback").first.is_visible()
    screenshot(page, "policies-history")


def test_architect_is_told_what_a_governance_page_needs(page: Any, servers: dict) -> None:
    # no allowed console errors: the deep link no longer probes /policies/_stcore (404s)
    page.goto(servers["architect"].url + "/policies")
    page.wait_for_selector('h1:has-text("Policies")', timeout=120_000)
    page.get_by_text("needs the governance role").first.wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_role("tab", name="Catalogue").count() == 0
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_text("Validate").is_visible()
    assert nav.get_by_text("Policies").count() == 0 and nav.get_by_text("Waivers").count() == 0
    screenshot(page, "architect-refused")


def test_portfolio_runs_with_a_progress_bar(page: Any, servers: dict) -> None:
    page.goto(servers["architect"].url)
    settle(page)
    open_page(page, "Portfolio")
    page.get_by_role("button", name=f"Validate {EXAMPLES} workloads").click()
    page.wait_for_selector("text=Risk across workloads, worst first", timeout=180_000)
    settle(page)
    no_exception(page)
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=60_000)
    screenshot(page, "portfolio-results")


def test_governance_grants_a_waiver(page: Any, servers: dict) -> None:
    page.goto(servers["governance"].url)
    settle(page)
    open_page(page, "Waivers")
    page.get_by_label("Workload id").fill("support-assistant")
    page.get_by_label("Reason", exact=True).fill("the vector store moves to KMS keys in Q1")
    page.get_by_role("button", name="Grant").click()
    page.wait_for_selector("text=Granted W-", timeout=60_000)
    settle(page)
    no_exception(page)
    screenshot(page, "waivers-granted")
