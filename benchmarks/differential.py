"""Fast against reference (pySHACL) on a generated portfolio, finding for finding.

    python benchmarks/differential.py [--count 1000] [--small] [--workers 2] [--dir DIR]

Generates the workloads (benchmarks/generate.py, seed 11; ``--small``: starter-sized, else the
realistic mix) or reuses those in ``--dir``, runs them through ``mlwa portfolio``'s path
(``engine.estate.portfolio.run_portfolio`` with full reports) once per engine, and compares each
workload's report: every field of every finding, the practice results and the question risks.
Prints the workloads that differ (at most 20, with what differs) and a one-line summary; exits
1 when anything differs, 0 when the two engines agree on every workload.

pySHACL takes ~1.4 s per starter-sized workload with the built-in pack, so 1,000 take about 15
minutes on 2 workers; the test suite runs the same comparison on 54 workloads
(tests/perf_correctness).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _reports(files: list[str], engine: str, workers: int) -> tuple[dict[str, Any], float, int]:
    from engine.estate.portfolio import PortfolioOptions, run_portfolio

    started = time.perf_counter()
    result = run_portfolio(files, PortfolioOptions(engine=engine, as_of="2027-06-01"),
                           workers=workers, keep_reports=True)
    try:
        if result.errors or result.bugs:
            raise SystemExit(f"{engine}: {len(result.errors)} input errors, {len(result.bugs)} "
                             f"internal errors, e.g. {(result.errors + result.bugs)[:2]}")
        reports = {r.workload: r for r in result.report().workloads}
    finally:
        result.close()
    return reports, time.perf_counter() - started, sum(len(r.findings) for r in reports.values())


def differences(fast: Any, ref: Any) -> list[str]:
    """What differs between two reports of one workload (empty: they agree)."""
    out = []
    a, b = set(fast.findings), set(ref.findings)
    if a != b:
        out.append(f"{len(a - b)} findings only from fast, {len(b - a)} only from pySHACL: "
                   f"e.g. {sorted(f.key() for f in (a ^ b))[:2]}")
    if len(fast.findings) != len(ref.findings):
        out.append(f"{len(fast.findings)} findings from fast, {len(ref.findings)} from pySHACL")
    if fast.practices != ref.practices:
        out.append("practice results differ")
    if fast.questions != ref.questions:
        out.append("question risks differ")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--small", action="store_true", help="starter-sized workloads")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, help="reuse workloads generated here (wl-*.yaml)")
    args = ap.parse_args(argv)

    from generate import TEMPLATES, write

    with tempfile.TemporaryDirectory(prefix="mlwa-differential-") as tmp:
        folder = args.dir or Path(tmp) / "wl"
        if not (folder.exists() and any(folder.glob("wl-*.yaml"))):
            write(folder, args.count, seed=11,
                  templates=("starter",) if args.small else TEMPLATES)
        files = [str(f) for f in sorted(folder.glob("wl-*.yaml"))[: args.count]]
        fast, t_fast, n_fast = _reports(files, "fast", args.workers)
        ref, t_ref, n_ref = _reports(files, "reference", args.workers)
    differing = 0
    if set(fast) != set(ref):
        print(f"workloads reported by one engine only: {sorted(set(fast) ^ set(ref))[:5]}")
        differing += len(set(fast) ^ set(ref))
    for wid in sorted(set(fast) & set(ref)):
        diff = differences(fast[wid], ref[wid])
        if diff:
            differing += 1
            if differing <= 20:
                print(f"{wid}: " + "; ".join(diff))
    print(f"{len(files):,} workloads: {differing} differ; findings fast {n_fast:,}, pySHACL "
          f"{n_ref:,}; fast {t_fast:.1f} s, pySHACL {t_ref:.1f} s ({args.workers} workers)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
