"""Well-Architected Tool custom lenses: read, check, turn into RDF and back, evaluate.

A custom lens is a JSON document (schemaVersion ``2021-11-01``) with pillars, questions,
choices and risk rules. :func:`parse_lens_dict` checks every structural rule and limit we
know of and reports each problem with a JSON path such as
``$.pillars[2].questions[0].riskRules[1].condition``; :func:`lens_to_graph` and
:func:`graph_to_lens` move a lens into the knowledge graph (terms in ``customlens.ttl``)
and back without losing anything, including keys the format does not define
(``_version``, ``_teams``, ...), which travel as an ``rdf:JSON`` literal.

The limits come from the Well-Architected Tool user guide ("Lens format specification"),
its API reference (``Choice``, ``PillarReviewSummary``, ``AnswerSummary``) and the twelve
published lenses in ``tests/data/custom-lenses``; see :data:`LIMITS`.

Why this file is long: custom-lens reading, writing and review evaluation share one model of
the lens JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ErrorList, InputError, Location
from engine.interop.conditions import (
    DEFAULT,
    ConditionError,
    Default,
    Expr,
    evaluate,
    first_uncovered,
    parse_condition,
    ref_columns,
    references,
)

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

SCHEMA_VERSION = "2021-11-01"
RISKS = ("HIGH_RISK", "MEDIUM_RISK", "NO_RISK")
UNANSWERED = "UNANSWERED"
# When no rule matches (a lens without a ``default`` rule, and an answer its rules do not
# cover) no rule flags a risk: the question has none, as in the Well-Architected Tool, whose
# specification gives risks only through rules ("default" being the rule for "otherwise").
# Published AWS lenses rely on it: questions with rules for the risky answers only.
# The lens check warns, with an example answer, wherever this can happen.
NO_MATCH_RISK = "NO_RISK"
CUSTOM_LENS_BASE = "https://w3id.org/mlwa/lens/custom/"
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Limits:
    """Sizes the Well-Architected Tool accepts (characters unless stated)."""

    file_bytes: int = 500_000  # "a custom lens cannot exceed 500 KB"
    pillars: int = 10
    questions_per_pillar: int = 20
    choices_per_question: int = 15
    lens_name: int = 128
    lens_description: int = 2048
    # "The ID can be between 3 and 128 characters and contain only alphanumeric and
    # underscore characters" (user guide, "Lens format specification", Pillars section)
    pillar_id: int = 128
    pillar_id_min: int = 3
    pillar_name: int = 128
    question_id: int = 128
    question_title: int = 128
    question_description: int = 2048
    choice_id: int = 64
    choice_title: int = 128
    choice_description: int = 1024
    display_text: int = 2048
    url: int = 2048
    additional_resources: int = 2  # one of each type
    additional_content: int = 5


LIMITS = Limits()

_LENS_KEYS = ("schemaVersion", "name", "description", "pillars")
_PILLAR_KEYS = ("id", "name", "questions")
_QUESTION_KEYS = ("id", "title", "description", "helpfulResource", "choices", "riskRules")
_CHOICE_KEYS = ("id", "title", "description", "helpfulResource", "improvementPlan",
                "additionalResources")
_CONTENT_KEYS = ("displayText", "url")
_ADDITIONAL_KEYS = ("type", "content")
_RULE_KEYS = ("condition", "risk")
RESOURCE_TYPES = ("HELPFUL_RESOURCE", "IMPROVEMENT_PLAN")


# ------------------------------------------------------------------------------ model

@dataclass(frozen=True)
class Content:
    """Display text and a link: a helpful resource, an improvement plan, extra material."""

    display_text: str | None = None
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.display_text is not None:
            out["displayText"] = self.display_text
        if self.url is not None:
            out["url"] = self.url
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class AdditionalResources:
    type: str
    content: tuple[Content, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "content": [c.to_json() for c in self.content], **self.extra}


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    description: str | None = None
    helpful_resource: Content | None = None
    improvement_plan: Content | None = None
    additional_resources: tuple[AdditionalResources, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def none_of_these(self) -> bool:
        """The tool's "None of these" choice: its id ends in ``_no``."""
        return self.id.endswith("_no")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.description is not None:
            out["description"] = self.description
        if self.helpful_resource is not None:
            out["helpfulResource"] = self.helpful_resource.to_json()
        if self.improvement_plan is not None:
            out["improvementPlan"] = self.improvement_plan.to_json()
        if self.additional_resources is not None:
            out["additionalResources"] = [a.to_json() for a in self.additional_resources]
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class RiskRule:
    condition: str
    risk: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def expr(self) -> Expr:
        return parse_condition(self.condition)

    @property
    def is_default(self) -> bool:
        return isinstance(self.expr, Default)

    def matches(self, selected: Sequence[str] | set[str] | frozenset[str]) -> bool:
        return evaluate(self.expr, set(selected))

    def to_json(self) -> dict[str, Any]:
        return {"condition": self.condition, "risk": self.risk, **self.extra}


