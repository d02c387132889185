"""One command, one table: how fast mlwa validates, engine against engine, in one run.

    python benchmarks/run.py [--quick] [--sizes 1000,10000] [--huge] [--engines fast,reference,pyrudof]
                             [--small] [--foreign-only]

Measured side by side in one run, engines alternating where it matters (machine drift hits
all of them alike), on workloads from benchmarks/generate.py and the real policy pack:

* cold: the whole ``mlwa validate examples/fraud-detection.yaml`` process (median of runs),
  byte-compiled as an installed package is, with the compiled-policy cache (engine.cache)
  filled by an earlier run — the state of every run after the first — and, on its own row,
  the first run of all (empty cache); for pyrudof, a process that loads the same workload
  with mlwa's loader and validates it;
* warm: one workload validated in-process after a warm-up (p50 and p95). fast and reference
  include building mlwa's report; pyrudof is the engine call alone;
* import: ``mlwa validate --iac`` of the largest template in tests/data/iac (import, merge,
  load and validate in one cold process, median of runs), and the import alone in-process
  (warm, per resource of that template);
* portfolios of 1,000 and 10,000 workloads (100,000 with ``--huge``, fast only): a child
  process runs ``engine.estate.portfolio.run_portfolio`` (2 local workers, no store) for fast and
  reference; for pyrudof the same loader and the same 2-process chunking feed pyrudof.
  Wall time, throughput and peak memory (ru_maxrss of the parent and of the largest worker).

* the floor, next to each portfolio: the same files read into Python objects with the
  fastest YAML reader installed (libyaml's ``CSafeLoader`` when PyYAML has it), on the same
  number of worker processes; and CPU per workload, end to end in one process (the first
  500 files of the mix, validator built before) against the floor's CPU per file;
* files that are not workload descriptions: a generated ~390 KB CloudFormation-like
  template, as JSON and as YAML, refused by the reader (``--foreign-only``: these rows alone).

The reference engine (pySHACL) runs portfolios up to 1,000 workloads only; larger cells say
"not run" (nothing is extrapolated). pyrudof ignores SHACL-SPARQL constraints silently, so
its column is "core only": it does less work than the others.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fraud-detection.yaml"
ENGINES = ("fast", "reference", "pyrudof")
LABEL = {"fast": "fast (SPARQL on Oxigraph)", "reference": "reference (pySHACL)",
         "pyrudof": "pyrudof (core only)"}

RUDOF_SETUP = r"""
from engine.policies.catalog import builtin_catalog
from engine.validate.validator import class_hierarchy, Validator

def rudof_validator():
    import pyrudof  # only when asked for: the other engines run without it

    catalog = builtin_catalog()
    from engine.policies.catalog import shapes_graph
    shapes, _ = shapes_graph(list(catalog.policies.values()))
    r = pyrudof.Rudof(pyrudof.RudofConfig())
    r.read_shacl(shapes.serialize(format="turtle"), pyrudof.ShaclFormat.Turtle)
    onto = class_hierarchy().serialize(format="nt")
    def run(graph):
        from engine.estate.store import graph_ntriples
        r.reset_data()  # read_data merged into earlier data in older versions
        r.read_data(graph_ntriples(graph) + onto, pyrudof.RDFFormat.NTriples, merge=False)
        return r.validate_shacl(pyrudof.ShaclValidationMode.Native)
    return run
"""

COLD_RUDOF = RUDOF_SETUP + r"""
import sys
from engine.workload import load_workload
run = rudof_validator()
run(load_workload(sys.argv[1]).graph)
"""

WARM = RUDOF_SETUP + r"""
import json, sys, time
from engine.policies.catalog import builtin_catalog
from engine.validate.validator import Validator
from engine.workload import load_workload
engine, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
wl = load_workload(path)
if engine == "pyrudof":
    run = rudof_validator()
    call = lambda: run(wl.graph)
else:
    v = Validator(list(builtin_catalog().policies.values()), engine=engine)
    call = lambda: v.validate(wl)
for _ in range(3):
    call()
times = []
for _ in range(repeats):
    t = time.perf_counter_ns()
    call()
    times.append((time.perf_counter_ns() - t) / 1e6)
