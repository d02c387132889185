"""Time ``load_workload`` per file, optionally side by side with an earlier commit.

    python benchmarks/generate.py /tmp/gen --count 1000 --templates starter
    python benchmarks/generate.py /tmp/genr --count 1000
    python benchmarks/load.py /tmp/gen /tmp/genr [--baseline REV] [--rounds 7] [--hold]

Each round loads every ``*.yaml`` file of each folder once with each implementation
(alternating which goes first), in this one process. Printed: median per-file time over
the rounds, min-max, and the ratio baseline / current. ``--baseline REV`` takes
``engine/workload`` as committed at REV (``git show``), renamed to a private package so
both can be imported together; the rest of ``engine`` is shared. ``--hold`` keeps every
loaded workload of a round alive (as a portfolio chunk does), so garbage collection of
large heaps is part of the figure.
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


def one_round(load: Callable[..., Any], files: list[Path], hold: bool) -> float:
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
    args = parser.parse_args()

    from engine.workload import load_workload

    impls: dict[str, Callable[..., Any]] = {"current": load_workload}
    tmp = tempfile.TemporaryDirectory()
    if args.baseline:
        impls = {"baseline": baseline_loader(args.baseline, Path(tmp.name)), **impls}
    print(f"ms per file, median of {args.rounds} rounds (min-max)"
          + (", workloads held per round" if args.hold else ""))
    for folder in args.folders:
        files = sorted(folder.glob("*.yaml"))
        if not files:
            print(f"{folder}: no *.yaml files", file=sys.stderr)
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
