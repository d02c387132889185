"""Custom lenses: the twelve published lenses, the ML Lens export, broken rules, reviews."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from engine.errors import InputError
from engine.interop import walens
from engine.interop.conditions import ConditionError, parse_condition, render
from engine.interop.customlens import LIMITS
from tests.conftest import require

EXPECTED_LENSES = 12


def _lens_files(test_data: Path) -> list[Path]:
    folder = test_data / "custom-lenses"
    require(folder.is_dir(), f"custom lenses not found at {folder}")
    files = sorted(folder.glob("*.json"))
    require(len(files) == EXPECTED_LENSES, f"expected {EXPECTED_LENSES} lens files in {folder}")
    return files


def _through_turtle(lens: walens.ImportedLens) -> walens.ImportedLens:
    text = walens.lens_to_graph(lens).serialize(format="turtle")
    graph = Graph()
    graph.parse(data=text, format="turtle")
    return walens.graph_to_lens(graph)


def test_all_reference_lenses_import_and_round_trip_through_rdf(test_data: Path) -> None:
    for path in _lens_files(test_data):
        original = json.loads(path.read_text(encoding="utf-8"))
        lens = walens.import_lens_json(path)
        assert lens.iri.startswith("https://w3id.org/mlwa/lens/custom/")
        back = _through_turtle(lens)
        assert walens.normalise(walens.export_custom_lens(back)) == walens.normalise(original), path.name
        assert back.iri == lens.iri


def test_round_trip_keeps_extra_keys_and_odd_spellings(test_data: Path) -> None:
    files = {p.name: p for p in _lens_files(test_data)}
    orr = walens.import_lens_json(files["ORR-Whitepaper-Sample-PUBLISHED.json"])
    assert any("'Url'" in w for w in orr.warnings)
    back = walens.export_custom_lens(_through_turtle(orr))
    choice = back["pillars"][0]["questions"][3]["choices"][1]
    assert "Url" in choice["helpfulResource"]
    idp = walens.export_custom_lens(_through_turtle(
        walens.import_lens_json(files["Amazon_Machine_Learning_IDP_Lens.json"])))
    assert idp["_version"] == "1.1.0" and idp["ready"] is True


def test_lens_without_default_rule_imports_with_a_warning(test_data: Path) -> None:
    files = {p.name: p for p in _lens_files(test_data)}
    ecs = walens.import_lens_json(files["Amazon_ECS_Lens.json"])
    assert any("no 'default' rule" in w for w in ecs.warnings)
    net3 = ecs.question("NET3")
    assert walens.evaluate_risk(net3, ["NET3_1"]) == "HIGH_RISK"
    assert walens.evaluate_risk(net3, ["NET3_3", "NET3_1"]) == "NO_RISK"
    # no rule matches: no rule flags a risk (issue 22; was HIGH_RISK, "assume the worst")
    assert walens.evaluate_risk(net3, ["NET3_4_no"]) == "NO_RISK"


# ------------------------------------------------------------------ the ML Lens export

@pytest.fixture(scope="module")
def ml_doc() -> dict[str, Any]:
    return json.loads(walens.export_lens_json())


def test_ml_lens_export_respects_every_limit(ml_doc: dict[str, Any]) -> None:
    text = walens.export_lens_json()
    assert len(text.encode("utf-8")) <= LIMITS.file_bytes
    assert ml_doc["schemaVersion"] == "2021-11-01"
    assert len(ml_doc["name"]) <= LIMITS.lens_name
    assert len(ml_doc["pillars"]) == 6 <= LIMITS.pillars
    assert [p["id"] for p in ml_doc["pillars"]] == [
        "operationalExcellence", "security", "reliability", "performance", "costOptimization",
        "sustainability"]
    questions = [q for p in ml_doc["pillars"] for q in p["questions"]]
    assert len(questions) == 35
    choices = [c for q in questions for c in q["choices"]]
    assert len([c for c in choices if not c["id"].endswith("_no")]) == 105
    for p in ml_doc["pillars"]:
        assert len(p["questions"]) <= LIMITS.questions_per_pillar
    for q in questions:
        assert len(q["choices"]) <= LIMITS.choices_per_question
        assert len(q["title"]) <= LIMITS.question_title
        assert q["choices"][-1]["id"] == f"{q['id']}_no"
        assert q["riskRules"][-1] == {"condition": "default", "risk": q["riskRules"][-1]["risk"]}
        for c in q["choices"]:
            assert len(c["title"]) <= LIMITS.choice_title
            assert len(c["id"]) <= LIMITS.choice_id and "-" not in c["id"]
            for key in ("helpfulResource", "improvementPlan"):
                assert len(c[key]["displayText"]) <= LIMITS.display_text
    assert max(len(q["choices"]) for q in questions) == 15  # MLCOST04: 14 practices + none


def test_ml_lens_export_uses_practice_facts(ml_doc: dict[str, Any]) -> None:
    from engine.lens.ontology import load_lens

    lens = load_lens()
    by_choice = {c["id"]: c for p in ml_doc["pillars"] for q in p["questions"]
                 for c in q["choices"]}
    for p in lens.practices:
        c = by_choice[p.id2025.replace("-", "_")]
        assert c["title"] == p.title2025
        assert c["helpfulResource"] == {"displayText": p.description, "url": p.source2025}
        assert c["improvementPlan"]["url"] == p.source2025


def test_ml_lens_export_reimports_to_the_same_lens(ml_doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "ml-lens.json"
    path.write_text(walens.export_lens_json(), encoding="utf-8")
    lens = walens.import_lens_json(path)
    assert lens.warnings == ()
    back = _through_turtle(lens)
    assert walens.normalise(walens.export_custom_lens(back)) == walens.normalise(ml_doc)
    assert [q.id for q in back.questions] == [q["id"] for p in ml_doc["pillars"]
                                              for q in p["questions"]]


def test_ml_lens_risk_rules_follow_practice_risk() -> None:
    from engine.lens.ontology import load_lens

    lens = load_lens()
    imported = walens.check_document(json.loads(walens.export_lens_json()))
    q = imported.question("MLCOST04")
    practices = [p for p in lens.practices if p.question == "MLCOST04"]
    every = [p.id2025.replace("-", "_") for p in practices]
    high = [p.id2025.replace("-", "_") for p in practices if p.risk == "high"]
    assert high and len(high) < len(every)
    assert walens.evaluate_risk(q, every) == "NO_RISK"
    assert walens.evaluate_risk(q, high) == "MEDIUM_RISK"
    assert walens.evaluate_risk(q, every[:-1] if every[-1] not in high else every[1:]) in (
        "MEDIUM_RISK", "HIGH_RISK")
    assert walens.evaluate_risk(q, [c for c in every if c != high[0]]) == "HIGH_RISK"
    assert walens.evaluate_risk(q, ["MLCOST04_no"]) == "HIGH_RISK"


def test_exporter_refuses_a_document_over_the_limits(ml_doc: dict[str, Any]) -> None:
    too_many = copy.deepcopy(ml_doc)
    q = too_many["pillars"][4]["questions"][3]
    q["choices"].insert(0, dict(q["choices"][0], id="EXTRA_CHOICE"))
    with pytest.raises(InputError) as err:
        walens.check_document(too_many)
    assert any("choices" in line and "limit is 15" in line for line in err.value.lines())
    long_title = copy.deepcopy(ml_doc)
    long_title["pillars"][0]["questions"][0]["choices"][0]["title"] = "x" * 200
    with pytest.raises(InputError, match=r"\$\.pillars\[0\]\.questions\[0\]\.choices\[0\]\.title"):
        walens.check_document(long_title)


# ------------------------------------------------------------------ broken lenses

def _small_lens() -> dict[str, Any]:
    return {
        "schemaVersion": "2021-11-01", "name": "Small lens", "description": "For tests.",
        "pillars": [{"id": "ops", "name": "Operations", "questions": [{
            "id": "ops_1", "title": "How do you deploy?",
            "choices": [
                {"id": "ops_1_a", "title": "Automated", "improvementPlan": {"displayText": "Automate."}},
                {"id": "ops_1_b", "title": "Reviewed", "improvementPlan": {"displayText": "Review."}},
                {"id": "ops_1_no", "title": "None of these"},
            ],
            "riskRules": [
                {"condition": "ops_1_a && ops_1_b", "risk": "NO_RISK"},
                {"condition": "ops_1_a || ops_1_b", "risk": "MEDIUM_RISK"},
                {"condition": "default", "risk": "HIGH_RISK"},
            ]}]}]}


def _import_doc(tmp_path: Path, doc: dict[str, Any]) -> walens.ImportedLens:
    path = tmp_path / "lens.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return walens.import_lens_json(path)


def test_bad_condition_syntax_names_the_json_path(tmp_path: Path) -> None:
    doc = _small_lens()
    doc["pillars"][0]["questions"][0]["riskRules"][1]["condition"] = "ops_1_a || (ops_1_b &&"
    with pytest.raises(InputError) as err:
        _import_doc(tmp_path, doc)
    line = err.value.lines()[0]
    assert "$.pillars[0].questions[0].riskRules[1].condition" in line
    assert "lens.json" in line


def test_unknown_choice_in_condition_names_the_json_path(tmp_path: Path) -> None:
    doc = _small_lens()
    doc["pillars"][0]["questions"][0]["riskRules"][0]["condition"] = "ops_1_a && ops_1_c"
    with pytest.raises(InputError) as err:
        _import_doc(tmp_path, doc)
    line = err.value.lines()[0]
    assert "$.pillars[0].questions[0].riskRules[0].condition" in line
    assert "unknown choice id 'ops_1_c'" in line and "did you mean" in line


def test_every_problem_is_reported_with_its_path(tmp_path: Path) -> None:
    doc = _small_lens()
    q = doc["pillars"][0]["questions"][0]
    q["riskRules"][0]["risk"] = "LOW_RISK"
    q["choices"][1]["id"] = "ops-1-b"
    q["riskRules"].append({"condition": "ops_1_a", "risk": "NO_RISK"})
    with pytest.raises(InputError) as err:
        _import_doc(tmp_path, doc)
    text = "\n".join(err.value.lines())
    assert "$.pillars[0].questions[0].riskRules[0].risk" in text
    assert "$.pillars[0].questions[0].choices[1].id" in text
    assert "$.pillars[0].questions[0].riskRules[3].condition" in text and "never reached" in text


def test_limits_and_json_syntax(tmp_path: Path) -> None:
    doc = _small_lens()
    doc["pillars"] = [dict(doc["pillars"][0], id=f"p{i:02d}") for i in range(11)]
    for i, p in enumerate(doc["pillars"]):
        p["questions"] = [dict(p["questions"][0], id=f"q{i:02d}")]
    with pytest.raises(InputError, match=r"\$\.pillars: has 11 pillars; the limit is 10"):
        _import_doc(tmp_path, doc)
    bad = tmp_path / "bad.json"
    bad.write_text('{"schemaVersion": "2021-11-01",\n  "name": }', encoding="utf-8")
    with pytest.raises(InputError) as err:
        walens.import_lens_json(bad)
    assert err.value.location.line == 2


# ------------------------------------------------------------------ conditions and reviews

@pytest.mark.parametrize("text", ["a &&", "(a || b", "a b", "a & b", "!", "a || default", ""])
def test_condition_syntax_errors(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_condition_precedence_and_rendering() -> None:
    expr = parse_condition("!a && b || c")
    assert render(expr) == "!a && b || c"
    from engine.interop.conditions import evaluate

    assert evaluate(expr, {"b"}) is True
    assert evaluate(expr, {"a", "b"}) is False
    assert evaluate(expr, {"a", "c"}) is True
    assert evaluate(parse_condition("!(a || b)"), set()) is True


def test_evaluate_risk_first_match_wins(tmp_path: Path) -> None:
    doc = _small_lens()
    q = doc["pillars"][0]["questions"][0]
    # a rule that would also match comes second: the first one decides
    q["riskRules"] = [{"condition": "ops_1_a", "risk": "MEDIUM_RISK"},
                      {"condition": "ops_1_a && ops_1_b", "risk": "NO_RISK"},
                      {"condition": "default", "risk": "HIGH_RISK"}]
    lens = _import_doc(tmp_path, doc)
    question = lens.question("ops_1")
    assert walens.evaluate_risk(question, ["ops_1_a", "ops_1_b"]) == "MEDIUM_RISK"
    assert walens.evaluate_risk(question, ["ops_1_b"]) == "HIGH_RISK"
    q["riskRules"][:2] = q["riskRules"][1::-1]
    lens = _import_doc(tmp_path, doc)
    assert walens.evaluate_risk(lens.question("ops_1"), ["ops_1_a", "ops_1_b"]) == "NO_RISK"
    with pytest.raises(InputError, match="unknown choice"):
        walens.evaluate_risk(lens.question("ops_1"), ["nope"])


def test_review_marks_unanswered_and_refuses_bad_answers(tmp_path: Path) -> None:
    doc = _small_lens()
    doc["pillars"][0]["questions"].append(dict(doc["pillars"][0]["questions"][0], id="ops_2"))
    lens = _import_doc(tmp_path, doc)
    assert walens.review(lens, {"ops_1": ["ops_1_a"]}) == {"ops_1": "MEDIUM_RISK",
                                                           "ops_2": "UNANSWERED"}
    assert walens.review(lens, {"ops_1": ["ops_1_no"], "ops_2": []}) == {
        "ops_1": "HIGH_RISK", "ops_2": "UNANSWERED"}
    with pytest.raises(InputError, match="no question 'ops_9'"):
        walens.review(lens, {"ops_9": ["x"]})
    with pytest.raises(InputError, match="None of these"):
        walens.review(lens, {"ops_1": ["ops_1_no", "ops_1_a"]})


def test_graph_holds_rules_linked_to_choices(tmp_path: Path) -> None:
    from engine.vocab import MLWA

    lens = _import_doc(tmp_path, _small_lens())
    g = walens.lens_to_graph(lens)
    rows = list(g.query(
        "SELECT ?cid WHERE { ?r mlwa:ruleRisk 'NO_RISK' ; mlwa:mentionsChoice ?c . "
        "?c mlwa:toolId ?cid } ORDER BY ?cid", initNs={"mlwa": MLWA}))
    assert [str(r[0]) for r in rows] == ["ops_1_a", "ops_1_b"]


def test_vocabulary_declares_every_term_the_graph_uses(tmp_path: Path) -> None:
    from rdflib import RDF

    from engine.interop.customlens import vocabulary_file
    from engine.vocab import MLWA

    vocab = Graph().parse(vocabulary_file(), format="turtle")
    g = walens.lens_to_graph(_import_doc(tmp_path, _small_lens()))
    used = {p for p in g.predicates() if str(p).startswith(str(MLWA))}
    used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(MLWA))}
    declared = set(vocab.subjects(RDF.type, None))
    missing = {u for u in used if u not in declared and u not in (MLWA.order, MLWA.Lens)}
    assert not missing, missing


def test_cli_import_reports_path_and_exit_code(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from engine.cli import cli

    doc = _small_lens()
    doc["pillars"][0]["questions"][0]["riskRules"][0]["condition"] = "ops_1_a &&& ops_1_b"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["lens", "import", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
    assert "riskRules[0].condition" in str(result.exception)

    good = tmp_path / "good.json"
    good.write_text(json.dumps(_small_lens()), encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers:\n  ops_1: [ops_1_a, ops_1_b]\n", encoding="utf-8")
    out = tmp_path / "lens.ttl"
    result = CliRunner().invoke(cli, ["lens", "import", str(good), "-o", str(out),
                                      "--answers", str(answers), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["data"]
    assert data["review"] == {"ops_1": "NO_RISK"}
    assert walens.graph_to_lens(Graph().parse(out, format="turtle")).name == "Small lens"
