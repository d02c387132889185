"""In-process phase timings of the validate path: catalogue, Validator, loading, engine,
reports and warm single validation, optionally A/B against another checkout.

    python benchmarks/pipeline.py DIR_OF_WORKLOADS [--count 200] [--rounds 3]
                                  [--compare /path/to/other/checkout]

Each round is a fresh interpreter per checkout (alternating), timing the phases with
``time.perf_counter``; the table gives the median and min–max over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import glob, json, statistics, sys, time
t0 = time.perf_counter()
from engine.policies.catalog import builtin_catalog
from engine.validate.validator import Validator
from engine.workload import load_workload
t1 = time.perf_counter()
cat = builtin_catalog()
t2 = time.perf_counter()
v = Validator(cat.select(), engine="fast")
t3 = time.perf_counter()
files = sorted(glob.glob(sys.argv[1] + "/*.yaml"))[: int(sys.argv[2])]
wls = [load_workload(f) for f in files]
t4 = time.perf_counter()
raws = list(v.prepared.validate_many([w.graph for w in wls]))
t5 = time.perf_counter()
reps = [v.report_for(w, r) for w, r in zip(wls, raws)]
t6 = time.perf_counter()
single = []
for w in wls[:40]:
    a = time.perf_counter()
    v.validate(w)
    single.append((time.perf_counter() - a) * 1e3)
n = len(files)
print(json.dumps({"import (s)": t1 - t0, "catalogue (s)": t2 - t1, "Validator (s)": t3 - t2,
                  "load (ms/workload)": (t4 - t3) / n * 1e3,
                  "engine batch (ms/workload)": (t5 - t4) / n * 1e3,
                  "reports (ms/workload)": (t6 - t5) / n * 1e3,
                  "warm single p50 (ms)": statistics.median(single)}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare", type=Path)
    args = ap.parse_args(argv)
    checkouts = {"this": REPO}
    if args.compare:
        checkouts["other"] = args.compare.resolve()
    got: dict[str, list[dict[str, float]]] = {k: [] for k in checkouts}
    for _ in range(args.rounds):
        for name, c in checkouts.items():
            env = dict(os.environ, PYTHONPATH=str(c))
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.dir.resolve()),
                                  str(args.count)], cwd=c, env=env, capture_output=True,
                                 text=True, check=True).stdout
            got[name].append(json.loads(out.strip().splitlines()[-1]))
    load = os.getloadavg()
    print(f"{args.count} workloads from {args.dir}; {args.rounds} rounds; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {time.strftime('%Y-%m-%d %H:%M')}")
    names = list(checkouts)
    print("| phase | " + " | ".join(f"{n}: median (min–max)" for n in names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for key in got[names[0]][0]:
        cells = []
        for n in names:
            xs = [r[key] for r in got[n]]
            cells.append(f"{statistics.median(xs):.3g} ({min(xs):.3g}–{max(xs):.3g})")
        print(f"| {key} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
