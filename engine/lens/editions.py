"""The 2023 and 2025 editions of the ML Lens side by side.

The 2025 edition renumbered all 105 practices (``MLOE-01`` became ``MLOPS01-BP01``), retitled
some and moved one to another lifecycle phase. :func:`map_practice` answers for one id;
:func:`diff_editions` lists every change.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.lens.ontology import Lens, Practice

EDITIONS = ("2023", "2025")


def _lens(lens: Lens | None) -> Lens:
    from engine.lens.ontology import load_lens

    return lens or load_lens()


def _prefix(practice_id: str) -> str:
    m = re.match(r"^[A-Z]+", practice_id)
    return m.group(0) if m else practice_id


def edition_of(practice_id: str) -> str:
    """Which edition's numbering an id uses (``MLOE-01`` -> 2023, ``MLOPS01-BP01`` -> 2025)."""
    return "2025" if "-BP" in practice_id.upper() else "2023"


def _side(p: Practice, edition: str, lens: Lens) -> dict[str, Any]:
    phase = p.phase(edition)
    return {"edition": edition, "id": p.id(edition), "title": p.title(edition),
            "phase": phase,
            "phaseLabel": lens.phase_by_slug[phase].label if phase in lens.phase_by_slug else phase,
            "url": p.source2023 if edition == "2023" else p.source2025}


def map_practice(practice_id: str, lens: Lens | None = None) -> dict[str, Any]:
    """The practice in both editions; ``other`` is the edition the given id is not from."""
    lens = _lens(lens)
    p = lens.practice(practice_id)
    written = practice_id.strip().upper().replace("_", "-")  # MLCOST06_BP04: a choice id
    given = "2025" if written == p.id2025.upper() or edition_of(written) == "2025" else "2023"
    other = "2023" if given == "2025" else "2025"
    return {
        "query": practice_id, "given": given,
        "other": _side(p, other, lens),
        "editions": {e: _side(p, e, lens) for e in EDITIONS},
        "renamed": p.title2023 != p.title2025,
        "moved": p.phase2023 != p.phase2025,
        "pillar": p.pillar, "question": p.question, "risk": p.risk,
    }


def diff_editions(old: str = "2023", new: str = "2025", lens: Lens | None = None) -> dict[str, Any]:
    """Renamed (title changed), renumbered (id changed) and moved (phase changed) practices
    going from edition ``old`` to edition ``new``."""
    for e in (old, new):
        if e not in EDITIONS:
            raise UsageError(f"unknown edition {e!r}; known: {', '.join(EDITIONS)}")
    lens = _lens(lens)
    ordered = sorted(lens.practices, key=lambda p: _sort_key(p.id(old)))
    renamed, moved, pairs = [], [], []
    for p in ordered:
        if p.id(old) != p.id(new):
            pairs.append({"from": p.id(old), "to": p.id(new)})
        if p.title(old) != p.title(new):
            renamed.append({"from": p.id(old), "to": p.id(new), "fromTitle": p.title(old),
                            "toTitle": p.title(new)})
        if p.phase(old) != p.phase(new):
            moved.append({"from": p.id(old), "to": p.id(new), "title": p.title(new),
                          "fromPhase": p.phase(old), "toPhase": p.phase(new)})
    by_prefix = Counter((_prefix(p.id(old)), _prefix(p.id(new))) for p in ordered
                        if p.id(old) != p.id(new))
    return {
        "from": old, "to": new, "practices": len(lens.practices),
        "renamed": renamed,
        "renumbered": {
            "count": len(pairs),
            "byPrefix": [{"from": a, "to": b, "count": n}
                         for (a, b), n in sorted(by_prefix.items(),
                                                 key=lambda kv: _prefix_order(kv[0][0]))],
            "pairs": pairs,
        },
        "moved": moved,
    }


_PREFIXES = ("MLOE", "MLOPS", "MLSEC", "MLREL", "MLPER", "MLPERF", "MLCOST", "MLSUS")


def _prefix_order(prefix: str) -> int:
    return _PREFIXES.index(prefix) if prefix in _PREFIXES else len(_PREFIXES)


def _sort_key(practice_id: str) -> tuple[int, list[int]]:
    return (_prefix_order(_prefix(practice_id)), [int(n) for n in re.findall(r"\d+", practice_id)])


def format_map(result: dict[str, Any]) -> str:
    e = result["editions"]
    lines = [f"{result['query']} ({result['given']}) -> {result['other']['id']} "
             f"({result['other']['edition']})"]
    for ed in EDITIONS:
        side = e[ed]
        lines.append(f"  {ed}  {side['id']:<14} {side['phaseLabel']:<32} {side['title']}")
    if result["moved"]:
        lines.append(f"  moved: {e['2023']['phaseLabel']} (2023) -> {e['2025']['phaseLabel']} (2025)")
    if result["renamed"]:
        lines.append("  renamed between the editions")
    return "\n".join(lines)


def format_diff(result: dict[str, Any]) -> str:
    old, new = result["from"], result["to"]
    rn = result["renumbered"]
    lines = [f"ML Lens {old} -> {new}: {result['practices']} practices", "",
             f"Renumbered: {rn['count']}"]
    for row in rn["byPrefix"]:
        firsts = [p for p in rn["pairs"] if p["from"].startswith(row["from"])
                  and _prefix(p["from"]) == row["from"]]
        example = f"  e.g. {firsts[0]['from']} -> {firsts[0]['to']}" if firsts else ""
        lines.append(f"  {row['from']:<7} -> {row['to']:<7} {row['count']:>3}{example}")
    lines += ["", f"Renamed (title changed): {len(result['renamed'])}"]
    for r in result["renamed"]:
        lines.append(f"  {r['from']} -> {r['to']}")
        lines.append(f"      {old}: {r['fromTitle']}")
        lines.append(f"      {new}: {r['toTitle']}")
    lines += ["", f"Moved (lifecycle phase changed): {len(result['moved'])}"]
    for m in result["moved"]:
        lines.append(f"  {m['from']} -> {m['to']}: {m['fromPhase']} -> {m['toPhase']}  "
                     f"({m['title']})")
    return "\n".join(lines)
