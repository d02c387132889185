"""Every write the app makes: custom policies and waivers, through the governance store.

Each function checks the caller's role itself (hiding a page is not a control), then
passes the role on to :class:`engine.store.Store`, which refuses non-governance writes a
second time. Nothing here imports Streamlit, so tests call these functions directly.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from engine.errors import InputError
from engine.store import ABSENT, AuditEntry, NotFound, Store, WriteRefused
from engine.ui.identity import GOVERNANCE, Identity

if TYPE_CHECKING:
    from engine.catalog import Policy
    from engine.testing import PolicyTestReport

POLICIES = "policies"
WAIVERS = "waivers"
WAIVERS_DOC = "waivers.yaml"
CUSTOM_PACK = "custom"
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*-[A-Z0-9]+-\d{3,4}$")


def require_governance(identity: Identity, what: str) -> None:
    """Refuse ``what`` unless the identity holds the governance role."""
    if identity.role != GOVERNANCE:
        raise WriteRefused(f"{identity.name} ({identity.role}) may not {what}: only the "
                           "governance role writes policies and waivers")


# ------------------------------------------------------------------------------ policies

def compile_compact(text: str, source: str = "draft.policy.yaml") -> str:
    """Compile the compact YAML policy form to SHACL Turtle (through :mod:`engine.compact`)."""
    from engine.compact import compile_policy_text

    graph = compile_policy_text(text, source)
    return str(graph.serialize(format="turtle"))


def policy_code(turtle: str) -> str:
    from engine.catalog import parse_turtle_text
    from engine.vocab import MLWA

    graph = parse_turtle_text(turtle, "policy.ttl")
    codes = [str(o) for o in graph.objects(None, MLWA.policyCode)]
    if len(codes) != 1 or not _CODE_RE.match(codes[0]):
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
    from engine.catalog import load_policy_file

    (folder / f"{code}.ttl").write_text(turtle, encoding="utf-8")
    (folder / f"{code}.cases.yaml").write_text(cases_yaml, encoding="utf-8")
    return load_policy_file(folder / f"{code}.ttl", CUSTOM_PACK)


def try_policy(turtle: str, cases_yaml: str, examples: dict[str, str] | None = None,
               engine: str = "reference") -> PolicyTrial:
    """Lint a draft, run its cases against it alone, and run it over the examples."""
    from engine.policylint import lint_text
    from engine.testing import run_policy_cases
    from engine.validate import Validator
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
    from engine.policylint import shapes_validator

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

@dataclass(frozen=True)
class Waiver:
    id: str
    workload: str
    policy: str
    reason: str
    expires: dt.date
    granted_by: str
    granted: dt.date
    focus: str | None = None

    def expired(self, as_of: dt.date | None = None) -> bool:
        return self.expires < (as_of or dt.date.today())

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "workload": self.workload, "policy": self.policy}
        if self.focus:
            out["focus"] = self.focus
        out.update({"reason": self.reason, "expires": self.expires.isoformat(),
                    "granted_by": self.granted_by, "granted": self.granted.isoformat()})
        return out


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what} must be a date like 2027-01-31, got {value!r}") from None


def parse_waivers(text: str) -> list[Waiver]:
    from engine.workload.safeyaml import load_yaml

    if not text.strip():
        return []
    data, _ = load_yaml(text, filename=WAIVERS_DOC)
    items = data.get("waivers", []) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError(f"{WAIVERS_DOC}: expected a mapping with a 'waivers' list")
    out = []
    for i, w in enumerate(items):
        if not isinstance(w, dict):
            raise InputError(f"{WAIVERS_DOC}: waivers[{i}] is not a mapping")
        out.append(Waiver(str(w["id"]), str(w["workload"]), str(w["policy"]).upper(),
                          str(w.get("reason", "")), _date(w.get("expires"), "expires"),
                          str(w.get("granted_by", "")), _date(w.get("granted", w.get("expires")), "granted"),
                          str(w["focus"]) if w.get("focus") else None))
    return out


def dump_waivers(waivers: list[Waiver]) -> str:
    body = yaml.safe_dump({"waivers": [w.to_yaml() for w in waivers]}, sort_keys=False,
                          allow_unicode=True)
    return "# Waivers granted through mlwa (governance store). Edit through the app or CLI.\n" + body


def read_waivers(store: Store) -> tuple[list[Waiver], str | None]:
    """The current waivers and the document version (None when there is none yet)."""
    try:
        doc = store.read(WAIVERS, WAIVERS_DOC)
    except NotFound:
        return [], None
    return parse_waivers(doc.text), doc.version


def grant_waiver(store: Store, identity: Identity, *, workload: str, policy: str, reason: str,
                 expires: dt.date, focus: str | None = None,
                 today: dt.date | None = None) -> Waiver:
    require_governance(identity, "grant a waiver")
    today = today or dt.date.today()
    if not reason.strip():
        raise InputError("a waiver needs a reason")
    if expires <= today:
        raise InputError("a waiver must expire after today")
    if not workload.strip() or not policy.strip():
        raise InputError("a waiver names a workload id and a policy code")
    current, version = read_waivers(store)
    number = max((int(m.group(1)) for w in current if (m := re.match(r"W-(\d+)$", w.id))), default=0)
    waiver = Waiver(f"W-{number + 1:04d}", workload.strip(), policy.strip().upper(), reason.strip(),
                    expires, identity.name, today, (focus or "").strip() or None)
    store.write(WAIVERS, WAIVERS_DOC, dump_waivers([*current, waiver]), actor=identity.name,
                role=identity.role, reason=f"grant {waiver.id}: {reason.strip()}",
                expected_version=version or ABSENT)
    return waiver


def revoke_waiver(store: Store, identity: Identity, waiver_id: str, *, reason: str) -> AuditEntry:
    require_governance(identity, "revoke a waiver")
    if not reason.strip():
        raise InputError("revoking a waiver needs a reason")
    current, version = read_waivers(store)
    kept = [w for w in current if w.id != waiver_id]
    if len(kept) == len(current):
        raise InputError(f"no waiver {waiver_id!r}")
    return store.write(WAIVERS, WAIVERS_DOC, dump_waivers(kept), actor=identity.name,
                       role=identity.role, reason=f"revoke {waiver_id}: {reason.strip()}",
                       expected_version=version)


class StoreWaivers:
    """The store's waivers as the validator's ``WaiverSet`` (see engine.validate)."""

    def __init__(self, waivers: list[Waiver]) -> None:
        self.waivers = waivers

    def match(self, finding: Any, as_of: dt.date) -> tuple[str, str] | None:
        for w in self.waivers:
            if w.expired(as_of) or w.workload != finding.workload or w.policy != finding.policy:
                continue
            if w.focus and w.focus != finding.focus_label:
                continue
            return w.id, w.reason
        return None

    def notes(self, workload: str, as_of: dt.date) -> list[str]:
        return [f"waiver {w.id} for {w.policy} expired on {w.expires.isoformat()}"
                for w in self.waivers if w.workload == workload and w.expired(as_of)]
