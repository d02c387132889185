"""The policy test harness: runs a policy's cases file against that policy alone.

Policy authors use it through ``mlwa policies test``; the project's own test suite runs
every cases file of every pack through it. A cases file (``<CODE>.cases.yaml``)::

    policy: WA-SEC-001
    cases:
      - name: encrypted stores pass
        expect: pass
        workload: { ...a workload description, as in a workload file... }
      - name: an unencrypted bucket fails
        expect: fail
        workload: { ... }
        failures:                      # exactly these (focus, path) pairs must fail
          - focus: data_stores/raw     # node name after urn:mlwa:workload:<id>/, or "workload"
            path: encryption.at_rest   # keys as in a workload file, or the compact path as
                                       # reports show it (mlwa:encryptedAtRest); omit for
                                       # node-level failures

Cases name what must fail, never message text, so messages can be reworded freely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location, PolicyError
from engine.policies.admit import shacl_shacl
from engine.policies.catalog import Policy

# Cases are evaluated on a fixed date, so attestation ages never drift with the calendar.
CASES_AS_OF = dt.date(2026, 6, 30)


@dataclass(frozen=True)
class CaseResult:
    policy: str
    name: str
    expect: str
    ok: bool
    detail: str = ""
    engine: str = "reference"


@dataclass
class PolicyTestReport:
    policy: str
    results: list[CaseResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # structural: missing cases, lint

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.results)


MAX_CASES_BYTES = 1024 * 1024


def check_case_files(policies: Iterable[Policy]) -> None:
    """Every cases file is a regular file under the cap, checked in the parent before any
    case runs: an unreadable one is an input error (exit 2), not a failing test."""
    from engine.safefile import read_bytes

    for policy in policies:
        path = policy.cases_path
        if path is not None and (path.exists() or path.is_symlink()):
            read_bytes(path, MAX_CASES_BYTES, what="cases file", error=PolicyError)


def load_cases(policy: Policy) -> list[dict[str, Any]]:
    from engine.workload.safeyaml import load_yaml  # same hardened loader as workloads

    path = policy.cases_path
    if path is None or not path.exists():
        raise PolicyError(f"{policy.code}: no cases file ({policy.code}.cases.yaml) beside the policy",
                          Location(str(policy.path)))
    from engine.safefile import read_text

    text = read_text(path, MAX_CASES_BYTES, what="cases file", error=PolicyError)
    data, _ = load_yaml(text, filename=str(path))
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise PolicyError("a cases file is a mapping with a 'cases' list", Location(str(path)))
    if data.get("policy") not in (None, policy.code):
        raise PolicyError(f"cases file names policy {data.get('policy')!r}, expected {policy.code}",
                          Location(str(path)))
    cases = data["cases"]
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or case.get("expect") not in ("pass", "fail") \
                or not isinstance(case.get("workload"), dict):
            raise PolicyError(f"case {i}: needs 'expect: pass|fail' and a 'workload' mapping",
                              Location(str(path), pointer=f"cases[{i}]"))
    return cases


def _workload_text(case: dict[str, Any]) -> str:
    import json

    return json.dumps(case["workload"])


def run_policy_cases(policy: Policy, *, engine: str = "reference") -> PolicyTestReport:
    """Run every case of ``policy`` against that policy alone."""
    from engine.validate.validator import Validator
    from engine.workload import load_workload_text

    report = PolicyTestReport(policy.code)
    try:
        cases = load_cases(policy)
    except InputError as exc:
        report.problems.extend(exc.lines())
        return report
    kinds = {c.get("expect") for c in cases}
    if "pass" not in kinds or "fail" not in kinds:
        report.problems.append(f"{policy.code}: needs at least one passing and one failing case")
    validator = Validator([policy], engine=engine, as_of=CASES_AS_OF)
    for i, case in enumerate(cases):
        name = str(case.get("name") or f"case {i}")
        try:
            wl = load_workload_text(_workload_text(case), filename=f"{policy.cases_path}#{name}",
                                    as_of=CASES_AS_OF, fmt="json")
        except InputError as exc:
            report.results.append(CaseResult(policy.code, name, case["expect"], False,
                                             "workload does not load: " + "; ".join(exc.lines()), engine))
            continue
        wr = validator.validate(wl)
        got = {(f.focus_label, f.path) for f in wr.findings}
        if len({f.key() for f in wr.findings}) != len(wr.findings):
            report.problems.append(f"{policy.code}: case {name!r}: two findings share one "
                                   "identity (Finding.key); give each constraint its own message")
        if case["expect"] == "pass":
            ok = not got
            detail = "" if ok else f"expected no findings, got {_pairs(got)}"
        else:
            want = set()
            for x in case.get("failures") or []:
                focus = str(x.get("focus", "workload"))
                want.add((focus, _compact_path(focus, x.get("path"))))
            if not want:
                report.problems.append(f"{policy.code}: failing case {name!r} names no failures")
            ok = bool(got) and got == want
            detail = "" if ok else f"expected failures {_pairs(want)}, got {_pairs(got)}"
        report.results.append(CaseResult(policy.code, name, case["expect"], ok, detail, engine))
    return report


def _compact_path(focus: str, path: Any) -> str | None:
    """A failure's path as reports show it: workload keys (``network.vpc``) are resolved
    against the focus node's kind; ``mlwa:`` paths and anything unresolvable stay as written
    (and then simply do not match)."""
    if path is None or not isinstance(path, str) or path.startswith("mlwa:"):
        return path
    from engine.policies.compact import _kind_for_target, resolve_path

    kind = _kind_for_target(focus.split("/", 1)[0] if "/" in focus else "workload")
    if kind is None:
        return path
    try:
        return resolve_path(path, kind[1]).text()
    except ValueError:
        return path


def _pairs(pairs: set[tuple[str, str | None]]) -> str:
    """``endpoints/bad at mlwa:inVpc; workload`` (or ``none``) for a case's detail."""
    if not pairs:
        return "none"
    return "; ".join(f"{focus} at {path}" if path else focus
                     for focus, path in sorted(pairs, key=str))


