"""Every page's logic through Streamlit's AppTest (no browser)."""

from __future__ import annotations

import pytest

from engine.lens.ontology import load_lens
from tests.app.conftest import VIEWS, texts


@pytest.fixture
def architect(make_app):
    return make_app("architect").run()


def test_explore_renders_the_lens_summary(architect) -> None:
    at = architect
    assert not at.exception
    assert at.title[0].value == "Explore the ML Lens"
    metrics = {m.label: m.value for m in at.metric}
    lens = load_lens()
    assert metrics["Practices"] == str(len(lens.practices))
    assert metrics["Questions"] == str(len(lens.questions))
    assert f"{len(lens.practices)} practices" in texts(at)


def test_explore_cell_filter_narrows_the_practice_list(architect) -> None:
    at = architect
    at.selectbox(key="explore_pillar").set_value("security")
    at.selectbox(key="explore_phase").set_value("data-processing").run()
    expected = load_lens().select(pillar="security", phase="data-processing")
    assert expected
    assert f"**{len(expected)} practices**" in "\n".join(m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert set(table["id"]) == {p.id2025 for p in expected}


def test_explore_search_finds_either_editions_id_and_words(architect) -> None:
    at = architect
    lens = load_lens()
    p = lens.practices[10]
    at.text_input(key="explore_query").set_value(p.id2023).run()
    assert any(p.id2025 in s.value for s in at.success)
    at.text_input(key="explore_query").set_value("encryption").run()
    rows = at.dataframe[0].value
    lens = load_lens()
    found = {lens.practice(i).id2025 for i in rows["id"]}
    assert found and all("encryption" in (lens.practice(i).title2025 + lens.practice(i).title2023
                                          + lens.practice(i).description + i).lower() for i in found)
    at.text_input(key="explore_query").set_value("no-such-word-xyz").run()
    assert at.warning


def test_edition_toggle_shows_2023_ids(architect) -> None:
    at = architect
    at.radio(key="edition").set_value("2023").run()
    assert "2023 edition" in at.subheader[0].value
    ids = list(at.dataframe[0].value["id"])
    assert all(not i.endswith(tuple(f"BP{n:02d}" for n in range(1, 20))) for i in ids)
    assert ids[0] == load_lens().practices[0].id2023


def test_search_open_goes_to_the_practice_page(architect) -> None:
    at = architect
    target = load_lens().practice("MLSEC02-BP01")
    at.text_input(key="explore_query").set_value("mlsec02-bp01").run()
    at.button(key="search_open").click().run()
    assert not at.exception
    assert at.title[0].value == target.id2025


def test_practice_page_shows_both_ids_policies_and_related_links(make_app) -> None:
    at = make_app("architect")
    at.session_state["practice"] = "MLSEC02-BP01"
    at.switch_page(f"{VIEWS}/practice.py").run()
    assert not at.exception
    p = load_lens().practice("MLSEC02-BP01")
    assert at.title[0].value == p.id2025
    body = texts(at)
    assert p.id2023 in body and p.description[:40] in body
    assert any("WA-SEC-001" in e.label for e in at.expander)
    assert any("encryption" in c.value for c in at.code)  # a case rendered as YAML
    related = [b for b in at.button if b.key and b.key.startswith("rel_")]
    assert related, "related practices are links"
    target = related[0].key.removeprefix("rel_")
    related[0].click().run()
    assert at.title[0].value == target


def test_analytics_lists_automation_gaps_and_centrality(make_app) -> None:
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/analytics.py").run()
    assert not at.exception
    metrics = {m.label: int(m.value) for m in at.metric}
    gaps = at.dataframe[1].value
    assert metrics["Attestation only"] + metrics["No policy at all"] == len(gaps)
    assert metrics["Automated"] + len(gaps) == len(load_lens().practices)
    assert len(at.dataframe[0].value) == 15  # most central practices
    assert any("connected" in s.value for s in at.success)


@pytest.mark.parametrize("page", ["policies", "waivers"])
def test_architect_opening_a_governance_page_is_told_the_role(make_app, page: str) -> None:
    # Deliberate change: the URL /policies used to land on Explore without a word; it now
    # shows what the page needs. The governance view file is never registered for an
    # architect, so none of its widgets exist.
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/{page}.py").run()  # like opening /policies by URL
    assert not at.exception
    assert at.title[0].value == page.title()
    assert "needs the **governance** role" in at.warning[0].value
    assert not at.tabs and not at.button and not at.text_area
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"{VIEWS}/{page}.py")


def test_governance_sees_the_governance_pages(make_app) -> None:
    at = make_app("governance")
    at.switch_page(f"{VIEWS}/policies.py").run()
    assert not at.exception
    assert at.title[0].value == "Policies"
    at.switch_page(f"{VIEWS}/waivers.py").run()
    assert at.title[0].value == "Waivers"


def test_trusted_proxy_headers_decide_the_role(make_app) -> None:
    from streamlit import config

    at = make_app("architect")
    old = config.get_option("server.trustedUserHeaders")
    config.set_option("server.trustedUserHeaders",
                      {"X-Forwarded-Email": "email", "X-Forwarded-Groups": "groups"})
    try:
        at.user = {"email": "gina@example.com", "groups": "staff,mlwa-governance"}
        at.switch_page(f"{VIEWS}/waivers.py").run()
        assert at.title[0].value == "Waivers"
        assert any("gina@example.com" in c.value.replace("\\", "") for c in at.sidebar.caption)
        other = make_app("architect")
        other.user = {"email": "arch@example.com", "groups": "staff"}
        other.switch_page(f"{VIEWS}/waivers.py").run()
        assert "needs the **governance** role" in other.warning[0].value
    finally:
        config.set_option("server.trustedUserHeaders", old)


def test_headers_are_ignored_without_a_trusted_proxy(make_app) -> None:
    at = make_app("architect")
    at.user = {"email": "mallory@example.com", "groups": "mlwa-governance"}
    at.switch_page(f"{VIEWS}/policies.py").run()
    assert "needs the **governance** role" in at.warning[0].value


def test_a_clicked_grid_cell_is_read_from_the_selection_event() -> None:
    from engine.ui.components import selected_cell

    event = {"selection": {"points": [{"x": "Data<br>processing", "y": "Security",
                                       "customdata": ["security", "data-processing"]}]}}
    assert selected_cell(event) == ("security", "data-processing")
    assert selected_cell({"selection": {"points": []}}) is None
    assert selected_cell(None) is None
