"""The Validate page: inputs, findings and filters, heatmap, risk, plan, source, downloads."""

from __future__ import annotations

import pytest

from engine.ui.components import plain, source_view
from tests.app.conftest import REPO, VIEWS

EXAMPLE = "genai-rag.yaml"


@pytest.fixture(scope="module")
def expected():
    """What the engine itself says about the example (the page must show the same)."""
    from engine.validate.validator import validate_workload
    from engine.workload import load_workload

    wl = load_workload(REPO / "examples" / EXAMPLE)
    wr = validate_workload(wl, engine="auto").workloads[0]
    assert wr.findings, f"{EXAMPLE} is expected to have gaps to show"
    return wr


@pytest.fixture
def validate_page(make_app):
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/validate.py").run()
    assert not at.exception
    at.selectbox(key="validate_example").set_value(EXAMPLE).run()
    return at


def _findings_table(at):
    return at.dataframe[0].value


def _open_tab(at, name: str):
    """Open one of the page's lazy tabs (only the open tab runs)."""
    at.session_state["validate_tab"] = name
    return at.run()


def test_example_is_validated_with_findings_and_metrics(validate_page, expected) -> None:
    at = validate_page
    assert at.subheader[0].value == plain(expected.name)
    metrics = {m.label: m.value for m in at.metric}
    counts = expected.counts()
    assert (metrics["High"], metrics["Medium"]) == (str(counts["high"]), str(counts["medium"]))
    table = _findings_table(at)
    assert len(table) == len(expected.findings)
    assert set(table["policy"]) == {f.policy for f in expected.findings}


def test_findings_filters(validate_page, expected) -> None:
    at = validate_page
    severities = {f.severity.value for f in expected.findings}
    sev = sorted(severities)[0]
    at.multiselect(key="f_sev").set_value([sev]).run()
    rows = _findings_table(at)
    assert len(rows) == sum(1 for f in expected.findings if f.severity.value == sev)
    assert set(rows["severity"]) == {sev}
    at.multiselect(key="f_sev").set_value([])
    code = expected.findings[0].policy
    at.multiselect(key="f_policy").set_value([code]).run()
    assert set(_findings_table(at)["policy"]) == {code}
    pillar = expected.findings[0].pillar
    at.multiselect(key="f_policy").set_value([])
    at.multiselect(key="f_pillar").set_value([pillar]).run()
    assert len(_findings_table(at)) == sum(1 for f in expected.findings if f.pillar == pillar)


def test_upload_yaml_is_validated(validate_page) -> None:
    at = validate_page
    at.segmented_control(key="validate_source").set_value("Upload").run()
    text = (REPO / "examples" / "starter.yaml").read_bytes()
    at.file_uploader(key="validate_upload").set_value(("starter.yaml", text, "application/yaml")).run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Store demand forecast")
    # the upload's limit is stated as text above the result (a caption added on purpose)
    assert "Up to 2 MiB per file" in at.caption[0].value
    assert any("starter.yaml" in c.value for c in at.caption)


def test_bad_input_is_one_clear_error(validate_page) -> None:
    at = validate_page
    at.segmented_control(key="validate_source").set_value("Paste").run()
    at.text_area(key="validate_paste").set_value("id: x\nname: [unclosed\n").run()
    assert not at.exception
    assert at.error and "could not be read" in at.error[0].value
    assert at.code and "pasted.yaml" in at.code[0].value


def test_engine_choice_reference(validate_page, expected) -> None:
    at = validate_page
    at.selectbox(key="validate_engine").set_value("reference").run(timeout=300)
    assert "engine reference" in at.caption[0].value
    assert len(_findings_table(at)) == len(expected.findings)


def test_only_the_open_tab_runs(validate_page) -> None:
    at = validate_page
    assert len(at.dataframe) == 1  # findings only; the risk table has not run
    assert not at.get("download_button")
    _open_tab(at, "Gap heatmap")
    assert not at.dataframe and any("violated / practices" in c.value for c in at.caption)


