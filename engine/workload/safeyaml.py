"""Safe, position-tracking reading of YAML and JSON documents.

YAML is read from PyYAML's *event* stream with an explicit stack (no recursion, no object
construction), so nothing in the document can run code, expand aliases or exhaust the
interpreter's stack. Scalars are resolved with the YAML 1.2 core schema (``yes`` and ``no``
stay strings, dates stay strings: the schema and the lifter check them). Refused: anchors,
aliases, explicit tags (``!!python/object`` and friends), several documents in one file,
duplicate keys, non-text keys, nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES``
nodes, strings longer than ``MAX_STRING``.

The result is plain data (dict, list, str, int, float, bool, None) plus a table of positions
keyed by path (a tuple of keys and indexes): where each value starts and where each key is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import yaml

from engine.errors import InputError, Location, Problem

MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_STRING = 100_000

Path_ = tuple[str | int, ...]

# libyaml's event parser when present (iterative and fast), else PyYAML's pure-Python one.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"^[-+]?[0-9]{1,30}$")
_OCT = re.compile(r"^0o[0-7]{1,30}$")
_HEX = re.compile(r"^0x[0-9a-fA-F]{1,30}$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


@dataclass
class Positions:
    """Where things are: ``values[path]`` and ``keys[path]`` are (line, column), from 1."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def value(self, path: Path_) -> tuple[int | None, int | None]:
        """Position of the value at ``path``, else of the nearest enclosing value."""
        while True:
            if path in self.values:
                return self.values[path]
            if not path:
                return (None, None)
            path = path[:-1]

    def key(self, path: Path_) -> tuple[int | None, int | None]:
        if path in self.keys:
            return self.keys[path]
        return self.value(path)


