"""Facts from infrastructure code: ``mlwa workload import``.

Reads CloudFormation templates (YAML with short-form intrinsics, JSON, ``cdk synth``
output), Terraform (``.tf`` folders read statically, ``terraform show -json`` plans),
SageMaker pipeline definitions and Kubernetes manifests (KServe), maps their resources to
workload facts (:mod:`engine.workload.iac.mapping`), records where each fact was read
(``provenance`` on every component) and merges a hand-written overlay.

Public API::

    import_sources(sources, *, overlay=None, parameters=(), max_bytes=...) -> ImportResult

One module per source kind (``cloudformation``, ``terraform``, ``pipeline``,
``kubernetes``), the mapping table (``mapping``), assembly (``build``), the overlay
(``overlay``) and location translation (``locate``). Bad input raises
:class:`engine.errors.InputError` naming the file and line; nothing here touches the
network or runs the tools (no ``terraform`` binary, no ``cdk``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location
from engine.workload.iac.build import Builder
from engine.workload.iac.resource import Resource

__all__ = ["ImportResult", "import_sources", "read_parameters"]

MAX_FILES = 2000  # files read from the folders given, at most
_SKIP_DIRS = {".git", ".terraform", "node_modules", "__pycache__", ".venv", "venv"}
_TEXT_EXT = {".yaml", ".yml", ".json", ".template", ".tf", ".tfvars"}


@dataclass
class ImportResult:
    document: dict[str, Any]
    text: str
    resources: list[Resource]
    builder: Builder
    sources: list[tuple[str, str]]  # (file, kind)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    overlay: Any = None  # overlay.Overlay
    overlay_paths: dict[Any, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        b = self.builder
        depends = [f"{c.collection}[{c.name}].{k}: {v}" for c in b.components.values()
                   for k, v in sorted(c.depends.items())]
        return {
            "sources": [{"file": f, "kind": k} for f, k in self.sources],
            "components": len(b.components),
            "mapped": [_row(r) for r in b.mapped],
            "context": [{**_row(r), "note": n} for r, n in b.context],
            "ignored": [{**_row(r), "note": n} for r, n in b.ignored],
            "unmapped": [_row(r) for r in b.unmapped],
            "not_created": [{"address": a, "type": t, "where": w} for a, t, w in b.skipped],
            "depends_on": depends,
            "conflicts": list(self.conflicts),
            "skipped_files": [{"file": f, "reason": r} for f, r in self.skipped_files],
            "notes": list(self.notes),
        }

    def summary_lines(self) -> list[str]:
        s = self.summary()
        out = [f"imported {s['components']} component(s) from "
               f"{len(s['sources'])} file(s): {len(s['mapped'])} resource(s) mapped, "
               f"{len(s['context'])} read for context, {len(s['unmapped'])} unmapped"]
        for src in s["sources"]:
            out.append(f"  source {src['file']} ({src['kind']})")
        for row in s["unmapped"]:
            out.append(f"  unmapped {row['type']} {row['address']} ({row['where']})")
        for row in s["context"]:
            out.append(f"  context  {row['type']} {row['address']} ({row['where']}): "
                       f"{row['note']}")
        for row in s["not_created"]:
            out.append(f"  not created under the given parameters: {row['type']} "
                       f"{row['address']} ({row['where']})")
        for line in s["depends_on"]:
            out.append(f"  depends  {line}")
        for line in s["conflicts"]:
            out.append(f"  conflict {line}")
        for row in s["skipped_files"]:
            out.append(f"  skipped file {row['file']}: {row['reason']}")
        for note in s["notes"]:
            out.append(f"  note {note}")
        return out


def _row(r: Resource) -> dict[str, Any]:
    return {"type": r.type, "address": r.address, "where": f"{r.file}:{r.line}",
            "tool": r.tool}


# ---------------------------------------------------------------- reading files

def shown(path: Path) -> str:
    """The path as findings show it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(
            path)
    except ValueError:
        return str(path)


def read_text(path: Path, max_bytes: int, name: str | None = None) -> str:
    from engine.workload import _read

    name = name or shown(path)
    data, _ = _read(path, name, max_bytes)
    if b"\x00" in data:
        raise InputError("this is binary data, not a text file", Location(name))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"the file is not valid UTF-8 (byte {exc.start})",
                         Location(name, line)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError("the file is empty", Location(name, 1, 1))
    return text


