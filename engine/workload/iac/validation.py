"""``mlwa validate --iac DIR --overlay workload.yaml``: import in memory, validate.

Findings on imported facts point at the infrastructure lines (provenance); findings on
facts the overlay states point at the overlay's lines."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location, Problem


def _path_of(pointer: str | None) -> tuple[Any, ...] | None:
    """``endpoints[0].colour`` -> ("endpoints", 0, "colour")."""
    if not pointer or pointer.startswith("…") or pointer == "(document)":
        return None
    out: list[Any] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", pointer):
        out.append(int(part[1:-1]) if part.startswith("[") else part)
    return tuple(out)


def overlay_problem(result: Any, exc: InputError) -> InputError:
    """A schema problem of the merged description, placed in the overlay where it came
    from (the merged text exists only in memory)."""
    from engine.workload.iac.locate import overlay_relocator

    over = result.overlay
    relocate = overlay_relocator(over.file, over.positions, result.overlay_paths)
    problems = []
    for problem in exc.problems:
        path = _path_of(problem.location.pointer)
        loc = relocate(path, False) if path is not None else None
        problems.append(Problem(loc or Location(over.file), problem.message))
    first = problems[0]
    return InputError(f"merged with the import, the overlay gives an invalid description: "
                      f"{first.message}", first.location, problems)


def load_imported(sources: list[Path], overlay: Path | None, parameters: tuple[str, ...],
                  max_bytes: int | None, as_of: dt.date | None) -> tuple[Any, list[str]]:
    """The imported (and merged) workload, and notes for the report."""
    from engine.workload import load_workload_text
    from engine.workload.iac import import_sources
    from engine.workload.iac.locate import overlay_relocator, relocate_workload

    result = import_sources(list(sources), overlay=overlay, parameters=parameters,
                            max_bytes=max_bytes)
    shown = str(overlay) if overlay is not None else "<imported>"
    try:
        wl = load_workload_text(result.text, filename=shown, as_of=as_of,
                                max_bytes=len(result.text.encode()) + 1)
    except InputError as exc:
        if result.overlay is None:
            raise
        raise overlay_problem(result, exc) from None
    if result.overlay is not None:
        first = overlay_relocator(result.overlay.file, result.overlay.positions,
                                  result.overlay_paths)
        wl = relocate_workload(wl, result.document, first)
    s = result.summary()
    notes = [f"imported {s['components']} component(s) from "
             f"{', '.join(src['file'] for src in s['sources'])}"]
    if s["unmapped"]:
        notes.append("unmapped resources (no facts taken): " + "; ".join(
            f"{r['type']} {r['address']} ({r['where']})" for r in s["unmapped"]))
    notes += [f"overlay conflict: {c}" for c in result.conflicts]
    if s["depends_on"]:
        notes.append(f"{len(s['depends_on'])} fact(s) depend on values the import could "
                     "not resolve (see mlwa workload import)")
    return wl, notes
