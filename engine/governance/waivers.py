"""Waivers: governance accepts a finding for a while, with a reason, an approver and an end.

A waivers file (YAML), kept by governance in git or in the store (collection ``waivers``)::

    waivers:
      - id: W-7
        workload: fraud-detection      # a workload id, or "*" for every workload
        policy: WA-SEC-001             # or practice: MLSEC02-BP01 (either edition's id)
        focus: data_stores/raw         # optional: only findings on this node
        reason: legacy bucket, migration planned in Q3
        approver: jane.doe (CISO office)
        created: 2026-01-15
        expires: 2026-10-01

A top-level list of waivers is accepted too. Rules, checked on load and before every save:
``id`` unique; ``workload``, ``reason`` and ``approver`` required; exactly one of ``policy``
and ``practice``; ``created`` and ``expires`` real dates with ``expires`` after
``created``.

A waiver applies on ``as_of`` when ``created <= as_of < expires``: on its expiry date it
no longer applies. A waived finding stays in the report (listed, counted as waived) but no
longer counts for the exit code. An expired waiver that would have matched a finding is
reported in the workload's notes: "waiver W-7 expired on 2026-10-01 and no longer applies".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import Location, PolicyError, Problem, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.governance.store import AuditEntry
    from engine.validate.report import Finding
    from engine.workload.safeyaml import Path_, Positions

MAX_WAIVERS_BYTES = 1024 * 1024
KEYS = ("id", "workload", "policy", "practice", "focus", "reason", "approver", "created",
        "expires")
STORE_COLLECTION = "waivers"
STORE_PREFIX = "store:"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class WaiverError(PolicyError):
    """A waivers file or a waiver is invalid."""


@dataclass(frozen=True)
class Waiver:
    id: str
    workload: str  # workload id or "*"
    reason: str
    approver: str
    created: dt.date
    expires: dt.date
    policy: str | None = None
    practice: str | None = None  # 2025 id
    focus: str | None = None
    line: int | None = None

    def status(self, as_of: dt.date) -> str:
        """``active``, ``expired`` or ``pending`` (not yet in force) on ``as_of``."""
        if as_of < self.created:
            return "pending"
        return "active" if as_of < self.expires else "expired"

    def covers(self, finding: Finding) -> bool:
        """Whether this waiver is about ``finding`` (dates aside)."""
        if self.workload != "*" and self.workload != finding.workload:
            return False
        if self.policy is not None and self.policy != finding.policy:
            return False
        if self.practice is not None and self.practice not in finding.practices:
            return False
        return self.focus is None or self.focus == finding.focus_label

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "workload": self.workload}
        if self.policy:
            out["policy"] = self.policy
        if self.practice:
            out["practice"] = self.practice
        if self.focus:
            out["focus"] = self.focus
        out.update(reason=self.reason, approver=self.approver,
                   created=self.created.isoformat(), expires=self.expires.isoformat())
        return out


class Waivers:
    """A validated set of waivers; implements :class:`engine.validate.validator.WaiverSet`."""

    def __init__(self, waivers: list[Waiver], source: str = "<waivers>") -> None:
        self.waivers = list(waivers)
        self.source = source
        self._expired_hits: dict[str, dict[str, Waiver]] = defaultdict(dict)
        self._pending_hits: dict[str, dict[str, Waiver]] = defaultdict(dict)

    def __iter__(self) -> Any:
        return iter(self.waivers)

    def __len__(self) -> int:
        return len(self.waivers)

    def get(self, waiver_id: str) -> Waiver | None:
        return next((w for w in self.waivers if w.id == waiver_id), None)

    def match(self, finding: Finding, as_of: dt.date) -> tuple[str, str] | None:
        """(id, reason) of the first active waiver covering ``finding``; expired or pending
        ones that cover it are remembered for :meth:`notes`."""
        hit = None
        for w in self.waivers:
            if not w.covers(finding):
                continue
            state = w.status(as_of)
            if state == "active":
                hit = hit or (w.id, w.reason)
            elif state == "expired":
                self._expired_hits[finding.workload][w.id] = w
            else:
                self._pending_hits[finding.workload][w.id] = w
        return hit

    def notes(self, workload: str, as_of: dt.date) -> list[str]:
        expired = self._expired_hits.pop(workload, {})
        pending = self._pending_hits.pop(workload, {})
        out = [f"waiver {w.id} expired on {w.expires.isoformat()} and no longer applies"
               for w in sorted(expired.values(), key=lambda w: w.id)]
        out += [f"waiver {w.id} takes effect on {w.created.isoformat()} and does not apply yet"
                for w in sorted(pending.values(), key=lambda w: w.id)]
        return out

    def to_data(self) -> dict[str, Any]:
        return {"waivers": [w.to_data() for w in self.waivers]}

    def dump(self) -> str:
        import yaml

        header = "# Waivers kept by governance (mlwa waivers grant|revoke); see docs/governance.md\n"
        return header + yaml.safe_dump(self.to_data(), sort_keys=False, allow_unicode=True,
                                       width=100)


# ------------------------------------------------------------------------------ parsing

def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def parse_waivers(data: Any, positions: Positions | None, source: str) -> Waivers:
    """Check and build waivers from parsed YAML; all problems at once, with lines."""
    from engine.lens.ontology import load_lens
    from engine.workload.safeyaml import Positions, pointer

    pos = positions or Positions()
    problems: list[Problem] = []

    def err(path: Path_, message: str, key: bool = False) -> None:
        line, col = pos.key(path) if key else pos.value(path)
        problems.append(Problem(Location(source, line, col, pointer(path) if path else None),
                                message))

    base: Path_ = ()
    items = data
    if isinstance(data, dict):
        for k in data:
            if k not in ("waivers", "version"):
                err((k,), f"unknown key {k!r}; a waivers file has a 'waivers' list", key=True)
        items = data.get("waivers") or []
        base = ("waivers",)
    elif data is None:
        items = []
    if not isinstance(items, list):
        raise WaiverError("a waivers file is a list of waivers (or a mapping with 'waivers')",
                          Location(source, 1))
    lens = load_lens()
    out: list[Waiver] = []
    seen: dict[str, int | None] = {}
    for i, item in enumerate(items):
        path: Path_ = (*base, i)
        if not isinstance(item, dict):
            err(path, "a waiver is a mapping (id, workload, policy, reason, approver, created, expires)")
            continue
        before = len(problems)
        for k in item:
            if k not in KEYS:
                err((*path, k), f"unknown key {k!r}; allowed: {', '.join(KEYS)}", key=True)

        def text(key: str, required: bool = True, item: dict[str, Any] = item,
                 path: Path_ = path) -> str | None:
            value = item.get(key)
            if value is None:
                if required:
                    err(path, f"waiver needs {key!r}")
                return None
            if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
                err((*path, key), f"{key} must be non-empty text")
                return None
            return " ".join(str(value).split())

        wid = text("id")
        if wid is not None:
            if not _ID_RE.match(wid):
                err((*path, "id"), f"waiver id {wid!r}: letters, digits, '.', '_' and '-' only")
            elif wid in seen:
                err((*path, "id"), f"waiver id {wid} is used twice (first on line {seen[wid]})")
            else:
                seen[wid] = pos.value((*path, "id"))[0]
        workload = text("workload")
        reason = text("reason")
        approver = text("approver")
        policy = text("policy", required=False)
        practice_raw = text("practice", required=False)
        focus = text("focus", required=False)
        practice = None
        if (policy is None) == (practice_raw is None):
            err(path, "a waiver names exactly one of 'policy' (a code) or 'practice' (an id)")
        if practice_raw is not None:
            found = lens.find(practice_raw)
            if found is None:
                err((*path, "practice"), f"unknown practice {practice_raw!r}{lens.suggest(practice_raw)}")
            else:
                practice = found.id2025
        created = _date(item.get("created")) if "created" in item else None
        expires = _date(item.get("expires")) if "expires" in item else None
        for key, value in (("created", created), ("expires", expires)):
            if key not in item:
                err(path, f"waiver needs {key!r} (a date like 2026-10-01)")
            elif value is None:
                err((*path, key), f"{key} {item.get(key)!r} is not a date like 2026-10-01")
        if created and expires and expires <= created:
            err((*path, "expires"), f"expires ({expires}) must be after created ({created})")
        if len(problems) > before:
            continue
        assert wid and workload and reason and approver and created and expires
        out.append(Waiver(id=wid, workload=workload, reason=reason, approver=approver,
                          created=created, expires=expires,
                          policy=policy.upper() if policy else None, practice=practice,
                          focus=focus, line=pos.value(path)[0]))
    if problems:
        raise WaiverError(f"{len(problems)} problem(s) in waivers {Path(source).name}",
                          problems[0].location, problems)
    return Waivers(out, source)


def load_waivers_text(text: str, source: str) -> Waivers:
    from engine.workload.safeyaml import load_yaml_as

    data, positions = load_yaml_as(text, source, WaiverError)
    return parse_waivers(data, positions, source)


def load_waivers(path: Path | str) -> Waivers:
    """A waivers file, or ``store:NAME`` for the store document (``waivers``, NAME)."""
    text_path = str(path)
    if text_path.startswith(STORE_PREFIX):
        return load_store_waivers(text_path[len(STORE_PREFIX):] or "waivers")
    from engine.paths import read_capped_text

    path = Path(path)
    text = read_capped_text(path, MAX_WAIVERS_BYTES, "waivers file", WaiverError)
    return load_waivers_text(text, str(path))


def load_store_waivers(name: str = "waivers", root: Path | str | None = None) -> Waivers:
    from engine.governance.store import NotFound, open_store

    store = open_store(root)
    try:
        doc = store.read(STORE_COLLECTION, name)
    except NotFound:
        return Waivers([], f"store:{name}")
    return load_waivers_text(doc.text, f"store:{STORE_COLLECTION}/{name}")


def waivers_validator(source: str) -> Any:
    """A ``validator`` for :meth:`engine.governance.store.Store.write`: refuses invalid waivers."""

    def validate(data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WaiverError(f"not UTF-8 text (byte {exc.start})", Location(source)) from None
        load_waivers_text(text, source)

    return validate


RETRIES = 20


def update_store_waivers(root: Path | str | None, name: str, change: Callable[[list[Waiver]], list[Waiver]], *, actor: str, role: str,
                   reason: str) -> AuditEntry:
    """Read the document, apply ``change(list[Waiver]) -> list[Waiver]``, validate, write with
    ``expected_version``; on a concurrent change, read again and retry."""
    from engine.governance.store import (
        ABSENT,
        WRITE_ROLE,
        Conflict,
        NotFound,
        WriteRefused,
        open_store,
    )

    if role != WRITE_ROLE:
        raise WriteRefused(f"role {role!r} may not change waivers; only the {WRITE_ROLE!r} role "
                           "grants or revokes (use --role governance or MLWA_ROLE)")
    store = open_store(root)
    source = f"store:{STORE_COLLECTION}/{name}"
    for _ in range(RETRIES):
        try:
            doc = store.read(STORE_COLLECTION, name)
            current, version = load_waivers_text(doc.text, source), doc.version
        except NotFound:
            current, version = Waivers([], source), ABSENT
        updated = Waivers(change(list(current.waivers)), source)
        try:
            return store.write(STORE_COLLECTION, name, updated.dump(), actor=actor, role=role,
                               reason=reason, expected_version=version,
                               validator=waivers_validator(source))
        except Conflict:
            continue
    raise UsageError(f"{source} kept changing; gave up after {RETRIES} attempts, try again")


__all__ = ["Waiver", "WaiverError", "Waivers", "load_store_waivers", "load_waivers",
           "load_waivers_text", "parse_waivers", "update_store_waivers", "waivers_validator"]
