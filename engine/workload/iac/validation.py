"""``mlwa validate --iac DIR --overlay workload.yaml``: import in memory, validate.

Findings on imported facts point at the infrastructure lines (provenance); findings on
facts the overlay states point at the overlay's lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location, Problem


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
        raise InputError(f"the imported description{' with ' + shown if overlay else ''} "
                         f"does not match the schema: {exc.problems[0]}", Location(shown),
                         [Problem(Location(shown), str(p)) for p in exc.problems]) from None
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
