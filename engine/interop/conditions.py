"""The boolean risk-rule conditions of Well-Architected Tool custom lenses.

A condition is ``default`` or an expression over choice ids with ``&&``, ``||``, ``!`` and
parentheses; ``!`` binds tightest, then ``&&``, then ``||``. A choice id stands for "this
choice is selected". :func:`parse_condition` turns the text into a small tree that
:func:`evaluate` runs against a set of selected choice ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

DEFAULT = "default"
_TOKEN = re.compile(r"\s*(?:(?P<op>&&|\|\||!|\(|\))|(?P<id>[A-Za-z0-9_]+)|(?P<bad>\S))")


class ConditionError(ValueError):
    """A condition that does not parse; ``column`` counts from 1 inside the condition."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Ref:
    choice: str


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Default:
    """The ``default`` condition: always true."""


Expr = Ref | Not | And | Or | Default


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, column) triples; kind is ``op`` or ``id``."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing whitespace is left
            break
        if m.lastgroup == "bad":
            col = m.start("bad") + 1
            raise ConditionError(f"unexpected character {m.group('bad')!r} at column {col}; "
                                 "use choice ids, &&, ||, ! and parentheses", col)
        kind = m.lastgroup or "op"
        out.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def end_column(self) -> int:
        return len(self.text.rstrip()) + 1

    def expect_operand(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ConditionError(f"the condition ends where a choice id or '(' is expected "
                                 f"(column {self.end_column()})", self.end_column())
        return tok

    def parse(self) -> Expr:
        expr = self.parse_or()
        tok = self.peek()
        if tok is not None:
            raise ConditionError(f"unexpected {tok[1]!r} at column {tok[2]}; expected && or || "
                                 "between operands", tok[2])
        return expr

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while (tok := self.peek()) is not None and tok[1] == "||":
            self.i += 1
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Expr:
        items = [self.parse_not()]
        while (tok := self.peek()) is not None and tok[1] == "&&":
            self.i += 1
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Expr:
        tok = self.expect_operand()
        if tok[1] == "!":
            self.i += 1
            return Not(self.parse_not())
        return self.parse_atom()

    def parse_atom(self) -> Expr:
        kind, text, col = self.expect_operand()
        if kind == "id":
            self.i += 1
            if text == DEFAULT:
                raise ConditionError(f"'default' at column {col} must be the whole condition", col)
            return Ref(text)
        if text == "(":
            self.i += 1
            inner = self.parse_or()
            close = self.peek()
            if close is None or close[1] != ")":
                where = close[2] if close else self.end_column()
                raise ConditionError(f"missing ')' for the '(' at column {col}", where)
            self.i += 1
            return inner
        raise ConditionError(f"unexpected {text!r} at column {col}; expected a choice id, '!' "
                             "or '('", col)


def parse_condition(text: str) -> Expr:
    """Parse one risk-rule condition; :class:`ConditionError` explains what is wrong."""
    if not isinstance(text, str):
        raise ConditionError("a condition must be a string", 1)
    if text.strip() == DEFAULT:
        return Default()
    if not text.strip():
        raise ConditionError("the condition is empty", 1)
    return _Parser(text).parse()


def references(expr: Expr) -> list[str]:
    """The choice ids a condition mentions, in order of first appearance."""
    seen: dict[str, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, Ref):
            seen.setdefault(e.choice, None)
        elif isinstance(e, Not):
            walk(e.operand)
        elif isinstance(e, And | Or):
            for o in e.operands:
                walk(o)

    walk(expr)
    return list(seen)


def ref_columns(text: str) -> dict[str, int]:
    """Column (from 1) of the first mention of each identifier in ``text``."""
    cols: dict[str, int] = {}
    for m in re.finditer(r"[A-Za-z0-9_]+", text):
        cols.setdefault(m.group(0), m.start() + 1)
    return cols


def evaluate(expr: Expr, selected: Collection[str]) -> bool:
    """True when the condition holds for this set of selected choice ids."""
    if isinstance(expr, Default):
        return True
    if isinstance(expr, Ref):
        return expr.choice in selected
    if isinstance(expr, Not):
        return not evaluate(expr.operand, selected)
    if isinstance(expr, And):
        return all(evaluate(o, selected) for o in expr.operands)
    return any(evaluate(o, selected) for o in expr.operands)


def mask_function(expr: Expr, bit: dict[str, int]) -> Callable[[int], bool]:
    """``expr`` as a function of a bit mask of selected choices (``bit[id]`` is the id's
    bit): what :func:`first_uncovered` calls tens of thousands of times per question."""
    if isinstance(expr, Default):
        return lambda m: True
    if isinstance(expr, Ref):
        b = bit.get(expr.choice, 0)
        return lambda m: bool(m & b)
    if isinstance(expr, Not):
        inner = mask_function(expr.operand, bit)
        return lambda m: not inner(m)
    parts = [mask_function(o, bit) for o in expr.operands]
    if isinstance(expr, And):
        return lambda m: all(f(m) for f in parts)
    return lambda m: any(f(m) for f in parts)


def first_uncovered(choices: Sequence[str], none_choices: Collection[str],
                    conditions: Sequence[Expr]) -> list[str] | None:
    """The smallest answer no condition holds for, or None when every answer the tool
    accepts matches one. Answers are the non-empty sets of ``choices``, with a "None of
    these" choice only on its own (the tool clears the others when it is picked); at most
    2^15 of them, the tool's limit being 15 choices per question."""
    bit = {c: 1 << i for i, c in enumerate(choices)}
    tests = [mask_function(e, bit) for e in conditions]
    nones = 0
    for c in none_choices:
        nones |= bit.get(c, 0)
    candidates = sorted(range(1, 1 << len(choices)), key=lambda m: (m.bit_count(), m))
    for m in candidates:
        if m & nones and m & ~nones:
            continue
        if not any(t(m) for t in tests):
            return [c for c in choices if m & bit[c]]
    return None


def render(expr: Expr) -> str:
    """Canonical text of a condition (used by the exporter)."""
    if isinstance(expr, Default):
        return DEFAULT
    if isinstance(expr, Ref):
        return expr.choice
    if isinstance(expr, Not):
        inner = render(expr.operand)
        return f"!{inner}" if isinstance(expr.operand, Ref | Not) else f"!({inner})"
    if isinstance(expr, And):
        return " && ".join(render(o) if not isinstance(o, Or) else f"({render(o)})"
                           for o in expr.operands)
    return " || ".join(render(o) for o in expr.operands)