@dataclass(frozen=True)
class LensQuestion:
    id: str
    title: str
    choices: tuple[Choice, ...]
    risk_rules: tuple[RiskRule, ...]
    description: str | None = None
    helpful_resource: Content | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def choice_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.description is not None:
            out["description"] = self.description
        if self.helpful_resource is not None:
            out["helpfulResource"] = self.helpful_resource.to_json()
        out["choices"] = [c.to_json() for c in self.choices]
        out["riskRules"] = [r.to_json() for r in self.risk_rules]
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class LensPillar:
    id: str
    name: str
    questions: tuple[LensQuestion, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name,
                "questions": [q.to_json() for q in self.questions], **self.extra}


@dataclass(frozen=True)
class ImportedLens:
    """A checked custom lens. ``warnings`` are problems the tool may tolerate."""

    name: str
    description: str | None
    pillars: tuple[LensPillar, ...]
    slug: str
    schema_version: str = SCHEMA_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def iri(self) -> str:
        return CUSTOM_LENS_BASE + self.slug

    @property
    def questions(self) -> tuple[LensQuestion, ...]:
        return tuple(q for p in self.pillars for q in p.questions)

    @cached_property
    def question_by_id(self) -> dict[str, LensQuestion]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> LensQuestion:
        found = self.question_by_id.get(question_id)
        if found is None:
            import difflib

            close = difflib.get_close_matches(question_id, list(self.question_by_id), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"lens {self.name!r} has no question {question_id!r}{hint}")
        return found

    def to_json(self) -> dict[str, Any]:
        """The lens as Well-Architected Tool JSON (see :func:`export_custom_lens`)."""
        out: dict[str, Any] = {"schemaVersion": self.schema_version, "name": self.name}
        if self.description is not None:
            out["description"] = self.description
        out.update(self.extra)
        out["pillars"] = [p.to_json() for p in self.pillars]
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name, "iri": self.iri, "slug": self.slug, "source": self.source,
            "pillars": [{"id": p.id, "name": p.name, "questions": len(p.questions)}
                        for p in self.pillars],
            "questions": len(self.questions),
            "choices": sum(len(q.choices) for q in self.questions),
            "riskRules": sum(len(q.risk_rules) for q in self.questions),
            "warnings": list(self.warnings),
        }


