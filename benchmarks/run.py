"""One command, one table: how fast mlwa validates, engine against engine, in one run.

    python benchmarks/run.py [--quick] [--sizes 100,1000,10000] [--engines reference,fast]

Measures, for each engine, side by side and alternating so machine drift hits both:
* cold: the whole ``mlwa validate examples/fraud-detection.yaml`` process (median of runs);
* warm: one workload validated in-process after a warm-up (p50 and p95);
* batch: N generated workloads (benchmarks/generate.py) loaded and validated in-process,
  with throughput and peak memory of a child process doing only that.
Prints a markdown table with ratios against the reference engine (pySHACL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fraud-detection.yaml"


def cold(engine: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "engine", "validate", str(EXAMPLE), "--engine", engine,
                        "--fail-on", "none", "--format", "json"], check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return times


def warm(engine: str, repeats: int) -> list[float]:
    from engine.catalog import builtin_catalog
    from engine.validate import Validator
    from engine.workload import load_workload

    validator = Validator(list(builtin_catalog().policies.values()), engine=engine)
    wl = load_workload(EXAMPLE)
    for _ in range(3):
        validator.validate(wl)
    times = []
    for _ in range(repeats):
        started = time.perf_counter_ns()
        validator.validate(wl)
        times.append((time.perf_counter_ns() - started) / 1e9)
    return times


BATCH_CHILD = r"""
import json, resource, sys, time, glob
from engine.catalog import builtin_catalog
from engine.validate import Validator
from engine.workload import load_workload
engine, folder = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(folder + '/wl-*.yaml'))
validator = Validator(list(builtin_catalog().policies.values()), engine=engine)
started = time.perf_counter()
workloads = [load_workload(f) for f in files]
loaded = time.perf_counter()
findings = 0
chunk = 500
for i in range(0, len(workloads), chunk):
    for rep in validator.validate_many(workloads[i:i + chunk]):
        findings += len(rep.findings)
done = time.perf_counter()
print(json.dumps({"n": len(files), "load": loaded - started, "validate": done - loaded,
                  "findings": findings,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def batch(engine: str, folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", BATCH_CHILD, engine, str(folder)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="reference,fast")
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--max-reference", type=int, default=1000,
                    help="largest batch the reference engine runs (it is slow)")
    args = ap.parse_args(argv)
    engines = args.engines.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    runs, repeats = (3, 20) if args.quick else (5, 100)
    rows: dict[str, dict[str, str]] = {e: {} for e in engines}
    raw: dict[str, dict[str, float]] = {e: {} for e in engines}
    cold_times: dict[str, list[float]] = {e: [] for e in engines}
    for _ in range(runs):  # alternate engines so drift hits both
        for e in engines:
            cold_times[e] += cold(e, 1)
    for e in engines:
        raw[e]["cold"] = statistics.median(cold_times[e])
        w = warm(e, repeats)
        raw[e]["warm_p50"], raw[e]["warm_p95"] = pct(w, 0.5), pct(w, 0.95)
    with tempfile.TemporaryDirectory(prefix="mlwa-bench-") as tmp:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from generate import write

        for n in sizes:
            folder = Path(tmp) / str(n)
            write(folder, n, seed=11)
            for e in engines:
                if e == "reference" and n > args.max_reference:
                    continue
                res = batch(e, folder)
                raw[e][f"batch{n}"] = res["validate"]
                raw[e][f"load{n}"] = res["load"]
                raw[e][f"peak{n}"] = res["peak_mb"]
    ref = raw.get("reference", {})
    for e in engines:
        r = raw[e]

        def ratio(key: str, r: dict[str, float] = r, e: str = e) -> str:
            if e == "reference" or key not in ref or key not in r or r[key] == 0:
                return ""
            return f" ({ref[key] / r[key]:.0f}× faster)"

        rows[e]["cold process"] = f"{r['cold'] * 1000:.0f} ms{ratio('cold')}"
        rows[e]["warm p50"] = f"{r['warm_p50'] * 1000:.2f} ms{ratio('warm_p50')}"
        rows[e]["warm p95"] = f"{r['warm_p95'] * 1000:.2f} ms"
        for n in sizes:
            if f"batch{n}" in r:
                rows[e][f"{n:,} workloads (validate)"] = f"{r[f'batch{n}']:.2f} s{ratio(f'batch{n}')}"
                rows[e][f"{n:,} workloads (parse+lift)"] = f"{r[f'load{n}']:.2f} s"
                rows[e][f"{n:,} peak RSS"] = f"{r[f'peak{n}']:.0f} MB"
    from engine.catalog import builtin_catalog

    keys = list(dict.fromkeys(k for e in engines for k in rows[e]))
    print(f"mlwa benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{len(builtin_catalog().policies)} policies\n")
    print("| measure | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))
    for k in keys:
        print(f"| {k} | " + " | ".join(rows[e].get(k, "–") for e in engines) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
