"""Every write the app makes: custom policies and waivers, through the governance store.

Each function checks the caller's role itself (hiding a page is not a control), then
passes the role on to :class:`engine.governance.store.Store`, which refuses non-governance writes a
second time. Nothing here imports Streamlit, so tests call these functions directly.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import InputError
from engine.governance.store import AuditEntry, NotFound, Store, WriteRefused
from engine.governance.waivers import STORE_COLLECTION, Waiver, load_waivers_text
from engine.model import CODE_RE
from engine.ui.identity import GOVERNANCE, Identity

if TYPE_CHECKING:
    from engine.policies.catalog import Policy
    from engine.validate.cases import PolicyTestReport

POLICIES = "policies"
WAIVERS = STORE_COLLECTION
WAIVERS_DOC = "waivers"  # the document engine.governance.waivers reads as store:waivers
CUSTOM_PACK = "custom"


def require_governance(identity: Identity, what: str) -> None:
    """Refuse ``what`` unless the identity holds the governance role."""
    if identity.role != GOVERNANCE:
        raise WriteRefused(f"{identity.name} ({identity.role}) may not {what}: only the "
                           "governance role writes policies and waivers")


# ------------------------------------------------------------------------------ policies

def compile_compact(text: str, source: str = "draft.policy.yaml") -> str:
    """Compile the compact YAML policy form to SHACL Turtle (through :mod:`engine.policies.compact`)."""
    from engine.policies.compact import compile_policy_text

    graph = compile_policy_text(text, source)
    return str(graph.serialize(format="turtle"))


def policy_code(turtle: str) -> str:
    from engine.policies.catalog import parse_turtle_text
    from engine.vocab import MLWA

    graph = parse_turtle_text(turtle, "policy.ttl")
    codes = [str(o) for o in graph.objects(None, MLWA.policyCode)]
    if len(codes) != 1 or not CODE_RE.match(codes[0]):
        raise InputError("the policy must declare exactly one mlwa:policyCode like ACME-SEC-001")
    return codes[0]


@dataclass
class PolicyTrial:
    """What testing a draft policy found: its cases, the lint, and the bundled examples."""

    code: str
    cases: PolicyTestReport | None = None
    lint: list[str] = field(default_factory=list)
    examples: dict[str, int] = field(default_factory=dict)  # example file -> findings
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.lint and self.cases is not None and self.cases.ok


def _load_draft(folder: Path, code: str, turtle: str, cases_yaml: str) -> Policy:
    from engine.policies.catalog import load_policy_file

    (folder / f"{code}.ttl").write_text(turtle, encoding="utf-8")
    (folder / f"{code}.cases.yaml").write_text(cases_yaml, encoding="utf-8")
    return load_policy_file(folder / f"{code}.ttl", CUSTOM_PACK)


def try_policy(turtle: str, cases_yaml: str, examples: dict[str, str] | None = None,
               engine: str = "reference") -> PolicyTrial:
    """Lint a draft, run its cases against it alone, and run it over the examples."""
    from engine.policies.lint import lint_text
    from engine.validate.cases import run_policy_cases
    from engine.validate.validator import Validator
    from engine.workload import load_workload_text

    try:
        code = policy_code(turtle)
    except InputError as exc:
        return PolicyTrial("?", problems=exc.lines())
    trial = PolicyTrial(code)
    trial.lint = [i.message for i in lint_text(turtle.encode("utf-8"), source=f"{code}.ttl")
                  if i.level == "error"]
    with tempfile.TemporaryDirectory(prefix="mlwa-draft-") as tmp:
        try:
            policy = _load_draft(Path(tmp), code, turtle, cases_yaml)
        except InputError as exc:
            trial.problems.extend(exc.lines())
            return trial
        if trial.lint:
            return trial
        trial.cases = run_policy_cases(policy, engine=engine)
        validator = Validator([policy], engine=engine)
        for name, text in (examples or {}).items():
            try:
                wl = load_workload_text(text, filename=name)
            except InputError as exc:
                trial.problems.append(f"{name}: {exc}")
                continue
            trial.examples[name] = len(validator.validate(wl).findings)
    return trial


def save_policy(store: Store, identity: Identity, turtle: str, cases_yaml: str, *,
                reason: str, expected_version: str | None = None) -> AuditEntry:
    """Store a custom policy and its cases (governance only; tested and linted first)."""
    require_governance(identity, "save a policy")
    from engine.policies.lint import shapes_validator

    code = policy_code(turtle)
    trial = try_policy(turtle, cases_yaml)
    if not trial.ok:
        detail = trial.problems + trial.lint
        if trial.cases is not None:
            detail += trial.cases.problems + [f"case {r.name!r}: {r.detail}"
                                              for r in trial.cases.results if not r.ok]
        raise InputError(f"{code} was not saved: its tests do not pass ({'; '.join(detail[:3])})")
    name = f"{CUSTOM_PACK}/{code}.ttl"
    store.write(POLICIES, f"{CUSTOM_PACK}/{code}.cases.yaml", cases_yaml, actor=identity.name,
                role=identity.role, reason=reason)
    return store.write(POLICIES, name, turtle, actor=identity.name, role=identity.role,
                       reason=reason, expected_version=expected_version,
                       validator=shapes_validator(name))


def rollback_document(store: Store, identity: Identity, collection: str, name: str,
                      version: str, *, reason: str) -> AuditEntry:
    require_governance(identity, f"roll back {collection}/{name}")
    return store.rollback(collection, name, version, actor=identity.name, role=identity.role,
                          reason=reason)


def custom_policies(store: Store) -> dict[str, str]:
    """Code -> Turtle of every custom policy currently in the store."""
    out = {}
    for collection, name in store.documents(POLICIES):
        if collection == POLICIES and name.endswith(".ttl"):
            out[Path(name).stem] = store.read(POLICIES, name).text
    return out


def custom_pack_dir(store: Store, folder: Path) -> Path | None:
    """Write the store's custom policies as a pack folder (for the catalogue); None if none."""
    docs = [n for c, n in store.documents(POLICIES) if c == POLICIES
            and n.startswith(f"{CUSTOM_PACK}/")]
    if not any(n.endswith(".ttl") for n in docs):
        return None
    pack = folder / CUSTOM_PACK
    pack.mkdir(parents=True, exist_ok=True)
    (pack / "pack.ttl").write_text(
        "@prefix mlwa: <https://w3id.org/mlwa/ontology#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<urn:mlwa:pack:custom> mlwa:packId \"custom\" ; dcterms:title \"Custom policies (store)\" ;\n"
        "    mlwa:packOwner \"governance\" ; owl:versionInfo \"1.0.0\" .\n", encoding="utf-8")
    for name in docs:
        (pack / Path(name).name).write_text(store.read(POLICIES, name).text, encoding="utf-8")
    return pack


