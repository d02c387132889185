"""Custom-lens reviews carried by a workload: risks come from the lens's own rules (first
match wins), bad answers are input errors at their line, and the lens file is confined to
the workload's folder."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.interop.customlens import import_lens_json, review
from engine.validate.reviews import ReviewResult, evaluate_reviews
from engine.workload import Workload, load_workload

AS_OF = dt.date(2026, 11, 30)
LENS = Path(__file__).parent / "fixtures" / "lenses" / "team-lens.json"

WORKLOAD = """\
id: platform-model
name: Platform model
reviews:
  - lens: lenses/team-lens.json
    answers:
      OPS_1: [OPS_1_shadow, OPS_1_rollback]
      OPS_2: [OPS_2_drift]
      SEC_1: []
"""


def write(folder: Path, text: str, lens: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if lens:
        (folder / "lenses").mkdir(exist_ok=True)
        shutil.copy(LENS, folder / "lenses" / "team-lens.json")
    path = folder / "workload.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> Workload:
    return load_workload(path, as_of=AS_OF)


def evaluate(path: Path) -> list[ReviewResult]:
    return evaluate_reviews(load(path), path.parent)


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        evaluate(path)
    return info.value.lines()


# ------------------------------------------------------------------ risks from the rules

def test_each_question_gets_the_risk_of_its_first_matching_rule(tmp_path: Path) -> None:
    [result] = evaluate(write(tmp_path, WORKLOAD))
    assert result.lens == "Team ML Platform Lens"
    assert result.file == "lenses/team-lens.json"
    risks = {q.id: q.risk for q in result.questions}
    # OPS_1: rule 1 (canary && rollback) fails, rule 2 (canary || shadow) holds
    # OPS_2: rule 1 (quality) fails, rule 2 (drift && !quality) holds
    # SEC_1: an empty list leaves the question unanswered
    assert risks == {"OPS_1": "MEDIUM_RISK", "OPS_2": "MEDIUM_RISK", "SEC_1": "UNANSWERED"}
    assert result.risk_counts() == {"HIGH_RISK": 0, "MEDIUM_RISK": 2, "NO_RISK": 0,
                                    "UNANSWERED": 1}
    ops1 = result.questions[0]
    assert (ops1.title, ops1.pillar, ops1.selected) == (
        "How do you roll out new model versions?", "Operations",
        ("OPS_1_shadow", "OPS_1_rollback"))


@pytest.mark.parametrize("answers,expected", [
    ({"OPS_1": ["OPS_1_canary", "OPS_1_rollback"]}, "NO_RISK"),
    ({"OPS_1": ["OPS_1_rollback"]}, "HIGH_RISK"),
    ({"OPS_1": ["OPS_1_no"]}, "HIGH_RISK"),
    ({"OPS_2": ["OPS_2_drift", "OPS_2_quality"]}, "NO_RISK"),
    ({"SEC_1": ["SEC_1_no"]}, "HIGH_RISK"),
    ({"SEC_1": ["SEC_1_kms"]}, "MEDIUM_RISK"),
])
def test_rule_order_decides(tmp_path: Path, answers: dict[str, list[str]],
                            expected: str) -> None:
    body = "\n".join(f"      {q}: [{', '.join(cs)}]" for q, cs in answers.items())
    text = WORKLOAD.split("    answers:\n")[0] + "    answers:\n" + body + "\n"
    [result] = evaluate(write(tmp_path, text))
    [question] = [q for q in result.questions if q.id in answers]
    assert question.risk == expected
    # the same answer through the interop API gives the same risk
    assert review(import_lens_json(LENS), answers)[question.id] == expected


def test_every_question_of_the_lens_is_reported_in_lens_order(tmp_path: Path) -> None:
    text = WORKLOAD.replace("      OPS_1: [OPS_1_shadow, OPS_1_rollback]\n", "")
    [result] = evaluate(write(tmp_path, text))
    assert [q.id for q in result.questions] == ["OPS_1", "OPS_2", "SEC_1"]
    assert result.questions[0].risk == "UNANSWERED"


def test_a_workload_without_reviews_has_none(tmp_path: Path) -> None:
    path = write(tmp_path, "id: w\nname: W\n", lens=False)
    assert evaluate_reviews(load(path), None) == []


def test_a_reference_lens_is_reviewed_with_its_own_rules(tmp_path: Path,
                                                         test_data: Path) -> None:
    src = test_data / "custom-lenses" / "Amazon_S3_Lens.json"
    from tests.conftest import require

    require(src.is_file(), f"{src} is missing")
    lens = import_lens_json(src)
    first = lens.questions[0]
    chosen = [c.id for c in first.choices if not c.none_of_these]
    (tmp_path / "lenses").mkdir()
    shutil.copy(src, tmp_path / "lenses" / "s3.json")
    path = tmp_path / "w.yaml"
    path.write_text("id: w\nname: W\nreviews:\n  - lens: lenses/s3.json\n    answers:\n"
                    f"      {first.id}: [{', '.join(chosen)}]\n"
                    f"      {lens.questions[1].id}: [{lens.questions[1].choices[0].id}]\n",
                    encoding="utf-8")
    [result] = evaluate(path)
    expected = review(lens, {first.id: chosen,
                             lens.questions[1].id: [lens.questions[1].choices[0].id]})
    assert {q.id: q.risk for q in result.questions} == expected
    assert result.questions[0].risk == "NO_RISK"  # every choice of OPS_1 selected
    assert len(result.questions) == len(lens.questions)


# ------------------------------------------------------------------ bad answers

def test_an_unknown_choice_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD.replace("[OPS_2_drift]", "[OPS_2_drfit]"))
    [line] = problems(path)
    assert line.startswith(f"{path}:7:")
    assert "OPS_2_drfit" in line and "OPS_2_drift" in line  # names the real choices


def test_an_unknown_question_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD.replace("SEC_1: []", "SEC_9: []"))
    [line] = problems(path)
    assert line.startswith(f"{path}:8:")
    assert "SEC_9" in line and "SEC_1" in line


def test_none_of_these_with_another_choice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD.replace("[OPS_2_drift]", "[OPS_2_drift, OPS_2_no]"))
    [line] = problems(path)
    assert line.startswith(f"{path}:7:") and "None of these" in line


def test_every_bad_answer_is_reported_at_once(tmp_path: Path) -> None:
    text = WORKLOAD.replace("OPS_1_shadow", "nope").replace("SEC_1: []", "SEC_9: []")
    lines = problems(write(tmp_path, text))
    assert len(lines) == 2


def test_answers_that_are_not_ids_are_schema_errors(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD.replace("[OPS_2_drift]", "[OPS-2 drift]"))
    with pytest.raises(InputError) as info:
        load(path)
    assert info.value.problems[0].location.line == 7


def test_the_same_lens_twice_is_refused(tmp_path: Path) -> None:
    text = WORKLOAD + "  - lens: ./lenses/team-lens.json\n    answers: {OPS_1: [OPS_1_no]}\n"
    [line] = problems(write(tmp_path, text))
    assert line.startswith(f"{tmp_path / 'workload.yaml'}:9:") and "already" in line


def test_a_broken_lens_names_the_review_and_the_lens_problem(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD)
    doc = json.loads(LENS.read_text(encoding="utf-8"))
    doc["pillars"][0]["questions"][0]["riskRules"][0]["risk"] = "SEVERE"
    (tmp_path / "lenses" / "team-lens.json").write_text(json.dumps(doc), encoding="utf-8")
    lines = problems(path)
    assert lines[0].startswith(f"{path}:4:") and "not a valid custom lens" in lines[0]
    assert any("riskRules[0].risk" in line and "SEVERE" in line for line in lines[1:])


# ------------------------------------------------------------------ where the lens may be

@pytest.mark.parametrize("written,why", [
    ("../outside/team-lens.json", "inside the workload's folder"),
    ("lenses/../../outside/team-lens.json", "inside the workload's folder"),
    ("/etc/passwd", "absolute paths"),
    ("https://example.com/lens.json", "URLs"),
    ("file:///etc/passwd", "URLs"),
    ("C:\\lenses\\team-lens.json", "URLs"),  # a drive looks like a scheme: refused either way
    ("\\\\server\\share\\lens.json", "absolute paths"),
    ("../missing.json", "inside the workload's folder"),  # no probing outside
    ("lenses/missing.json", "no such file"),
    ("lenses", "a custom lens is a .json file"),
    ("lenses/notes.txt", "a custom lens is a .json file"),
])
def test_lens_paths_outside_the_folder_or_not_files_are_refused(
        tmp_path: Path, written: str, why: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(LENS, outside / "team-lens.json")
    folder = tmp_path / "project"
    path = write(folder, WORKLOAD.replace("lenses/team-lens.json", json.dumps(written)))
    (folder / "lenses" / "notes.txt").write_text("{}", encoding="utf-8")
    [line] = problems(path)
    assert line.startswith(f"{path}:4:"), line
    assert why in line


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(LENS, outside / "team-lens.json")
    folder = tmp_path / "project"
    path = write(folder, WORKLOAD, lens=False)
    (folder / "lenses").mkdir()
    try:
        os.symlink(outside / "team-lens.json", folder / "lenses" / "team-lens.json")
    except OSError:
        pytest.skip("symbolic links are not available here")
    [line] = problems(path)
    assert "resolves outside" in line


def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD.replace("lenses/team-lens.json", "current.json"))
    try:
        os.symlink(tmp_path / "lenses" / "team-lens.json", tmp_path / "current.json")
    except OSError:
        pytest.skip("symbolic links are not available here")
    assert evaluate(path)[0].lens == "Team ML Platform Lens"


def test_an_oversized_lens_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, WORKLOAD)
    (tmp_path / "lenses" / "team-lens.json").write_text(" " * 500_001 + "{}", encoding="utf-8")
    [line] = problems(path)
    assert "500,000-byte" in line


def test_without_a_folder_reviews_cannot_be_evaluated(tmp_path: Path) -> None:
    wl = load(write(tmp_path, WORKLOAD))
    with pytest.raises(InputError, match="no folder"):
        evaluate_reviews(wl, None)


# ------------------------------------------------------------------ other inputs

def test_turtle_workloads_carry_reviews_too(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write(folder, WORKLOAD)
    ttl = textwrap.dedent("""\
        @prefix mlwa: <https://w3id.org/mlwa/ontology#> .
        <urn:mlwa:workload:t> a mlwa:Workload ; mlwa:workloadId "t" ; mlwa:name "T" ;
            mlwa:hasReview <urn:mlwa:workload:t/reviews/team> .
        <urn:mlwa:workload:t/reviews/team> a mlwa:CustomLensReview ;
            mlwa:reviewLensFile "lenses/team-lens.json" ;
            mlwa:selectedChoice "OPS_1=OPS_1_canary", "OPS_1=OPS_1_rollback", "SEC_1=SEC_1_no" .
        """)
    path = folder / "w.ttl"
    path.write_text(ttl, encoding="utf-8")
    [result] = evaluate(path)
    assert {q.id: q.risk for q in result.questions} == {
        "OPS_1": "NO_RISK", "OPS_2": "UNANSWERED", "SEC_1": "HIGH_RISK"}


def test_the_yaml_review_is_lifted_to_rdf(tmp_path: Path) -> None:
    from engine.vocab import MLWA

    wl = load(write(tmp_path, WORKLOAD))
    [node] = wl.graph.objects(wl.root, MLWA.hasReview)
    assert {str(o) for o in wl.graph.objects(node, MLWA.selectedChoice)} == {
        "OPS_1=OPS_1_shadow", "OPS_1=OPS_1_rollback", "OPS_2=OPS_2_drift"}
    assert str(wl.graph.value(node, MLWA.reviewLensFile)) == "lenses/team-lens.json"


def test_the_report_model_and_the_lens_reader_agree_on_unanswered() -> None:
    """The report model keeps its own copy so that it imports nothing of interop."""
    from engine.interop.customlens import UNANSWERED
    from engine.validate.report import REVIEW_RISK_ORDER, REVIEW_UNANSWERED

    assert REVIEW_UNANSWERED == UNANSWERED and REVIEW_RISK_ORDER[-1] == UNANSWERED
