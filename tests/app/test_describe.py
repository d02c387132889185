"""Describe page: a workload written with forms, checked as it is typed."""

from __future__ import annotations

import yaml

from engine.workload import load_workload_text
from tests.app.conftest import VIEWS


def _yaml(at) -> str:
    return next(c.value for c in at.code if c.language == "yaml")


def test_an_empty_form_becomes_a_valid_starter(make_app) -> None:
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/describe.py").run()
    assert not at.exception
    assert at.title[0].value == "Describe a workload"
    assert at.error  # empty: not valid yet
    at.text_input(key="ds.workload.id").set_value("Bad Id").run()
    # the loader's own message for the id, and for the missing name
    problems = next(c.value for c in at.code if c.language == "plaintext")
    assert "id" in problems and "name" in problems
    at.text_input(key="ds.workload.id").set_value("churn-model").run()
    at.text_input(key="ds.workload.name").set_value("Churn model").run()
    at.selectbox(key="ds.workload.lifecycle_stage").set_value("development").run()
    at.multiselect(key="ds_kinds").set_value(["data_stores"]).run()
    at.button(key="ds_add_data_stores").click().run()
    at.text_input(key="ds.data_stores.0.name").set_value("raw").run()
    assert not at.exception
    assert any("Valid" in s.value for s in at.success), [e.value for e in at.error]
    doc = yaml.safe_load(_yaml(at))
    assert doc["id"] == "churn-model" and doc["data_stores"] == [{"name": "raw"}]
    wl = load_workload_text(_yaml(at), filename="w.yaml")
    assert wl is not None
    assert [b.label for b in at.get("download_button")] == ["Download YAML"]
