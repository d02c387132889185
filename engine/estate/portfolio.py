"""Validate a whole portfolio of workload files in bounded memory.

Files are named by folders, globs or paths and read lazily: the runner cuts the list of
paths into chunks, and each chunk is loaded and validated by a worker (in-process, a local
process pool, or a Dask distributed cluster behind ``scheduler="tcp://…"``). Every worker
builds its :class:`~engine.validate.validator.Validator` once and keeps it for every later chunk. At
most ``2 × workers`` chunks are in flight, so memory stays bounded by the chunk size, not by
the portfolio. A worker sends back only what the parent asked for (see :class:`Ship`): a
small summary per workload always, the reports already pickled when the parent spools them
to a temporary file for a report format, and the estate's N-Triples when it writes the
store, chunk by chunk. The parent shares the cores with the workers, so it never unpickles
a report it does not read.

Files with input errors are listed and never stop the run (see :class:`PortfolioResult`).

Why this file is long: the portfolio runner: file discovery, batching, the process pool and
the tally are one pipeline.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import functools
import gc
import glob
import json
import os
import pickle
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from engine.errors import InputError, Location
from engine.estate.history import shared_ids  # re-exported: callers import it from here too

if TYPE_CHECKING:
    from engine.validate.report import Report, WorkloadReport
    from engine.validate.validator import Validator

#: Suffixes picked up when a folder is named.
WORKLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".ttl", ".jsonld")
DEFAULT_CHUNK = 200
#: the smallest chunk the last ones shrink to (an in-process batch is 50 workloads)
TAIL_CHUNK = 50
#: Allocations between young collections while a chunk is validated (Python's default: 700)
GC_YOUNG = 200_000


# ------------------------------------------------------------------------------ inputs

#: Top-level keys that mark a YAML or JSON file as another kind of mlwa file, when it has
#: none of a workload description's own keys (ontology/workload.schema.json).
_OTHER_KINDS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"cases"}), "a policy cases file"),
    (frozenset({"waivers"}), "a waivers file"),
    (frozenset({"checks"}), "a policy in the compact YAML form"),
    (frozenset({"select", "exclude", "overrides"}), "a tailoring profile"),
)
_SHARED_KEYS = frozenset({"id", "name", "title", "description", "version", "$schema"})
_TOP_KEY = re.compile(r"^([A-Za-z_$][\w$-]*)\s*:", re.MULTILINE)
_PEEK = 64 * 1024


@functools.cache
def _workload_keys() -> frozenset[str]:
    from engine.paths import ontology_dir

    try:
        schema = json.loads((ontology_dir() / "workload.schema.json").read_text(encoding="utf-8"))
        return frozenset(schema.get("properties", {})) - _SHARED_KEYS
    except (OSError, ValueError):
        return frozenset()


def classify_input(path: str) -> str | None:
    """What a file found in a folder is when it is recognisably *not* a workload
    description (a policy pack file, a cases file, a profile, a waivers file), or None when
    it may be one (it is then validated, and a broken workload is reported as such).

    Only the file name and the top-level keys of its first 64 KiB are read, so a portfolio
    of thousands of files pays one small read each. A file with any key of a workload
    description is never skipped."""
    name = os.path.basename(path).lower()
    if name.endswith((".cases.yaml", ".cases.yml")):
        return "a policy cases file"
    if name.endswith((".policy.yaml", ".policy.yml")):
        return "a policy in the compact YAML form"
    if name == "pack.ttl":
        return "a policy pack description"
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK).decode("utf-8", "replace")
    except OSError:
        return None  # the loader reports it
    if name.endswith((".ttl", ".jsonld")):
        shapes = "sh:NodeShape" in head or "http://www.w3.org/ns/shacl#NodeShape" in head
        return "SHACL shapes (a policy)" if shapes and "Workload" not in head else None
    if name.endswith(".json"):
        keys = set(re.findall(r'^\s{0,2}"([^"]+)"\s*:', head, re.MULTILINE))
    else:
        keys = set(_TOP_KEY.findall(head))
    if keys & _workload_keys():
        return None
    for markers, kind in _OTHER_KINDS:
        if keys & markers:
            return kind
    return None



def expand_inputs(args: Iterable[str | Path], skipped: list[str] | None = None
                  ) -> tuple[list[str], list[str]]:
    """Files named by ``args`` (folders recursively, globs, plain paths), deduplicated, in
    a stable order; and an error line for every argument that names nothing.

    With ``skipped`` (a list to fill), files found in folders or by globs that are
    recognisably not workload descriptions (:func:`classify_input`; a folder with a
    ``pack.ttl`` is a policy pack) are left out, each with a note in ``skipped``. A file
    named on its own is always validated."""
    files: list[str] = []
    seen: set[str] = set()
    errors: list[str] = []

    def add(p: str) -> None:
        if p not in seen:
            seen.add(p)
            files.append(p)

    def keep(p: str) -> bool:
        kind = classify_input(p) if skipped is not None else None
        if kind is not None and skipped is not None:
            skipped.append(f"skipped {p}: {kind}, not a workload description")
        return kind is None

    for arg in args:
        text = str(arg)
        if os.path.isdir(text):
            found: list[str] = []
            for dirpath, dirnames, filenames in os.walk(text):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                if skipped is not None and "pack.ttl" in filenames:
                    skipped.append(f"skipped {dirpath}: a policy pack folder, not workload "
                                   "descriptions (use it with --pack)")
                    dirnames[:] = []
                    continue
                found.extend(os.path.join(dirpath, f) for f in filenames
                             if f.lower().endswith(WORKLOAD_SUFFIXES) and not f.startswith("."))
            for p in sorted(found):
                if keep(p):
                    add(p)
        elif any(c in text for c in "*?["):
            hits = sorted(h for h in glob.iglob(text, recursive=True) if os.path.isfile(h))
            if not hits:
                errors.append(f"{text}: the pattern matches no file")
            for p in hits:
                if keep(p):
                    add(p)
        elif os.path.isfile(text):
            add(text)
        else:
            errors.append(f"{text}: no such file or folder")
    return files, errors


# ------------------------------------------------------------------------------ workers

@dataclass(frozen=True)
class PortfolioOptions:
    """Everything a worker needs to build its validator; hashable (the cache key)."""

    engine: str = "auto"
    edition: str = "2025"
    as_of: str = field(default_factory=lambda: dt.date.today().isoformat())
    packs: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    max_bytes: int | None = None
    #: the folder the estate's file keys are relative to (engine.estate.store.source_key); the
    #: runner fills in the current folder when it writes the estate
    root: str | None = None
    profile: str | None = None  # a tailoring profile file, read by each worker
    waivers: str | None = None  # a waivers file, read by each worker


class Ship(enum.Flag):
    """What a worker sends back beyond the summaries and policy counts, which it always sends."""

    SUMMARIES = 0
    GRAPHS = enum.auto()  # each workload's graph as N-Triples (for the estate)
    RESULTS = enum.auto()  # the run's results and findings as N-Triples (for the estate)
    REPORTS = enum.auto()  # every report pickled (for the spool)
    ESTATE = GRAPHS | RESULTS


@dataclass
class ChunkResult:
    index: int
    summaries: list[WorkloadSummary]
    policy_counts: Counter[str]  # open findings (not waived) per policy code
    errors: list[str]  # input errors, one line each
    bugs: list[str]  # internal errors while validating a file (a bug in mlwa)
    packs: dict[str, str]
    policies: int
    worker_peak_kb: int = 0  # the worker's peak resident memory so far (ru_maxrss)
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> N-Triples (Ship.GRAPHS)
    results: str | None = None  # result_ntriples(run_id, reports) (Ship.RESULTS)
    reports: list[bytes] | None = None  # each report pickled, in summary order (Ship.REPORTS)


_validators: dict[PortfolioOptions, tuple[Validator, dict[str, str]]] = {}


def worker_validator(options: PortfolioOptions) -> tuple[Validator, dict[str, str]]:
    """The validator for ``options`` in this process, built on first use and then kept."""
    cached = _validators.get(options)
    if cached is not None:
        return cached
    from engine.policies.catalog import builtin_catalog, load_catalog
    from engine.validate.validator import Validator, select_policies

    catalog = load_catalog([Path(p) for p in options.packs]) if options.packs else builtin_catalog()
    profile = waivers = None
    if options.profile:
        from engine.governance.profiles import load_profile

        profile = load_profile(Path(options.profile))
    if options.waivers:
        from engine.governance.waivers import load_waivers

        waivers = load_waivers(Path(options.waivers))
    policies = select_policies(catalog, profile, options.codes)
    validator = Validator(policies, engine=options.engine, edition=options.edition,
                          as_of=dt.date.fromisoformat(options.as_of), profile=profile,
                          waivers=waivers)
    packs = {p.id: p.version for p in catalog.packs}
    _validators.clear()  # one configuration per worker at a time
    _validators[options] = (validator, packs)
    # The pack, the lens and the prepared backend live as long as the worker: keep the
    # collector from scanning them again at every collection (measured 5-20 % per workload).
    import gc

    gc.collect()  # nothing collectable is frozen with it (the app may build several)
    gc.freeze()
    return validator, packs


def validate_chunk(options: PortfolioOptions, index: int, paths: Sequence[str],
                   ship: Ship = Ship.SUMMARIES, run_id: str | None = None) -> ChunkResult:
    """Load and validate ``paths`` (one chunk). Runs in a worker process or a Dask worker.

    ``ship`` says what to send back beyond the summaries; ``Ship.RESULTS`` needs the
    ``run_id`` the parent made for the run."""
    if Ship.RESULTS in ship and run_id is None:
        raise ValueError("Ship.RESULTS needs the run id")
    # What a chunk allocates mostly lives until the chunk is done, so frequent young
    # collections walk its graphs and reports again and again: they are made rarer (4,000
    # starter workloads on 2 workers: 5.3 s at Python's 700, 4.2 s at 200,000). Not switched
    # off: the reference engine's SPARQL parser leaves cyclic garbage, and with the collector
    # off 100 workloads on pySHACL grew to 8.4 GB (12 of them peak at 116 MB this way).
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_YOUNG), *before[1:])
    try:
        return _validate_chunk(options, index, paths, ship, run_id)
    finally:
        gc.set_threshold(*before)


def _validate_chunk(options: PortfolioOptions, index: int, paths: Sequence[str], ship: Ship,
                    run_id: str | None) -> ChunkResult:
    from engine.validate.validator import Tally
    from engine.workload import DEFAULT_MAX_BYTES, load_workload

    validator, packs = worker_validator(options)
    when = dt.date.fromisoformat(options.as_of)
    loaded: list[Any] = []
    errors: list[str] = []
    bugs: list[str] = []
    for p in paths:
        try:
            loaded.append(load_workload(Path(p), max_bytes=options.max_bytes or DEFAULT_MAX_BYTES,
                                        as_of=when))
        except InputError as exc:
            errors.append(_error_line(p, exc))
        except Exception as exc:  # a bug in the loader must not sink the whole portfolio
            bugs.append(f"{p}: internal error while loading: {type(exc).__name__}: {exc}")
    # Summaries alone (the usual run) need no report: each workload is tallied instead
    # (Validator.tally_many, equal to what its report would give).
    full = bool(ship & (Ship.REPORTS | Ship.RESULTS))
    reports: list[Any] = []
    try:
        done = loaded
        if full:
            reports = validator.validate_many(loaded)
            tallies = [Tally.of(w) for w in reports]
        else:
            tallies = validator.tally_many(loaded)
    except Exception:  # isolate the workload that trips the engine
        done, tallies, reports = [], [], []
        for wl in loaded:
            try:
                w = validator.validate(wl)
            except Exception as exc:
                bugs.append(f"{wl.filename}: internal error while validating: "
                            f"{type(exc).__name__}: {exc}")
                continue
            done.append(wl)
            reports.append(w)
            tallies.append(Tally.of(w))
    policy_counts: Counter[str] = Counter()
    for t in tallies:
        policy_counts.update(t.policies)
    res = ChunkResult(index, [WorkloadSummary(wl.id, wl.name, wl.filename, t.high, t.medium,
                                              t.low, t.waived, t.high_risk_questions)
                              for wl, t in zip(done, tallies, strict=True)],
                      policy_counts, errors, bugs, packs, len(validator.policies))
    if Ship.GRAPHS in ship:
        from engine.estate.store import graph_ntriples, source_key, workload_graph_iri

        for wl in loaded:
            key = source_key(wl.filename, options.root)
            res.graphs[workload_graph_iri(wl.id, wl.content_hash, key)] = graph_ntriples(
                wl.graph, wl.id, key)
    if Ship.RESULTS in ship:
        from engine.estate.store import result_ntriples

        assert run_id is not None  # checked before the chunk was loaded
        res.results = result_ntriples(run_id, reports, options.root)
    if Ship.REPORTS in ship:
        res.reports = [pickle.dumps(w, protocol=pickle.HIGHEST_PROTOCOL) for w in reports]
    import resource

    res.worker_peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return res


def _error_line(path: str, exc: InputError) -> str:
    """One line per file: its first problem, and how many more there are."""
    lines = list(dict.fromkeys(exc.lines()))
    first = lines[0] if lines else str(exc)
    if not first.startswith(path):
        first = f"{path}: {first}"
    more = len(lines) - 1
    return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


# ------------------------------------------------------------------------------ executors

Job = tuple[int, list[str]]


def _jobs(files: Sequence[str], chunk: int, workers: int = 1) -> Iterator[Job]:
    """Chunks of ``files`` in order, numbered from 0: of ``chunk`` files while many remain,
    then smaller (each about an eighth of what remains per worker, at least ``TAIL_CHUNK``)
    so that the workers finish together instead of one running the last full chunk alone."""
    i = index = 0
    n = len(files)
    while i < n:
        size = chunk if workers <= 1 else max(min(chunk, TAIL_CHUNK),
                                              min(chunk, -(-(n - i) // (4 * workers))))
        yield index, list(files[i:i + size])
        i += size
        index += 1


def run_inline(options: PortfolioOptions, jobs: Iterable[Job], ship: Ship,
               run_id: str | None = None) -> Iterator[ChunkResult]:
    for index, paths in jobs:
        yield validate_chunk(options, index, paths, ship, run_id)


def run_pool(options: PortfolioOptions, jobs: Iterable[Job], ship: Ship, workers: int,
             run_id: str | None = None) -> Iterator[ChunkResult]:
    """A local process pool; at most ``2 × workers`` chunks in flight."""
    import concurrent.futures as cf
    import multiprocessing as mp

    # forkserver: workers start from a clean server process that preloaded the engine, never
    # from a parent that may run threads (the progress bar) at fork time.
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["engine.estate.portfolio", "engine.validate.validator"])
    it = iter(jobs)
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: set[cf.Future[ChunkResult]] = set()

        def fill() -> None:
            while len(pending) < 2 * workers:
                job = next(it, None)
                if job is None:
                    return
                pending.add(pool.submit(validate_chunk, options, job[0], job[1], ship, run_id))

        fill()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                pending.discard(fut)
                yield fut.result()
            fill()


def run_dask(options: PortfolioOptions, jobs: Iterable[Job], ship: Ship, scheduler: str,
             window: int | None = None, run_id: str | None = None) -> Iterator[ChunkResult]:
    """The same chunks on a Dask distributed cluster (``tcp://host:port``)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs the Dask distributed package: "
                         "pip install 'mlwa[scale]'") from None
    if not scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise InputError(f"--scheduler must look like tcp://HOST:PORT, got {scheduler!r}")
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler: {exc}",
                         Location(scheduler)) from None
    try:
        limit = window or 2 * max(1, sum(client.nthreads().values()))
        it = iter(jobs)
        first = []
        for _ in range(limit):
            job = next(it, None)
            if job is None:
                break
            first.append(client.submit(validate_chunk, options, job[0], job[1], ship, run_id,
                                       pure=False))
        queue = as_completed(first)
        for fut in queue:
            result: ChunkResult = fut.result()
            fut.release()
            yield result
            job = next(it, None)
            if job is not None:
                queue.add(client.submit(validate_chunk, options, job[0], job[1], ship, run_id,
                                        pure=False))
    finally:
        client.close()


