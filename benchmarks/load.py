"""Time ``load_workload`` per file, optionally side by side with an earlier commit.

    python benchmarks/generate.py /tmp/gen --count 1000 --templates starter
    python benchmarks/generate.py /tmp/genr --count 1000
    python benchmarks/load.py /tmp/gen /tmp/genr [--baseline REV] [--rounds 7] [--hold]
    python benchmarks/load.py /tmp/gen /tmp/genr --baseline REV --check

Each round loads every ``*.yaml`` and ``*.json`` file of each folder once with each implementation
(alternating which goes first), in this one process. Printed: median per-file time over
the rounds, min-max, and the ratio baseline / current. ``--baseline REV`` takes
``engine/workload`` as committed at REV (``git show``), renamed to a private package so
both can be imported together; the rest of ``engine`` is shared. ``--hold`` keeps every
loaded workload of a round alive (as a portfolio chunk does), so garbage collection of
large heaps is part of the figure.

``--check`` times nothing: it loads every file, and a broken copy of every file (a value
replaced, a line repeated, dropped or re-indented, chosen by a seeded generator), with
both implementations and reports any difference in the triples (terms compared with
their datatype, language, value and well-formedness), iteration order, namespaces,
locations, property locations, the other Workload fields, or the error raised.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

AS_OF = dt.date(2026, 11, 30)


def baseline_loader(rev: str, into: Path) -> Callable[..., Any]:
    """``load_workload`` from ``engine/workload`` at ``rev``, as package ``_base_workload``."""
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:engine/workload"],
                           cwd=REPO, check=True, capture_output=True, text=True).stdout.split()
    pkg = into / "_base_workload"
    pkg.mkdir()
    for name in names:
        if not name.endswith(".py"):
            continue
        text = subprocess.run(["git", "show", f"{rev}:engine/workload/{name}"], cwd=REPO,
                              check=True, capture_output=True, text=True).stdout
        (pkg / name).write_text(text.replace("engine.workload", "_base_workload"),
                                encoding="utf-8")
    sys.path.insert(0, str(into))
    module = importlib.import_module("_base_workload")
    return module.load_workload  # type: ignore[no-any-return]


_VALUES = ["~", "", "true", "no", "0", "-1", "1.5", "2026-02-30", "2999-01-01", "x y",
           "[a, b]", "{a: 1}", "'1'", "MLXX-99", "nosuch", "s3", "*a", "&a v", "!!str v"]


def _broken(text: str, seed: int) -> str:
    import random

    rng = random.Random(seed)
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    line = lines[i]
    move = rng.random()
    if move < 0.6 and ":" in line:
        lines[i] = line.split(":", 1)[0] + ": " + rng.choice(_VALUES) + "\n"
    elif move < 0.75:
        lines.insert(i, line)
    elif move < 0.9:
        del lines[i]
    else:
        lines[i] = " " + line
    return "".join(lines)


def _files(folder: Path) -> list[Path]:
    """The workload files of a folder (generate.py's manifest.json is not one)."""
    return sorted(p for p in [*folder.glob("*.yaml"), *folder.glob("*.json")]
                  if p.name != "manifest.json")


def _term(t: Any) -> tuple[Any, ...]:
    return (type(t).__name__, str(t), getattr(t, "datatype", None), getattr(t, "language", None),
            repr(getattr(t, "value", None)), getattr(t, "ill_typed", None))


def _summary(load: Callable[..., Any], source: Any) -> Any:
    from engine.errors import InputError

    try:
        wl = load(source)
    except InputError as exc:
        return ("InputError", exc.message, exc.location, exc.lines())
    except Exception as exc:  # a difference in a bug is a difference too
        return ("bug", type(exc).__name__, str(exc))
    triples = [tuple(_term(t) for t in triple) for triple in wl.graph]
    return ("ok", sorted(triples), triples, list(wl.graph.namespaces()),
            sorted((repr(k), v) for k, v in wl.locations.items()),
            sorted((repr(k), v) for k, v in wl.property_locations.items()),
            wl.id, wl.name, wl.root, wl.format, wl.content_hash, wl.filename, wl.source_text,
            wl.reviews)


def check(impls: dict[str, Callable[..., Any]], folders: list[Path]) -> int:
    """Compare the two implementations file by file; print the differences."""
    base, current = impls["baseline"], impls["current"]
    mod = sys.modules[current.__module__]
    base_text = sys.modules[base.__module__].load_workload_text  # type: ignore[attr-defined]
    cur_text = mod.load_workload_text  # type: ignore[attr-defined]
    differences = compared = errors = 0
    for folder in folders:
        for n, f in enumerate(_files(folder)):
            text = f.read_text(encoding="utf-8")
            broken = _broken(text, n)
            pairs = [(_summary(partial(base, as_of=AS_OF), f),
                      _summary(partial(current, as_of=AS_OF), f)),
                     (_summary(partial(base_text, filename=f.name, as_of=AS_OF), broken),
                      _summary(partial(cur_text, filename=f.name, as_of=AS_OF), broken))]
            for (old, new), what in zip(pairs, ("file", "broken copy"), strict=True):
                compared += 1
                errors += old[0] != "ok"
                if old != new:
                    differences += 1
                    parts = [i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
                    print(f"{f} ({what}): differs in summary fields {parts}")
    print(f"compared {compared} loads ({errors} refused by the baseline): "
          f"{differences} differences")
    return 1 if differences else 0


def one_round(load: Callable[..., Any], files: list[Path], hold: bool) -> float:
    import gc

    gc.collect()  # each round starts from the same heap, whatever the other one left
    kept = []
    start = time.perf_counter()
    for f in files:
        wl = load(f, as_of=AS_OF)
        if hold:
            kept.append(wl)
    elapsed = time.perf_counter() - start
    kept.clear()
    return elapsed * 1000 / len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--baseline", metavar="REV")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="compare results with --baseline instead of timing")
    args = parser.parse_args()
    if args.check and not args.baseline:
        parser.error("--check needs --baseline")

    from engine.workload import load_workload

    impls: dict[str, Callable[..., Any]] = {"current": load_workload}
    tmp = tempfile.TemporaryDirectory()
    if args.baseline:
        impls = {"baseline": baseline_loader(args.baseline, Path(tmp.name)), **impls}
    if args.check:
        return check(impls, args.folders)
    print(f"ms per file, median of {args.rounds} rounds (min-max)"
          + (", workloads held per round" if args.hold else ""))
    for folder in args.folders:
        files = _files(folder)
        if not files:
            print(f"{folder}: no *.yaml or *.json files", file=sys.stderr)
            return 2
        for load in impls.values():  # warm-up: imports, caches, compiled schema
            for f in files[:50]:
                load(f, as_of=AS_OF)
        times: dict[str, list[float]] = {name: [] for name in impls}
        order = list(impls)
        for _ in range(args.rounds):
            for name in order:
                times[name].append(one_round(impls[name], files, args.hold))
            order.reverse()
        cells = []
        for name, ts in times.items():
            cells.append(f"{name} {statistics.median(ts):7.3f} ({min(ts):.3f}-{max(ts):.3f})")
        ratio = ""
        if "baseline" in times:
            speedup = statistics.median(times["baseline"]) / statistics.median(times["current"])
            ratio = f"  x{speedup:.2f}"
        print(f"{folder!s:20} {len(files):5d} files  " + "  ".join(cells) + ratio)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