def slugify(text: str) -> str:
    """A lower-case, dash-separated slug of at most 64 characters (``lens`` if empty)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    return slug or "lens"


# ------------------------------------------------------------------------------ checking

class _Checker:
    """Walks a decoded lens document, collecting problems and warnings with JSON paths."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.errors = ErrorList()
        self.warnings: list[str] = []

    def loc(self, path: str) -> Location:
        return Location(self.source, pointer=path)

    def error(self, path: str, message: str) -> None:
        self.errors.add(self.loc(path), message)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{path}: {message}")

    # -------------------------------------------------------------- primitives
    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"expected an object, found {_kind(value)}")
            return None
        return value

    def extra(self, obj: Mapping[str, Any], known: Sequence[str], path: str) -> dict[str, Any]:
        out = {}
        lowered = {k.lower(): k for k in known}
        for key, value in obj.items():
            if key in known:
                continue
            out[key] = value
            if key.lower() in lowered:
                self.warn(f"{path}.{key}", f"unknown key {key!r}; the format spells it "
                          f"{lowered[key.lower()]!r} (kept as it is)")
            elif not key.startswith("_"):
                self.warn(f"{path}.{key}", f"key {key!r} is not part of the format (kept as "
                          "it is)")
        return out

    def text(self, obj: Mapping[str, Any], key: str, path: str, limit: int, *,
             required: bool) -> str | None:
        p = f"{path}.{key}"
        if key not in obj:
            if required:
                self.error(path, f"missing {key!r}")
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.error(p, f"expected a string, found {_kind(value)}")
            return None
        if required and not value.strip():
            self.error(p, "must not be empty")
        if len(value) > limit:
            self.error(p, f"is {len(value)} characters; the limit is {limit}")
        return value

    def ident(self, obj: Mapping[str, Any], path: str, limit: int, minimum: int = 1
              ) -> str | None:
        value = self.text(obj, "id", path, limit, required=True)
        if value is not None and value and not ID_PATTERN.match(value):
            self.error(f"{path}.id", f"id {value!r} may contain only letters, digits and "
                       "underscores")
        elif value is not None and 0 < len(value) < minimum:
            self.error(f"{path}.id", f"id {value!r} is {len(value)} character"
                       f"{'s' if len(value) != 1 else ''}; the tool needs at least {minimum}")
        return value

    def array(self, obj: Mapping[str, Any], key: str, path: str, limit: int | None,
              what: str) -> list[Any] | None:
        p = f"{path}.{key}"
        if key not in obj:
            self.error(path, f"missing {key!r}")
            return None
        value = obj[key]
        if not isinstance(value, list):
            self.error(p, f"expected an array, found {_kind(value)}")
            return None
        if not value:
            self.error(p, f"needs at least one {what}")
        if limit is not None and len(value) > limit:
            self.error(p, f"has {len(value)} {what}s; the limit is {limit}")
        return value

    # -------------------------------------------------------------- structure
    def lens(self, doc: Any, slug: str | None) -> ImportedLens | None:
        root = self.obj(doc, "$")
        if root is None:
            return None
        version = root.get("schemaVersion")
        if version != SCHEMA_VERSION:
            self.error("$.schemaVersion" if "schemaVersion" in root else "$",
                       f"schemaVersion must be {SCHEMA_VERSION!r}, found {version!r}"
                       if "schemaVersion" in root else
                       f"missing 'schemaVersion' (expected {SCHEMA_VERSION!r})")
        name = self.text(root, "name", "$", LIMITS.lens_name, required=True)
        description = self.text(root, "description", "$", LIMITS.lens_description,
                                required=True)
        extra = self.extra(root, _LENS_KEYS, "$")
        raw_pillars = self.array(root, "pillars", "$", LIMITS.pillars, "pillar") or []
        pillars = []
        pillar_ids: dict[str, str] = {}
        question_ids: dict[str, str] = {}
        for i, raw in enumerate(raw_pillars):
            path = f"$.pillars[{i}]"
            pillar = self.pillar(raw, path, question_ids)
            if pillar is None:
                continue
            if pillar.id in pillar_ids:
                self.error(f"{path}.id", f"pillar id {pillar.id!r} is already used at "
                           f"{pillar_ids[pillar.id]}")
            pillar_ids.setdefault(pillar.id, path)
            pillars.append(pillar)
        if self.errors.problems or name is None:
            return None
        return ImportedLens(name=name, description=description, pillars=tuple(pillars),
                            slug=slug or slugify(name), schema_version=SCHEMA_VERSION,
                            extra=extra, source=self.source, warnings=tuple(self.warnings))

    def pillar(self, raw: Any, path: str, question_ids: dict[str, str]) -> LensPillar | None:
        obj = self.obj(raw, path)
        if obj is None:
            return None
        pid = self.ident(obj, path, LIMITS.pillar_id, LIMITS.pillar_id_min)
        name = self.text(obj, "name", path, LIMITS.pillar_name, required=True)
        extra = self.extra(obj, _PILLAR_KEYS, path)
        raw_questions = self.array(obj, "questions", path, LIMITS.questions_per_pillar,
                                   "question") or []
        questions = []
        for j, rq in enumerate(raw_questions):
            qpath = f"{path}.questions[{j}]"
            q = self.question(rq, qpath)
            if q is None:
                continue
            if q.id in question_ids:
                self.error(f"{qpath}.id", f"question id {q.id!r} is already used at "
                           f"{question_ids[q.id]}")
            question_ids.setdefault(q.id, qpath)
            questions.append(q)
        if pid is None or name is None:
            return None
        return LensPillar(pid, name, tuple(questions), extra)

    def question(self, raw: Any, path: str) -> LensQuestion | None:
        obj = self.obj(raw, path)
        if obj is None:
            return None
        qid = self.ident(obj, path, LIMITS.question_id)
        title = self.text(obj, "title", path, LIMITS.question_title, required=True)
        description = self.text(obj, "description", path, LIMITS.question_description,
                                required=False)
        helpful = self.content(obj, "helpfulResource", path, required_text=True)
        extra = self.extra(obj, _QUESTION_KEYS, path)
        raw_choices = self.array(obj, "choices", path, LIMITS.choices_per_question,
                                 "choice") or []
        choices = []
        seen: dict[str, str] = {}
        for k, rc in enumerate(raw_choices):
            cpath = f"{path}.choices[{k}]"
            c = self.choice(rc, cpath)
            if c is None:
                continue
            if c.id in seen:
                self.error(f"{cpath}.id", f"choice id {c.id!r} is already used at {seen[c.id]}")
            seen.setdefault(c.id, cpath)
            choices.append(c)
        nones = [c.id for c in choices if c.none_of_these]
        if len(nones) > 1:
            self.warn(f"{path}.choices", f"more than one 'None of these' choice: {', '.join(nones)}")
        rules = self.rules(obj, path, set(seen), choices)
        if qid is None or title is None or rules is None:
            return None
        return LensQuestion(qid, title, tuple(choices), rules, description, helpful, extra)

    def choice(self, raw: Any, path: str) -> Choice | None:
        obj = self.obj(raw, path)
        if obj is None:
            return None
        cid = self.ident(obj, path, LIMITS.choice_id)
        title = self.text(obj, "title", path, LIMITS.choice_title, required=True)
        description = self.text(obj, "description", path, LIMITS.choice_description,
                                required=False)
        helpful = self.content(obj, "helpfulResource", path, required_text=True)
        plan = self.content(obj, "improvementPlan", path, required_text=True)
        if plan is None and "improvementPlan" not in obj and cid and not cid.endswith("_no"):
            self.warn(path, "no improvementPlan; the tool expects one for every choice "
                      "except 'None of these'")
        additional = self.additional(obj, path)
        extra = self.extra(obj, _CHOICE_KEYS, path)
        if additional is None and "additionalResources" in obj:
            extra["additionalResources"] = obj["additionalResources"]  # kept as it was
        if cid is None or title is None:
            return None
        return Choice(cid, title, description, helpful, plan, additional, extra)

    def content(self, obj: Mapping[str, Any], key: str, path: str, *,
                required_text: bool) -> Content | None:
        if key not in obj:
            return None
        p = f"{path}.{key}"
        inner = self.obj(obj[key], p)
        if inner is None:
            return None
        return self.content_obj(inner, p, required_text=required_text)

    def content_obj(self, inner: Mapping[str, Any], p: str, *, required_text: bool) -> Content:
        text = self.text(inner, "displayText", p, LIMITS.display_text, required=required_text)
        url = self.text(inner, "url", p, LIMITS.url, required=False)
        if url is not None and url and not re.match(r"^https?://", url):
            self.warn(f"{p}.url", f"{url[:60]!r} is not an http(s) URL")
        return Content(text, url, self.extra(inner, _CONTENT_KEYS, p))

    def additional(self, obj: Mapping[str, Any], path: str) -> tuple[AdditionalResources, ...] | None:
        key = "additionalResources"
        if key not in obj:
            return None
        p = f"{path}.{key}"
        value = obj[key]
        if not isinstance(value, list):
            self.error(p, f"expected an array, found {_kind(value)}")
            return None
        if not value:  # an empty list is harmless; keep it verbatim as an extra key
            return None
        if len(value) > LIMITS.additional_resources:
            self.error(p, f"has {len(value)} entries; the limit is {LIMITS.additional_resources}"
                       " (one of each type)")
        out = []
        types: set[str] = set()
        for i, raw in enumerate(value):
            ip = f"{p}[{i}]"
            entry = self.obj(raw, ip)
            if entry is None:
                continue
            rtype = entry.get("type")
            if rtype not in RESOURCE_TYPES:
                self.error(f"{ip}.type", f"type must be one of {', '.join(RESOURCE_TYPES)}, "
                           f"found {rtype!r}")
                continue
            if rtype in types:
                self.error(f"{ip}.type", f"a second {rtype} entry; one of each type is allowed")
            types.add(rtype)
            contents = self.array(entry, "content", ip, LIMITS.additional_content, "content "
                                  "entry") or []
            items = []
            for j, rc in enumerate(contents):
                cp = f"{ip}.content[{j}]"
                c = self.obj(rc, cp)
                if c is not None:
                    items.append(self.content_obj(c, cp, required_text=False))
            out.append(AdditionalResources(rtype, tuple(items),
                                           self.extra(entry, _ADDITIONAL_KEYS, ip)))
        return tuple(out)

    def rules(self, obj: Mapping[str, Any], path: str, choice_ids: set[str],
              choices: Sequence[Choice] = ()) -> tuple[RiskRule, ...] | None:
        raw_rules = self.array(obj, "riskRules", path, None, "risk rule")
        if raw_rules is None:
            return None
        rules = []
        default_at: int | None = None
        for i, raw in enumerate(raw_rules):
            rp = f"{path}.riskRules[{i}]"
            rule = self.obj(raw, rp)
            if rule is None:
                continue
            risk = rule.get("risk")
            if "risk" not in rule:
                self.error(rp, "missing 'risk'")
            elif risk not in RISKS:
                self.error(f"{rp}.risk", f"risk must be one of {', '.join(RISKS)}, found {risk!r}")
            condition = self.text(rule, "condition", rp, 10_000, required=True)
            extra = self.extra(rule, _RULE_KEYS, rp)
            if condition is None:
                continue
            try:
                expr = parse_condition(condition)
            except ConditionError as exc:
                self.error(f"{rp}.condition", f"{exc.message} in {condition!r}")
                continue
            if isinstance(expr, Default):
                if default_at is not None:
                    self.error(f"{rp}.condition", "a second 'default' rule")
                default_at = i if default_at is None else default_at
            elif default_at is not None:
                self.error(f"{rp}.condition", f"never reached: the 'default' rule at "
                           f"riskRules[{default_at}] comes first (rules are tried in order)")
            cols = ref_columns(condition)
            for ref in references(expr):
                if ref not in choice_ids:
                    import difflib

                    close = difflib.get_close_matches(ref, sorted(choice_ids), n=2)
                    hint = f"; did you mean {', '.join(close)}?" if close else \
                        f"; the question's choices are {', '.join(sorted(choice_ids))}"
                    self.error(f"{rp}.condition", f"unknown choice id {ref!r} at column "
                               f"{cols.get(ref, 1)}{hint}")
            if isinstance(risk, str) and risk in RISKS:
                rules.append(RiskRule(condition, risk, extra))
        if raw_rules and default_at is None and choices and len(rules) == len(raw_rules):
            uncovered = first_uncovered([c.id for c in choices],
                                        [c.id for c in choices if c.none_of_these],
                                        [r.expr for r in rules])
            if uncovered is not None:
                self.warn(f"{path}.riskRules", "no 'default' rule, and some answers match no "
                          f"rule, e.g. [{', '.join(uncovered)}]: the tool then reports no "
                          "risk; add a 'default' rule to say what they mean")
        return tuple(rules)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "a value")


