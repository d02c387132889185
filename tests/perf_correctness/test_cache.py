"""The on-disk compiled-policy cache: faster, never different, never trusting a foreign file."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cache

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MLWA_CACHE_DIR", str(folder))
    monkeypatch.delenv("MLWA_NO_CACHE", raising=False)
    return folder


def _counting() -> tuple[list[int], object]:
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"answer": 42}

    return calls, build


def test_second_call_reads_the_entry(cache_dir: Path) -> None:
    calls, build = _counting()
    assert cache.cached("t", ("k",), build) == {"answer": 42}  # type: ignore[arg-type]
    assert cache.cached("t", ("k",), build) == {"answer": 42}  # type: ignore[arg-type]
    assert len(calls) == 1
    entry = next(cache_dir.glob("t-*.pickle"))
    assert entry.stat().st_mode & 0o777 == 0o600
    assert cache_dir.stat().st_mode & 0o777 == 0o700


def test_other_key_builds_afresh(cache_dir: Path) -> None:
    calls, build = _counting()
    cache.cached("t", ("a",), build)  # type: ignore[arg-type]
    cache.cached("t", ("b",), build)  # type: ignore[arg-type]
    assert len(calls) == 2


def test_corrupt_entry_is_rebuilt(cache_dir: Path) -> None:
    calls, build = _counting()
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    entry = next(cache_dir.glob("t-*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert cache.cached("t", ("k",), build) == {"answer": 42}  # type: ignore[arg-type]
    assert len(calls) == 2


def test_entry_writable_by_others_is_not_loaded(cache_dir: Path) -> None:
    calls, build = _counting()
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    entry = next(cache_dir.glob("t-*.pickle"))
    # what a hostile entry would look like: a pickle that runs code when loaded
    entry.write_bytes(pickle.dumps(_Boom()))
    os.chmod(entry, 0o666)
    assert cache.cached("t", ("k",), build) == {"answer": 42}  # type: ignore[arg-type]
    assert len(calls) == 2


def test_folder_writable_by_others_is_not_used(cache_dir: Path) -> None:
    calls, build = _counting()
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o777)
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    assert len(calls) == 2
    assert not list(cache_dir.glob("*.pickle"))


def test_symlinked_entry_is_not_followed(cache_dir: Path, tmp_path: Path) -> None:
    calls, build = _counting()
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    entry = next(cache_dir.glob("t-*.pickle"))
    elsewhere = tmp_path / "elsewhere.pickle"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    assert len(calls) == 2


def test_unwritable_location_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("MLWA_CACHE_DIR", str(blocker / "sub"))
    calls, build = _counting()
    assert cache.cached("t", ("k",), build) == {"answer": 42}  # type: ignore[arg-type]
    assert cache.cached("t", ("k",), build) == {"answer": 42}  # type: ignore[arg-type]
    assert len(calls) == 2


def test_switched_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLWA_NO_CACHE", "1")
    calls, build = _counting()
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    cache.cached("t", ("k",), build)  # type: ignore[arg-type]
    assert len(calls) == 2
    assert not cache_dir.exists()


def test_rdf_terms_survive_the_round_trip(cache_dir: Path) -> None:
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    terms = [URIRef("https://ex/a"), BNode("b1"), Literal("x"), Literal("x", lang="en"),
             Literal("5", datatype=XSD.integer), Literal("05", datatype=XSD.integer),
             Literal("nope", datatype=XSD.integer), Literal("2020-01-01", datatype=XSD.date),
             Literal("1.50", datatype=XSD.decimal), Literal("true", datatype=XSD.boolean)]
    got = pickle.loads(cache._dumps(terms))
    for a, b in zip(terms, got, strict=True):
        assert type(a) is type(b)
        assert a == b and hash(a) == hash(b)
        if isinstance(a, Literal):
            assert (a.value, a.language, a.datatype, a.ill_typed) == \
                (b.value, b.language, b.datatype, b.ill_typed)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=300)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_cached_runs_report_exactly_what_fresh_runs_report(tmp_path: Path, engine: str) -> None:
    env = {**os.environ, "MLWA_CACHE_DIR": str(tmp_path / "c")}
    args = ["validate", "--engine", engine, "--format", "json", "--as-of", "2026-01-01",
            *sorted(str(p) for p in (REPO / "examples").glob("*.yaml"))]
    fresh = _cli(args, {**env, "MLWA_NO_CACHE": "1"})
    first = _cli(args, env)  # fills the cache
    assert list((tmp_path / "c").glob("prepared-*.pickle")), first.stderr
    second = _cli(args, env)  # reads it
    assert fresh.returncode == first.returncode == second.returncode
    assert fresh.stdout == first.stdout == second.stdout


def test_a_changed_policy_file_is_not_served_from_the_cache(
        tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is the files' bytes: an edited built-in policy is loaded and prepared afresh."""
    import shutil

    from engine import paths
    from engine.policies import catalog
    from engine.validate.validator import _prepared_bundle

    pack = tmp_path / "ml-lens"
    shutil.copytree(REPO / "policies" / "ml-lens", pack)
    monkeypatch.setattr(paths, "builtin_pack_dir", lambda: pack)

    def load() -> tuple[str, list[str]]:
        monkeypatch.setattr(catalog, "_BUILTIN", None)
        pol = catalog.builtin_catalog().policies["WA-SEC-001"]
        shapes, *_ = _prepared_bundle([pol], "fast")
        from rdflib.namespace import SH

        return pol.title, sorted(str(m) for m in shapes.objects(None, SH.message))

    title, messages = load()
    assert load() == (title, messages)
    assert len(list(cache_dir.glob("catalog-*.pickle"))) == 1
    assert len(list(cache_dir.glob("prepared-*.pickle"))) == 1
    one = pack / "WA-SEC-001.ttl"
    text = one.read_text()
    assert title in text and messages and messages[0] in text
    one.write_text(text.replace(title, title + " (edited)").replace(messages[0], "edited message"))
    new_title, new_messages = load()
    assert new_title == title + " (edited)"
    assert "edited message" in new_messages
    assert len(list(cache_dir.glob("catalog-*.pickle"))) == 2


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (pytest.fail, ("a foreign cache entry was loaded",))
