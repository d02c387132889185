"""Tailoring profiles: which policies apply, at which severity, and what does not apply.

Like an OSCAL profile, a profile selects from catalogues and modifies what it selected. A
profile file (YAML)::

    id: acme-prod
    title: ACME production workloads
    select:                        # every key optional; entries in one key are OR-ed,
      packs: [ml-lens, acme]       # different keys AND-ed; nothing given = everything
      policies: [WA-SEC-001]
      pillars: [security]
      phases: [deployment]
      severities: [high, medium]
    exclude:
      policies: [WA-COST-003]
    overrides:
      - {policy: WA-SEC-002, severity: medium}
    not_applicable:
      - {practice: MLOE-07, reason: "no model consumers outside the team"}
    allow_inline_waivers: false

Selection runs first, on the policies' own severities; overrides then change the reported
severity (and so the exit code of ``mlwa validate --fail-on``). A practice declared not
applicable (either edition's id) is reported as ``not_applicable`` with its reason, and a
policy whose every practice is not applicable is not run.

``allow_inline_waivers``: the workload vocabulary has no place for waivers (its schema
refuses unknown keys), so inline waivers are not supported; ``true`` is refused with that
explanation rather than silently accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import Location, PolicyError, Problem, UsageError
from engine.model import Severity
from engine.workload.safeyaml import PositionalProblems, load_yaml_as

if TYPE_CHECKING:
    from engine.policies.catalog import Catalog, Policy
    from engine.workload.safeyaml import Path_, Positions

MAX_PROFILE_BYTES = 256 * 1024
TOP_KEYS = ("id", "title", "description", "select", "exclude", "overrides", "not_applicable",
            "allow_inline_waivers")
SELECT_KEYS = ("packs", "policies", "pillars", "phases", "severities")
EXCLUDE_KEYS = ("policies",)
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Profile:
    """A parsed profile; implements :class:`engine.validate.validator.Tailoring`."""

    id: str
    title: str
    source: str
    select_packs: tuple[str, ...] = ()
    select_policies: tuple[str, ...] = ()
    select_pillars: tuple[str, ...] = ()
    select_phases: tuple[str, ...] = ()
    select_severities: tuple[str, ...] = ()
    exclude_policies: tuple[str, ...] = ()
    overrides: dict[str, Severity] = field(default_factory=dict)
    not_applicable_practices: dict[str, str] = field(default_factory=dict)  # 2025 id -> reason
    allow_inline_waivers: bool = False
    description: str = ""
    # where each policy code is named (for errors about codes the catalogue lacks)
    code_locations: dict[str, Location] = field(default_factory=dict, compare=False)

    # ------------------------------------------------------------------ Tailoring
    def select(self, catalog: Catalog) -> list[Policy]:
        known = set(catalog.policies)
        problems = [Problem(self.code_locations.get(c, Location(self.source)),
                            f"profile {self.id} names policy {c}, which no loaded pack defines"
                            + _hint(c, known))
                    for c in (*self.select_policies, *self.exclude_policies, *self.overrides)
                    if c not in known]
        known_packs = {p.id for p in catalog.packs}
        problems += [Problem(Location(self.source), f"profile {self.id} selects pack {p!r}, "
                             f"which is not loaded (loaded: {', '.join(sorted(known_packs))}); "
                             "add it with --pack DIR")
                     for p in self.select_packs if p not in known_packs]
        if problems:
            raise UsageError(problems[0].message, problems[0].location, problems)
        chosen = catalog.select(codes=self.select_policies, packs=self.select_packs,
                                pillars=self.select_pillars, phases=self.select_phases,
                                severities=self.select_severities)
        excluded = set(self.exclude_policies)
        return [p for p in chosen if p.code not in excluded]

    def severity_for(self, policy: Policy) -> Severity:
        return self.overrides.get(policy.code, policy.severity)

    def not_applicable(self) -> dict[str, str]:
        return dict(self.not_applicable_practices)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "source": self.source,
            "select": {"packs": list(self.select_packs), "policies": list(self.select_policies),
                       "pillars": list(self.select_pillars), "phases": list(self.select_phases),
                       "severities": list(self.select_severities)},
            "exclude": {"policies": list(self.exclude_policies)},
            "overrides": [{"policy": c, "severity": s.value} for c, s in self.overrides.items()],
            "not_applicable": [{"practice": p, "reason": r}
                               for p, r in self.not_applicable_practices.items()],
            "allow_inline_waivers": self.allow_inline_waivers,
        }


def _hint(word: str, options: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(options), n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


class _Reader(PositionalProblems):

    def keys(self, data: dict[str, Any], allowed: tuple[str, ...], path: Path_) -> None:
        for k in data:
            if k not in allowed:
                self.err((*path, k), f"unknown key {k!r}; allowed: {', '.join(allowed)}", key=True)

    def strings(self, value: Any, path: Path_) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.err(path, "expected a list of names")
            return []
        return list(value)


def parse_profile(data: Any, positions: Positions, source: str) -> Profile:
    """Check and build a profile from parsed YAML; every problem names its line."""
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens

    r = _Reader(positions, source)
    if not isinstance(data, dict):
        raise PolicyError("a profile is a YAML mapping with id, title and select",
                          Location(source, 1))
    r.keys(data, TOP_KEYS, ())
    ident = data.get("id")
    if not isinstance(ident, str) or not ident.strip():
        r.err(("id",) if "id" in data else (), "a profile needs an id (text)")
        ident = "?"
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        r.err(("title",) if "title" in data else (), "a profile needs a title (text)")
        title = ""
    select = data.get("select") or {}
    if not isinstance(select, dict):
        r.err(("select",), "select is a mapping (packs, policies, pillars, phases, severities)")
        select = {}
    r.keys(select, SELECT_KEYS, ("select",))
    sel = {k: r.strings(select.get(k), ("select", k)) for k in SELECT_KEYS}
    sel["policies"] = [c.upper() for c in sel["policies"]]
    for key, allowed in (("pillars", PILLAR_ORDER), ("phases", PHASE_ORDER),
                         ("severities", SEVERITIES)):
        for i, v in enumerate(sel[key]):
            if v not in allowed:
                r.err(("select", key, i), f"unknown {key[:-1]} {v!r}; choose from "
                      + ", ".join(allowed))
    exclude = data.get("exclude") or {}
    if not isinstance(exclude, dict):
        r.err(("exclude",), "exclude is a mapping with a policies list")
        exclude = {}
    r.keys(exclude, EXCLUDE_KEYS, ("exclude",))
    excluded = [c.upper() for c in r.strings(exclude.get("policies"), ("exclude", "policies"))]
    locations: dict[str, Location] = {}
    for i, c in enumerate(sel["policies"]):
        locations.setdefault(c, r.loc(("select", "policies", i)))
    for i, c in enumerate(excluded):
        locations.setdefault(c, r.loc(("exclude", "policies", i)))
    overrides: dict[str, Severity] = {}
    raw_overrides = data.get("overrides") or []
    if not isinstance(raw_overrides, list):
        r.err(("overrides",), "overrides is a list of {policy: CODE, severity: high|medium|low}")
        raw_overrides = []
    for i, item in enumerate(raw_overrides):
        path: Path_ = ("overrides", i)
        if not isinstance(item, dict):
            r.err(path, "an override is {policy: CODE, severity: high|medium|low}")
            continue
        r.keys(item, ("policy", "severity", "reason"), path)
        code, sev = item.get("policy"), item.get("severity")
        if not isinstance(code, str) or not code:
            r.err(path, "an override names a policy")
            continue
        if sev not in SEVERITIES:
            r.err((*path, "severity") if "severity" in item else path,
                  f"severity must be high, medium or low, got {sev!r}")
            continue
        if code.upper() in overrides:
            r.err((*path, "policy"), f"policy {code} is overridden twice")
        overrides[code.upper()] = Severity(sev)
        locations.setdefault(code.upper(), r.loc((*path, "policy")))
    lens = load_lens()
    na: dict[str, str] = {}
    raw_na = data.get("not_applicable") or []
    if not isinstance(raw_na, list):
        r.err(("not_applicable",), "not_applicable is a list of {practice: ID, reason: ...}")
        raw_na = []
    for i, item in enumerate(raw_na):
        path = ("not_applicable", i)
        if not isinstance(item, dict):
            r.err(path, "a not-applicable entry is {practice: ID, reason: ...}")
            continue
        r.keys(item, ("practice", "reason"), path)
        pid, reason = item.get("practice"), item.get("reason")
        found = lens.find(pid) if isinstance(pid, str) else None
        if found is None:
            r.err((*path, "practice") if "practice" in item else path,
                  f"unknown practice {pid!r}" + (lens.suggest(pid) if isinstance(pid, str) else ""))
            continue
        if not isinstance(reason, str) or not reason.strip():
            r.err((*path, "reason") if "reason" in item else path,
                  f"practice {pid} is declared not applicable without a reason; a reason is required")
            continue
        na[found.id2025] = " ".join(reason.split())
    inline = data.get("allow_inline_waivers", False)
    if not isinstance(inline, bool):
        r.err(("allow_inline_waivers",), "allow_inline_waivers is true or false")
    elif inline:
        r.err(("allow_inline_waivers",), "inline waivers are not supported: the workload "
              "vocabulary has no place for them (workload files refuse unknown keys); keep "
              "waivers in a governance waivers file (mlwa validate --waivers)")
    description = data.get("description")
    if r.problems:
        raise PolicyError(f"{len(r.problems)} problem(s) in profile {Path(source).name}",
                          r.problems[0].location, r.problems)
    return Profile(
        id=str(ident), title=" ".join(str(title).split()), source=source,
        select_packs=tuple(sel["packs"]), select_policies=tuple(sel["policies"]),
        select_pillars=tuple(sel["pillars"]), select_phases=tuple(sel["phases"]),
        select_severities=tuple(sel["severities"]), exclude_policies=tuple(excluded),
        overrides=overrides, not_applicable_practices=na, allow_inline_waivers=False,
        description=str(description or ""), code_locations=locations)


def load_profile_text(text: str, source: str) -> Profile:
    data, positions = load_yaml_as(text, source, PolicyError)
    return parse_profile(data, positions, source)


def load_profile(path: Path | str) -> Profile:
    """Read a profile file; problems raise :class:`PolicyError` with ``file:line``."""
    from engine.paths import read_capped_text

    path = Path(path)
    text = read_capped_text(path, MAX_PROFILE_BYTES, "profile", PolicyError)
    return load_profile_text(text, str(path))


__all__ = ["Profile", "load_profile", "load_profile_text", "parse_profile"]
