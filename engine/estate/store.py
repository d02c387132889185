"""The estate store: the lens, every workload validated and every run's findings, in RDF.

One place a governance team can ask in SPARQL ("which production workloads violate
practice X?"). Two kinds of store share one interface (:class:`Estate`):

* :class:`LocalEstate`: an embedded Oxigraph store on disk (default
  ``$MLWA_ESTATE``, else ``$XDG_DATA_HOME/mlwa/estate``, else ``~/.local/share/mlwa/estate``);
* :class:`RemoteEstate`: any SPARQL 1.1 endpoint (``--store http://host:port``), written with
  SPARQL Update and read with the SPARQL protocol over HTTP, only to the URL the user gave
  (no proxies, no redirects).

Named graphs (see docs/scale.md)::

    <urn:mlwa:graph:lens>                                   the lens (ontology + content)
    <urn:mlwa:graph:workload:<id>@<file>:<content-hash>>    one per workload version
    <urn:mlwa:graph:run:<run-id>>                           one per run: its findings

A workload in the estate is its id *and its file* (:func:`source_key`: the path relative to
the portfolio root, by default the current folder): two teams' files that both say
``id: fraud-model`` are two workloads, ``urn:mlwa:workload:fraud-model@team-a%2Fw.yaml``
and ``…@team-b%2Fw.yaml``, and every node of each is renamed below its own root when it is
stored; re-runs of the same file from the same root keep the same IRIs. Reports and
findings outside the estate keep the file's own ``urn:mlwa:workload:<id>/…`` IRIs.

Queries from users are vetted by :func:`engine.sparqlguard.vet_query` (read-only; no
SERVICE, FROM or GRAPH) and run over the union of all graphs.

Why this file is long: the estate store's write path and its SPARQL read path share one
graph layout.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import InputError, Location
from engine.model import PracticeStatus

if TYPE_CHECKING:
    import pyoxigraph as ox

    from engine.validate.report import WorkloadReport

# ------------------------------------------------------------------------------ vocabulary
# The run vocabulary lives in the mlwa: namespace. ``mlwa:severity`` is already taken by the
# ontology (domain mlwa:RiskLevel), so findings carry ``mlwa:findingSeverity``.
MLWA = "https://w3id.org/mlwa/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

RUN = MLWA + "Run"  # class: one validation run (mlwa validate --record, mlwa portfolio)
WORKLOAD_RESULT = MLWA + "WorkloadResult"  # class: one workload's outcome in one run
FINDING = MLWA + "Finding"  # class: one finding of one run

RUN_ID = MLWA + "runId"  # Run -> string (short hash)
STARTED_AT = MLWA + "startedAt"  # Run -> xsd:dateTime (UTC)
ENGINE = MLWA + "engine"  # Run -> "fast" | "reference" | "auto"
LENS_EDITION = MLWA + "lensEdition"  # Run -> "2025" | "2023"
AS_OF = MLWA + "asOf"  # Run -> xsd:date
MILESTONE = MLWA + "milestone"  # Run -> string, when the run is named
PACK_VERSION = MLWA + "packVersion"  # Run -> "pack-id@version" (one per pack)
IN_RUN = MLWA + "run"  # WorkloadResult | Finding -> Run
WORKLOAD = MLWA + "workload"  # WorkloadResult | Finding -> workload root IRI
WORKLOAD_ID = MLWA + "workloadId"  # WorkloadResult -> string (also used by the ontology)
CONTENT_HASH = MLWA + "contentHash"  # WorkloadResult -> sha256 of the file
WORKLOAD_GRAPH = MLWA + "workloadGraph"  # WorkloadResult -> named graph IRI
SOURCE_FILE = MLWA + "sourceFile"  # WorkloadResult | workload root -> string (source_key)
HIGH_RISKS = MLWA + "highRiskCount"  # WorkloadResult -> xsd:integer (questions at high risk)
MEDIUM_RISKS = MLWA + "mediumRiskCount"  # WorkloadResult -> xsd:integer
HIGH_RISK_QUESTION = MLWA + "highRiskQuestion"  # WorkloadResult -> lens question IRI
#: WorkloadResult -> xsd:integer: practices at each evidence level, e.g.
#: mlwa:verifiedPracticeCount, mlwa:declaredPracticeCount, mlwa:notAssessedPracticeCount
PRACTICE_COUNT = {s.value: MLWA + "".join(w if i == 0 else w.title()
                                          for i, w in enumerate(s.value.split("_")))
                  + "PracticeCount" for s in PracticeStatus}
POLICY = MLWA + "policy"  # Finding -> policy IRI (pol:<code>)
POLICY_CODE = MLWA + "policyCode"  # Finding -> string (as on policies)
SEVERITY = MLWA + "findingSeverity"  # Finding -> "high" | "medium" | "low"
PRACTICE = MLWA + "practice"  # Finding -> lens practice IRI (one per practice)
FOCUS = MLWA + "focus"  # Finding -> focus node IRI (in the workload graph)
PATH = MLWA + "path"  # Finding -> string, compact SHACL path
VALUE = MLWA + "value"  # Finding -> string
MESSAGE = MLWA + "message"  # Finding -> string
FOCUS_LABEL = MLWA + "focusLabel"  # Finding -> string, e.g. "endpoints/fraud-rt" or "workload"
COMPONENT = MLWA + "constraintComponent"  # Finding -> string, SHACL component local name
WAIVED = MLWA + "waived"  # Finding -> xsd:boolean

LENS_GRAPH = "urn:mlwa:graph:lens"
POLICY_BASE = "https://w3id.org/mlwa/policy/"

#: Prefixes every estate query may use without declaring them.
QUERY_PREFIXES: dict[str, str] = {
    "mlwa": MLWA,
    "lens": "https://w3id.org/mlwa/lens/",
    "pol": POLICY_BASE,
    "practice": "https://w3id.org/mlwa/lens/practice/",
    "question": "https://w3id.org/mlwa/lens/question/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": XSD,
}


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="-._~")


def source_key(file: str | None, root: str | Path | None = None) -> str | None:
    """A workload file's path relative to ``root`` (default: the current folder), with ``/``
    between parts; a file outside ``root`` keeps its absolute path. None without a file.

    It tells apart two files that give the same workload id, and stays the same when the
    same file is validated again from the same root."""
    import os

    if not file:
        return None
    path = os.path.abspath(file)
    try:
        rel = os.path.relpath(path, os.path.abspath(root) if root is not None else os.getcwd())
    except ValueError:  # another drive (Windows)
        rel = os.pardir
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return Path(path).as_posix()
    return Path(rel).as_posix()


def workload_key(workload_id: str, key: str | None = None) -> str:
    """``<id>@<file>``, each part percent-encoded (``/`` and ``@`` included), or ``<id>``."""
    return _q(workload_id) + (f"@{_q(key)}" if key else "")


def workload_graph_iri(workload_id: str, content_hash: str, key: str | None = None) -> str:
    return f"urn:mlwa:graph:workload:{workload_key(workload_id, key)}:{content_hash}"


def run_graph_iri(run_id: str) -> str:
    return f"urn:mlwa:graph:run:{_q(run_id)}"


def run_iri(run_id: str) -> str:
    return f"urn:mlwa:run:{_q(run_id)}"


def workload_root_iri(workload_id: str, key: str | None = None) -> str:
    """The workload's root node in the estate (the file's own root when ``key`` is None)."""
    from engine.vocab import WORKLOAD_URN_PREFIX

    return WORKLOAD_URN_PREFIX + workload_key(workload_id, key)


def estate_renamer(workload_id: str, key: str | None) -> Callable[[str], str]:
    """A function that moves an IRI of the file's own (``urn:mlwa:workload:<id>`` and below)
    under the workload's root in the estate, and leaves every other IRI as it is."""
    own, ours = workload_root_iri(workload_id), workload_root_iri(workload_id, key)
    below = own + "/"

    def rename(iri: str) -> str:
        if key and (iri == own or iri.startswith(below)):
            return ours + iri[len(own):]
        return iri

    return rename


