"""Merging the hand-written overlay with the imported description.

The overlay is a workload description (YAML or JSON) holding what no infrastructure file
says: id and name, owners, business goal, lifecycle stage, classification, attestations,
and components that are not in the code. Items of a collection with the name of an
imported component add to it; where both state the same fact differently, the
infrastructure value is kept and the conflict is reported (never resolved in silence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InputError, Location
from engine.workload.safeyaml import Path_, Positions, load_json, load_yaml, pointer


@dataclass
class Overlay:
    file: str
    data: dict[str, Any]
    positions: Positions


@dataclass
class Merged:
    document: dict[str, Any]
    paths: dict[Path_, Path_] = field(default_factory=dict)  # merged path -> overlay path
    conflicts: list[str] = field(default_factory=list)


def read_overlay(text: str, filename: str) -> Overlay:
    head = text.lstrip()[:1]
    data, positions = load_json(text, filename) if head == "{" else load_yaml(text, filename)
    if not isinstance(data, dict):
        raise InputError("an overlay is a mapping (a workload description without the "
                         "facts the infrastructure code gives)", Location(filename, 1, 1))
    return Overlay(filename, data, positions)


def _show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)[:80]


def merge(imported: dict[str, Any], overlay: Overlay, facts_of: dict[Path_, dict[str, str]],
          collections: set[str]) -> Merged:
    """``imported`` with ``overlay`` merged in. ``facts_of`` gives, per imported component
    path, where each fact was read (for conflict messages)."""
    out = Merged(dict(imported))
    doc = out.document
    for key, value in overlay.data.items():
        if key == "$schema":
            continue
        if key in collections and isinstance(value, list):
            merged_items = list(doc.get(key) or [])
            index = {item.get("name"): i for i, item in enumerate(merged_items)
                     if isinstance(item, dict)}
            for oi, item in enumerate(value):
                name = item.get("name") if isinstance(item, dict) else None
                if name is not None and name in index:
                    mi = index[name]
                    target = dict(merged_items[mi])
                    _deep(target, item, (key, mi), (key, oi), out, overlay,
                          facts_of.get((key, mi), {}), f"{key}[{name}]")
                    merged_items[mi] = target
                else:
                    out.paths[(key, len(merged_items))] = (key, oi)
                    merged_items.append(item)
            doc[key] = merged_items
            continue
        if key in doc and isinstance(doc[key], dict) and isinstance(value, dict):
            target = dict(doc[key])
            _deep(target, value, (key,), (key,), out, overlay, {}, key, top=True)
            doc[key] = target
            continue
        if key in doc and doc[key] != value and key not in ("id", "name"):
            _conflict(out, overlay, (key,), key, value, doc[key], None)
            continue
        doc[key] = value
        out.paths[(key,)] = (key,)
    out.paths[()] = ()
    return out


def _deep(target: dict[str, Any], extra: dict[str, Any], mpath: Path_, opath: Path_,
          out: Merged, overlay: Overlay, facts: dict[str, str], label: str,
          top: bool = False, rel: tuple[str, ...] = ()) -> None:
    for k, v in extra.items():
        if k == "provenance":
            continue
        here = (*rel, k)
        if k not in target:
            target[k] = v
            out.paths[(*mpath, k)] = (*opath, k)
        elif isinstance(target[k], dict) and isinstance(v, dict):
            inner = dict(target[k])
            _deep(inner, v, (*mpath, k), (*opath, k), out, overlay, facts, label,
                  top, here)
            target[k] = inner
        elif target[k] != v:
            _conflict(out, overlay, (*opath, k), f"{label}.{'.'.join(here)}", v, target[k],
                      facts.get(".".join(here)))


def _conflict(out: Merged, overlay: Overlay, opath: Path_, label: str, mine: Any,
              theirs: Any, where: str | None) -> None:
    line = overlay.positions.value(opath)[0]
    source = f" ({where})" if where else ""
    out.conflicts.append(
        f"{overlay.file}:{line or 1}: {label}: the overlay says {_show(mine)}, the "
        f"infrastructure code{source} says {_show(theirs)}; the infrastructure value is "
        f"kept (fix one of the two) [{pointer(opath)}]")
