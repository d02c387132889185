"""Findings on imported facts point at the infrastructure file and line.

A lifted workload knows the document path of every node and property; for a component
with a ``provenance`` block the path is translated to the line its ``facts`` list names
(else the resource's own line). With an overlay read in memory (``mlwa validate --iac``),
paths that came from the overlay point at the overlay file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from engine.errors import Location
from engine.workload.safeyaml import Path_, Positions, pointer

Relocator = Callable[[Path_, bool], Location | None]


class Relocated(Mapping[Any, Location]):
    """A workload's location table seen through a relocator."""

    def __init__(self, base: Any, relocate: Relocator, keys: bool) -> None:
        self._base = base
        self._relocate = relocate
        self._keys = keys
        self._made: dict[Any, Location] = {}
        self._paths = getattr(base, "_paths", None)

    def get(self, item: Any, default: Any = None) -> Any:
        loc = self._made.get(item)
        if loc is not None:
            return loc
        path = self._paths.get(item) if self._paths is not None else None
        if path is not None:
            loc = self._relocate(path, self._keys)
            if loc is not None:
                self._made[item] = loc
                return loc
        return self._base.get(item, default)

    def __getitem__(self, item: Any) -> Location:
        loc = self.get(item)
        if loc is None:
            raise KeyError(item)
        return loc  # type: ignore[no-any-return]

    def __contains__(self, item: object) -> bool:
        return item in self._base

    def __iter__(self) -> Iterator[Any]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


def _split(where: str) -> tuple[str, int | None]:
    file, _, line = where.rpartition(":")
    if file and line.isdigit():
        return file, int(line)
    return where, None


def provenance_table(tree: Any) -> dict[Path_, dict[str, Any]]:
    """Component path -> its provenance block (with ``facts`` as a dict)."""
    table: dict[Path_, dict[str, Any]] = {}
    if not isinstance(tree, dict):
        return table
    for key, items in tree.items():
        if not isinstance(items, list):
            continue
        for idx, item in enumerate(items):
            prov = item.get("provenance") if isinstance(item, dict) else None
            if not isinstance(prov, dict) or not isinstance(prov.get("file"), str):
                continue
            facts = {}
            for entry in prov.get("facts") or ():
                if isinstance(entry, str) and "=" in entry:
                    k, _, v = entry.partition("=")
                    facts[k] = v
            table[(key, idx)] = {**prov, "facts": facts}
    return table


def component_relocator(table: dict[Path_, dict[str, Any]]) -> Relocator:
    def relocate(path: Path_, keys: bool) -> Location | None:
        prov = table.get(path[:2]) if len(path) >= 2 else None
        if prov is None:
            return None
        rel = [p for p in path[2:] if isinstance(p, str)]
        address = str(prov.get("address") or "")
        while rel:
            where = prov["facts"].get(".".join(rel))
            if where:
                file, line = _split(where)
                return Location(file, line, None, f"{address} ({'.'.join(rel)})")
            rel = rel[:-1]
        line = prov.get("line")
        return Location(str(prov["file"]), line if isinstance(line, int) else None, None,
                        address or None)
    return relocate


def overlay_relocator(filename: str, positions: Positions,
                      paths: Mapping[Path_, Path_]) -> Relocator:
    """Paths of the merged document that came from the overlay, to the overlay's lines."""
    def relocate(path: Path_, keys: bool) -> Location | None:
        for cut in range(len(path), 0 if path else -1, -1):  # () only for the root
            head = path[:cut]
            if head in paths:
                src = (*paths[head], *path[cut:])
                pos = positions.key(src) if keys else positions.value(src)
                return Location(filename, pos[0], pos[1], pointer(src))
        return None
    return relocate


def relocate_workload(wl: Any, tree: Any, first: Relocator | None = None) -> Any:
    """``wl`` with its locations translated (provenance; then ``first``, when given,
    takes precedence)."""
    table = provenance_table(tree)
    if not table and first is None:
        return wl
    by_component = component_relocator(table)

    def relocate(path: Path_, keys: bool) -> Location | None:
        if first is not None:
            loc = first(path, keys)
            if loc is not None:
                return loc
        return by_component(path, keys)

    return replace(wl, locations=Relocated(wl.locations, relocate, False),
                   property_locations=Relocated(wl.property_locations, relocate, True))