def default_location() -> Path:
    """``$MLWA_ESTATE``, else ``$XDG_DATA_HOME/mlwa/estate``, else ``~/.local/share/mlwa/estate``."""
    from engine.paths import user_data_dir

    return user_data_dir("estate", "MLWA_ESTATE")


class EstateError(InputError):
    """The estate store cannot be opened or reached (exit code 2)."""


# ------------------------------------------------------------------------------ run triples

@dataclass(frozen=True)
class RunHeader:
    run_id: str
    started_at: str  # ISO 8601 UTC, e.g. 2026-11-30T13:45:12.123456Z
    engine: str
    edition: str
    as_of: str
    packs: dict[str, str]
    milestone: str | None = None


def _nn(iri: str) -> ox.NamedNode:
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def _lit(value: str | int | bool, datatype: str | None = None) -> ox.Literal:
    import pyoxigraph as ox

    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if datatype is not None:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def header_triples(h: RunHeader) -> list[ox.Triple]:
    import pyoxigraph as ox

    run = _nn(run_iri(h.run_id))
    out = [ox.Triple(run, _nn(RDF_TYPE), _nn(RUN)),
           ox.Triple(run, _nn(RUN_ID), _lit(h.run_id)),
           ox.Triple(run, _nn(STARTED_AT), _lit(h.started_at, XSD + "dateTime")),
           ox.Triple(run, _nn(ENGINE), _lit(h.engine)),
           ox.Triple(run, _nn(LENS_EDITION), _lit(h.edition)),
           ox.Triple(run, _nn(AS_OF), _lit(h.as_of, XSD + "date"))]
    if h.milestone:
        out.append(ox.Triple(run, _nn(MILESTONE), _lit(h.milestone)))
    out.extend(ox.Triple(run, _nn(PACK_VERSION), _lit(f"{k}@{v}")) for k, v in sorted(h.packs.items()))
    return out


