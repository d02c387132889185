"""Time each stage of loading the example workloads: parse, structure check, lifting.

    python benchmarks/lift.py [--repeat N] [FILE ...]

Prints one row per file: triples, and the median time of reading YAML (with positions),
the JSON Schema check and the lifting to RDF. The target is lifting well under 1 ms
beyond parsing for a typical workload.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.workload.lift import lift  # noqa: E402
from engine.workload.safeyaml import load_yaml  # noqa: E402
from engine.workload.structure import check_data  # noqa: E402


def best_and_median_ms(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    files = args.files or sorted((REPO / "examples").glob("*.yaml"))
    as_of = dt.date(2026, 11, 30)
    print("best of N (median) in ms; lifting excludes parsing and the schema check")
    print(f"{'workload':24} {'triples':>7} {'parse':>15} {'schema':>15} {'lift':>15} "
          f"{'lift µs/triple':>14}")
    for path in files:
        text = path.read_text(encoding="utf-8")
        data, pos = load_yaml(text, str(path))
        assert not check_data(data, pos, str(path)), f"{path} has structural problems"
        lifted = lift(data, pos, str(path), as_of)
        n = len(lifted.graph)
        parse = best_and_median_ms(lambda t=text, p=path: load_yaml(t, str(p)), args.repeat)
        schema = best_and_median_ms(lambda d=data, q=pos, p=path: check_data(d, q, str(p)),
                                    args.repeat)
        lifting = best_and_median_ms(lambda d=data, q=pos, p=path: lift(d, q, str(p), as_of),
                                     args.repeat)

        def cell(pair: tuple[float, float]) -> str:
            return f"{pair[0]:6.2f} ({pair[1]:6.2f})"

        print(f"{path.name:24} {n:7d} {cell(parse):>15} {cell(schema):>15} "
              f"{cell(lifting):>15} {lifting[0] * 1000 / n:14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