def pointer(path: Path_) -> str:
    """``("endpoints", 0, "instances")`` -> ``endpoints[0].instances``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    if len(out) > 120:
        out = "…" + out[-119:]
    return out or "(document)"


def _resolve(value: str, plain: bool) -> Any:
    if not plain:
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _OCT.match(value):
        return int(value[2:], 8)
    if _HEX.match(value):
        return int(value[2:], 16)
    if len(value) <= 40 and _FLOAT.match(value) and not value.isdigit():
        return float(value)
    return value


# Scalars that _resolve may turn into something other than text start with one of these
# (or are empty); any other plain scalar is text as it stands.
_NOT_TEXT_START = frozenset("0123456789+-.~nNtTfF")

_SCALAR = yaml.ScalarEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_END = yaml.SequenceEndEvent
_ALIAS = yaml.AliasEvent
_DOCUMENT_START = yaml.DocumentStartEvent
_STREAM_END = yaml.StreamEndEvent


def _loc(filename: str | None, mark: Any, path: Path_ | None = None) -> Location:
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    return Location(filename, line, col, pointer(path) if path else None)


def load_yaml(text: str, filename: str | None = None,
              tags: Callable[[str, Any], Any] | None = None) -> tuple[Any, Positions]:
    """Parse one YAML document safely. Raises :class:`InputError`.

    ``tags`` accepts the local tags a format defines (CloudFormation's ``!Ref``, ``!If``
    ...): it is called with the tag and the node's plain value and returns what the node
    becomes, or raises :class:`ValueError` for a tag it does not know. Without it every
    explicit tag is refused."""
    pos = Positions()
    values = pos.values
    keys = pos.keys
    # The innermost open collection: the container, its path, the key read and waiting
    # for its value (mappings), whether it is a mapping. Enclosing ones wait on ``stack``.
    # (This loop runs once per YAML event, so it is written for speed: locals only.)
    cont: Any = None
    cpath: Path_ = ()
    ckey: Any = None  # str once a mapping's key is read, until its value is attached
    cdict = False
    stack: list[tuple[Any, Path_, Any, bool]] = []
    wraps: list[str | None] = []  # the tag of each open collection (only with ``tags``)
    wrap: str | None = None
    root: Any = None
    have_root = False
    documents = 0
    nodes = 0
    value: Any
    loader = _LOADER(text)
    try:
        next_event = loader.get_event
        while True:
            event = next_event()
            kind = event.__class__
            if kind is _SCALAR or kind is _MAPPING_START or kind is _SEQUENCE_START:
                nodes += 1
                mark = event.start_mark
                if nodes > MAX_NODES:
                    raise InputError(f"the document has more than {MAX_NODES:,} values; "
                                     "a workload description is far smaller",
                                     _loc(filename, mark))
                if event.anchor is not None:
                    raise InputError(f"YAML anchors (&{event.anchor}) are not allowed in "
                                     "workload files; repeat the value instead",
                                     _loc(filename, mark, _open_path(cont, cpath, ckey)))
                tag = event.tag
                wrap = None
                if tag is not None and tag != "!":
                    if tags is None or (cdict and ckey is None):
                        where = "in workload files" if tags is None else "on keys"
                        raise InputError(f"YAML tags ({tag}) are not allowed {where}",
                                         _loc(filename, mark, _open_path(cont, cpath, ckey)))
                    wrap = tag
                if cdict and ckey is None:  # this node is a key
                    if kind is not _SCALAR:
                        raise InputError("keys must be plain text, not lists or mappings",
                                         _loc(filename, mark, cpath))
                    key = event.value
                    if key in cont:
                        raise InputError(f"duplicate key `{key}`",
                                         _loc(filename, mark, (*cpath, key)))
                    ckey = key
                    keys[(*cpath, key)] = (mark.line + 1, mark.column + 1)
                    continue
                if cont is None:
                    path: Path_ = ()
                elif cdict:
                    path = (*cpath, ckey)
                else:
                    path = (*cpath, len(cont))
                values[path] = (mark.line + 1, mark.column + 1)
                if kind is _SCALAR:
                    raw = event.value
                    if len(raw) > MAX_STRING:
                        raise InputError(f"a text value is longer than {MAX_STRING:,} "
                                         "characters", _loc(filename, mark, path))
                    if (not raw or raw[0] in _NOT_TEXT_START) and event.implicit[0] \
                            and not event.style:
                        value = _resolve(raw, True)
                    else:
                        value = raw
                    if wrap is not None:
                        value = _tagged(tags, wrap, value, filename, mark, path)
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                                         _loc(filename, mark, path))
                    stack.append((cont, cpath, ckey, cdict))
                    if tags is not None:
                        wraps.append(wrap)
                    cdict = kind is _MAPPING_START
                    cont = {} if cdict else []
                    cpath = path
                    ckey = None
                    continue
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                value = cont
                if tags is not None:
                    wrap = wraps.pop()
                    if wrap is not None:
                        value = _tagged(tags, wrap, value, filename, event.start_mark, cpath)
                cont, cpath, ckey, cdict = stack.pop()
            elif kind is _DOCUMENT_START:
                documents += 1
                if documents > 1:
                    raise InputError("a workload file holds one YAML document; found a "
                                     "second '---'", _loc(filename, event.start_mark))
                continue
            elif kind is _ALIAS:
                raise InputError(f"YAML aliases (*{event.anchor}) are not allowed in "
                                 "workload files; repeat the value instead",
                                 _loc(filename, event.start_mark,
                                      _open_path(cont, cpath, ckey)))
            elif kind is _STREAM_END:
                break
            else:
                continue
            # attach a finished value to the open collection
            if cont is None:
                root, have_root = value, True
            elif cdict:
                cont[ckey] = value
                ckey = None
            else:
                cont.append(value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML: {problem}", _loc(filename, mark)) from None
    except RecursionError:  # pragma: no cover - the event parser does not recurse
        raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                         Location(filename)) from None
    finally:
        loader.dispose()
    if not have_root or root is None:
        raise InputError("the document is empty; a workload description is a mapping with "
                         "at least `id` and `name`", Location(filename, 1, 1))
    return root, pos


def _tagged(tags: Callable[[str, Any], Any], tag: str, value: Any, filename: str | None,
            mark: Any, path: Path_) -> Any:
    try:
        return tags(tag, value)
    except ValueError as exc:
        raise InputError(str(exc), _loc(filename, mark, path)) from None


def _open_path(cont: Any, cpath: Path_, ckey: Any) -> Path_:
    """The path of the node about to be read inside the open collection."""
    if cont is None:
        return ()
    if ckey is not None:
        return (*cpath, ckey)
    return cpath


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str, filename: str | None = None,
              check: Callable[[Any], None] | None = None) -> tuple[Any, Positions]:
    """Parse JSON strictly (no NaN, no duplicate keys, bounded depth), with positions.

    The data comes from :mod:`json`; positions come from the YAML event reader when it
    can read the same text (JSON is YAML), else they are left out. ``check`` sees the data
    before the (far slower) positions are read, and may refuse it by raising.
    """
    _check_json_depth(text, filename)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"duplicate key `{k}`")
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}",
                         Location(filename, exc.lineno, exc.colno)) from None
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", Location(filename)) from None
    except RecursionError:
        raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                         Location(filename)) from None
    if check is not None:
        check(data)
    _check_sizes(data, filename)
    try:
        _, pos = load_yaml(text, filename)
    except InputError:
        pos = Positions()
    if data is None or data == "" or data == {} or data == []:
        raise InputError("the document is empty; a workload description is a mapping with "
                         "at least `id` and `name`", Location(filename, 1, 1))
    return data, pos


_JSON_TOKEN = re.compile(r'[\[\]{}"]')
# the rest of a JSON string after its opening quote: up to the first unescaped quote
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\[\s\S][^"\\]*)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_BRACKET_STEP = [0] * 256
_BRACKET_STEP[ord("[")] = _BRACKET_STEP[ord("{")] = 1
_BRACKET_STEP[ord("]")] = _BRACKET_STEP[ord("}")] = -1


def _check_json_depth(text: str, filename: str | None) -> None:
    """Cheap bracket count outside strings, before json recurses.

    Without an escaped quote (``\\"``) in the text, the pieces between quotes alternate
    outside / inside a string exactly, so the brackets outside strings are what is left of
    the even pieces; they are summed in C (``bytes.translate``, ``accumulate``): a 390 KB
    file in a few milliseconds, where a step per string took 130 ms. With an escaped quote
    the token walk below runs instead. When the nesting is too deep, the character loop
    runs to say on which line. It stays before ``json.loads`` rather than becoming a walk
    of the parsed data: json's C parser recurses, and the Python recursion limit (which an
    application may raise) must not be what stops it."""
    data = text.encode("utf-8", "surrogatepass")
    if b'\\"' in data:
        _check_json_depth_by_token(text, filename)
        return
    brackets = b"".join(data.split(b'"')[0::2]).translate(None, _NOT_BRACKETS)
    if brackets and max(accumulate(map(_BRACKET_STEP.__getitem__, brackets))) > MAX_DEPTH:
        _check_json_depth_by_character(text, filename)
        raise AssertionError("the two depth checks disagree")  # pragma: no cover


def _check_json_depth_by_token(text: str, filename: str | None) -> None:
    """The depth check jumping from bracket to bracket and over whole strings with regular
    expressions (1.0 -> 0.65 ms for a 28 KB file against the character loop)."""
    depth = 0
    pos = 0
    search = _JSON_TOKEN.search
    rest = _JSON_STRING_REST.match
    while True:
        token = search(text, pos)
        if token is None:
            return
        ch = token.group()
        pos = token.end()
        if ch == '"':
            string = rest(text, pos)
            if string is None:  # unterminated: the rest of the text is in the string
                return
            pos = string.end()
        elif ch == "[" or ch == "{":
            depth += 1
            if depth > MAX_DEPTH:
                _check_json_depth_by_character(text, filename)
                raise AssertionError("the two depth checks disagree")  # pragma: no cover
        else:
            depth -= 1


def _check_json_depth_by_character(text: str, filename: str | None) -> None:
    """The depth check one character at a time, counting lines outside strings."""
    depth = 0
    in_str = False
    esc = False
    line = 1
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                                 Location(filename, line))
        elif ch in "]}":
            depth -= 1
        elif ch == "\n":
            line += 1


def _check_sizes(data: Any, filename: str | None) -> None:
    count = 0
    todo = [data]
    while todo:
        item = todo.pop()
        count += 1
        if count > MAX_NODES:
            raise InputError(f"the document has more than {MAX_NODES:,} values; a workload "
                             "description is far smaller", Location(filename))
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, str) and len(item) > MAX_STRING:
            raise InputError(f"a text value is longer than {MAX_STRING:,} characters",
                             Location(filename))


def load_yaml_as(text: str, source: str, error: type[InputError]) -> tuple[Any, Positions]:
    """:func:`load_yaml`, with its problems re-raised as ``error`` (e.g. a PolicyError)."""
    try:
        return load_yaml(text, filename=source)
    except error:
        raise
    except InputError as exc:
        raise error(exc.message, exc.location, exc.problems) from None


class PositionalProblems:
    """Collects problems located by their path in a YAML document (key or value position)."""

    def __init__(self, positions: Positions, source: str) -> None:
        self.pos = positions
        self.source = source
        self.problems: list[Problem] = []

    def loc(self, path: Path_, key: bool = False) -> Location:
        line, col = self.pos.key(path) if key else self.pos.value(path)
        return Location(self.source, line, col, pointer(path) if path else None)

    def err(self, path: Path_, message: str, key: bool = False) -> None:
        self.problems.append(Problem(self.loc(path, key), message))