# ------------------------------------------------------------------------------ waivers

def read_waivers(store: Store) -> tuple[list[Waiver], str | None]:
    """The waivers in the store document and its version (None when there is none yet)."""
    try:
        doc = store.read(STORE_COLLECTION, WAIVERS_DOC)
    except NotFound:
        return [], None
    source = f"store:{STORE_COLLECTION}/{WAIVERS_DOC}"
    return list(load_waivers_text(doc.text, source).waivers), doc.version


def _next_id(waivers: list[Waiver]) -> str:
    numbers = [int(m.group(1)) for w in waivers if (m := re.match(r"^W-(\d+)$", w.id))]
    return f"W-{max(numbers, default=0) + 1}"


def grant_waiver(store: Store, identity: Identity, *, workload: str, reason: str,
                 expires: dt.date, policy: str | None = None, practice: str | None = None,
                 focus: str | None = None, today: dt.date | None = None) -> Waiver:
    """Add a waiver (governance only); the granting user is its approver."""
    require_governance(identity, "grant a waiver")
    from engine.governance.waivers import update_store_waivers

    today = today or dt.date.today()
    if not reason.strip():
        raise InputError("a waiver needs a reason")
    if expires <= today:
        raise InputError("a waiver must expire after today")
    if not workload.strip():
        raise InputError("a waiver names a workload id (or * for every workload)")
    if bool(policy) == bool(practice):
        raise InputError("a waiver names exactly one of a policy and a practice")
    made: list[Waiver] = []

    def add(current: list[Waiver]) -> list[Waiver]:
        made[:] = [Waiver(_next_id(current), workload.strip(), reason.strip(), identity.name,
                          today, expires, policy=policy.strip().upper() if policy else None,
                          practice=practice.strip().upper() if practice else None,
                          focus=(focus or "").strip() or None)]
        return [*current, *made]

    update_store_waivers(store.root, WAIVERS_DOC, add, actor=identity.name, role=identity.role,
                         reason=f"grant: {reason.strip()}")
    return made[0]


def revoke_waiver(store: Store, identity: Identity, waiver_id: str, *, reason: str) -> AuditEntry:
    """Remove a waiver (governance only); its history stays in the store."""
    require_governance(identity, "revoke a waiver")
    from engine.governance.waivers import update_store_waivers

    if not reason.strip():
        raise InputError("revoking a waiver needs a reason")
    current, _ = read_waivers(store)
    if all(w.id != waiver_id for w in current):
        raise InputError(f"no waiver {waiver_id!r}")
    return update_store_waivers(store.root, WAIVERS_DOC,
                                lambda ws: [w for w in ws if w.id != waiver_id],
                                actor=identity.name, role=identity.role,
                                reason=f"revoke {waiver_id}: {reason.strip()}")