def _iri(text: str) -> str:
    return f"<{text}>"


def _str(text: str) -> str:
    return '"' + text.translate(_NT_ESCAPES) + '"'


def result_ntriples(run_id: str, reports: Iterable[WorkloadReport],
                    root: str | Path | None = None) -> str:
    """N-Triples for the workloads and findings of one run (any number of chunks).

    Written as text, not as pyoxigraph objects: a portfolio run has a few hundred thousand
    of these triples and building objects one by one costs more than parsing the text.
    Each workload is its id and its file (:func:`source_key` against ``root``)."""
    from engine.vocab import practice_iri, question_iri

    run = _iri(run_iri(run_id))
    a, in_run, wl_p = _iri(RDF_TYPE), _iri(IN_RUN), _iri(WORKLOAD)
    p_id, p_hash, p_graph = _iri(WORKLOAD_ID), _iri(CONTENT_HASH), _iri(WORKLOAD_GRAPH)
    p_file = _iri(SOURCE_FILE)
    p_high, p_medium, p_hrq = _iri(HIGH_RISKS), _iri(MEDIUM_RISKS), _iri(HIGH_RISK_QUESTION)
    p_pol, p_code, p_sev, p_prac = _iri(POLICY), _iri(POLICY_CODE), _iri(SEVERITY), _iri(PRACTICE)
    p_focus, p_path, p_value, p_msg, p_waived = (_iri(FOCUS), _iri(PATH), _iri(VALUE),
                                                 _iri(MESSAGE), _iri(WAIVED))
    p_label, p_component = _iri(FOCUS_LABEL), _iri(COMPONENT)
    c_result, c_finding = _iri(WORKLOAD_RESULT), _iri(FINDING)
    p_levels = {level: _iri(iri) for level, iri in PRACTICE_COUNT.items()}
    integer, boolean = f"^^<{XSD}integer>", f"^^<{XSD}boolean>"
    lines: list[str] = []
    add = lines.append
    base = run_iri(run_id)
    for w in reports:
        key = source_key(w.file, root)
        rename = estate_renamer(w.workload, key)
        wl_root = _iri(workload_root_iri(w.workload, key))
        qid = workload_key(w.workload, key)
        res = _iri(f"{base}/workload/{qid}")
        high = [q for q, r in w.questions.items() if r.value.upper() == "HIGH"]
        medium = sum(1 for r in w.questions.values() if r.value.upper() == "MEDIUM")
        add(f"{res} {a} {c_result} .\n{res} {in_run} {run} .\n{res} {wl_p} {wl_root} .\n"
            f"{res} {p_id} {_str(w.workload)} .\n{res} {p_hash} {_str(w.content_hash)} .\n"
            f"{res} {p_graph} {_iri(workload_graph_iri(w.workload, w.content_hash, key))} .\n"
            f'{res} {p_high} "{len(high)}"{integer} .\n{res} {p_medium} "{medium}"{integer} .\n')
        if key:
            add(f"{res} {p_file} {_str(key)} .\n")
        for q in high:
            add(f"{res} {p_hrq} {_iri(question_iri(q))} .\n")
        for level, n in w.status_counts().items():
            add(f'{res} {p_levels[level]} "{n}"{integer} .\n')
        for i, f in enumerate(w.findings):
            node = _iri(f"{base}/finding/{qid}/{i}")
            add(f"{node} {a} {c_finding} .\n{node} {in_run} {run} .\n{node} {wl_p} {wl_root} .\n"
                f"{node} {p_pol} {_iri(POLICY_BASE + _q(f.policy))} .\n"
                f"{node} {p_code} {_str(f.policy)} .\n{node} {p_sev} {_str(f.severity.value)} .\n"
                f"{node} {p_msg} {_str(f.message)} .\n{node} {p_label} {_str(f.focus_label)} .\n"
                f'{node} {p_waived} "{"true" if f.waived else "false"}"{boolean} .\n')
            for p in f.practices:
                add(f"{node} {p_prac} {_iri(practice_iri(p))} .\n")
            if _is_iri(f.focus):
                add(f"{node} {p_focus} {_iri(rename(f.focus))} .\n")
            if f.path:
                add(f"{node} {p_path} {_str(f.path)} .\n")
            if f.value is not None:
                add(f"{node} {p_value} {_str(f.value)} .\n")
            if f.component:
                add(f"{node} {p_component} {_str(f.component)} .\n")
    return "".join(lines)