# ------------------------------------------------------------------------------ public API

def parse_lens_dict(doc: Any, *, source: str | None = None, slug: str | None = None
                    ) -> ImportedLens:
    """Check a decoded lens document; an :class:`InputError` lists every problem."""
    checker = _Checker(source)
    lens = checker.lens(doc, slug)
    checker.errors.raise_if_any(f"{source or 'the lens'}: {len(checker.errors.problems)} "
                                "problem(s) in the custom lens")
    assert lens is not None
    size = len(json.dumps(lens.to_json(), ensure_ascii=False).encode("utf-8"))
    if size > LIMITS.file_bytes:
        raise InputError(f"the lens is {size} bytes as compact JSON; the limit is "
                         f"{LIMITS.file_bytes}", Location(source, pointer="$"))
    return lens


class _NotStrict(ValueError):
    pass


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def _refuse_constant(name: str) -> Any:
    raise _NotStrict(name)


def loads_strict(text: str, source: str | None, duplicates: list[str] | None = None) -> Any:
    """Decode a custom lens's JSON text as strict JSON (RFC 8259), as the Well-Architected
    Tool does: a bare ``NaN`` or ``Infinity`` (which Python's json accepts) is refused with
    its line and column. A key given twice in one object keeps its last value, as every
    JSON reader does, and is named in ``duplicates`` (the importer's warnings): the lens
    may not say what its author meant."""

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out and duplicates is not None:
                owner = dict(pairs).get("id")
                where = (f" in the object with id {json.dumps(owner)}"
                         if isinstance(owner, str) else "")
                duplicates.append(f"duplicate key {json.dumps(key)}{where}: the last value "
                                  "is used, the others are lost")
            out[key] = value
        return out

    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", Location(source, exc.lineno, exc.colno)) \
            from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", Location(source)) from None
    except _NotStrict as exc:
        if str(exc) in ("NaN", "Infinity", "-Infinity"):
            for m in _TOKENS.finditer(text):
                if m.group(1):
                    line = text.count("\n", 0, m.start()) + 1
                    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                    raise InputError(f"not strict JSON: a bare {m.group(1)} is not a JSON value"
                                     " (write a number or a string)",
                                     Location(source, line, column)) from None
        raise InputError(f"not strict JSON: {exc}", Location(source)) from None