def run_pack_tests(policies: list[Policy], *, engine: str = "reference",
                   lint: bool = True) -> list[PolicyTestReport]:
    """Cases, meta-validation (SHACL-SHACL) and lint for each policy."""
    out = []
    for pol in policies:
        rep = run_policy_cases(pol, engine=engine)
        rep.problems.extend(meta_validate(pol))
        if lint:
            from engine.policies.lint import lint_shapes

            rep.problems.extend(f"{pol.code}: {i.message}" for i in lint_shapes(pol.graph, source=str(pol.path))
                                if i.level == "error")
        out.append(rep)
    return out


def meta_validate(policy: Policy) -> list[str]:
    """Validate the policy's shapes graph against SHACL-SHACL (the shapes for shapes)."""
    from pyshacl import validate

    conforms, _, text = validate(policy.graph, shacl_graph=shacl_shacl(), inference="none",
                                 allow_warnings=True)
    if conforms:
        return []
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip().startswith("Message:")]
    return [f"{policy.code}: not a valid shapes graph: {ln}" for ln in lines[:5]] or \
        [f"{policy.code}: not a valid shapes graph"]






def format_results(reports: list[PolicyTestReport]) -> tuple[str, bool]:
    lines, ok = [], True
    passed = failed = 0
    for rep in reports:
        for p in rep.problems:
            lines.append(f"FAIL {p}")
            ok = False
        for r in rep.results:
            if r.ok:
                passed += 1
            else:
                failed += 1
                ok = False
                lines.append(f"FAIL {r.policy} {r.name!r} ({r.expect}): {r.detail}")
    lines.append(f"{passed} passed, {failed} failed")
    return "\n".join(lines), ok


def sandboxed_pack_tests(policies: Sequence[Policy], *, engine: str = "reference") -> list[PolicyTestReport]:
    """:func:`run_pack_tests`, one policy at a time, so a policy that runs over a sandbox
    limit fails with that message and the others still report. (It lives here, not in
    :mod:`engine.policies.custom`, because the harness needs the validator, which needs ``custom``.)"""
    from engine.policies.sandbox import SandboxLimitExceeded

    out: list[PolicyTestReport] = []
    for pol in policies:
        try:
            out.extend(run_pack_tests([pol], engine=engine))
        except SandboxLimitExceeded as exc:
            out.append(PolicyTestReport(pol.code, problems=[str(exc)]))
    return out


def example_root() -> Path:
    from engine.paths import builtin_pack_dir

    return builtin_pack_dir()