def _expand(sources: list[Path]) -> tuple[list[Path], list[Path]]:
    """Files and Terraform folders to read, in a stable order."""
    files: list[Path] = []
    tf_dirs: list[Path] = []
    count = 0
    for src in sources:
        if src.is_dir():
            for root, dirs, names in os.walk(src):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and
                                 not d.startswith("."))
                here = Path(root)
                # nested folders with .tf files are modules, read through the module
                # blocks of the root above them; only a top folder is a root
                if any(n.endswith(".tf") for n in names) and not any(
                        here.is_relative_to(d) for d in tf_dirs):
                    tf_dirs.append(here)
                for n in sorted(names):
                    p = here / n
                    if p.suffix.lower() in _TEXT_EXT and not n.endswith((".tf", ".tfvars")):
                        count += 1
                        if count > MAX_FILES:
                            raise InputError(f"more than {MAX_FILES} files to read; name "
                                             "the templates or folders to import",
                                             Location(str(src)))
                        files.append(p)
        elif src.suffix == ".tf":
            if src.parent not in tf_dirs:
                tf_dirs.append(src.parent)
        elif src.exists():
            files.append(src)
        else:
            raise InputError("no such file or folder", Location(str(src)))
    return files, tf_dirs


def _kind_of(data: Any) -> str | None:
    from engine.workload.iac import cloudformation, kubernetes, pipeline, terraform

    if cloudformation.looks_like(data):
        return "cloudformation"
    if terraform.looks_like_plan(data):
        return "terraform-plan"
    if pipeline.looks_like(data):
        return "sagemaker-pipeline"
    if kubernetes.looks_like(data):
        return "kubernetes"
    return None


# ---------------------------------------------------------------- parameters

def read_parameters(items: tuple[str, ...] | list[str], max_bytes: int
                    ) -> tuple[dict[str, Any], list[str]]:
    """``K=V`` pairs and parameter files: ``{"Parameters": {...}}`` (SageMaker projects),
    ``[{"ParameterKey": ..., "ParameterValue": ...}]`` (the CloudFormation CLI), a flat
    JSON mapping, ``.tfvars`` or ``.tfvars.json``. Returns the values and the files read."""
    from engine.workload.safeyaml import load_json, load_yaml

    values: dict[str, Any] = {}
    files: list[str] = []
    for item in items:
        path = Path(item)
        if "=" in item and not path.exists():
            key, _, value = item.partition("=")
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_.:-]*$", key):
                raise InputError(f"--parameters {item!r}: a parameter name is letters, "
                                 "digits and _", Location("--parameters"))
            values[key] = value
            continue
        text = read_text(path, max_bytes)
        name = shown(path)
        files.append(name)
        if path.name.endswith(".tfvars"):
            from engine.workload.iac.terraform import parse_hcl

            body = parse_hcl(text, name)
            values.update({k: v for k, v in body.items() if not k.startswith("__")})
            continue
        data, _ = load_json(text, name) if text.lstrip()[:1] in "{[" else load_yaml(text, name)
        if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
            data = data["Parameters"]
        elif isinstance(data, list) and all(isinstance(d, dict) and "ParameterKey" in d
                                            for d in data):
            data = {d["ParameterKey"]: d.get("ParameterValue") for d in data}
        if not isinstance(data, dict) or not all(
                isinstance(v, str | int | float | bool | list | dict) or v is None
                for v in data.values()):
            raise InputError("a parameter file is {\"Parameters\": {name: value}}, a list "
                             "of ParameterKey/ParameterValue, a flat mapping or .tfvars",
                             Location(name, 1, 1))
        values.update(data)
    return values, files


# ---------------------------------------------------------------- the import

def _sanitize(document: dict[str, Any]) -> list[str]:
    """Leave out any imported value the workload schema refuses (a property of a shape
    the mapping did not expect), saying so, so the import never writes an invalid
    description. Each pass removes the values jsonschema names; a few passes suffice."""
    from engine.workload.structure import _validator, quick_valid

    notes: list[str] = []
    for _ in range(5):
        if quick_valid(document):
            return notes
        errors = list(_validator().iter_errors(document))
        if not errors:
            return notes
        for err in errors:
            path = list(err.absolute_path)
            if not path:
                continue
            parent: Any = document
            for part in path[:-1]:
                parent = parent[part] if isinstance(parent, (dict, list)) else None
                if parent is None:
                    break
            last = path[-1]
            if len(path) >= 3 and isinstance(path[-2], int) and last == "name" and \
                    isinstance(parent, dict):
                # an item whose name is refused: the item goes (its parent list holds it)
                holder: Any = document
                for part in path[:-3]:
                    holder = holder[part]
                container = holder[path[-3]]
                if isinstance(container, list) and parent in container:
                    container.remove(parent)
            elif isinstance(parent, dict) and last in parent:
                del parent[last]
            elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
                parent.pop(last)
            else:
                continue
            notes.append(f"left out {'.'.join(str(p) for p in path)}: {err.message[:120]}")
            break  # paths shift once something is removed: validate again
    return notes


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return slug or "imported"


