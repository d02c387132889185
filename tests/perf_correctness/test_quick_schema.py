"""The quick schema check never calls a document valid that jsonschema would fault."""

from __future__ import annotations

import copy
import random
from typing import Any

import yaml

from engine.workload.structure import _quick_check, _validator, check_data, quick_valid
from tests.perf_correctness.conftest import EXAMPLES, REPO, _generator

_ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 1.0, 1.5, -3.2, "", "x", "yes",
                          "a b", "eu-west-1", "2026-01-01", "MLOE-01", "USD", "123456789012",
                          [], ["a"], ["a", "a"], [1, 1.0], {}, {"x": 1}, 10**9, float("nan")]


def _docs() -> list[Any]:
    """Documents as mlwa reads them (YAML 1.2 core: dates stay text)."""
    from engine.workload.safeyaml import load_yaml

    texts = [(REPO / "examples" / f"{n}.yaml").read_text(encoding="utf-8") for n in EXAMPLES]
    texts += [yaml.safe_dump(doc, sort_keys=False)
              for _, doc, _ in _generator().generate(50, seed=5, faults=4)]
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
    if move < 0.5:
        parent[last] = rng.choice(_ODD_VALUES)
    elif move < 0.7 and isinstance(parent, dict):
        del parent[last]
    elif move < 0.85 and isinstance(parent, dict):
        parent[rng.choice(["extra", "nme", "a b", str(last) + "_"])] = rng.choice(_ODD_VALUES)
    elif isinstance(parent[last], list) and parent[last]:
        parent[last].append(copy.deepcopy(parent[last][0]))
    else:
        parent[last] = [parent[last]]
    return doc


def test_quick_check_compiles_for_the_bundled_schema() -> None:
    assert _quick_check() is not None


def test_quick_check_is_sound_and_useful() -> None:
    rng = random.Random(3)
    docs = _docs()
    for doc in docs:  # well-formed documents take the quick path
        assert not list(_validator().iter_errors(doc))
        assert quick_valid(doc)
    verdicts = {True: 0, False: 0}
    for i in range(800):
        doc = docs[i % len(docs)]
        for _ in range(rng.randint(1, 3)):
            doc = _mutate(doc, rng)
        valid = not list(_validator().iter_errors(doc))
        quick = quick_valid(doc)
        if quick:
            assert valid, f"quick check passed a document jsonschema faults: mutation {i}"
        verdicts[valid] += 1
    assert verdicts[True] > 30 and verdicts[False] > 300  # both kinds were exercised


def test_problems_unchanged_for_invalid_documents(monkeypatch: Any) -> None:
    from engine.workload import structure
    from engine.workload.safeyaml import load_yaml

    text = (REPO / "examples" / "starter.yaml").read_text(encoding="utf-8")
    broken = text.replace("\nname:", "\nnmae:", 1)
    data, positions = load_yaml(broken, "x.yaml")
    problems = check_data(data, positions, "x.yaml")
    assert problems and any("unknown key" in p.message for p in problems)
    monkeypatch.setattr(structure, "quick_valid", lambda data: False)
    assert check_data(data, positions, "x.yaml") == problems
    good, positions = load_yaml(text, "x.yaml")
    assert check_data(good, positions, "x.yaml") == []
