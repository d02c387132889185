"""Kubernetes manifests (EKS, KServe): one resource per object, typed
``<api group>/<kind>`` (``serving.kserve.io/InferenceService``; ``core`` for the core
group). Several documents in one file are read one by one with their line offsets."""

from __future__ import annotations

import re
from typing import Any

from engine.errors import InputError, Location
from engine.workload.iac.resource import Resource
from engine.workload.safeyaml import Positions, load_yaml

TOOL = "kubernetes"
MAX_DOCUMENTS = 1000
_SEPARATOR = re.compile(r"(?m)^---[ \t]*(?:#.*)?$")


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and \
        isinstance(data.get("kind"), str)


def split_documents(text: str, filename: str) -> list[tuple[Any, int]]:
    """(data, line offset) of each non-empty document."""
    out: list[tuple[Any, int]] = []
    start = 0
    cuts = [m.start() for m in _SEPARATOR.finditer(text)] + [len(text)]
    for cut in cuts:
        chunk = text[start:cut]
        offset = text.count("\n", 0, start)
        start = text.find("\n", cut) + 1 if cut < len(text) else cut
        if not chunk.strip() or all(not ln.strip() or ln.lstrip().startswith("#")
                                    for ln in chunk.splitlines()):
            continue
        if len(out) >= MAX_DOCUMENTS:
            raise InputError(f"more than {MAX_DOCUMENTS} documents in one file",
                             Location(filename))
        try:
            data, positions = load_yaml(chunk, filename)
        except InputError as exc:
            loc = exc.location
            raise InputError(exc.message, Location(filename, (loc.line or 1) + offset,
                                                   loc.column)) from None
        _shift(positions, offset)
        out.append(((data, positions), offset))
    return out


def _shift(positions: Positions, offset: int) -> None:
    if offset:
        for table in (positions.values, positions.keys):
            for k, (line, col) in list(table.items()):
                table[k] = (line + offset, col)


def read(docs: list[tuple[Any, int]], filename: str) -> list[Resource]:
    out: list[Resource] = []
    for item, offset in docs:
        data, positions = item if isinstance(item, tuple) else (item, None)
        if not looks_like(data):
            continue
        api = data["apiVersion"]
        group = api.split("/")[0] if "/" in api else "core"
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        name = str(meta.get("name") or f"{data['kind']}-{len(out) + 1}")
        ns = meta.get("namespace")
        lines: dict[tuple[str, ...], int] = {}
        line = offset + 1
        if positions is not None:
            line = positions.value(())[0] or line
            for path, (ln, _) in positions.keys.items():
                lines.setdefault(tuple(p for p in path if isinstance(p, str)), ln)
        address = f"{data['kind']}/{ns}/{name}" if ns else f"{data['kind']}/{name}"
        out.append(Resource(TOOL, f"{group}/{data['kind']}", address, name, filename, line,
                            data, lines))
    return out