_IRI_BAD = frozenset('<>"{}|^`\\ \n\r\t')


def _is_iri(text: str) -> bool:
    """Whether ``text`` can be written as an IRI (a blank-node focus cannot)."""
    return ":" in text and not text.startswith("_:") and not (_IRI_BAD & set(text))


def ntriples(triples: Iterable[ox.Triple]) -> str:
    return "".join(f"{t} .\n" for t in triples)


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _nt_term(term: Any) -> str:
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        text = '"' + str(term).translate(_NT_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:b{term}"
    return f"<{term}>"


def graph_ntriples(graph: Any, workload_id: str | None = None, key: str | None = None) -> str:
    """An rdflib graph as N-Triples text (term by term: 3x faster than ``serialize``; rdflib's
    ``n3()`` would write multi-line strings in triple quotes, which N-Triples does not have).

    With a workload id and its file's ``key`` (:func:`source_key`), the workload's own IRIs
    move under its root in the estate and the root says which file it came from."""
    from rdflib import URIRef

    cache: dict[Any, str] = {}
    rename = estate_renamer(workload_id, key) if workload_id is not None and key else None

    def term(t: Any) -> str:
        text = cache.get(t)
        if text is None:
            if rename is not None and isinstance(t, URIRef):
                text = cache[t] = f"<{rename(str(t))}>"
            else:
                text = cache[t] = _nt_term(t)
        return text

    out = "".join(f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in graph)
    if rename is not None and workload_id is not None and key:
        out += f"<{workload_root_iri(workload_id, key)}> <{SOURCE_FILE}> {_str(key)} .\n"
    return out


def lens_files() -> list[Path]:
    from engine.lens.ontology import ontology_files

    return ontology_files()


def lens_fingerprint() -> str:
    h = hashlib.sha256()
    for f in lens_files():
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------ results

@dataclass
class QueryResult:
    """A SELECT (``variables`` + ``rows``) or ASK (``boolean``) answer, engine-neutral."""

    variables: list[str]
    rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]
    boolean: bool | None = None

    def plain_rows(self) -> list[list[str | None]]:
        return [[_plain(t) for t in row] for row in self.rows]