def test_risk_and_plan_tabs(validate_page, expected) -> None:
    at = _open_tab(validate_page, "Risk per question")
    metrics = {m.label: m.value for m in at.metric}
    risks = expected.risk_counts()
    assert (metrics["High risk"], metrics["Medium risk"]) == (str(risks["HIGH"]), str(risks["MEDIUM"]))
    risk = at.dataframe[0].value
    assert len(risk) == len(expected.questions)
    worst = "HIGH" if risks["HIGH"] else "MEDIUM"
    assert risk["risk"].iloc[0] == worst
    assert risk["asks"].iloc[0]  # the question itself, not only its topic
    # The plan is grouped (by risk first) into tables rather than 40 cards: a deliberate change.
    _open_tab(at, "Improvement plan")
    plan = expected.plan()
    first = at.dataframe[0].value
    assert first["practice"].iloc[0] == plan[0].practice and first["#"].iloc[0] == 1
    assert sum(len(d.value) for d in at.dataframe) == len(plan)
    at.selectbox(key="plan_group").set_value("Policy").run()
    assert {e.label.split(" · ")[0] for e in at.expander} == \
        {code for item in plan for code in item.policies}


def test_source_marks_finding_lines_and_escapes(validate_page, expected) -> None:
    at = _open_tab(validate_page, "Source")
    html = next(m.value for m in at.markdown if m.value.startswith("<div class=\"mlwa-src\">"))
    lines = {f.line for f in expected.open_findings if f.line}
    assert html.count('class="row hit"') == len(lines)
    assert expected.open_findings[0].policy in html


def test_downloads_render_every_format(validate_page) -> None:
    at = _open_tab(validate_page, "Download")
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


def test_a_store_profile_tailors_the_run(make_app, store_dir, expected) -> None:
    from engine.governance.store import Store

    code = expected.findings[0].policy
    profile = f"id: no-{code.lower()}\ntitle: test\nexclude:\n  policies: [{code}]\n"
    Store(store_dir).write("profiles", "prod.yaml", profile, actor="gina", role="governance",
                           reason="test profile")
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/validate.py").run()
    at.selectbox(key="validate_example").set_value(EXAMPLE).run()
    assert code in set(_findings_table(at)["policy"])
    at.selectbox(key="validate_profile").set_value("prod.yaml").run()
    assert not at.exception
    assert code not in set(_findings_table(at)["policy"])


def test_labels_from_files_cannot_inject_markup() -> None:
    assert plain("[click](javascript:alert(1)) <b>x</b> $x$ *y*") == \
        "\\[click\\](javascript:alert(1)) \\<b\\>x\\</b\\> \\$x\\$ \\*y\\*"


@pytest.mark.parametrize("fmt", ["json", "ttl"])
def test_upload_json_and_turtle(validate_page, fmt: str) -> None:
    import json

    import yaml

    from engine.workload import load_workload

    src = REPO / "examples" / "starter.yaml"
    if fmt == "json":
        body = json.dumps(yaml.safe_load(src.read_text())).encode()
    else:
        body = load_workload(src).graph.serialize(format="turtle").encode()
    at = validate_page
    at.segmented_control(key="validate_source").set_value("Upload").run()
    at.file_uploader(key="validate_upload").set_value((f"starter.{fmt}", body, "text/plain")).run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Store demand forecast")
    assert len(_findings_table(at)) > 0


def test_an_upload_over_the_cap_is_refused(validate_page) -> None:
    at = validate_page
    at.segmented_control(key="validate_source").set_value("Upload").run()
    big = b"# padding\n" * 300_000  # 3 MB, over the 2 MiB limit for one workload
    at.file_uploader(key="validate_upload").set_value(("big.yaml", big, "application/yaml")).run()
    assert not at.exception
    assert at.error and "the limit is" in at.error[0].value
    assert not at.subheader
