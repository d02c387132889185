"""Time and profile the portfolio path alone (``engine.estate.portfolio.run_portfolio``).

    python benchmarks/portfolio.py [--count 1000] [--workers 2] [--chunk-size 200]
                                   [--store] [--profile] [--dir DIR]

Prints wall time, throughput and peak memory for one configuration. With ``--profile`` it
runs in-process (one worker) under cProfile and prints where the time goes, grouped by the
module that owns it (workload loading, the SHACL backend, report building, the portfolio
runner itself, the estate store), then the top entries by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# Entry points whose cumulative time is attributed to an owner (outermost wins).
OWNERS = (
    ("engine/workload/__init__.py:load_workload", "engine.workload (read, schema, lift)"),
    ("engine/shacl/fast/__init__.py:_batch", "engine.shacl.fast (batch validation)"),
    ("engine/validate/validator.py:report_for", "engine.validate.validator (report building)"),
    ("engine/validate/validator.py:tally", "engine.validate.validator (tallies, when no report is asked for)"),
    ("engine/estate/portfolio.py:summarise", "engine.estate.portfolio (summaries, in the worker)"),
    ("engine/estate/store.py:graph_ntriples", "engine.estate.store (workload graph to N-Triples)"),
    ("engine/estate/store.py:result_ntriples", "engine.estate.store (run results to N-Triples)"),
    ("engine/estate/portfolio.py:_store_chunk", "engine.estate.store (writing the store)"),
    ("engine/estate/portfolio.py:add_bytes", "engine.estate.portfolio (report spool)"),
    ("engine/estate/portfolio.py:worker_validator", "engine.validate.validator (building the Validator once)"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=200)
    ap.add_argument("--engine", default="fast")
    ap.add_argument("--store", action="store_true", help="write the estate (a temporary folder)")
    ap.add_argument("--keep-reports", action="store_true", help="spool full reports too")
    ap.add_argument("--profile", action="store_true", help="one worker, under cProfile")
    ap.add_argument("--dir", type=Path, help="reuse workloads generated here")
    args = ap.parse_args(argv)

    from generate import write

    from engine.estate.portfolio import PortfolioOptions, run_portfolio

    with tempfile.TemporaryDirectory(prefix="mlwa-portfolio-bench-") as tmp:
        folder = args.dir or Path(tmp) / "wl"
        if not any(folder.glob("wl-*.yaml")) if folder.exists() else True:
            write(folder, args.count, seed=11)
        files = sorted(folder.glob("wl-*.yaml"))[: args.count]
        options = PortfolioOptions(engine=args.engine)
        kwargs = dict(chunk_size=args.chunk_size, use_store=args.store,
                      store=str(Path(tmp) / "estate"), keep_reports=args.keep_reports)
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = run_portfolio([str(f) for f in files], options,
                               workers=1 if args.profile else args.workers, **kwargs)  # type: ignore[arg-type]
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - started
        result.close()
    n = len(result.summaries)
    print(f"{n:,} workloads, engine {args.engine}, {1 if args.profile else args.workers} workers, "
          f"chunks of {args.chunk_size}, store {'on' if args.store else 'off'}: {wall:.1f} s "
          f"({n / wall:.1f}/s, {wall / max(n, 1) * 1000:.1f} ms per workload); peak RSS "
          f"parent {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, largest "
          f"worker {result.worker_peak_kb / 1024:.0f} MB; {len(result.errors)} input errors")
    if profiler is not None:
        stats = pstats.Stats(profiler)
        raw = stats.stats  # type: ignore[attr-defined]
        print("\nwhere the time goes (cumulative, profiled, so slower than above):")
        for key, owner in OWNERS:
            path, func = key.split(":")
            total = sum(v[3] for (file, _, fn), v in raw.items()
                        if file.endswith(path) and fn == func)
            print(f"  {owner:<50} {total:7.2f} s  {total / max(n, 1) * 1000:6.1f} ms/workload")
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(30)
        print(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
