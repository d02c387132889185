"""The fused quick schema check (one closure per typed schema node) gives the verdict of the
plain per-keyword reading, and never passes what jsonschema faults; problems are worded
by jsonschema alone, so messages do not depend on which check ran first."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.workload import load_workload_text
from engine.workload.fastschema import compile_schema
from engine.workload.safeyaml import load_yaml
from engine.workload.structure import _validator, check_data, schema

REPO = Path(__file__).resolve().parents[2]

_ODD: list[Any] = [None, True, False, 0, 1, -1, 1.0, 2.5, -0.5, "", "x", "a b", "yes",
                   "real-time", "s3", "eu-west-1", "2026-01-01", "MLOE-01", "USD", "UPPER",
                   [], ["a"], ["a", "a"], [1], [{}], {}, {"name": "x"}, {"a": 1}, 10**12]


def _docs() -> list[Any]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "examples").glob("*.yaml"))]
    return [load_yaml(t, "doc.yaml")[0] for t in texts]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(doc)
    path = rng.choice(_paths(doc)[1:])
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    move = rng.random()
    if move < 0.55:
        parent[last] = copy.deepcopy(rng.choice(_ODD))
    elif move < 0.7 and isinstance(parent, dict):
        del parent[last]
    elif move < 0.85 and isinstance(parent, dict):
        parent[rng.choice(["extra", "nme", "a b", f"{last}_"])] = rng.choice(_ODD)
    elif isinstance(parent[last], list) and parent[last]:
        parent[last].append(copy.deepcopy(parent[last][0]))
    elif isinstance(parent[last], str):
        parent[last] = parent[last].upper() + " !"
    else:
        parent[last] = [parent[last]]
    return doc


@pytest.fixture(scope="module")
def checks() -> tuple[Any, Any]:
    return compile_schema(schema()), compile_schema(schema(), fuse=False)


def test_fused_and_plain_checks_agree_and_are_sound(checks: tuple[Any, Any]) -> None:
    fused, plain = checks
    rng = random.Random(5)
    docs = _docs()
    for doc in docs:
        assert fused(doc) and plain(doc)
    verdicts = {True: 0, False: 0}
    for i in range(1500):
        doc = docs[i % len(docs)]
        for _ in range(rng.randint(1, 3)):
            doc = _mutate(doc, rng)
        verdict = fused(doc)
        assert verdict == plain(doc), f"mutation {i}"
        if verdict:
            assert not list(_validator().iter_errors(doc)), f"mutation {i} passed wrongly"
        verdicts[verdict] += 1
    assert verdicts[True] > 100 and verdicts[False] > 600


def test_messages_do_not_depend_on_the_quick_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every problem report comes from jsonschema: with the quick check switched off (so
    jsonschema runs on every document) the messages are the same."""
    from engine.errors import InputError
    from engine.workload import structure

    rng = random.Random(9)
    docs = _docs()
    texts = []
    for i in range(120):
        doc = docs[i % len(docs)]
        for _ in range(rng.randint(1, 2)):
            doc = _mutate(doc, rng)
        texts.append(yaml.safe_dump(doc, sort_keys=False))

    def outcome(text: str) -> Any:
        data, pos = load_yaml(text, "w.yaml")
        problems = check_data(data, pos, "w.yaml")
        try:
            load_workload_text(text, filename="w.yaml")
        except InputError as exc:
            return problems, exc.lines()
        return problems, None

    quick = [outcome(t) for t in texts]
    monkeypatch.setattr(structure, "quick_valid", lambda data: False)
    assert [outcome(t) for t in texts] == quick
    assert sum(1 for problems, _ in quick if problems) > 60
