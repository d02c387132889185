"""CloudFormation templates (YAML with short-form intrinsics, JSON, ``cdk synth`` output).

The template is read by the workload reader's safe YAML/JSON reader (caps on size, depth
and node count; no anchors) with CloudFormation's short-form tags accepted, so every key
keeps its line. Intrinsic functions are then evaluated as far as the parameters allow:
``Ref`` to a parameter gives its value (supplied, else its default), ``Fn::If`` follows
its condition when the condition's inputs are known, ``Fn::Sub``/``Fn::Join`` build text
when every part is known. Anything else becomes :class:`Unknown` with the reason, so the
mapping can say what a fact depends on instead of guessing.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import InputError, Location
from engine.workload.iac.resource import Link, Resource, Unknown
from engine.workload.safeyaml import Positions, load_json, load_yaml

TOOL = "cloudformation"
_FUNCTIONS = ("And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue",
              "Join", "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString",
              "Transform")
_NO_VALUE = object()
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
MAX_EVAL_DEPTH = 40


def _tag(tag: str, value: Any) -> Any:
    name = tag[1:]
    if name == "Ref":
        return {"Ref": value}
    if name == "Condition":
        return {"Condition": value}
    if name == "GetAtt":
        if isinstance(value, str):
            head, _, rest = value.partition(".")
            return {"Fn::GetAtt": [head, rest]}
        return {"Fn::GetAtt": value}
    if name in _FUNCTIONS:
        return {f"Fn::{name}": value}
    raise ValueError(f"unknown CloudFormation tag {tag}")


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("Resources"), dict) and (
        "AWSTemplateFormatVersion" in data or any(
            isinstance(r, dict) and isinstance(r.get("Type"), str)
            for r in data["Resources"].values()))


def parse(text: str, filename: str) -> tuple[Any, Positions]:
    head = text.lstrip()[:1]
    if head in ("{", "["):
        return load_json(text, filename)
    return load_yaml(text, filename, tags=_tag)


class Template:
    """One template with its parameters; :meth:`resources` evaluates it."""

    def __init__(self, data: dict[str, Any], positions: Positions, filename: str,
                 parameters: dict[str, str]) -> None:
        self.data = data
        self.pos = positions
        self.file = filename
        self.supplied = parameters
        self.params: dict[str, Any] = {}
        declared = data.get("Parameters") or {}
        if not isinstance(declared, dict) or not all(isinstance(k, str) for k in declared):
            raise InputError("`Parameters` must be a mapping", self._loc(("Parameters",)))
        for name, spec in declared.items():
            if name in parameters:
                self.params[name] = parameters[name]
            elif isinstance(spec, dict) and "Default" in spec:
                self.params[name] = spec["Default"]
            else:
                self.params[name] = Unknown(f"parameter {name} (no value given)")
        self.resource_ids = set((data.get("Resources") or {}).keys())
        conditions, mappings = data.get("Conditions"), data.get("Mappings")
        self.conditions: dict[str, Any] = conditions if isinstance(conditions, dict) else {}
        self.mappings: dict[str, Any] = mappings if isinstance(mappings, dict) else {}
        self._cond_cache: dict[str, Any] = {}
        self._lines: dict[tuple[str, ...], int] | None = None
        self.not_expanded: list[tuple[str, int]] = []  # Fn::ForEach (language extensions)
        self.used_parameters: set[str] = set()

    def _loc(self, path: tuple[Any, ...]) -> Location:
        line, col = self.pos.value(path)
        return Location(self.file, line, col)

    # ---------------------------------------------------------------- evaluation
    def condition(self, name: str, depth: int = 0) -> bool | Unknown:
        if name in self._cond_cache:
            return self._cond_cache[name]  # type: ignore[no-any-return]
        if name not in self.conditions:
            return Unknown(f"condition {name} (not declared)")
        self._cond_cache[name] = Unknown(f"condition {name} (refers to itself)")
        value = self.eval(self.conditions[name], depth + 1)
        result: bool | Unknown = value if isinstance(value, bool) else (
            Unknown(f"condition {name}: {value.reason}") if isinstance(value, Unknown)
            else Unknown(f"condition {name}"))
        self._cond_cache[name] = result
        return result

    def eval(self, node: Any, depth: int = 0, raw: tuple[Any, ...] | None = None,
             at: tuple[str, ...] = ()) -> Any:
        """The value of ``node``. With ``raw`` (its path in the document), the line of
        every key kept is recorded under its evaluated path ``at`` (so a fact read from
        the branch an ``Fn::If`` takes points at that branch)."""
        if depth > MAX_EVAL_DEPTH:
            return Unknown("an expression nested too deeply to evaluate")
        if isinstance(node, list):
            out = [self.eval(v, depth + 1, None if raw is None else (*raw, i), at)
                   for i, v in enumerate(node)]
            return [v for v in out if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Fn::If" and raw is not None:
                return self._if(arg, depth, raw, at)
            if key == "Ref" or key == "Condition" or key.startswith("Fn::"):
                return self._function(key, arg, depth)
        kept: dict[str, Any] = {}
        for k, v in node.items():
            here = None if raw is None else (*raw, k)
            value = self.eval(v, depth + 1, here, (*at, k))
            if value is not _NO_VALUE:
                kept[k] = value
                if here is not None and self._lines is not None:
                    line = self.pos.keys.get(here)
                    if line is not None:
                        self._lines.setdefault((*at, k), line[0])
        return kept

    def _if(self, arg: Any, depth: int, raw: tuple[Any, ...], at: tuple[str, ...]) -> Any:
        """``Fn::If`` in a resource's properties, keeping the lines of the branch taken
        (``!If [c, a, b]`` puts the branches at raw + (1,), (2,); the long form under
        ``Fn::If``)."""
        base = (*raw, "Fn::If") if (*raw, "Fn::If") in self.pos.keys else raw
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return Unknown("a malformed Fn::If")
        cond = self.condition(arg[0], depth)
        if cond is True:
            return self.eval(arg[1], depth + 1, (*base, 1), at)
        if cond is False:
            return self.eval(arg[2], depth + 1, (*base, 2), at)
        yes, no = self.eval(arg[1], depth + 1), self.eval(arg[2], depth + 1)
        return yes if yes == no else cond

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unknown("a Ref that is not a name")
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.params:
            self.used_parameters.add(name)
            return self.params[name]
        if name in self.resource_ids:
            return Link(name)
        if name.startswith("AWS::"):
            return Unknown(f"pseudo parameter {name} (known at deployment)")
        return Unknown(f"{name} (not declared in the template)")

    def _function(self, key: str, arg: Any, depth: int) -> Any:
        if key == "Ref":
            return self._ref(arg)
        if key == "Condition":
            return self.condition(str(arg), depth) if isinstance(arg, str) else Unknown(
                "a malformed Condition")
        fn = key[4:]
        if fn == "GetAtt":
            if isinstance(arg, str) and "." in arg:  # the long form written as "A.B"
                arg = arg.split(".", 1)
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and \
                    arg[0] in self.resource_ids:
                return Link(str(arg[0]), str(arg[1]))
            return Unknown("an attribute of a resource (known at deployment)")
        if fn == "If":
            if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
                return Unknown("a malformed Fn::If")
            cond = self.condition(arg[0], depth)
            if cond is True:
                return self.eval(arg[1], depth + 1)
            if cond is False:
                return self.eval(arg[2], depth + 1)
            yes, no = self.eval(arg[1], depth + 1), self.eval(arg[2], depth + 1)
            return yes if yes == no else cond
        if fn in ("Equals", "And", "Or", "Not"):
            values = self.eval(arg, depth + 1)
            if not isinstance(values, list):
                return Unknown(f"a malformed Fn::{fn}")
            unknown = [v for v in values if isinstance(v, Unknown | Link)]
            if fn == "Equals":
                if unknown or len(values) != 2:
                    return _first_unknown(unknown, "Fn::Equals")
                return str(values[0]) == str(values[1])
            truth = [v for v in values if isinstance(v, bool)]
            if fn == "Not":
                return (not truth[0]) if truth and not unknown else _first_unknown(
                    unknown, "Fn::Not")
            if fn == "And":
                if any(v is False for v in truth):
                    return False
                return True if not unknown else _first_unknown(unknown, "Fn::And")
            if any(v is True for v in truth):
                return True
            return False if not unknown else _first_unknown(unknown, "Fn::Or")
        if fn == "Sub":
            return self._sub(arg, depth)
        if fn == "Join":
            if not (isinstance(arg, list) and len(arg) == 2):
                return Unknown("a malformed Fn::Join")
            sep, parts = self.eval(arg[0], depth + 1), self.eval(arg[1], depth + 1)
            if not isinstance(parts, list):
                return parts if isinstance(parts, Unknown) else Unknown("Fn::Join")
            bad = [p for p in parts if isinstance(p, Unknown | Link | dict | list)]
            if bad or not isinstance(sep, str):
                return _first_unknown(bad, "Fn::Join")
            return sep.join(str(p) for p in parts)
        if fn == "Select":
            if not (isinstance(arg, list) and len(arg) == 2):
                return Unknown("a malformed Fn::Select")
            idx, items = self.eval(arg[0], depth + 1), self.eval(arg[1], depth + 1)
            try:
                return items[int(idx)] if isinstance(items, list) else _first_unknown(
                    [items], "Fn::Select")
            except (ValueError, IndexError, TypeError):
                return Unknown("Fn::Select")
        if fn == "Split":
            if isinstance(arg, list) and len(arg) == 2:
                sep, text = self.eval(arg[0], depth + 1), self.eval(arg[1], depth + 1)
                if isinstance(sep, str) and isinstance(text, str) and sep:
                    return text.split(sep)
                return _first_unknown([text], "Fn::Split")
            return Unknown("a malformed Fn::Split")
        if fn == "FindInMap":
            values = self.eval(arg, depth + 1)
            if isinstance(values, list) and len(values) >= 3 and all(
                    isinstance(v, str) for v in values[:3]):
                found = self.mappings.get(values[0], {})  # type: ignore[union-attr]
                found = found.get(values[1], {}) if isinstance(found, dict) else {}
                if isinstance(found, dict) and values[2] in found:
                    return self.eval(found[values[2]], depth + 1)
            return _first_unknown([v for v in values if isinstance(v, Unknown)]
                                  if isinstance(values, list) else [], "Fn::FindInMap")
        if fn == "Base64":
            return self.eval(arg, depth + 1)
        if fn == "ImportValue":
            return Unknown("an export of another stack (Fn::ImportValue)")
        return Unknown(f"Fn::{fn} (evaluated at deployment)")

    def _sub(self, arg: Any, depth: int) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            variables = {k: self.eval(v, depth + 1) for k, v in arg[1].items()}
            arg = arg[0]
        if not isinstance(arg, str):
            return Unknown("a malformed Fn::Sub")
        missing: list[str] = []

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            value = variables[name] if name in variables else (
                Link(name.split(".")[0]) if name.split(".")[0] in self.resource_ids
                else self._ref(name))
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
            missing.append(name if not isinstance(value, Unknown) else value.reason)
            return match.group(0)

        text = _SUB_VAR.sub(one, arg)
        if missing:
            return Unknown(", ".join(dict.fromkeys(missing)), expr=text)
        return text.replace("${!", "${")

    # ---------------------------------------------------------------- resources
    def resources(self) -> tuple[list[Resource], list[tuple[str, str, int]]]:
        """The resources, evaluated; and those left out because their condition is false
        under the given parameters (address, type, line)."""
        out: list[Resource] = []
        skipped: list[tuple[str, str, int]] = []
        raw = self.data.get("Resources")
        if not isinstance(raw, dict):
            raise InputError("`Resources` must be a mapping", self._loc(("Resources",)))
        for lid, body in raw.items():
            line = self.pos.key(("Resources", lid))[0] or 1
            if isinstance(lid, str) and lid.startswith("Fn::ForEach::"):
                self.not_expanded.append((f"Resources.{lid}", line))
                continue
            if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
                raise InputError(f"resource {lid} has no `Type`",
                                 Location(self.file, line))
            cond_name = body.get("Condition")
            condition: Unknown | None = None
            if isinstance(cond_name, str):
                holds = self.condition(cond_name)
                if holds is False:
                    skipped.append((f"Resources.{lid}", body["Type"], line))
                    continue
                if isinstance(holds, Unknown):
                    condition = holds
            self._lines = {}
            props = self.eval(body.get("Properties") or {}, 0, ("Resources", lid,
                                                                 "Properties"))
            lines, self._lines = self._lines, None
            if not isinstance(props, dict):
                props = {}
            out.append(Resource(TOOL, body["Type"], f"Resources.{lid}", str(lid), self.file,
                                line, props, lines, condition))
        return out, skipped


def _first_unknown(values: list[Any], what: str) -> Unknown:
    for v in values:
        if isinstance(v, Unknown):
            return v
        if isinstance(v, Link):
            return Unknown(f"the deployed value of {v.address}")
    return Unknown(what)


def read(data: Any, positions: Positions, filename: str, parameters: dict[str, str]
         ) -> tuple[list[Resource], list[tuple[str, str, int]], Template]:
    template = Template(data, positions, filename, parameters)
    resources, skipped = template.resources()
    return resources, skipped, template