print(json.dumps(times))
"""

PORTFOLIO = RUDOF_SETUP + r"""
import glob, json, resource, sys, time
engine, pattern, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
if engine == "pyrudof":
    import concurrent.futures as cf, multiprocessing as mp
    files = sorted(glob.glob(pattern))
    def chunk(paths):
        global _run
        try:
            _run
        except NameError:
            _run = rudof_validator()
        from engine.workload import load_workload
        n = 0
        for p in paths:
            rep = _run(load_workload(p).graph)
            n += 1
        return n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = 200
    peak_worker = 0
    done = 0
    with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        for n, peak in pool.map(chunk, [files[i:i + size] for i in range(0, len(files), size)]):
            done += n
            peak_worker = max(peak_worker, peak)
    workloads, findings = done, None
else:
    from engine.estate.portfolio import PortfolioOptions, run_portfolio
    res = run_portfolio([pattern], PortfolioOptions(engine=engine), workers=workers)
    workloads = len(res.summaries)
    findings = sum(s.high + s.medium + s.low for s in res.summaries)
    peak_worker = res.worker_peak_kb
    assert not res.errors and not res.bugs, (res.errors[:3], res.bugs[:3])
wall = time.perf_counter() - started
print(json.dumps({"wall": wall, "workloads": workloads, "findings": findings,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_mb": peak_worker / 1024}))
"""

FLOOR = r"""
import concurrent.futures as cf, glob, json, multiprocessing as mp, sys, time
import yaml
pattern, workers = sys.argv[1], int(sys.argv[2])
# the fastest YAML reader installed: libyaml's C loader when PyYAML was built with it
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
def chunk(paths):
    for p in paths:
        with open(p, "rb") as fh:
            yaml.load(fh.read().decode("utf-8"), Loader=LOADER)
    return len(paths)
files = sorted(glob.glob(pattern))
started = time.perf_counter()
with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:  # (chunk is in __main__)
    done = sum(pool.map(chunk, [files[i:i + 200] for i in range(0, len(files), 200)]))
wall = time.perf_counter() - started
sample = files[:500]
cpu = time.process_time()
chunk(sample)
cpu = (time.process_time() - cpu) / len(sample)
print(json.dumps({"wall": wall, "workloads": done, "reader": LOADER.__name__, "cpu_ms": cpu * 1e3}))
"""

CPU = r"""
import glob, json, sys, time
from engine.estate.portfolio import PortfolioOptions, run_portfolio, worker_validator
engine, pattern = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(pattern))[:500]
options = PortfolioOptions(engine=engine)
worker_validator(options)  # built once per worker: not part of the per-workload cost
cpu = time.process_time()
res = run_portfolio(files, options, workers=1, chunk_size=len(files))
cpu = time.process_time() - cpu
assert len(res.summaries) == len(files), (res.errors[:3], res.bugs[:3])
print(json.dumps({"cpu_ms": cpu * 1e3 / len(files), "workloads": len(files)}))
"""

FOREIGN = r"""
import json, sys, time
from engine.errors import InputError
from engine.workload import load_workload
path, repeats = sys.argv[1], int(sys.argv[2])
def once():
    t = time.perf_counter_ns()
    try:
        load_workload(path)
    except InputError as exc:
        assert "not a workload description" in str(exc), str(exc)
    else:
        raise AssertionError("a foreign file was accepted")
    return (time.perf_counter_ns() - t) / 1e6
first = once()
print(json.dumps({"first": first, "times": [once() for _ in range(repeats)]}))
"""


def foreign_files(folder: Path, size: int = 390_000) -> dict[str, Path]:
    """A CloudFormation-like template of about ``size`` bytes, as JSON and as YAML: files a
    workload folder often holds that are not workload descriptions."""
    import yaml

    resources: dict[str, Any] = {}
    doc = {"AWSTemplateFormatVersion": "2010-09-09", "Description": "buckets and roles",
           "Resources": resources}
    i = 0
    while len(json.dumps(doc, indent=2)) < size:
        resources[f"Bucket{i}"] = {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": f"data-{i:05d}", "VersioningConfiguration": {"Status": "Enabled"},
            "Tags": [{"Key": "team", "Value": f"team-{i % 7}"}]}}
        i += 1
    folder.mkdir(parents=True, exist_ok=True)
    out = {"json": folder / "template.json", "yaml": folder / "template.yaml"}
    out["json"].write_text(json.dumps(doc, indent=2), encoding="utf-8")
    out["yaml"].write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return out


def child(code: str, *args: str, timeout: float = 7200) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True, cwd=ROOT, timeout=timeout)
    return out.stdout.strip().splitlines()[-1]


#: the compiled-policy cache (engine.cache) of this run; "first" runs get an empty one each
CACHE = Path(tempfile.mkdtemp(prefix="mlwa-bench-cache-"))


def cold_once(engine: str, first: bool = False) -> float:
    cache = Path(tempfile.mkdtemp(prefix="mlwa-bench-empty-", dir=CACHE)) if first else CACHE
    env = {**os.environ, "MLWA_CACHE_DIR": str(cache)}
    env.pop("MLWA_NO_CACHE", None)
    started = time.perf_counter()
    if engine == "pyrudof":
        subprocess.run([sys.executable, "-c", COLD_RUDOF, str(EXAMPLE)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, env=env)
    else:
        subprocess.run([sys.executable, "-m", "engine", "validate", str(EXAMPLE), "--engine",
                        engine, "--fail-on", "none", "--format", "json"], check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rudof_available() -> bool:
    try:
        import pyrudof  # noqa: F401
    except ImportError:
        return False
    return True


IAC_DATA = ROOT / "tests" / "data" / "iac"

IMPORT_COST = r"""
import json, sys, time
from engine.workload.iac import import_sources
src, reps = sys.argv[1], int(sys.argv[2])
result = import_sources([src])
started = time.perf_counter()
for _ in range(reps):
    import_sources([src])
per_import = (time.perf_counter() - started) / reps
print(json.dumps({"per_import": per_import, "resources": len(result.resources)}))
"""


def largest_template() -> Path:
    """The CloudFormation template of the test data with the most resources."""
    from engine.workload.iac.cloudformation import looks_like, parse

    best: tuple[int, Path] | None = None
    for path in sorted(IAC_DATA.rglob("*")):
        if path.suffix not in (".yml", ".yaml", ".json"):
            continue
        try:
            data = parse(path.read_text(encoding="utf-8"), str(path))[0]
        except Exception:  # not YAML or JSON at all: not a candidate
            continue
        if looks_like(data) and (best is None or len(data["Resources"]) > best[0]):
            best = (len(data["Resources"]), path)
    assert best is not None, "no CloudFormation template in tests/data/iac"
    return best[1]


def iac_once(engine: str, template: Path) -> float:
    env = {**os.environ, "MLWA_CACHE_DIR": str(CACHE)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine", "validate", "--iac", str(template),
                    "--engine", engine, "--fail-on", "none", "--format", "json"], check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    return time.perf_counter() - started


def table(raw: dict[str, dict[Any, Any]], engines: list[str], sizes: list[int], workers: int,
          began: str, out: Any) -> None:
    """Write the markdown table; cells not measured (yet) say "not run"."""
    from engine.policies.catalog import builtin_catalog

    rows: list[tuple[str, dict[str, str], str]] = []  # (measure, cells, fast vs pySHACL)

    def ms(x: float) -> str:
        return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms" if x < 100 else f"{x:.0f} ms"

    def spread(xs: list[float]) -> str:
        return f"{statistics.median(xs):.2f} s ({min(xs):.2f}–{max(xs):.2f})"

    def ratio(key: str) -> str:
        if "fast" not in engines or "reference" not in engines:
            return ""
        if key == "cold":
            a, b = statistics.median(raw["reference"]["cold"]), statistics.median(raw["fast"]["cold"])
        elif key == "warm":
            a, b = pct(raw["reference"]["warm"], 0.5), pct(raw["fast"]["warm"], 0.5)
        else:
            n = int(key)
            if n not in raw["reference"] or n not in raw["fast"]:
                return ""
            a = raw["reference"][n]["wall"] / raw["reference"][n]["workloads"]
            b = raw["fast"][n]["wall"] / raw["fast"][n]["workloads"]
        return f"{a / b:.1f}×"

    if all(raw[e].get("cold") for e in engines):  # (absent with --foreign-only)
        rows.append(("one workload, cold process (median, min–max)",
                     {e: spread(raw[e]["cold"]) for e in engines}, ratio("cold")))
        rows.append(("… the first run, empty policy cache",
                     {e: spread(raw[e]["cold_first"]) for e in engines if raw[e].get("cold_first")},
                     ""))
        rows.append(("one workload, warm p50", {e: ms(pct(raw[e]["warm"], 0.5)) for e in engines},
                     ratio("warm")))
        rows.append(("one workload, warm p95", {e: ms(pct(raw[e]["warm"], 0.95)) for e in engines},
                     ""))
    if any(raw[e].get("iac") for e in engines):
        rows.append((f"import + validate of {raw['_iac_name']}, cold process (median, min–max)",
                     {e: spread(raw[e]["iac"]) for e in engines if raw[e].get("iac")}, ""))
        cost = raw["_iac_cost"]
        rows.append((f"import alone, warm ({cost['resources']} resources): per import / "
                     "per resource", {e: f"{ms(cost['per_import'] * 1000)} / "
                                         f"{ms(cost['per_import'] * 1000 / cost['resources'])}"
                                      for e in engines if e != "pyrudof"}, ""))
    for kind, r in raw.get("foreign", {}).items():
        rows.append((f"a {r['bytes'] / 1000:.0f} KB foreign {kind.upper()} file refused (\"not a "
                     "workload description\"), warm p50 / first call (the reader: every engine alike)",
                     {engines[0]: f"{ms(pct(r['times'], 0.5))} / {ms(r['first'])}"}, ""))
    for n in sizes:
        cells, mem = {}, {}
        for e in engines:
            r = raw[e].get(n)
            if r is None:
                cells[e] = mem[e] = "not run"
                continue
            cells[e] = f"{r['wall']:.1f} s ({r['workloads'] / r['wall']:.0f}/s)"
            mem[e] = f"{r['peak_mb']:.0f} MB / {r['worker_peak_mb']:.0f} MB"
        rows.append((f"{n:,} workloads, {workers} workers (wall, throughput)", cells, ratio(str(n))))
        rows.append((f"{n:,} workloads, peak RSS (parent / largest worker)", mem, ""))
        floor = raw.get("floor", {}).get(n)
        if floor is not None:
            fast = raw.get("fast", {}).get(n)
            times = f" (fast: {fast['wall'] / floor['wall']:.1f}× the floor)" if fast else ""
            rows.append((f"{n:,} workloads, floor: reading the files alone ({floor['reader']}), "
                         f"{workers} workers (wall, throughput)",
                         {engines[0]: f"{floor['wall']:.1f} s ({floor['workloads'] / floor['wall']:.0f}/s)"
                                      f"{times}"}, ""))
    cpu = raw.get("cpu")
    if cpu is not None:
        rows.append((f"CPU per workload, the first {cpu['workloads']} of the mix in one process "
                     "(validator built before): end to end vs the floor",
                     {engines[0]: f"{cpu['cpu_ms']:.1f} ms vs {cpu['floor_ms']:.2f} ms "
                                  f"({cpu['cpu_ms'] / cpu['floor_ms']:.1f}×)"}, ""))

    out.write(f"mlwa benchmark, {began}, {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, {len(builtin_catalog().policies)} policies, generated "
              f"workloads (benchmarks/generate.py, seed 11)"
              f"{', starter-sized (--small)' if EXAMPLE.name == 'starter.yaml' else ', realistic mix'}"
              f"; single-workload rows use {EXAMPLE.name}\n\n")
    out.write("| measure | " + " | ".join(LABEL[e] for e in engines) + " | fast vs pySHACL |\n")
    out.write("|---|" + "---|" * (len(engines) + 1) + "\n")
    for name, cells, rat in rows:
        out.write(f"| {name} | " + " | ".join(cells.get(e, "–") for e in engines) + f" | {rat} |\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--huge", action="store_true", help="add 100,000 workloads (fast only)")
    ap.add_argument("--small", action="store_true",
                    help="starter-sized workloads (~50 triples, like the design's ~80-triple anchors) "
                         "instead of the realistic mix (~800 triples on average)")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--foreign-only", action="store_true",
                    help="only the rows for files that are not workload descriptions")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-reference", type=int, default=1000,
                    help="largest portfolio the reference engine runs (it is slow; at most 1,000)")
    ap.add_argument("--max-rudof", type=int, default=10_000,
                    help="largest portfolio pyrudof runs")
    args = ap.parse_args(argv)
    os.environ["MLWA_CACHE_DIR"] = str(CACHE)  # every child shares this run's cache
    import atexit
    import shutil

    atexit.register(shutil.rmtree, CACHE, True)
    global EXAMPLE
    if args.small:
        EXAMPLE = ROOT / "examples" / "starter.yaml"
    engines = [e for e in args.engines.split(",") if e != "pyrudof" or rudof_available()]
    sizes = [int(s) for s in args.sizes.split(",")] + ([100_000] if args.huge else [])
    runs, repeats = (3, 20) if args.quick else (5, 100)
    raw: dict[str, dict[str, Any]] = {e: {} for e in engines}
    raw["foreign"] = {}
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    if args.foreign_only:
        engines, sizes = engines[:1], []
        raw = {e: {} for e in engines}
        raw["foreign"] = {}
    else:
        # Byte-compiled, as pip leaves a regular install (an editable one with
        # PYTHONDONTWRITEBYTECODE=1 would recompile mlwa's modules in every process).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine")], check=True,
                       stdout=subprocess.DEVNULL)
        cold: dict[str, list[float]] = {e: [] for e in engines}
        first: dict[str, list[float]] = {e: [] for e in engines}
        for _ in range(runs):  # alternate engines so drift hits all of them
            for e in engines:
                cold[e].append(cold_once(e))
                if e != "pyrudof":
                    first[e].append(cold_once(e, first=True))
        for e in engines:
            raw[e]["cold"] = cold[e]
            raw[e]["cold_first"] = first[e]
            reps = repeats if e != "reference" else max(5, repeats // 10)
            raw[e]["warm"] = json.loads(child(WARM, e, str(EXAMPLE), str(reps)))
            print(f"… {e}: cold and warm done", file=sys.stderr)
        template = largest_template()
        raw["_iac_name"] = str(template.relative_to(ROOT))  # type: ignore[assignment]
        for _ in range(runs):
            for e in engines:
                if e != "pyrudof":
                    raw[e].setdefault("iac", []).append(iac_once(e, template))
        raw["_iac_cost"] = json.loads(child(IMPORT_COST, str(template), str(repeats)))
    with tempfile.TemporaryDirectory(prefix="mlwa-bench-foreign-") as tmp:
        for kind, path in foreign_files(Path(tmp)).items():
            raw["foreign"][kind] = {"bytes": path.stat().st_size,
                                    **json.loads(child(FOREIGN, str(path), str(repeats)))}
    print("… foreign files done", file=sys.stderr)
    table(raw, engines, sizes, args.workers, began, sys.stderr)

    with tempfile.TemporaryDirectory(prefix="mlwa-bench-") as tmp:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from generate import TEMPLATES, write

        for n in sizes:
            folder = Path(tmp) / str(n)
            write(folder, n, seed=11, templates=("starter",) if args.small else TEMPLATES)
            for e in engines:
                if ((e == "reference" and n > min(args.max_reference, 1000))
                        or (e == "pyrudof" and n > args.max_rudof) or (n > 10_000 and e != "fast")):
                    continue
                raw[e][n] = json.loads(child(PORTFOLIO, e, str(folder / "wl-*.yaml"),
                                             str(args.workers)))
                print(f"… {e}: {n:,} workloads in {raw[e][n]['wall']:.1f} s", file=sys.stderr)
                table(raw, engines, sizes, args.workers, began, sys.stderr)  # a snapshot so far
            pattern = str(folder / "wl-*.yaml")
            raw.setdefault("floor", {})[n] = json.loads(child(FLOOR, pattern, str(args.workers)))
            if "cpu" not in raw and "fast" in engines:
                raw["cpu"] = {**json.loads(child(CPU, "fast", pattern)),
                              "floor_ms": raw["floor"][n]["cpu_ms"]}
            print(f"… floor: {n:,} files read in {raw['floor'][n]['wall']:.1f} s", file=sys.stderr)

    table(raw, engines, sizes, args.workers, began, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
