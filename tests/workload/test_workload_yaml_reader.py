"""The event-loop YAML reader gives exactly what the straightforward reader it replaced gave:
the same data (types included), the same positions, the same refusals and messages."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.errors import InputError, Location
from engine.workload.safeyaml import (
    _LOADER,
    MAX_DEPTH,
    MAX_NODES,
    MAX_STRING,
    Path_,
    Positions,
    _loc,
    _resolve,
    load_yaml,
)
from tests.workload.hostile import CASES

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the reference reader
# The reader as it was before it was tuned for speed (one isinstance chain per event, a
# frame object per collection, every plain scalar through _resolve). Kept as the oracle.

class _Frame:
    def __init__(self, container: Any, path: Path_) -> None:
        self.container = container
        self.path = path
        self.pending_key: str | None = None
        self.seen: set[str] = set()


def _current_path(stack: list[_Frame]) -> Path_:
    if not stack:
        return ()
    top = stack[-1]
    if isinstance(top.container, dict) and top.pending_key is not None:
        return (*top.path, top.pending_key)
    return top.path


def _pair(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def reference_load_yaml(text: str, filename: str | None = None) -> tuple[Any, Positions]:
    pos = Positions()
    stack: list[_Frame] = []
    root: Any = None
    have_root = False
    documents = 0
    nodes = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise InputError("a workload file holds one YAML document; found a "
                                     "second '---'", _loc(filename, event.start_mark))
                continue
            if isinstance(event, yaml.AliasEvent):
                raise InputError(f"YAML aliases (*{event.anchor}) are not allowed in "
                                 "workload files; repeat the value instead",
                                 _loc(filename, event.start_mark, _current_path(stack)))
            if not isinstance(event, yaml.NodeEvent) and not isinstance(
                    event, yaml.CollectionEndEvent):
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                value = frame.container
                attach = False
            else:
                nodes += 1
                if nodes > MAX_NODES:
                    raise InputError(f"the document has more than {MAX_NODES:,} values; "
                                     "a workload description is far smaller",
                                     _loc(filename, event.start_mark))
                if event.anchor is not None:
                    raise InputError(f"YAML anchors (&{event.anchor}) are not allowed in "
                                     "workload files; repeat the value instead",
                                     _loc(filename, event.start_mark, _current_path(stack)))
                tag = getattr(event, "tag", None)
                if tag is not None and tag != "!":
                    raise InputError(f"YAML tags ({tag}) are not allowed in workload files",
                                     _loc(filename, event.start_mark, _current_path(stack)))
                attach = True
            if attach:
                parent = stack[-1] if stack else None
                if parent is not None and isinstance(parent.container, dict) \
                        and parent.pending_key is None:
                    if not isinstance(event, yaml.ScalarEvent):
                        raise InputError("keys must be plain text, not lists or mappings",
                                         _loc(filename, event.start_mark, parent.path))
                    key = event.value
                    if key in parent.seen:
                        raise InputError(f"duplicate key `{key}`",
                                         _loc(filename, event.start_mark,
                                              (*parent.path, key)))
                    parent.seen.add(key)
                    parent.pending_key = key
                    pos.keys[(*parent.path, key)] = _pair(event.start_mark)
                    continue
                if parent is None:
                    path: Path_ = ()
                elif isinstance(parent.container, dict):
                    assert parent.pending_key is not None
                    path = (*parent.path, parent.pending_key)
                else:
                    path = (*parent.path, len(parent.container))
                pos.values[path] = _pair(event.start_mark)
                if isinstance(event, yaml.ScalarEvent):
                    if len(event.value) > MAX_STRING:
                        raise InputError(f"a text value is longer than {MAX_STRING:,} "
                                         "characters", _loc(filename, event.start_mark, path))
                    value = _resolve(event.value, bool(event.implicit[0]) and not event.style)
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                                         _loc(filename, event.start_mark, path))
                    container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                    stack.append(_Frame(container, path))
                    continue
            parent = stack[-1] if stack else None
            if parent is None:
                root, have_root = value, True
            elif isinstance(parent.container, dict):
                assert parent.pending_key is not None
                parent.container[parent.pending_key] = value
                parent.pending_key = None
            else:
                parent.container.append(value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML: {problem}", _loc(filename, mark)) from None
    if not have_root or root is None:
        raise InputError("the document is empty; a workload description is a mapping with "
                         "at least `id` and `name`", Location(filename, 1, 1))
    return root, pos


# ---------------------------------------------------------------- comparing the two

def _outcome(reader: Any, text: str) -> tuple[Any, ...]:
    try:
        data, pos = reader(text, "w.yaml")
    except InputError as exc:
        return ("error", exc.message, exc.location, exc.lines())
    # repr keeps the types apart (1, 1.0 and True are equal in Python)
    return ("data", repr(data), pos.values, pos.keys)


def _texts() -> list[str]:
    examples = sorted((REPO / "examples").glob("*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in examples]
    docs = [yaml.safe_load(t) for t in texts]
    for doc in docs:  # the same content written in other styles
        texts.append(yaml.safe_dump(doc, sort_keys=False, default_flow_style=True))
        texts.append(yaml.safe_dump(doc, sort_keys=True, default_style='"'))
        texts.append(yaml.safe_dump(doc, sort_keys=False, indent=4, width=40))
    return texts


_SCALARS = ["~", "null", "Null", "NULL", "", "true", "True", "FALSE", "yes", "no", "on",
            "0", "-0", "+12", "007", "0o17", "0x1F", "0xZZ", "1.5", "-.5", "1e3", "1.5E-3",
            ".inf", ".nan", "1_000", "12:30", "2026-01-01", "1" * 45, "t", "f", "n", "~x",
            "'quoted'", '"dq"', "'1'", '"true"', "|\n    block", ">\n    folded", "- x",
            "[1, two, 3.0]", "{a: 1, b: [x]}", "! bare", "!!str 5", "&anc v", "*anc",
            "a: b", "# comment", "'unterminated"]


def _mutants(text: str, rng: random.Random, count: int) -> list[str]:
    lines = text.splitlines(keepends=True)
    out = []
    for _ in range(count):
        new = list(lines)
        i = rng.randrange(len(new))
        move = rng.random()
        line = new[i]
        if move < 0.45 and ":" in line:  # replace a value
            head = line.split(":", 1)[0]
            new[i] = f"{head}: {rng.choice(_SCALARS)}\n"
        elif move < 0.6:  # repeat a line (duplicate keys, list items)
            new.insert(i, line)
        elif move < 0.7:  # break the indentation
            new[i] = " " + line
        elif move < 0.8:  # drop a line
            del new[i]
        elif move < 0.9:  # a key that is not text, or a second document
            new.insert(i, rng.choice(["? [a, b]\n: c\n", "---\n", "...\n", "{x: 1}: 2\n"]))
        else:  # cut the file short
            new = [*new[:i], line[:len(line) // 2]]
        out.append("".join(new))
    return out


def test_same_result_on_examples_in_several_styles() -> None:
    for text in _texts():
        assert _outcome(load_yaml, text) == _outcome(reference_load_yaml, text)


def test_same_result_and_messages_on_broken_files() -> None:
    rng = random.Random(7)
    errors = 0
    for text in _texts()[:8]:
        for mutant in _mutants(text, rng, 60):
            fast = _outcome(load_yaml, mutant)
            assert fast == _outcome(reference_load_yaml, mutant), mutant
            errors += fast[0] == "error"
    assert errors > 60  # the mutations did reach the refusals


@pytest.mark.parametrize("name", [n for n, (f, _) in CASES.items()
                                  if f.endswith(".yaml") and not n.startswith("rdfxml")])
def test_same_refusals_on_hostile_input(name: str) -> None:
    text = CASES[name][1].decode("utf-8", errors="replace")
    assert _outcome(load_yaml, text) == _outcome(reference_load_yaml, text)


@pytest.mark.parametrize("text", [
    "a: 1\nb:\n  - &x 1\n", "a: [*x]\n", "a: !!binary aGk=\n", "a: !local v\n",
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * MAX_DEPTH + "]" * MAX_DEPTH,
    "a:\n  b: 1\n  b: 2\n", "? - x\n: y\n", "- a\n- {b: [c, {d: e}]}\n", "x: 1\n---\n",
    "--- |\n  text\n", "---\n...\n", "a: " + "x" * (MAX_STRING + 1) + "\n",
    "k: ! 12\n", "k: '12'\n", "k: 1.0\nj: 1\ni: true\n", "%YAML 1.1\n---\nk: v\n",
])
def test_same_result_on_edge_cases(text: str) -> None:
    assert _outcome(load_yaml, text) == _outcome(reference_load_yaml, text)


def test_plain_scalars_resolve_as_before() -> None:
    for raw in [*_SCALARS, "nan", "Nope", "fals", "truex", "0x", "-", "+", ".", "-.", "1e"]:
        text = f"k: {raw}\n"
        assert _outcome(load_yaml, text) == _outcome(reference_load_yaml, text), raw


# ---------------------------------------------------------------- JSON nesting pre-check

def _depth_outcome(check: Any, text: str) -> Any:
    try:
        check(text, "w.json")
    except InputError as exc:
        return (exc.message, exc.location)
    return None


def test_json_depth_check_agrees_with_the_character_loop() -> None:
    from engine.workload.safeyaml import _check_json_depth, _check_json_depth_by_character

    rng = random.Random(11)
    alphabet = ["[", "[", "[", "{", "{", "]", "}", '"', '"', "\\", "\\\\", '\\"', "\n", "a",
                " ", ":", ","]
    refused = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        if rng.random() < 0.5:  # deep somewhere
            at = rng.randint(0, len(text))
            text = text[:at] + "[" * rng.randint(MAX_DEPTH - 2, MAX_DEPTH + 3) + text[at:]
        fast = _depth_outcome(_check_json_depth, text)
        assert fast == _depth_outcome(_check_json_depth_by_character, text), repr(text)
        refused += fast is not None
    assert refused > 300


@pytest.mark.parametrize("text", ["", "[]", '"[[[', '"\\"' + "[" * 70, '"\\\\"' + "[" * 70,
                                  '"a\nb"\n' * 3 + "[" * 70, "[" * 64 + "]" * 64,
                                  '{"k": "v[", "x": [' + "[" * 63 + "]" * 64 + "}",
                                  '"\\' + "[" * 70, "[" * 65])
def test_json_depth_check_edge_cases(text: str) -> None:
    from engine.workload.safeyaml import _check_json_depth, _check_json_depth_by_character

    assert _depth_outcome(_check_json_depth, text) == _depth_outcome(
        _check_json_depth_by_character, text)
