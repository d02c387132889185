"""The smaller holes of issue 16: a planted cache entry of the wrong type is rebuilt, not
crashed on; overlapping adjacent unbounded repeats are a ReDoS the lint refuses; a
Turtle workload's owl:imports is reported as ignored."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from engine import cache


def test_a_wrong_type_cache_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLWA_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "enabled", lambda: True)
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"ok": 1}

    valid = lambda v: isinstance(v, dict) and v.get("ok") == 1  # noqa: E731
    assert cache.cached("kindx", ("k",), build, valid=valid) == {"ok": 1}
    [entry] = list((tmp_path / "c").glob("kindx-*.pickle"))
    entry.write_bytes(pickle.dumps(["planted", "list"]))
    assert cache.cached("kindx", ("k",), build, valid=valid) == {"ok": 1}
    assert len(builds) == 2
    assert pickle.loads(entry.read_bytes()) == {"ok": 1}  # overwritten with a good one


@pytest.mark.parametrize("pattern", [
    "^a*a*a*a*a*a*a*a*b$", "^a*a*b$", "x+x+x+y", "[ab]*a*c", "\\d+\\d*z", "(?:a|b)*a+q",
    ".*.*=.*", "\\w+\\w+@",
])
def test_adjacent_overlapping_repeats_are_refused(pattern: str) -> None:
    from engine.policies.lint import regex_problems

    kinds = [kind for kind, _ in regex_problems(pattern, 0)]
    assert "redos" in kinds, (pattern, kinds)


@pytest.mark.parametrize("pattern", [
    "^a*b*c$", "^[a-z]+-[0-9]+$", "^arn:aws:[a-z0-9-]+:.*$", "^\\d+\\.\\d+$", "^a+$",
    "^v[0-9]+(\\.[0-9]+)*$",
])
def test_separated_or_disjoint_repeats_pass(pattern: str) -> None:
    from engine.policies.lint import regex_problems

    assert [k for k, _ in regex_problems(pattern, 0) if k == "redos"] == [], pattern


def test_owl_imports_in_a_turtle_workload_is_reported_as_ignored(tmp_path: Path) -> None:
    from tests.security.conftest import mlwa

    path = tmp_path / "w.ttl"
    path.write_text(
        "@prefix mlwa: <https://w3id.org/mlwa/ontology#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<urn:mlwa:workload:t> a mlwa:Workload ; mlwa:workloadId \"t\" ; mlwa:name \"T\" .\n"
        "<urn:mlwa:workload:t> owl:imports <http://127.0.0.1:9/evil.ttl> .\n", encoding="utf-8")
    from engine.workload import load_workload

    wl = load_workload(path)
    assert wl.notes == (f"{path}: owl:imports <http://127.0.0.1:9/evil.ttl> is ignored: mlwa "
                        "never fetches imports; the description is checked as written",)
    out = mlwa("validate", str(path), "--format", "json", timeout=120)
    assert "owl:imports <http://127.0.0.1:9/evil.ttl> is ignored" in out.stdout, out.stderr


def test_a_fifo_in_the_cache_is_ignored_not_waited_on(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import threading

    monkeypatch.setenv("MLWA_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "enabled", lambda: True)
    assert cache.cached("kindf", ("k",), lambda: {"ok": 1}) == {"ok": 1}
    [entry] = list((tmp_path / "c").glob("kindf-*.pickle"))
    entry.unlink()
    os.mkfifo(entry)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(
        cache.cached("kindf", ("k",), lambda: {"ok": 2})), daemon=True)
    worker.start()
    worker.join(20)
    assert result == [{"ok": 2}]  # rebuilt at once; the FIFO was never waited on
