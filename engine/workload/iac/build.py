"""Assembling imported facts into a workload description, with provenance, and merging
the hand-written overlay."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.workload.iac.resource import Link, Resource, Unknown

_NAME_BAD = re.compile(r"[^A-Za-z0-9._:@+-]+")


def safe_name(text: str) -> str:
    name = _NAME_BAD.sub("-", text).strip("-._:@+") or "unnamed"
    return name[:120]


@dataclass
class Component:
    collection: str
    name: str
    resource: Resource
    data: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    depends: dict[str, str] = field(default_factory=dict)
    refs: list[tuple[str, Link, tuple[str, ...], str, bool]] = field(default_factory=list)

    def set(self, key: str, value: Any, res: Resource | None = None, *props: str) -> None:
        """Record fact ``key`` (dotted, e.g. ``data_capture.enabled``) read from ``props``
        of ``res`` (default: the component's own resource). None states nothing; an
        :class:`Unknown` is kept as what the fact depends on."""
        if value is None:
            return
        res = res or self.resource
        if isinstance(value, Link):
            value = Unknown(f"the deployed value of {value.address}")
        if res is not self.resource and res.condition is not None and \
                res.condition != self.resource.condition:
            # read from another resource that may not be created
            value = Unknown(f"{res.address}, created only when {res.condition.reason}")
        if isinstance(value, Unknown):
            self.depends.setdefault(key, value.reason)
            return
        put(self.data, key, value)
        self.facts[key] = res.where(*props) if props else f"{res.file}:{res.line}"
        self.depends.pop(key, None)

    def ref(self, key: str, value: Any, kinds: tuple[str, ...], res: Resource | None = None,
            *props: str, many: bool = False) -> None:
        """A reference to another imported component, resolved once all are known."""
        res = res or self.resource
        if isinstance(value, Link):
            self.refs.append((key, value, kinds, res.where(*props), many))
        elif isinstance(value, Unknown):
            self.depends.setdefault(key, value.reason)

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, **self.data}
        res = self.resource
        prov: dict[str, Any] = {"tool": res.tool, "file": res.file, "line": res.line,
                                "address": res.address}
        if self.facts:
            prov["facts"] = [f"{k}={v}" for k, v in sorted(self.facts.items())]
        depends = dict(self.depends)
        if res.condition is not None:
            depends.setdefault("(component)", f"created only when {res.condition.reason}")
        if depends:
            prov["depends_on"] = [f"{k}: {v}" for k, v in sorted(depends.items())]
        out["provenance"] = prov
        return out


def put(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    cur = data
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    if isinstance(value, list) and isinstance(cur.get(parts[-1]), list):
        for v in value:
            if v not in cur[parts[-1]]:
                cur[parts[-1]].append(v)
        return
    cur[parts[-1]] = value


def get(data: dict[str, Any], dotted: str) -> Any:
    cur: Any = data
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


@dataclass
class Builder:
    """Collects components; one per resource that the mapping turns into one."""

    components: dict[tuple[str, str], Component] = field(default_factory=dict)
    by_address: dict[str, Component] = field(default_factory=dict)
    workload: dict[str, Any] = field(default_factory=dict)
    workload_facts: dict[str, str] = field(default_factory=dict)
    unmapped: list[Resource] = field(default_factory=list)
    context: list[tuple[Resource, str]] = field(default_factory=list)
    ignored: list[tuple[Resource, str]] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # address, type, where
    mapped: list[Resource] = field(default_factory=list)

    def component(self, collection: str, res: Resource, name: str | None = None
                  ) -> Component:
        key = res.file + "#" + res.address
        found = self.by_address.get(key)
        if found is not None and found.collection == collection:
            return found
        base = safe_name(name or res.name)
        unique, n = base, 2
        while (collection, unique) in self.components:
            unique, n = f"{base}-{n}", n + 1
        comp = Component(collection, unique, res)
        self.components[(collection, unique)] = comp
        self.by_address.setdefault(key, comp)
        for alias in res.ref_names:
            self.by_address.setdefault(res.file + "#" + alias, comp)
        return comp

    def find(self, res: Resource, address: str) -> Component | None:
        """The component made from the resource at ``address`` in ``res``'s source."""
        for key in (res.file + "#" + address, res.file + "#Resources." + address):
            if key in self.by_address:
                return self.by_address[key]
        suffix = "#" + address
        hits = [c for k, c in self.by_address.items() if k.endswith(suffix)]
        return hits[0] if len(hits) == 1 else None

    def of_collection(self, collection: str) -> list[Component]:
        return [c for (coll, _), c in self.components.items() if coll == collection]

    def set_workload(self, key: str, value: Any, res: Resource, *props: str) -> None:
        if value is None or isinstance(value, Unknown | Link):
            return
        put(self.workload, key, value)
        self.workload_facts[key] = res.where(*props)

    def resolve_refs(self) -> None:
        for comp in self.components.values():
            for key, link, kinds, where, many in comp.refs:
                target = self.find(comp.resource, link.address)
                if target is None or target.collection not in kinds:
                    comp.depends.setdefault(key, f"{link.address}, which the import "
                                                 "does not describe as a component")
                    continue
                put(comp.data, key, [target.name] if many else target.name)
                comp.facts[key] = where

    def document(self, wid: str, name: str) -> dict[str, Any]:
        from engine.workload.spec import WORKLOAD_FIELDS

        self.resolve_refs()
        doc: dict[str, Any] = {"id": wid, "name": name}
        for key, value in self.workload.items():
            doc[key] = value
        order = [f.key for f in WORKLOAD_FIELDS if f.type == "items"]
        for coll in order:
            items = [c.document() for c in self.of_collection(coll)]
            if items:
                doc[coll] = items
        return doc