def import_lens_json(path: str | Path, *, slug: str | None = None) -> ImportedLens:
    """Read and check a Well-Architected Tool custom-lens JSON file."""
    from engine.safefile import read_text

    p = Path(path)
    text = read_text(p, LIMITS.file_bytes, what="lens file", encoding="utf-8-sig")
    duplicates: list[str] = []
    lens = parse_lens_dict(loads_strict(text, str(p), duplicates), source=str(p), slug=slug)
    return with_warnings(lens, duplicates)


def with_warnings(lens: ImportedLens, warnings: Sequence[str]) -> ImportedLens:
    """``lens`` with ``warnings`` added (found before the lens was checked)."""
    if not warnings:
        return lens
    import dataclasses

    return dataclasses.replace(lens, warnings=(*warnings, *lens.warnings))


def export_custom_lens(lens: ImportedLens) -> dict[str, Any]:
    """The lens as a Well-Architected Tool custom-lens document (a JSON-ready dict)."""
    return lens.to_json()


def normalise(doc: Any) -> str:
    """Canonical JSON text of a document: key order and whitespace do not matter."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# ------------------------------------------------------------------------------ reviews

def evaluate_risk(question: LensQuestion, selected_choice_ids: Sequence[str] | set[str]) -> str:
    """The risk of one answer: the first rule whose condition holds wins.

    Ids that are not choices of the question raise :class:`InputError`. When no rule matches
    (only possible without a ``default`` rule) the answer is :data:`NO_MATCH_RISK`.
    """
    selected = set(selected_choice_ids)
    unknown = sorted(selected - set(question.choice_ids))
    if unknown:
        raise InputError(f"question {question.id}: unknown choice id(s) {', '.join(unknown)}; "
                         f"its choices are {', '.join(question.choice_ids)}")
    for rule in question.risk_rules:
        if rule.matches(selected):
            return rule.risk
    return NO_MATCH_RISK


def review(lens: ImportedLens, answers: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Risk per question for a set of answers (question id -> selected choice ids).

    Every question of the lens appears in the result, in lens order; a question without an
    answer (or with an empty list) is ``UNANSWERED``. Choosing "None of these" together with
    other choices is refused, as the tool does not allow it.
    """
    problems = ErrorList()
    for qid, chosen in answers.items():
        if qid not in lens.question_by_id:
            problems.add(Location(pointer=f"answers.{qid}"),
                         f"lens {lens.name!r} has no question {qid!r}")
            continue
        if isinstance(chosen, str) or not isinstance(chosen, Sequence):
            problems.add(Location(pointer=f"answers.{qid}"), "expected a list of choice ids")
            continue
        q = lens.question_by_id[qid]
        known = set(q.choice_ids)
        for cid in chosen:
            if cid not in known:
                problems.add(Location(pointer=f"answers.{qid}"),
                             f"unknown choice id {cid!r}; the choices are {', '.join(q.choice_ids)}")
        nones = [c for c in chosen if c.endswith("_no") and c in known]
        if nones and len(set(chosen)) > 1:
            problems.add(Location(pointer=f"answers.{qid}"),
                         f"{nones[0]} ('None of these') cannot be chosen with other choices")
    problems.raise_if_any(f"{len(problems.problems)} problem(s) in the answers")
    out: dict[str, str] = {}
    for q in lens.questions:
        chosen = list(answers.get(q.id) or [])
        out[q.id] = evaluate_risk(q, chosen) if chosen else UNANSWERED
    return out


