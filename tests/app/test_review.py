"""Review page: lens questions answered by the description and by hand, risks by the lens's
own rules, answers as attestations that the validator reads back."""

from __future__ import annotations

import datetime as dt

import yaml

from engine.lens.ontology import load_lens
from engine.ui import review_model as rm
from engine.validate.validator import validate_workload
from engine.workload import load_workload_text
from tests.app.conftest import REPO, VIEWS, texts

STARTER = (REPO / "examples" / "starter.yaml").read_text(encoding="utf-8")


def _report(text: str = STARTER):
    return validate_workload(load_workload_text(text, filename="starter.yaml"),
                             as_of=dt.date(2026, 11, 30)).workloads[0]


def test_answers_change_the_risk_and_come_back_as_attested() -> None:
    lens = load_lens()
    custom = rm.ml_lens_as_custom_lens(lens)
    wr = _report()
    # a question with practices only an answer can settle, whose risk an answer changes
    qid, practices = next(
        (q.id, opts) for q in lens.questions
        for opts in [[p for p, s in rm.shown_practices(q.id, lens, wr).items() if s == rm.ASK]]
        if opts and rm.question_risk(q.id, lens, custom, wr, rm.Answer(choices=opts, note="x"))
        != wr.questions[q.id].value)
    assert rm.question_risk(qid, lens, custom, wr, None) == wr.questions[qid].value
    none = rm.Answer(none=True)
    assert rm.question_risk(qid, lens, custom, wr, none) in ("HIGH", "MEDIUM")
    assert rm.question_risk(qid, lens, custom, wr, rm.Answer(choices=practices)) == \
        wr.questions[qid].value  # no evidence: nothing counts
    every = rm.Answer(choices=practices, note="design review 2026-11")
    answered = rm.question_risk(qid, lens, custom, wr, every)
    assert answered != wr.questions[qid].value
    assert rm.question_risk(qid, lens, custom, wr, rm.Answer(not_applicable=True, reason="x")) \
        == "NOT_APPLICABLE"
    items = rm.attestations({qid: every}, lens, wr, owner="ana", when=dt.date(2026, 11, 30))
    assert {i["practice"] for i in items} == set(practices)
    assert all(i["status"] == "implemented" and i["evidence"] == "design review 2026-11"
               for i in items)
    merged = rm.with_attestations(STARTER, "starter.yaml", items)
    again = validate_workload(load_workload_text(merged, filename="starter.yaml"),
                              as_of=dt.date(2026, 11, 30)).workloads[0]
    for p in practices:
        assert again.practices[p].status.value in ("attested", "verified"), p
    assert again.questions[qid].value == answered  # the page and the report agree


def test_a_violated_practice_cannot_be_answered_away() -> None:
    lens = load_lens()
    custom = rm.ml_lens_as_custom_lens(lens)
    wr = _report()
    qid, pid = next((q.id, p) for q in lens.questions
                    for p, s in rm.shown_practices(q.id, lens, wr).items() if s == "violated")
    everything = rm.Answer(choices=list(rm.shown_practices(qid, lens, wr)))
    assert rm.question_risk(qid, lens, custom, wr, everything) != "NONE"
    items = rm.attestations({qid: everything}, lens, wr, owner="ana", when=dt.date(2026, 11, 30))
    assert pid not in {i["practice"] for i in items}


def test_turtle_workloads_are_not_merged() -> None:
    import pytest

    from engine.errors import InputError

    with pytest.raises(InputError, match="YAML or JSON"):
        rm.with_attestations("", "w.ttl", [])


def test_review_page_answers_and_downloads(make_app) -> None:
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/review.py").run()
    assert not at.exception
    assert at.title[0].value == "Review"
    before = {m.label: int(m.value) for m in at.metric}
    # a question of the first pillar that answering lowers (found with the model)
    lens = load_lens()
    custom = rm.ml_lens_as_custom_lens(lens)
    wr = _report()
    at.selectbox(key="review_pillar").set_value("all").run()
    qid, open_ = next(
        (q.id, opts) for q in lens.questions
        for opts in [[p for p, s in rm.shown_practices(q.id, lens, wr).items() if s == rm.ASK]]
        if opts and rm.question_risk(q.id, lens, custom, wr, rm.Answer(choices=opts, note="x"))
        != rm.question_risk(q.id, lens, custom, wr, None))
    at.multiselect(key=f"rv_{qid}_choices").set_value(open_).run()
    assert at.warning  # no evidence yet: the choice does not count
    assert {m.label: int(m.value) for m in at.metric} == before
    at.text_input(key=f"rv_{qid}_note").set_value("https://wiki.example.com/review").run()
    assert not at.exception
    after = {m.label: int(m.value) for m in at.metric}
    # the question moved from one risk to another (the one the report gives once attested)
    moved = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert sorted(moved.values()) == [-1, 1], moved
    assert "Attestations (YAML)" in [b.label for b in at.get("download_button")]
    body = next(c.value for c in at.code if c.value.startswith("# Answers given"))
    items = yaml.safe_load(body)["attestations"]
    assert {i["practice"] for i in items} == set(open_)
    assert all(i["status"] == "implemented" and i["owner"] == "tester" for i in items)
    assert "Save in the store" not in [b.label for b in at.button]  # architects download only
    assert "needs the" not in texts(at)


def test_governance_saves_the_answers_in_the_store(make_app, store_dir) -> None:
    from engine.governance.store import open_store

    at = make_app("governance", name="gina")
    at.switch_page(f"{VIEWS}/review.py").run()
    # MLREL01-BP02 is settled only by an answer in the starter example
    at.selectbox(key="review_pillar").set_value("reliability").run()
    at.multiselect(key="rv_MLREL01_choices").set_value(["MLREL01-BP02"]).run()
    at.text_input(key="rv_MLREL01_note").set_value("https://wiki.example.com/sec").run()
    at.button(key="review_store").click().run()
    assert not at.exception
    assert any("Saved as attestations/" in s.value for s in at.success)
    doc = open_store(store_dir).read("attestations", "demand-forecast.yaml")
    items = yaml.safe_load(doc.text)["attestations"]
    assert items == [{"practice": "MLREL01-BP02", "status": "implemented", "owner": "gina",
                      "date": items[0]["date"], "evidence": "https://wiki.example.com/sec"}]
