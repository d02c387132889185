"""Whole-process timing of ``mlwa validate FILE``, optionally A/B against another checkout.

    python benchmarks/coldstart.py [--runs 7] [--file examples/fraud-detection.yaml]
                                   [--engine fast] [--compare /path/to/other/checkout]

Each run is a fresh interpreter (``python -c 'from engine.cli import main; main()'``) with
``PYTHONPATH`` set to the checkout under test, so an editable install elsewhere cannot
interfere. With ``--compare`` the two checkouts alternate run by run, so machine drift
hits both alike. Prints median and min–max wall time, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAUNCH = "import sys; from engine.cli import main; sys.argv[0] = 'mlwa'; main()"


def run_once(checkout: Path, args: list[str], env_extra: dict[str, str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(checkout), **env_extra)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LAUNCH, *args], cwd=checkout, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{checkout}: exit {proc.returncode}: {proc.stderr.decode()[-400:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--file", default="examples/fraud-detection.yaml")
    ap.add_argument("--engine", default="fast")
    ap.add_argument("--compare", type=Path, help="another checkout to alternate with")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra environment for the runs (repeatable)")
    args = ap.parse_args(argv)
    extra = dict(e.split("=", 1) for e in args.env)
    cmd = ["validate", str(Path(args.file).resolve()), "--engine", args.engine]
    checkouts = {"this": REPO}
    if args.compare:
        checkouts["other"] = args.compare.resolve()
    for c in checkouts.values():  # warm the OS file cache and any on-disk caches
        run_once(c, cmd, extra)
    times: dict[str, list[float]] = {k: [] for k in checkouts}
    for _ in range(args.runs):
        for name, c in checkouts.items():
            times[name].append(run_once(c, cmd, extra))
    load = os.getloadavg()
    print(f"mlwa {' '.join([*cmd[:1], args.file, *cmd[2:]])}; {args.runs} runs each; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {time.strftime('%Y-%m-%d %H:%M')}")
    print("| checkout | median (s) | min–max (s) |")
    print("| --- | ---: | ---: |")
    for name, xs in times.items():
        print(f"| {name} ({checkouts[name]}) | {statistics.median(xs):.3f} | "
              f"{min(xs):.3f}–{max(xs):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