def _plain(term: Any) -> str | None:
    if term is None:
        return None
    value = getattr(term, "value", None)
    return str(value) if value is not None else str(term)


def _from_solutions(res: Any) -> QueryResult:
    import pyoxigraph as ox

    if isinstance(res, ox.QueryBoolean):
        return QueryResult([], [], bool(res))
    if isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        rows = [[sol[name] for name in names] for sol in res]
        return QueryResult(names, rows)
    raise EstateError("only SELECT and ASK queries are answered")


# ------------------------------------------------------------------------------ stores

class Estate(Protocol):
    location: str

    def ensure_lens(self) -> None: ...

    def has_graph(self, iri: str) -> bool: ...

    def put_graphs(self, graphs: Sequence[tuple[str, str]]) -> None:
        """Replace each named graph ``iri`` by the N-Triples ``text``."""
        ...

    def add_to_graph(self, iri: str, triples: Sequence[ox.Triple]) -> None: ...

    def add_ntriples(self, iri: str, text: str) -> None:
        """Add the N-Triples ``text`` to the named graph ``iri``."""
        ...

    def query(self, text: str) -> QueryResult:
        """Run an already vetted query over the union of all graphs."""
        ...

    def close(self) -> None: ...


class LocalEstate:
    """An embedded Oxigraph store in a folder."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        import pyoxigraph as ox

        self.path = Path(path) if path is not None else default_location()
        self.location = str(self.path)
        self.read_only = read_only
        self.skipped: list[str] = []  # graphs that could not be stored, with the reason
        # Bulk mode (portfolios): Oxigraph's bulk loader, about twice as fast on disk but not
        # transactional. A run's header (mlwa:Run, mlwa:startedAt) is always written last, in
        # a transaction, so a run cut short has no header and the documented queries skip it.
        self.bulk = False
        try:
            if read_only:
                if not self.path.exists():
                    raise EstateError("the estate store is empty: run `mlwa portfolio` or "
                                      "`mlwa validate --record` first", Location(self.location))
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            text = str(exc)
            why = ("another process holds it open (a running mlwa portfolio?); wait, or use "
                   "--no-store" if "lock" in text.lower() else f"it cannot be opened: {text}")
            raise EstateError(f"estate store unavailable: {why}", Location(self.location)) from None

    def ensure_lens(self) -> None:
        import pyoxigraph as ox

        lens = ox.NamedNode(LENS_GRAPH)
        marker = ox.NamedNode(LENS_GRAPH + "#fingerprint")
        fp = lens_fingerprint()
        current = list(self._store.quads_for_pattern(marker, _nn(CONTENT_HASH), None, lens))
        if current and getattr(current[0].object, "value", None) == fp:
            return
        self._store.remove_graph(lens) if self._store.contains_named_graph(lens) else None
        for f in lens_files():
            self._store.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=lens)
        self._store.add(ox.Quad(marker, _nn(CONTENT_HASH), ox.Literal(fp), lens))

    def has_graph(self, iri: str) -> bool:
        return bool(self._store.contains_named_graph(_nn(iri)))

    def put_graphs(self, graphs: Sequence[tuple[str, str]]) -> None:
        import pyoxigraph as ox

        if not graphs:
            return
        for iri, _ in graphs:
            g = ox.NamedNode(iri)
            if self._store.contains_named_graph(g):
                self._store.remove_graph(g)
        # One transaction for all the graphs: a load per graph costs ~5x more on disk.
        # N-Triples lines end in " .\n" and literals cannot hold a raw newline, so naming the
        # graph before that end turns each line into an N-Quads line.
        quads = "".join(text.replace(" .\n", f" <{iri}> .\n") for iri, text in graphs)
        try:
            self._load(quads.encode("utf-8"), ox.RdfFormat.N_QUADS)
            return
        except SyntaxError:
            pass  # find the graph Oxigraph refuses, keep the others
        for iri, text in graphs:
            try:
                self._store.load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES,
                                 to_graph=ox.NamedNode(iri))
            except SyntaxError as exc:  # a term Oxigraph refuses: keep the run, skip the graph
                self.skipped.append(f"{iri}: {exc}")

    def add_to_graph(self, iri: str, triples: Sequence[ox.Triple]) -> None:
        import pyoxigraph as ox

        g = ox.NamedNode(iri)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def add_ntriples(self, iri: str, text: str) -> None:
        import pyoxigraph as ox

        if text:
            self._load(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES, ox.NamedNode(iri))

    def _load(self, data: bytes, fmt: Any, graph: Any = None) -> None:
        if self.bulk:
            self._store.bulk_load(data, format=fmt, to_graph=graph)
        else:
            self._store.load(data, format=fmt, to_graph=graph)

    def drop_graph(self, iri: str) -> None:
        g = _nn(iri)
        if self._store.contains_named_graph(g):
            self._store.remove_graph(g)

    def query(self, text: str) -> QueryResult:
        from engine.sparqlguard import run_oxigraph

        try:
            res = run_oxigraph(self._store, text, use_default_graph_as_union=True)
            return _from_solutions(res)
        except SyntaxError as exc:
            raise EstateError(f"the store cannot run this query: {exc}") from None

    def close(self) -> None:
        if not self.read_only:
            self._store.flush()
        del self._store


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        raise EstateError(f"the SPARQL endpoint answered with a redirect ({code}) to "
                          f"{newurl}; mlwa talks only to the URL you gave")


class RemoteEstate:
    """Any SPARQL 1.1 endpoint. ``url`` is the server's base (Oxigraph: ``/query`` and
    ``/update`` below it) or its query endpoint (``…/query`` or ``…/sparql``; the update
    endpoint is then ``…/update`` beside it)."""

    timeout = 120.0

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EstateError(f"--store URL must be http(s)://host[:port][/path], got {url!r}")
        base = url.rstrip("/")
        last = base.rsplit("/", 1)[-1] if parts.path.strip("/") else ""
        if last in ("query", "sparql"):
            self.query_url = base
            self.update_url = base[: -len(last)] + "update"
        else:
            self.query_url, self.update_url = base + "/query", base + "/update"
        self.location = url
        # No proxies from the environment, no redirects: only the URL the user gave.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def _post(self, url: str, body: bytes, content_type: str, accept: str | None = None) -> bytes:
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": content_type,
                                              **({"Accept": accept} if accept else {})})
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                data: bytes = resp.read()
                return data
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip()
            raise EstateError(f"the SPARQL endpoint refused the request: HTTP {exc.code} "
                              f"{detail[:300]}", Location(self.location)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EstateError(f"cannot reach the SPARQL endpoint: {reason}",
                              Location(self.location)) from None

    def update(self, text: str) -> None:
        self._post(self.update_url, text.encode("utf-8"), "application/sparql-update")

    def ensure_lens(self) -> None:
        fp = lens_fingerprint()
        res = self.query(f"ASK {{ <{LENS_GRAPH}#fingerprint> <{CONTENT_HASH}> \"{fp}\" }}")
        if res.boolean:
            return
        import pyoxigraph as ox

        triples: list[ox.Triple] = []
        for f in lens_files():
            triples.extend(q.triple for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE))
        triples.append(ox.Triple(_nn(LENS_GRAPH + "#fingerprint"), _nn(CONTENT_HASH),
                                 ox.Literal(fp)))
        self.put_graphs([(LENS_GRAPH, ntriples(triples))])

    def has_graph(self, iri: str) -> bool:
        # GRAPH is refused for users' queries; this one is ours and names the graph.
        text = f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        data = self._post(self.query_url, text.encode("utf-8"), "application/sparql-query",
                          "application/sparql-results+json")
        import json

        return bool(json.loads(data).get("boolean"))

    def put_graphs(self, graphs: Sequence[tuple[str, str]]) -> None:
        if not graphs:
            return
        ops = []
        for iri, text in graphs:
            ops.append(f"DROP SILENT GRAPH <{iri}> ;\nINSERT DATA {{ GRAPH <{iri}> {{\n{text}}} }}")
        self.update(" ;\n".join(ops))

    def add_to_graph(self, iri: str, triples: Sequence[ox.Triple]) -> None:
        if triples:
            self.update(f"INSERT DATA {{ GRAPH <{iri}> {{\n{ntriples(triples)}}} }}")

    def add_ntriples(self, iri: str, text: str) -> None:
        if text:
            self.update(f"INSERT DATA {{ GRAPH <{iri}> {{\n{text}}} }}")

    def drop_graph(self, iri: str) -> None:
        self.update(f"DROP SILENT GRAPH <{iri}>")

    def query(self, text: str) -> QueryResult:
        import pyoxigraph as ox

        from engine.sparqlguard import check_runnable

        text = check_runnable(text)
        url = self.query_url + ("&" if "?" in self.query_url else "?") + "union-default-graph"
        data = self._post(url, text.encode("utf-8"), "application/sparql-query",
                          "application/sparql-results+json")
        try:
            res = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise EstateError(f"the SPARQL endpoint sent an answer mlwa cannot read: {exc}",
                              Location(self.location)) from None
        return _from_solutions(res)

    def close(self) -> None:
        return None


def open_estate(store: str | Path | None = None, *, read_only: bool = False) -> LocalEstate | RemoteEstate:
    """``store``: None (the default folder), a folder, or an http(s) SPARQL endpoint URL."""
    text = str(store) if store is not None else None
    if text is not None and text.startswith(("http://", "https://")):
        return RemoteEstate(text)
    if text is not None and "://" in text:
        raise EstateError(f"--store takes a folder or an http(s) URL, got {text!r}")
    return LocalEstate(Path(text).expanduser() if text else None, read_only=read_only)


# ------------------------------------------------------------------------------ recording

def record_reports(estate: Estate, header: RunHeader, reports: Iterable[WorkloadReport],
                   graphs: dict[str, str] | None = None, root: str | Path | None = None) -> None:
    """Write one run: its header and results, and the workload graphs given
    (``{graph IRI: N-Triples}``) that the estate does not hold yet."""
    if graphs:
        new = [(iri, text) for iri, text in graphs.items() if not estate.has_graph(iri)]
        estate.put_graphs(new)
    iri = run_graph_iri(header.run_id)
    estate.add_ntriples(iri, ntriples(header_triples(header))
                        + result_ntriples(header.run_id, reports, root))


#: ``mlwa query`` limits: wall-clock seconds, and rows a SELECT may return.
DEFAULT_QUERY_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
QUERY_MEMORY_MB = 1536.0


def run_query(text: str, *, store: str | Path | None = None,
              timeout: float = DEFAULT_QUERY_TIMEOUT,
              max_rows: int = DEFAULT_MAX_ROWS) -> QueryResult:
    """Vet ``text`` (read-only, no SERVICE/FROM/GRAPH) and answer it from the estate.

    The embedded store is queried in a sandboxed child (:func:`engine.policies.sandbox.run_limited`:
    no network, ``timeout`` seconds of wall and CPU time, a memory cap), because a running
    Oxigraph query cannot be interrupted from Python. A remote endpoint gets ``timeout`` as
    the HTTP client's timeout; the server must bound its own work (``oxigraph serve
    --timeout-s``). More than ``max_rows`` rows is an error, never a silent cut."""
    from engine.sparqlguard import vet_query

    text = _with_prefixes(vet_query(text, context="query", prefixes=QUERY_PREFIXES).text)
    estate = open_estate(store, read_only=True)
    if isinstance(estate, RemoteEstate):
        estate.timeout = timeout
        try:
            result = estate.query(text)
        finally:
            estate.close()
        _check_rows(len(result.rows), max_rows)
        return result
    location = estate.location
    estate.close()  # the child opens it read-only itself
    from engine.policies.sandbox import run_limited

    result = run_limited(_query_local, location, text, max_rows, cpu_seconds=timeout,
                         wall_seconds=timeout, memory_mb=QUERY_MEMORY_MB, label="the query")
    _check_rows(len(result.rows), max_rows)
    return result


def _check_rows(count: int, max_rows: int) -> None:
    if count > max_rows:
        raise EstateError(f"the query returned more than {max_rows:,} rows; add a LIMIT or "
                          "narrow it, or raise --max-rows")


def _query_local(location: str, text: str, max_rows: int) -> QueryResult:
    """Sandbox side of :func:`run_query`: read at most ``max_rows + 1`` rows."""
    import itertools

    import pyoxigraph as ox

    from engine.sparqlguard import run_oxigraph

    try:
        store = ox.Store.read_only(location)
        res = run_oxigraph(store, text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise EstateError(f"the store cannot run this query: {exc}") from None
    except OSError as exc:
        raise EstateError(f"the store cannot run this query: {exc}", Location(location)) from None
    if isinstance(res, ox.QueryBoolean):
        return QueryResult([], [], bool(res))
    if isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        rows = [[sol[name] for name in names] for sol in itertools.islice(res, max_rows + 1)]
        return QueryResult(names, rows)
    raise EstateError("only SELECT and ASK queries are answered")


def _with_prefixes(text: str) -> str:
    """Declare the standard prefixes the query uses but does not declare itself."""
    import re

    declared = {m.lower() for m in re.findall(r"(?i)PREFIX\s+([A-Za-z][\w.-]*)?:", text)}
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in QUERY_PREFIXES.items()
                   if p.lower() not in declared)
    # Prefixes go after any BASE and before the rest; BASE is rare enough to leave first.
    return head + text


def render_result(result: QueryResult, fmt: str) -> str:
    """text (aligned table), json (SPARQL 1.1 results JSON) or csv."""
    import csv
    import io
    import json

    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "json":
        bindings = []
        for row in result.rows:
            b: dict[str, Any] = {}
            for name, term in zip(result.variables, row, strict=True):
                if term is not None:
                    b[name] = _term_json(term)
            bindings.append(b)
        return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                          indent=1, ensure_ascii=False) + "\n"
    plain = result.plain_rows()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(result.variables)
        w.writerows([[c if c is not None else "" for c in r] for r in plain])
        return buf.getvalue()
    widths = [len(v) for v in result.variables]
    cells = [[c if c is not None else "" for c in r] for r in plain]
    for r in cells:
        widths = [max(w, min(len(c), 80)) for w, c in zip(widths, r, strict=True)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _term_json(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


__all__ = [
    "FINDING",
    "LENS_GRAPH",
    "QUERY_PREFIXES",
    "RUN",
    "WORKLOAD_RESULT",
    "Estate",
    "EstateError",
    "LocalEstate",
    "QueryResult",
    "RemoteEstate",
    "RunHeader",
    "default_location",
    "open_estate",
    "record_reports",
    "render_result",
    "run_graph_iri",
    "run_query",
    "source_key",
    "workload_graph_iri",
    "workload_root_iri",
]