# ------------------------------------------------------------------------------ RDF

def _ns() -> Any:
    from engine.vocab import MLWA

    return MLWA


def vocabulary_file() -> Path:
    """``customlens.ttl``: the classes and properties the RDF form uses."""
    return Path(__file__).with_name("customlens.ttl")


def lens_to_graph(lens: ImportedLens, graph: Graph | None = None) -> Graph:
    """Add the lens to ``graph`` (a new graph by default) as ``mlwa:CustomLens`` data."""
    from rdflib import RDF, Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS

    from engine.vocab import PREFIXES

    mlwa = _ns()
    g = graph if graph is not None else Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)

    def s(value: str) -> Literal:
        return Literal(value)

    def describe(node: URIRef, cls: Any, order: int | None, extra: Mapping[str, Any]) -> None:
        g.add((node, RDF.type, cls))
        if order is not None:
            g.add((node, mlwa.order, Literal(order)))
        if extra:
            g.add((node, mlwa.extraJson, Literal(json.dumps(dict(extra), ensure_ascii=False),
                                                 datatype=RDF.JSON)))

    def content(node: URIRef, c: Content, order: int | None = None) -> URIRef:
        describe(node, mlwa.ChoiceContent, order, c.extra)
        if c.display_text is not None:
            g.add((node, mlwa.displayText, s(c.display_text)))
        if c.url is not None:
            g.add((node, mlwa.url, s(c.url)))
        return node

    root = URIRef(lens.iri)
    describe(root, mlwa.CustomLens, None, lens.extra)
    g.add((root, RDF.type, mlwa.Lens))
    g.add((root, DCTERMS.title, s(lens.name)))
    if lens.description is not None:
        g.add((root, DCTERMS.description, s(lens.description)))
    g.add((root, mlwa.schemaVersion, s(lens.schema_version)))
    for i, p in enumerate(lens.pillars, 1):
        pn = URIRef(f"{lens.iri}/pillar/{p.id}")
        g.add((root, mlwa.hasLensPillar, pn))
        describe(pn, mlwa.LensPillar, i, p.extra)
        g.add((pn, mlwa.toolId, s(p.id)))
        g.add((pn, DCTERMS.title, s(p.name)))
        for j, q in enumerate(p.questions, 1):
            qn = URIRef(f"{lens.iri}/question/{q.id}")
            g.add((pn, mlwa.hasLensQuestion, qn))
            describe(qn, mlwa.LensQuestion, j, q.extra)
            g.add((qn, mlwa.toolId, s(q.id)))
            g.add((qn, DCTERMS.title, s(q.title)))
            if q.description is not None:
                g.add((qn, DCTERMS.description, s(q.description)))
            if q.helpful_resource is not None:
                g.add((qn, mlwa.helpfulResource,
                       content(URIRef(f"{qn}/helpful-resource"), q.helpful_resource)))
            choice_nodes: dict[str, URIRef] = {}
            for k, c in enumerate(q.choices, 1):
                cn = URIRef(f"{qn}/choice/{c.id}")
                choice_nodes[c.id] = cn
                g.add((qn, mlwa.hasChoice, cn))
                describe(cn, mlwa.LensChoice, k, c.extra)
                g.add((cn, mlwa.toolId, s(c.id)))
                g.add((cn, DCTERMS.title, s(c.title)))
                g.add((cn, mlwa.noneOfThese, Literal(c.none_of_these)))
                if c.description is not None:
                    g.add((cn, DCTERMS.description, s(c.description)))
                if c.helpful_resource is not None:
                    g.add((cn, mlwa.helpfulResource,
                           content(URIRef(f"{cn}/helpful-resource"), c.helpful_resource)))
                if c.improvement_plan is not None:
                    g.add((cn, mlwa.improvementPlan,
                           content(URIRef(f"{cn}/improvement-plan"), c.improvement_plan)))
                for a_i, a in enumerate(c.additional_resources or (), 1):
                    an = URIRef(f"{cn}/additional-resources/{a_i}")
                    g.add((cn, mlwa.hasAdditionalResources, an))
                    describe(an, mlwa.AdditionalResources, a_i, a.extra)
                    g.add((an, mlwa.resourceType, s(a.type)))
                    for c_i, item in enumerate(a.content, 1):
                        g.add((an, mlwa.hasContent, content(URIRef(f"{an}/content/{c_i}"), item,
                                                            c_i)))
            for r_i, rule in enumerate(q.risk_rules, 1):
                rn = URIRef(f"{qn}/rule/{r_i}")
                g.add((qn, mlwa.hasRiskRule, rn))
                describe(rn, mlwa.RiskRule, r_i, rule.extra)
                g.add((rn, mlwa.condition, s(rule.condition)))
                g.add((rn, mlwa.ruleRisk, s(rule.risk)))
                g.add((rn, mlwa.isDefault, Literal(rule.is_default)))
                for ref in references(rule.expr):
                    g.add((rn, mlwa.mentionsChoice, choice_nodes[ref]))
    return g


