"""The Validate page: inputs, findings and filters, heatmap, risk, plan, source, downloads."""

from __future__ import annotations

import pytest

from engine.ui.components import source_view
from tests.app.conftest import REPO, VIEWS


@pytest.fixture
def validate_page(make_app):
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/validate.py").run()
    assert not at.exception
    return at


def _findings_table(at):
    return at.dataframe[0].value


def test_example_is_validated_with_findings_and_metrics(validate_page) -> None:
    at = validate_page
    assert at.subheader[0].value == "Real-time card fraud detection"
    metrics = {m.label: m.value for m in at.metric}
    table = _findings_table(at)
    assert int(metrics["High"]) + int(metrics["Medium"]) + int(metrics["Low"]) == len(table)
    assert "WA-REL-008" in set(table["policy"])


def test_findings_filters(validate_page) -> None:
    at = validate_page
    all_rows = _findings_table(at)
    at.multiselect(key="f_sev").set_value(["medium"]).run()
    rows = _findings_table(at)
    assert 0 < len(rows) < len(all_rows)
    assert set(rows["severity"]) == {"medium"}
    at.multiselect(key="f_sev").set_value([])
    at.multiselect(key="f_policy").set_value(["WA-REL-008"]).run()
    assert set(_findings_table(at)["policy"]) == {"WA-REL-008"}


def test_upload_yaml_is_validated(validate_page) -> None:
    at = validate_page
    at.segmented_control(key="validate_source").set_value("Upload").run()
    text = (REPO / "examples" / "starter.yaml").read_bytes()
    at.file_uploader(key="validate_upload").set_value(("starter.yaml", text, "application/yaml")).run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Store demand forecast")


def test_bad_input_is_one_clear_error(validate_page) -> None:
    at = validate_page
    at.segmented_control(key="validate_source").set_value("Paste").run()
    at.text_area(key="validate_paste").set_value("id: x\nname: [unclosed\n").run()
    assert not at.exception
    assert at.error and "could not be read" in at.error[0].value
    assert at.code and "pasted.yaml" in at.code[0].value


def test_engine_choice_reference(validate_page) -> None:
    at = validate_page
    auto = len(_findings_table(at))
    at.selectbox(key="validate_engine").set_value("reference").run()
    assert "engine reference" in at.caption[0].value
    assert len(_findings_table(at)) == auto


def test_risk_plan_and_heatmap_tabs(validate_page) -> None:
    at = validate_page
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["High risk"] == "1"
    risk = at.dataframe[1].value
    assert risk["risk"].iloc[0] == "HIGH"
    assert any(m.value.startswith("**1. MLREL03-BP03") for m in at.markdown)


def test_source_marks_finding_lines_and_escapes(validate_page) -> None:
    at = validate_page
    html = next(m.value for m in at.markdown if m.value.startswith("<div class=\"mlwa-src\">"))
    assert 'class="row hit"' in html and "WA-REL-008" in html


def test_downloads_render_every_format(validate_page) -> None:
    at = validate_page
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Markdown", "HTML", "JSON", "SARIF"]


def test_source_view_escapes_everything() -> None:
    text = 'name: "<script>alert(1)</script>"\nx: 1\n'
    out = source_view(text, {1: ["<img src=x onerror=alert(1)>"]})
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&lt;img" in out
    assert out.count('class="row hit"') == 1


def test_source_view_context_keeps_lines_around_findings() -> None:
    text = "\n".join(f"line {i}" for i in range(1, 101))
    out = source_view(text, {50: ["x"]}, context=2)
    assert "line 48" in out and "line 52" in out and "line 47<" not in out and "line 53<" not in out
