"""Property-based: whatever the input, the loader returns a Workload or raises InputError,
nothing else, in bounded time."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.workload import Workload, load_workload

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 30)
FRAUD = (REPO / "examples" / "fraud-detection.yaml").read_text(encoding="utf-8")
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
FILENAMES = st.sampled_from(["w.yaml", "w.json", "w.ttl", "w.jsonld", "w.rdf", None])


def attempt(data: bytes, filename: str | None) -> None:
    start = time.perf_counter()
    try:
        result = load_workload(data, filename=filename, as_of=AS_OF)
    except InputError as exc:
        assert exc.lines() and all(isinstance(line, str) for line in exc.lines())
    else:
        assert isinstance(result, Workload)
    assert time.perf_counter() - start < 5


@SETTINGS
@given(st.binary(max_size=2000), FILENAMES)
def test_arbitrary_bytes(data: bytes, filename: str | None) -> None:
    attempt(data, filename)


@SETTINGS
@given(st.text(max_size=500), FILENAMES)
def test_arbitrary_text(text: str, filename: str | None) -> None:
    attempt(text.encode("utf-8", errors="surrogatepass"), filename)


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["fraud-rt", "fraud-xgb/3", "s3",
                                                           "2026-01-01", "MLOE-01", "*"]))
keys = st.one_of(st.text(max_size=12), st.sampled_from(
    ["id", "name", "endpoints", "data_stores", "model", "instances", "type", "versions",
     "version", "encryption", "at_rest", "attestations", "practice", "date", "tags",
     "model_registries", "permissions", "actions", "input_data", "@context", "@id"]))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=6)), max_leaves=40)


@SETTINGS
@given(trees, st.sampled_from(["yaml", "json"]))
def test_arbitrary_structures(tree: Any, form: str) -> None:
    if form == "json":
        attempt(json.dumps(tree).encode(), "w.json")
    else:
        attempt(yaml.safe_dump(tree, allow_unicode=True).encode(), "w.yaml")


@SETTINGS
@given(trees)
def test_structures_with_a_valid_header(tree: Any) -> None:
    doc: dict[str, Any] = {"id": "w", "name": "W"}
    if isinstance(tree, dict):
        doc.update({k: v for k, v in tree.items() if k not in ("id", "name")})
    else:
        doc["endpoints"] = tree
    attempt(yaml.safe_dump(doc).encode(), "w.yaml")


@SETTINGS
@given(st.data())
def test_mutations_of_a_real_example(data: st.DataObject) -> None:
    lines = FRAUD.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        idx = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "replace", "indent"]))
        if action == "delete":
            del lines[idx]
        elif action == "duplicate":
            lines.insert(idx, lines[idx])
        elif action == "indent":
            lines[idx] = "  " + lines[idx]
        else:
            lines[idx] = lines[idx].split(":")[0] + ": " + json.dumps(data.draw(scalars))
    attempt("\n".join(lines).encode(), "fraud.yaml")


@SETTINGS
@given(st.binary(min_size=1, max_size=200), st.integers(0, len(FRAUD.encode()) - 1))
def test_bytes_spliced_into_a_real_example(junk: bytes, at: int) -> None:
    raw = FRAUD.encode()
    attempt(raw[:at] + junk + raw[at:], "fraud.yaml")
