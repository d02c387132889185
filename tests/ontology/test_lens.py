"""The lens graph matches the reference CSV, passes its own integrity checks, and the
``mlwa lens`` commands behave for people and scripts."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.errors import InputError
from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens
from tests.conftest import REPO, require


@pytest.fixture(scope="module")
def rows(practice_table: Path) -> list[dict[str, str]]:
    with (practice_table).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_generated_turtle_is_current(practice_table: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "ontology/tools/build_lens.py"), "--check",
         "--csv", str(practice_table)],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for path in (REPO / "ontology/lens").glob("*.ttl"):
        assert path.read_text(encoding="utf-8").startswith("# GENERATED"), path


def test_every_csv_fact_is_in_the_graph(rows: list[dict[str, str]]) -> None:
    lens = load_lens()
    risk = {"High": "high", "Medium": "medium", "": "not-stated"}
    assert len(rows) == len(lens.practices) == 105
    for r in rows:
        p = lens.practice(r["id_2025"])
        assert lens.practice(r["id_2023"]) is p
        assert (p.id2023, p.title2025, p.title2023) == (r["id_2023"], r["title_2025"], r["title_2023"])
        assert (p.pillar, p.phase2023, p.phase2025) == (r["pillar"], r["phase_2023"], r["phase_2025"])
        assert (p.question, p.risk) == (r["question_2025"], risk[r["risk_2025"]])
        assert (p.source2023, p.source2025) == (r["source_2023"], r["source_2025"])


def test_counts_per_pillar_and_matrix_both_editions(rows: list[dict[str, str]]) -> None:
    lens = load_lens()
    per_pillar = Counter(p.pillar for p in lens.practices)
    assert [per_pillar[p] for p in PILLAR_ORDER] == [16, 13, 13, 18, 29, 16]
    for edition in ("2023", "2025"):
        expected = Counter((r["pillar"], r[f"phase_{edition}"]) for r in rows)
        matrix = lens.matrix(edition)
        for pillar in PILLAR_ORDER:
            for phase in PHASE_ORDER:
                assert matrix[pillar][phase] == expected.get((pillar, phase), 0), (edition, pillar, phase)
    moved = [p.id2023 for p in lens.practices if p.phase2023 != p.phase2025]
    assert moved == ["MLCOST-23"]


def test_structure_counts() -> None:
    lens = load_lens()
    assert len(lens.pillars) == 6 and len(lens.top_phases) == 6
    assert len(lens.principles) == 10 and len(lens.questions) == 35
    assert not any(q.pillar == "reliability" and q.phase == "business-goal" for q in lens.questions)
    assert {p.slug: len(p.key_areas) for p in lens.pillars} == {
        "operational-excellence": 4, "security": 7, "reliability": 4,
        "performance-efficiency": 5, "cost-optimization": 5, "sustainability": 6}
    monitoring = lens.phase_by_slug["monitoring"]
    assert monitoring.next_phase == "business-goal"  # the lifecycle is a cycle
    assert {"data-processing", "model-development"} <= set(monitoring.feeds_back_to)
    subs = {p.slug: p.parent for p in lens.phases if p.parent}
    assert subs["feature-engineering"] == "data-preparation"
    assert subs["training-and-tuning"] == "model-development"


def test_every_practice_serves_a_principle_and_relations_are_known() -> None:
    lens = load_lens()
    for p in lens.practices:
        assert p.principles and set(p.principles) <= set(lens.principle_by_slug)
        assert len(p.description) >= 40
        for r in p.related:
            assert lens.find(r) is not None and p.id2025 in lens.practice(r).related
    assert lens.orphans() == []
    assert all(v > 0 for v in lens.principle_coverage().values())


def test_integrity_shapes_pass_and_can_fail() -> None:
    from pyshacl import validate
    from rdflib import Graph, URIRef

    from engine.lens.check import check_integrity
    from engine.lens.ontology import lens_graph
    from engine.paths import ontology_file
    from engine.vocab import MLWA

    assert check_integrity().ok
    broken = Graph()
    for t in lens_graph():
        broken.add(t)
    broken.remove((URIRef("https://w3id.org/mlwa/lens/practice/MLSEC01-BP01"), MLWA.pillar, None))
    shapes = Graph().parse(ontology_file("integrity.ttl"))
    conforms, _, text = validate(broken, shacl_graph=shapes, inference="none")
    assert not conforms and "MLSEC01-BP01" in text


def test_hermit_finds_the_ontology_consistent() -> None:
    import shutil

    require(shutil.which("java") is not None, "java is needed for HermiT")
    from engine.lens.check import check_reasoner

    item = check_reasoner()
    assert item.ok, item.detail


def test_lookup_unknown_id_names_nearest() -> None:
    lens = load_lens()
    assert lens.practice("mlsec-1") is lens.practice("MLSEC-01")
    assert lens.practice("MLOPS1-BP1") is lens.practice("MLOE-01")
    with pytest.raises(InputError, match="did you mean MLSEC-1"):
        lens.practice("MLSEC-14")


def test_select_filters() -> None:
    lens = load_lens()
    assert len(lens.select(pillar="security")) == 13
    assert all(p.phase2023 == "model-development" for p in lens.select(phase="model-development", edition="2023"))
    assert len(lens.select(question="MLSEC04")) == len([p for p in lens.practices if p.question == "MLSEC04"])
    with pytest.raises(InputError, match="unknown pillar"):
        lens.select(pillar="securty")


# ---------------------------------------------------------------------------- CLI

def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_overview_json_shape() -> None:
    code, out, _ = run("lens", "overview", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["schema"] == "mlwa/lens-overview"
    assert data["data"]["practices"] == 105
    assert data["data"]["pillars"]["cost-optimization"] == 29
    assert sum(data["data"]["principles"].values()) >= 105


def test_cli_show_either_edition() -> None:
    a = json.loads(run("lens", "show", "MLCOST-23", "--format", "json")[1])["data"]
    b = json.loads(run("lens", "show", "mlcost06-bp04", "--format", "json")[1])["data"]
    assert a == b and a["phase"] == "monitoring" and a["phase2023"] == "model-development"


def test_cli_list_and_query() -> None:
    code, out, _ = run("lens", "list", "--pillar", "security", "--format", "json")
    assert code == 0 and len(json.loads(out)["data"]) == 13
    code, out, _ = run("lens", "query", "SELECT (COUNT(?p) AS ?n) WHERE { ?p a mlwa:BestPractice }",
                       "--format", "json")
    assert code == 0 and json.loads(out)["data"]["rows"] == [[105]]


@pytest.mark.parametrize("args", [
    ["lens", "show", "MLOE-99"],
    ["lens", "list", "--pillar", "nope"],
    ["lens", "query", "DELETE WHERE { ?s ?p ?o }"],
    ["lens", "query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"],
    ["lens", "query", "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }"],
    ["lens", "query", "SELEC nonsense"],
])
def test_cli_bad_input_exits_2_with_one_line(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                            text=True, check=False, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_export_formats(tmp_path: Path) -> None:
    from rdflib import Graph

    for fmt, rdf_format in (("ttl", "turtle"), ("jsonld", "json-ld"), ("owl", "xml"), ("nt", "nt")):
        out = tmp_path / f"lens.{fmt}"
        code, _, _ = run("lens", "export", "--format", fmt, "--output", str(out))
        assert code == 0
        assert len(Graph().parse(out, format=rdf_format)) > 3000
    code, _, _ = run("lens", "export", "--format", "graphml", "--output", str(tmp_path / "g.graphml"))
    import networkx as nx

    assert code == 0 and nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() > 150


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys, engine.cli; from click.testing import CliRunner; "
            "CliRunner().invoke(engine.cli.cli, ['--help']); "
            "print(sorted(m for m in ('rdflib','pyshacl','pyoxigraph','owlready2','networkx') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_lookup_index_agrees_with_the_graph() -> None:
    from engine.lens.ontology import lens_from_graph, lens_graph

    assert load_lens() == lens_from_graph(lens_graph())
