"""Terraform: ``.tf`` folders read statically (python-hcl2) and ``terraform show -json``
plans.

A folder is read as Terraform would see it without running it: variables take the value
given (``--parameters K=V`` or a ``.tfvars`` file; ``terraform.tfvars`` and
``*.auto.tfvars`` in the folder are read too), else their default; locals are evaluated;
``module`` blocks whose source is a local folder are read with their inputs, their
resources addressed ``module.<name>.<type>.<name>``; ``data "aws_iam_policy_document"``
blocks become policy documents. Any value Terraform computes (resource attributes,
functions other than ``file``, conditionals) is :class:`Unknown`. A **plan** holds the
values Terraform resolved (``planned_values``, or ``values`` of ``terraform show -json``
on a state) and is the more trustworthy of the two: prefer it where you can run
``terraform plan``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location
from engine.workload.iac.resource import Link, Resource, Unknown
from engine.workload.safeyaml import Positions

TOOL = "terraform"
PLAN_TOOL = "terraform-plan"
KNOWN_PLAN_MAJOR = ("0", "1")
MAX_MODULE_DEPTH = 8
MAX_TF_FILES = 500
_EXPR = re.compile(r"\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_REF = re.compile(r"^(var|local|data|module)\.|^[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+")


def looks_like_plan(data: Any) -> bool:
    return isinstance(data, dict) and "format_version" in data and any(
        k in data for k in ("planned_values", "values", "resource_changes"))


def parse_hcl(text: str, filename: str) -> dict[str, Any]:
    import hcl2
    from hcl2.utils import SerializationOptions

    try:
        data = hcl2.loads(text, serialization_options=SerializationOptions(
            strip_string_quotes=True, with_comments=False))
    except Exception as exc:  # lark's errors, and hcl2's own ValueErrors
        line = getattr(exc, "line", None)
        col = getattr(exc, "column", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"not valid HCL: {first[:160]}",
                         Location(filename, line if isinstance(line, int) and line > 0
                                  else None, col if isinstance(col, int) and col > 0
                                  else None)) from None
    if not isinstance(data, dict):
        raise InputError("not valid HCL", Location(filename))
    return data


def _seq(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _blocks(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [b for b in data.get(key) or () if isinstance(b, dict)]


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


# ---------------------------------------------------------------- line table

_HEAD = re.compile(r'^\s*(resource|data|module|variable|locals|output)\b\s*((?:"[^"]*"\s*)*)\{')
_ATTR = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(=|\{|\"[^\"]*\"\s*\{)")


def _lines(text: str) -> dict[str, tuple[int, dict[tuple[str, ...], int]]]:
    """``type.name`` (resources), ``data.type.name``, ``module.name`` -> (line of the
    block, lines of its attributes and nested blocks by path)."""
    out: dict[str, tuple[int, dict[tuple[str, ...], int]]] = {}
    current: dict[tuple[str, ...], int] | None = None
    stack: list[str] = []
    depth = 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r'"(?:[^"\\]|\\.)*"', '""', raw.split("#", 1)[0]) if '"' in raw \
            else raw.split("#", 1)[0]
        if depth == 0:
            m = _HEAD.match(raw)
            if m:
                labels = re.findall(r'"([^"]*)"', m.group(2))
                kind = m.group(1)
                key = ".".join(labels) if kind == "resource" else ".".join([kind, *labels])
                current = {}
                out[key] = (no, current)
                stack = []
        elif current is not None:
            m = _ATTR.match(raw)
            if m:
                path = (*stack, m.group(1))
                current.setdefault(path, no)
                opens = m.group(2) != "=" or line.rstrip().endswith("{")
                if opens and line.count("{") > line.count("}"):
                    stack.append(m.group(1))
                    depth += line.count("{") - line.count("}")
                    continue
        opened, closed = line.count("{"), line.count("}")
        depth += opened - closed
        while stack and depth <= len(stack):
            stack.pop()
        if depth <= 0:
            depth = 0
            stack = []
    return out


# ---------------------------------------------------------------- expressions

class Module:
    """One module folder: its variables, locals and data documents, evaluated lazily."""

    def __init__(self, folder: Path, inputs: dict[str, Any], prefix: str, cap: int) -> None:
        self.folder = folder
        self.inputs = inputs
        self.prefix = prefix
        self.cap = cap
        self.variables: dict[str, Any] = {}
        self.locals_raw: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.data_docs: dict[str, Any] = {}
        self._busy: set[str] = set()

    def var(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        if name in self.variables:
            return self.variables[name]
        return Unknown(f"var.{name} (no value given)")

    def local(self, name: str) -> Any:
        if name in self.locals:
            return self.locals[name]
        if name not in self.locals_raw or name in self._busy:
            return Unknown(f"local.{name}")
        self._busy.add(name)
        value = self.eval(self.locals_raw[name])
        self._busy.discard(name)
        self.locals[name] = value
        return value

    def eval(self, value: Any, depth: int = 0) -> Any:
        if depth > 40:
            return Unknown("an expression nested too deeply")
        if isinstance(value, dict):
            return {k: self.eval(v, depth + 1) for k, v in value.items()
                    if not k.startswith("__")}
        if isinstance(value, list):
            return [self.eval(v, depth + 1) for v in value]
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = _EXPR.fullmatch(value)
        if whole:
            return self.expr(whole.group(1).strip())
        missing: list[str] = []

        def one(m: re.Match[str]) -> str:
            got = self.expr(m.group(1).strip())
            if isinstance(got, str | int | float) and not isinstance(got, bool):
                return str(got)
            missing.append(got.reason if isinstance(got, Unknown) else m.group(1).strip())
            return m.group(0)

        text = _EXPR.sub(one, value)
        return Unknown(", ".join(dict.fromkeys(missing)), expr=text) if missing else text

    def expr(self, text: str) -> Any:
        if text.startswith("var.") and re.fullmatch(r"var\.[A-Za-z0-9_-]+", text):
            return self.var(text[4:])
        if text.startswith("local.") and re.fullmatch(r"local\.[A-Za-z0-9_-]+", text):
            return self.local(text[6:])
        m = re.fullmatch(r"data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json", text)
        if m:
            return self.data_docs.get(m.group(1), Unknown(f"data.aws_iam_policy_document."
                                                          f"{m.group(1)}"))
        m = re.fullmatch(r"file\(\s*\"?([^\")]+)\"?\s*\)", text)
        if m:
            return self._file(m.group(1))
        m = re.fullmatch(r"([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?(?:\.([A-Za-z0-9_]+))?",
                         text)
        if m and m.group(1) not in ("var", "local", "data", "module", "each", "count",
                                    "path", "terraform", "self"):
            return Link(f"{self.prefix}{m.group(1)}.{m.group(2)}", m.group(3))
        if text in ("true", "false"):
            return text == "true"
        return Unknown(f"the expression `{text[:60]}` (computed by Terraform)")

    def _file(self, rel: str) -> Any:
        rel = rel.replace("${path.module}/", "").replace("path.module}/", "")
        path = (self.folder / rel).resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return Unknown(f"file({rel}) outside the module folder or missing")
        from engine.workload.iac import read_text

        try:
            return read_text(path, self.cap)
        except InputError:
            return Unknown(f"file({rel}) unreadable")


def _policy_document(mod: Module, block: dict[str, Any]) -> dict[str, Any]:
    statements = []
    for st in _seq(block.get("statement")):
        if not isinstance(st, dict):
            continue
        st = mod.eval(_clean(st))
        out: dict[str, Any] = {"Effect": str(st.get("effect", "Allow")).capitalize()}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        for src, dst in (("actions", "Action"), ("not_actions", "NotAction"),
                         ("resources", "Resource"), ("not_resources", "NotResource")):
            if src in st:
                out[dst] = [v if isinstance(v, str) else "(unresolved)"
                            for v in (st[src] if isinstance(st[src], list) else [st[src]])]
        principals: dict[str, list[str]] = {}
        for p in _seq(st.get("principals")):
            if isinstance(p, dict):
                ids = p.get("identifiers") or []
                principals.setdefault(str(p.get("type")), []).extend(
                    i for i in (ids if isinstance(ids, list) else [ids]) if isinstance(i, str))
        if principals:
            out["Principal"] = principals
        if st.get("condition"):
            out["Condition"] = {"(terraform)": st["condition"]}
        statements.append(out)
    return {"Version": "2012-10-17", "Statement": statements}


# ---------------------------------------------------------------- folders

def read_folder(folder: Path, params: dict[str, Any], cap: int) -> tuple[list[Resource],
                                                                         list[str]]:
    notes: list[str] = []
    values = dict(params)
    for auto in sorted(folder.glob("*.tfvars")):
        if auto.name == "terraform.tfvars" or auto.name.endswith(".auto.tfvars"):
            from engine.workload.iac import read_text, shown

            body = parse_hcl(read_text(auto, cap), shown(auto))
            for k, v in _clean(body).items():
                values.setdefault(k, v)
            notes.append(f"read variables from {shown(auto)}")
    resources: list[Resource] = []
    _read_module(folder, values, "", cap, resources, notes, 0)
    return resources, notes


def _read_module(folder: Path, inputs: dict[str, Any], prefix: str, cap: int,
                 out: list[Resource], notes: list[str], depth: int,
                 inherited: Unknown | None = None) -> None:
    from engine.workload.iac import read_text, shown

    mod = Module(folder, inputs, prefix, cap)
    files = sorted(folder.glob("*.tf"))[:MAX_TF_FILES]
    parsed: list[tuple[str, dict[str, Any], dict[str, tuple[int, dict[tuple[str, ...], int]]]]]
    parsed = []
    for f in files:
        name = shown(f)
        text = read_text(f, cap, name)
        parsed.append((name, parse_hcl(text, name), _lines(text)))
    for _, data, _ in parsed:
        for block in _blocks(data, "variable"):
            for vname, body in block.items():
                if isinstance(body, dict) and "default" in body:
                    mod.variables[vname] = _clean(body["default"])
        for block in _blocks(data, "locals"):
            for k, v in block.items():
                if not k.startswith("__"):
                    mod.locals_raw[k] = v
    for _, data, _ in parsed:
        for block in _blocks(data, "data"):
            for dtype, named in block.items():
                if dtype == "aws_iam_policy_document" and isinstance(named, dict):
                    for dname, body in named.items():
                        if isinstance(body, dict):
                            mod.data_docs[dname] = _policy_document(mod, body)
    for fname, data, lines in parsed:
        for block in _blocks(data, "resource"):
            for rtype, named in block.items():
                if not isinstance(named, dict) or rtype.startswith("__"):
                    continue
                for rname, body in named.items():
                    if not isinstance(body, dict) or rname.startswith("__"):
                        continue
                    line, attrs = lines.get(f"{rtype}.{rname}", (1, {}))
                    count = mod.eval(body.get("count")) if "count" in body else None
                    condition = inherited
                    if count is not None and not isinstance(count, Unknown):
                        try:
                            if int(count) == 0:
                                continue
                        except (TypeError, ValueError):
                            pass
                    elif isinstance(count, Unknown):
                        condition = Unknown(f"count = {count.reason}")
                    if "for_each" in body:
                        each = mod.eval(body["for_each"])
                        if isinstance(each, Unknown):
                            condition = Unknown(f"for_each = {each.reason}")
                    props = mod.eval({k: v for k, v in body.items()
                                      if k not in ("count", "for_each", "provider",
                                                   "depends_on", "lifecycle")})
                    address = f"{prefix}{rtype}.{rname}"
                    out.append(Resource(TOOL, rtype, address, f"{prefix.replace('module.', '').replace('.', '-')}{rname}",
                                        fname, line, props, attrs, condition,
                                        (address,)))
        for block in _blocks(data, "module"):
            for mname, body in block.items():
                if not isinstance(body, dict) or mname.startswith("__"):
                    continue
                source = body.get("source")
                line = lines.get(f"module.{mname}", (1, {}))[0]
                if not (isinstance(source, str) and source.startswith(("./", "../"))):
                    notes.append(f"{fname}:{line}: module {mname} comes from {source!r}, "
                                 "not a local folder: its resources are not read "
                                 "(import a plan to see them)")
                    continue
                target = (folder / source).resolve()
                if depth >= MAX_MODULE_DEPTH or not target.is_dir():
                    notes.append(f"{fname}:{line}: module {mname}: folder {source} "
                                 "not found" if not target.is_dir() else
                                 f"{fname}:{line}: module {mname}: nested too deeply")
                    continue
                count = mod.eval(body["count"]) if "count" in body else None
                condition = inherited
                if isinstance(count, Unknown):
                    condition = Unknown(f"module {mname} count = {count.reason}")
                elif count is not None:
                    try:
                        if int(count) == 0:
                            notes.append(f"{fname}:{line}: module {mname} has count 0: "
                                         "not created")
                            continue
                    except (TypeError, ValueError):
                        pass
                args = {k: mod.eval(v) for k, v in body.items()
                        if k not in ("source", "version", "providers", "count",
                                     "for_each", "depends_on") and not k.startswith("__")}
                _read_module(target, args, f"{prefix}module.{mname}.", cap, out, notes,
                             depth + 1, condition)


# ---------------------------------------------------------------- plans

def read_plan(data: dict[str, Any], positions: Positions, filename: str) -> list[Resource]:
    version = str(data.get("format_version", ""))
    if version.split(".")[0] not in KNOWN_PLAN_MAJOR:
        line = positions.value(("format_version",))[0]
        raise InputError(f"plan format version {version!r} is not one this version of "
                         f"mlwa reads (known: {', '.join(m + '.x' for m in KNOWN_PLAN_MAJOR)})",
                         Location(filename, line))
    root_key = "planned_values" if "planned_values" in data else "values"
    root = _map(data.get(root_key)).get("root_module")
    unknown_after: dict[str, Any] = {}
    for change in _seq(data.get("resource_changes")):
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            unknown_after[str(change.get("address"))] = change["change"].get("after_unknown")
    refs = _config_references(data.get("configuration"))
    out: list[Resource] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, (root_key, "root_module"))]
    while stack:
        module, path = stack.pop(0)
        if not isinstance(module, dict):
            continue
        for i, res in enumerate(_seq(module.get("resources"))):
            if not isinstance(res, dict) or res.get("mode", "managed") != "managed":
                continue
            address = str(res.get("address") or f"{res.get('type')}.{res.get('name')}")
            values = _mark_unknown(_map(res.get("values")), unknown_after.get(address))
            for attr, target in refs.get(_config_address(address), {}).items():
                if values.get(attr) is None or isinstance(values.get(attr), Unknown | str):
                    values[attr] = Link(_module_prefix(address) + target)
            rpath = (*path, "resources", i)
            lines: dict[tuple[str, ...], int] = {}
            for kpath, (ln, _) in positions.keys.items():
                if len(kpath) > len(rpath) + 1 and kpath[:len(rpath) + 1] == (*rpath,
                                                                                "values"):
                    lines.setdefault(tuple(p for p in kpath[len(rpath) + 1:]
                                           if isinstance(p, str)), ln)
            name = str(res.get("name") or address)
            if res.get("index") is not None:
                name = f"{name}-{res['index']}"
            out.append(Resource(PLAN_TOOL, str(res.get("type")), address,
                                name, filename, positions.value(rpath)[0] or 1, values,
                                lines, None, (address,)))
        for j, child in enumerate(_seq(module.get("child_modules"))):
            stack.append((child, (*path, "child_modules", j)))
    return out


def _mark_unknown(values: dict[str, Any], after_unknown: Any) -> dict[str, Any]:
    if not isinstance(after_unknown, dict):
        return dict(values)
    out = dict(values)
    for k, flag in after_unknown.items():
        if flag is True and out.get(k) is None:
            out[k] = Unknown(f"{k}, known only after apply")
    return out


def _config_address(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _module_prefix(address: str) -> str:
    parts = _config_address(address).split(".")
    return ".".join(parts[:-2]) + "." if len(parts) > 2 else ""


def _config_references(config: Any) -> dict[str, dict[str, str]]:
    """Resource address -> attribute -> the resource it refers to (from the plan's
    ``configuration``), so links between resources survive values known after apply."""
    out: dict[str, dict[str, str]] = {}
    stack: list[tuple[Any, str]] = [((config or {}).get("root_module") if isinstance(
        config, dict) else None, "")]
    while stack:
        module, prefix = stack.pop()
        if not isinstance(module, dict):
            continue
        for res in _seq(module.get("resources")):
            if not isinstance(res, dict):
                continue
            addr = prefix + str(res.get("address"))
            for attr, expr in _map(res.get("expressions")).items():
                refs = expr.get("references") if isinstance(expr, dict) else None
                if isinstance(refs, list):
                    target = next((r for r in refs if isinstance(r, str) and
                                   r.count(".") == 1 and not r.startswith(
                                       ("var.", "local.", "data.", "module."))), None)
                    if target:
                        out.setdefault(addr, {})[attr] = target
        for name, call in _map(module.get("module_calls")).items():
            if isinstance(call, dict):
                stack.append((call.get("module"), f"{prefix}module.{name}."))
    return out