def import_sources(sources: list[str | Path], *, overlay: str | Path | None = None,
                   parameters: tuple[str, ...] | list[str] = (),
                   max_bytes: int | None = None) -> ImportResult:
    """Import infrastructure code into a workload description. Raises InputError."""
    import yaml

    from engine.workload import DEFAULT_MAX_BYTES
    from engine.workload.iac import cloudformation, kubernetes, pipeline, terraform
    from engine.workload.iac.mapping import apply
    from engine.workload.safeyaml import load_json, load_yaml

    cap = max_bytes or DEFAULT_MAX_BYTES
    paths = [Path(s) for s in sources]
    if not paths:
        raise InputError("name at least one template, Terraform folder, plan or pipeline "
                         "definition to import", Location("mlwa workload import"))
    params, param_files = read_parameters(list(parameters), cap)
    files, tf_dirs = _expand(paths)
    explicit = {p.resolve() for p in paths if p.is_file()}
    resources: list[Resource] = []
    builder = Builder()
    used: list[tuple[str, str]] = []
    skipped_files: list[tuple[str, str]] = []
    notes: list[str] = []
    used_cfn_params: set[str] = set()
    for path in files:
        name = shown(path)
        if name in param_files:
            continue
        text = read_text(path, cap, name)
        if path.suffix.lower() in (".yaml", ".yml") and re.search(r"(?m)^---\s*$", text):
            docs = kubernetes.split_documents(text, name)
            if docs and all(kubernetes.looks_like(d[0]) for d, _ in docs):
                resources += kubernetes.read(docs, name)
                used.append((name, "kubernetes"))
                continue
        head = text.lstrip()[:1]
        try:
            data, positions = (load_json(text, name) if head in "{[" else
                               load_yaml(text, name, tags=cloudformation._tag))
        except InputError:
            if path.resolve() in explicit:
                raise
            skipped_files.append((name, "not readable as YAML or JSON"))
            continue
        kind = _kind_of(data)
        if kind is None:
            if path.resolve() in explicit:
                raise InputError("not a CloudFormation template, Terraform plan, SageMaker "
                                 "pipeline definition or Kubernetes manifest",
                                 Location(name, 1, 1))
            skipped_files.append((name, "not infrastructure code (a parameter file or "
                                        "other data?)"))
            continue
        used.append((name, kind))
        if kind == "cloudformation":
            found, skipped, template = cloudformation.read(data, positions, name, params)
            used_cfn_params |= template.used_parameters | set(params) & set(
                template.params)
            resources += found
            builder.skipped += [(a, t, f"{name}:{line}") for a, t, line in skipped]
            notes += [f"{name}:{line}: {a} is a loop of the language extensions transform; "
                      "its resources are not expanded (import `aws cloudformation package` "
                      "or synthesized output to see them)" for a, line in template.not_expanded]
            resources += pipeline.embedded(found)
        elif kind == "terraform-plan":
            resources += terraform.read_plan(data, positions, name)
        elif kind == "sagemaker-pipeline":
            resources += pipeline.read(data, positions, name)
        else:
            resources += kubernetes.read([((data, positions), 0)], name)
    for folder in tf_dirs:
        found, tf_notes = terraform.read_folder(folder, params, cap)
        resources += found
        notes += tf_notes
        used.append((shown(folder), "terraform"))
        resources += pipeline.embedded(found)
    if not used:
        raise InputError("nothing to import: no template, Terraform, plan, pipeline "
                         "definition or manifest found", Location(str(paths[0])))
    apply(resources, builder)
    unused = sorted(set(params) - used_cfn_params)
    if unused and any(k == "cloudformation" for _, k in used) and not tf_dirs:
        notes.append("parameters not declared by any template: " + ", ".join(unused))

    over = None
    wid = _slug(paths[0].stem if paths[0].is_file() else paths[0].resolve().name)
    wname = f"Imported from {shown(paths[0])}"
    if overlay is not None:
        from engine.workload.iac.overlay import read_overlay

        over = read_overlay(read_text(Path(overlay), cap), shown(Path(overlay)))
        wid = str(over.data.get("id") or wid)
        wname = str(over.data.get("name") or wname)
    document = builder.document(wid, wname)
    notes += _sanitize(document)
    conflicts: list[str] = []
    overlay_paths: dict[Any, Any] = {}
    if over is not None:
        from engine.workload.iac.overlay import merge
        from engine.workload.spec import WORKLOAD_FIELDS

        collections = {f.key for f in WORKLOAD_FIELDS if f.type == "items"}
        facts_of: dict[Any, dict[str, str]] = {}
        for coll in collections:
            for idx, item in enumerate(document.get(coll) or []):
                prov = item.get("provenance") or {}
                facts_of[(coll, idx)] = dict(
                    f.split("=", 1) for f in prov.get("facts") or () if "=" in f)
        merged = merge(document, over, facts_of, collections)
        document, conflicts, overlay_paths = merged.document, merged.conflicts, merged.paths
    header = ("# Generated by `mlwa workload import` from infrastructure code; facts with a "
              "`provenance` block were read\n# from the file and line it names. Edit the "
              "overlay, not this file.\n")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: 5x faster
    text = header + yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True,
                              width=100)
    return ImportResult(document, text, resources, builder, used, skipped_files, conflicts,
                        over, overlay_paths, notes)