def graph_to_lens(graph: Graph, iri: str | None = None) -> ImportedLens:
    """Read a custom lens back from RDF (the one in the graph, or the one named ``iri``).

    The result is rebuilt as a document and checked again, so a graph edited by hand gets
    the same errors as a file would.
    """
    from rdflib import RDF, URIRef
    from rdflib.namespace import DCTERMS

    mlwa = _ns()
    if iri is None:
        roots = sorted(graph.subjects(RDF.type, mlwa.CustomLens), key=str)
        if len(roots) != 1:
            raise InputError(f"expected one mlwa:CustomLens in the graph, found {len(roots)}")
        root: Node = roots[0]
    else:
        root = URIRef(iri)
        if (root, RDF.type, mlwa.CustomLens) not in graph:
            raise InputError(f"{iri} is not a mlwa:CustomLens in this graph")

    def lit(node: Node, prop: Any) -> str | None:
        v = graph.value(node, prop)  # type: ignore[arg-type]
        return None if v is None else str(v)

    def put(out: dict[str, Any], key: str, node: Node, prop: Any) -> None:
        v = lit(node, prop)
        if v is not None:
            out[key] = v

    def extra(node: Node) -> dict[str, Any]:
        v = lit(node, mlwa.extraJson)
        return json.loads(v) if v else {}

    def ordered(node: Node, prop: Any) -> Iterator[Node]:
        items = list(graph.objects(node, prop))  # type: ignore[arg-type]
        return iter(sorted(items, key=lambda n: int(graph.value(n, mlwa.order) or 0)))  # type: ignore[arg-type]

    def content(node: Node) -> dict[str, Any]:
        out: dict[str, Any] = {}
        put(out, "displayText", node, mlwa.displayText)
        put(out, "url", node, mlwa.url)
        out.update(extra(node))
        return out

    doc: dict[str, Any] = {}
    put(doc, "schemaVersion", root, mlwa.schemaVersion)
    put(doc, "name", root, DCTERMS.title)
    put(doc, "description", root, DCTERMS.description)
    doc.update(extra(root))
    doc["pillars"] = []
    for pn in ordered(root, mlwa.hasLensPillar):
        pillar: dict[str, Any] = {}
        put(pillar, "id", pn, mlwa.toolId)
        put(pillar, "name", pn, DCTERMS.title)
        pillar["questions"] = []
        for qn in ordered(pn, mlwa.hasLensQuestion):
            q: dict[str, Any] = {}
            put(q, "id", qn, mlwa.toolId)
            put(q, "title", qn, DCTERMS.title)
            put(q, "description", qn, DCTERMS.description)
            hr = graph.value(qn, mlwa.helpfulResource)  # type: ignore[arg-type]
            if hr is not None:
                q["helpfulResource"] = content(hr)
            q["choices"] = []
            for cn in ordered(qn, mlwa.hasChoice):
                c: dict[str, Any] = {}
                put(c, "id", cn, mlwa.toolId)
                put(c, "title", cn, DCTERMS.title)
                put(c, "description", cn, DCTERMS.description)
                for key, prop in (("helpfulResource", mlwa.helpfulResource),
                                  ("improvementPlan", mlwa.improvementPlan)):
                    node = graph.value(cn, prop)  # type: ignore[arg-type]
                    if node is not None:
                        c[key] = content(node)
                extras = list(ordered(cn, mlwa.hasAdditionalResources))
                if extras:
                    c["additionalResources"] = [
                        {"type": lit(an, mlwa.resourceType),
                         "content": [content(x) for x in ordered(an, mlwa.hasContent)],
                         **extra(an)} for an in extras]
                c.update(extra(cn))
                q["choices"].append(c)
            q["riskRules"] = []
            for rn in ordered(qn, mlwa.hasRiskRule):
                rule: dict[str, Any] = {}
                put(rule, "condition", rn, mlwa.condition)
                put(rule, "risk", rn, mlwa.ruleRisk)
                rule.update(extra(rn))
                q["riskRules"].append(rule)
            q.update(extra(qn))
            pillar["questions"].append(q)
        pillar.update(extra(pn))
        doc["pillars"].append(pillar)
    slug = str(root)[len(CUSTOM_LENS_BASE):] if str(root).startswith(CUSTOM_LENS_BASE) else None
    return parse_lens_dict(doc, source=str(root), slug=slug or None)


__all__ = [
    "DEFAULT", "LIMITS", "RISKS", "SCHEMA_VERSION", "UNANSWERED", "AdditionalResources",
    "Choice", "Content", "ImportedLens", "LensPillar", "LensQuestion", "Limits", "RiskRule",
    "evaluate_risk", "export_custom_lens", "graph_to_lens", "import_lens_json", "lens_to_graph",
    "normalise", "parse_lens_dict", "review", "slugify", "vocabulary_file",
]