# ------------------------------------------------------------------------------ results

@dataclass(frozen=True)
class WorkloadSummary:
    workload: str
    name: str
    file: str | None
    high: int
    medium: int
    low: int
    waived: int
    high_risk_questions: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[int, int, int, int, str, str]:
        return (-self.high, -len(self.high_risk_questions), -self.medium, -self.low, self.workload,
                self.file or "")

    def to_json(self) -> dict[str, Any]:
        return {"workload": self.workload, "name": self.name, "file": self.file,
                "findings": {"high": self.high, "medium": self.medium, "low": self.low,
                             "waived": self.waived},
                "highRiskQuestions": list(self.high_risk_questions)}


def summarise(w: WorkloadReport) -> WorkloadSummary:
    from engine.validate.validator import Tally

    t = Tally.of(w)
    return WorkloadSummary(w.workload, w.name, w.file, t.high, t.medium, t.low, t.waived,
                           t.high_risk_questions)


class ReportSpool(Sequence["WorkloadReport"]):
    """Workload reports pickled to a temporary file: a read-only sequence in input order
    that holds one report in memory at a time."""

    def __init__(self) -> None:
        self._fh: IO[bytes] = tempfile.TemporaryFile(prefix="mlwa-portfolio-")  # noqa: SIM115 (lives as long as the spool)
        self._entries: list[tuple[tuple[int, int], int, int]] = []  # (order, offset, size)
        self._sorted = True

    def add(self, order: tuple[int, int], report: WorkloadReport) -> None:
        self.add_bytes(order, pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))

    def add_bytes(self, order: tuple[int, int], data: bytes) -> None:
        """Spool a report a worker already pickled (the parent never unpickles it)."""
        self._fh.seek(0, os.SEEK_END)
        offset = self._fh.tell()
        self._fh.write(data)
        if self._entries and order < self._entries[-1][0]:
            self._sorted = False
        self._entries.append((order, offset, len(data)))

    def _order(self) -> None:
        if not self._sorted:
            self._entries.sort()
            self._sorted = True

    def __len__(self) -> int:
        return len(self._entries)

    def _load(self, i: int) -> WorkloadReport:
        _, offset, size = self._entries[i]
        self._fh.seek(offset)
        report: WorkloadReport = pickle.loads(self._fh.read(size))
        return report

    @overload
    def __getitem__(self, i: int) -> WorkloadReport: ...

    @overload
    def __getitem__(self, i: slice) -> list[WorkloadReport]: ...

    def __getitem__(self, i: int | slice) -> WorkloadReport | list[WorkloadReport]:
        self._order()
        if isinstance(i, slice):
            return [self._load(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._load(i)

    def __iter__(self) -> Iterator[WorkloadReport]:
        self._order()
        for j in range(len(self)):
            yield self._load(j)

    def close(self) -> None:
        self._fh.close()


@dataclass
class PortfolioResult:
    """The outcome of a portfolio run.

    ``errors`` lists files that could not be read (input errors): they do not stop the run.
    The CLI exits 2 for them only with ``--strict``; otherwise the exit code follows the
    findings (``--fail-on``). ``bugs`` are internal errors (exit 3).
    """

    summaries: list[WorkloadSummary]
    errors: list[str]
    bugs: list[str]
    engine: str
    edition: str
    as_of: str
    packs: dict[str, str]
    policies: int
    files: int
    run_id: str | None = None
    store: str | None = None
    reports: Sequence[WorkloadReport] | None = None
    policy_counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    worker_peak_kb: int = 0  # the largest worker's peak resident memory

    def most_violated(self, top: int | None = None) -> list[tuple[str, int]]:
        """Policies by open findings, most first; ties by policy code (not by which chunk
        finished first)."""
        ranked = sorted(self.policy_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked if top is None else ranked[:top]

    def worst_first(self) -> list[WorkloadSummary]:
        return sorted(self.summaries, key=lambda s: s.sort_key)

    def totals(self) -> dict[str, int]:
        return {"workloads": len(self.summaries), "files": self.files,
                "inputErrors": len(self.errors),
                "high": sum(s.high for s in self.summaries),
                "medium": sum(s.medium for s in self.summaries),
                "low": sum(s.low for s in self.summaries),
                "waived": sum(s.waived for s in self.summaries),
                "highRiskQuestions": sum(len(s.high_risk_questions) for s in self.summaries)}

    def nothing_validated(self, inputs: Sequence[str] = ()) -> str | None:
        """One line saying why no workload was validated, or None when some were.

        Zero workloads is never a success: a CI job pointed at the wrong folder must fail
        (the CLI exits 2 with this line, with or without ``--strict``)."""
        if self.summaries:
            return None
        if not self.files:
            if self.errors:
                more = len(self.errors) - 1
                return f"no workload validated: {self.errors[0]}" + (f" (and {more} more)" if more else "")
            named = ", ".join(inputs) if inputs else "the inputs"
            return (f"no workload validated: {named}: no workload file "
                    f"({', '.join(WORKLOAD_SUFFIXES)}) found")
        if self.bugs and not self.errors:
            return None  # internal errors: exit 3 says so
        n = self.files
        first = self.errors[0] if self.errors else self.bugs[0]
        return (f"no workload validated: {'the one file has' if n == 1 else f'all {n:,} files have'}"
                f" errors; the first: {first}")

    def fails(self, threshold: str) -> bool:
        if threshold == "none":
            return False
        from engine.model import Severity

        rank = Severity(threshold).rank
        for s in self.summaries:
            for sev, n in (("high", s.high), ("medium", s.medium), ("low", s.low)):
                if n and Severity(sev).rank >= rank:
                    return True
        return False

    def report(self) -> Report:
        """A :class:`Report` over the spooled workload reports (for the report formats)."""
        from engine.validate.report import Report

        if self.reports is None:
            raise RuntimeError("run the portfolio with keep_reports=True for a full report")
        return Report(workloads=self.reports, engine=self.engine,  # type: ignore[arg-type]
                      packs=self.packs, policies=self.policies, as_of=self.as_of,
                      edition=self.edition, errors=[*self.errors, *self.bugs],
                      notes=list(self.notes))

    def close(self) -> None:
        if isinstance(self.reports, ReportSpool):
            self.reports.close()


ProgressHook = Callable[[int, int], None]  # (files done, files in all)


def run_portfolio(inputs: Iterable[str | Path], options: PortfolioOptions | None = None, *,
                  workers: int | None = None, scheduler: str | None = None,
                  chunk_size: int = DEFAULT_CHUNK, store: str | Path | None = None,
                  use_store: bool = False, keep_reports: bool = False,
                  milestone: str | None = None, record: bool = False,
                  progress: ProgressHook | None = None) -> PortfolioResult:
    """Validate every workload file ``inputs`` name.

    ``workers``: local processes (default: the CPU count; 1 or a portfolio of one chunk runs
    in this process). ``scheduler``: a Dask scheduler address instead of local processes.
    ``use_store``: write workload graphs and the run to the estate (``store``: folder or
    SPARQL endpoint URL; None is the default folder). ``keep_reports``: spool the full
    workload reports for the report formats (``PortfolioResult.report()``). ``record``: also
    write the run to the history folder (a JSON document, :mod:`engine.estate.history`).
    """
    from engine.estate.history import make_run_id

    options = options or PortfolioOptions()
    if milestone is not None:
        from engine.estate.history import check_milestone

        check_milestone(milestone)
        record = True
    skipped: list[str] = []
    files, errors = expand_inputs(inputs, skipped)
    timestamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    run_id = make_run_id(timestamp, options.engine, files, [])
    estate = None
    if use_store and files:  # (nothing to store: the store is not opened, nor a run written)
        from engine.estate.store import LocalEstate, open_estate

        if options.root is None:
            options = dataclasses.replace(options, root=os.getcwd())
        estate = open_estate(store)  # fails early (exit 2) when the store is unavailable
        estate.ensure_lens()
        if isinstance(estate, LocalEstate):
            estate.bulk = True
    workers = max(1, workers or os.cpu_count() or 1)
    chunk_size = max(1, chunk_size)
    inline = not scheduler and (workers == 1 or len(files) <= chunk_size)
    if not inline:
        # At least four chunks per worker, so the last chunks do not leave workers idle
        # (1,000 files in chunks of 200 on 2 workers is 3 + 2 chunks: 60 % efficiency).
        chunk_size = max(1, min(chunk_size, -(-len(files) // (4 * workers))))
    jobs = _jobs(files, chunk_size, 1 if inline else workers)
    spool = ReportSpool() if keep_reports or record else None
    ship = ((Ship.ESTATE if estate is not None else Ship.SUMMARIES)
            | (Ship.REPORTS if spool is not None else Ship.SUMMARIES))
    if scheduler:
        results = run_dask(options, jobs, ship, scheduler, run_id=run_id)
    elif inline:
        results = run_inline(options, jobs, ship, run_id)
    else:
        results = run_pool(options, jobs, ship, workers, run_id)
    out = PortfolioResult([], errors, [], options.engine, options.edition, options.as_of, {}, 0,
                          len(files), run_id=run_id if estate is not None or record else None,
                          store=estate.location if estate is not None else None, reports=spool,
                          notes=skipped)
    done = 0
    finished: list[tuple[int, list[WorkloadSummary], list[str], list[str]]] = []
    try:
        if progress:
            progress(0, len(files))
        for res in results:
            out.packs, out.policies = res.packs or out.packs, res.policies or out.policies
            finished.append((res.index, res.summaries, res.errors, res.bugs))
            out.worker_peak_kb = max(out.worker_peak_kb, res.worker_peak_kb)
            out.policy_counts.update(res.policy_counts)
            if spool is not None:
                assert res.reports is not None, "the worker did not ship the reports"
                for i, data in enumerate(res.reports):
                    spool.add_bytes((res.index, i), data)
            if estate is not None:
                _store_chunk(estate, run_id, res)
            done += len(res.summaries) + len(res.errors) + len(res.bugs)
            if progress:
                progress(min(done, len(files)), len(files))
        # Chunks finish in any order on a pool: summaries, errors and bugs are put back in
        # the order of the input files, so that two runs print and write the same thing.
        for _, summaries, chunk_errors, chunk_bugs in sorted(finished, key=lambda c: c[0]):
            out.summaries.extend(summaries)
            out.errors.extend(chunk_errors)
            out.bugs.extend(chunk_bugs)
        if estate is not None:
            from engine.estate.store import RunHeader, header_triples, run_graph_iri

            header = RunHeader(run_id, timestamp, options.engine, options.edition, options.as_of,
                               out.packs, milestone)
            estate.add_to_graph(run_graph_iri(run_id), header_triples(header))
            out.notes.append(f"stored as run {run_id} in the estate ({estate.location})")
            out.notes.extend(f"workload graph not stored: {line}"
                             for line in getattr(estate, "skipped", []))
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    finally:
        if estate is not None:
            with contextlib.suppress(Exception):
                estate.close()
    if record and not out.summaries:
        out.notes.append("not recorded in the history: no workload was validated")
    elif record:
        from engine.estate.history import atomic_write, default_root, run_document

        clash = shared_ids(out.summaries)
        if clash is not None:
            out.close()
            raise InputError(clash)

        doc = run_document(out.report(), run_id=run_id, timestamp=timestamp, milestone=milestone)
        atomic_write(default_root() / "runs" / f"{run_id}.json",
                     json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8"))
        out.notes.append(f"recorded as run {run_id}")
        if not keep_reports and spool is not None:
            spool.close()
            out.reports = None
    return out


def _store_chunk(estate: Any, run_id: str, res: ChunkResult) -> None:
    from engine.estate.store import run_graph_iri

    assert res.results is not None, "the worker did not ship the run's N-Triples"
    if res.graphs:
        estate.put_graphs([(iri, text) for iri, text in res.graphs.items()
                           if not estate.has_graph(iri)])
    estate.add_ntriples(run_graph_iri(run_id), res.results)


# ------------------------------------------------------------------------------ summary

def render_summary(result: PortfolioResult, *, top: int = 50, color: bool = False) -> str:
    """The portfolio summary: totals, the worst workloads first, top policies, errors."""
    import io

    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, width=120, color_system="standard" if color else None,
                      force_terminal=color, highlight=False, soft_wrap=False)
    t = result.totals()
    console.print(f"mlwa portfolio: {t['workloads']:,} workloads validated from {t['files']:,} "
                  f"files; {t['high']:,} high, {t['medium']:,} medium, {t['low']:,} low findings "
                  f"({t['waived']:,} waived); {t['highRiskQuestions']:,} high-risk questions; "
                  f"{t['inputErrors']:,} input errors")
    console.print(f"engine {result.engine}, edition {result.edition}, as of {result.as_of}, "
                  f"{result.policies} policies")
    rows = result.worst_first()
    if rows:
        table = Table(title=f"Workloads, worst first ({min(top, len(rows))} of {len(rows):,})",
                      title_justify="left", show_lines=False)
        for col, just in (("workload", "left"), ("high", "right"), ("medium", "right"),
                          ("low", "right"), ("waived", "right"), ("high-risk questions", "left"),
                          ("file", "left")):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        for s in rows[:top]:
            qs = ", ".join(s.high_risk_questions[:6])
            if len(s.high_risk_questions) > 6:
                qs += f" +{len(s.high_risk_questions) - 6}"
            qtext = f"{len(s.high_risk_questions)}" + (f" ({qs})" if qs else "")
            table.add_row(s.workload, str(s.high), str(s.medium), str(s.low), str(s.waived),
                          qtext, s.file or "")
        console.print(table)
    if result.policy_counts:
        table = Table(title="Most violated policies", title_justify="left")
        table.add_column("policy")
        table.add_column("findings", justify="right")
        for code, n in result.most_violated(10):
            table.add_row(code, f"{n:,}")
        console.print(table)
    for line in result.errors:
        console.print(f"input error: {line}", markup=False)
    for line in result.bugs:
        console.print(f"internal error (a bug in mlwa): {line}", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    return buf.getvalue()


def summary_json(result: PortfolioResult) -> dict[str, Any]:
    return {"runId": result.run_id, "engine": result.engine, "edition": result.edition,
            "asOf": result.as_of, "packs": result.packs, "policies": result.policies,
            "totals": result.totals(),
            "workloads": [s.to_json() for s in result.worst_first()],
            "policies_violated": dict(result.most_violated()),
            "errors": list(result.errors), "bugs": list(result.bugs),
            "notes": list(result.notes)}


__all__ = [
    "ChunkResult",
    "PortfolioOptions",
    "PortfolioResult",
    "ReportSpool",
    "Ship",
    "WorkloadSummary",
    "expand_inputs",
    "render_summary",
    "run_portfolio",
    "shared_ids",
    "summary_json",
    "validate_chunk",
]
