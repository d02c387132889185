"""SPARQL operators and functions on interned terms, with Oxigraph's rules.

Every function returns a ``Term`` (or ``True``/``False`` for tests) or ``None`` for an
evaluation error; an unbound variable is an error too. The tables follow spareval's
``equals``, ``partial_cmp``, ``effective_boolean_value`` and the XSD cast functions.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from engine.shacl.fast.mini import values as V
from engine.shacl.fast.mini.terms import BLANK, IRI, LITERAL, Term, from_value, iri, literal
from engine.shacl.fast.model import Unsupported

_FOURTEEN_HOURS = 14 * 3600 * V.DEC_POW


def ebv(t: Term | None) -> bool | None:
    if t is None or t.kind != LITERAL:
        return None
    cat = t.cat
    if cat == V.BOOL:
        return bool(t.val)
    if cat == V.STR:
        return t.val != ""
    if cat == V.INT or cat == V.DEC:
        return t.val != 0
    if cat == V.DBL or cat == V.FLT:
        return not (t.val == 0 or t.val != t.val)
    return None


def _num_pair(a: Term, b: Term) -> tuple[Any, Any] | None:
    """Both values converted to the common type, the way Oxigraph promotes them."""
    ca, cb = a.cat, b.cat
    va, vb = a.val, b.val
    if ca == cb:
        return va, vb
    if ca == V.FLT:
        if cb == V.DBL:
            return va, vb
        return va, V.to_float(cb, vb)
    if cb == V.FLT:
        if ca == V.DBL:
            return va, vb
        return V.to_float(ca, va), vb
    if ca == V.DBL or cb == V.DBL:
        return V.to_double(ca, va), V.to_double(cb, vb)
    # integer and decimal
    if ca == V.INT:
        return va * V.DEC_POW, vb
    return va, vb * V.DEC_POW


def _timestamp_eq(a: tuple[int, int | None], b: tuple[int, int | None]) -> bool:
    if (a[1] is None) != (b[1] is None):
        return False
    return a[0] == b[0]


def _timestamp_cmp(a: tuple[int, int | None], b: tuple[int, int | None]) -> int | None:
    va, vb = a[0], b[0]
    if (a[1] is None) == (b[1] is None):
        return (va > vb) - (va < vb)
    if a[1] is not None:  # b has no timezone: compare with b at +-14h
        hi, lo = vb + _FOURTEEN_HOURS, vb - _FOURTEEN_HOURS
        if not (V.I128_MIN <= hi <= V.I128_MAX and V.I128_MIN <= lo <= V.I128_MAX):
            return None
        plus, minus = (va > hi) - (va < hi), (va > lo) - (va < lo)
    else:
        hi, lo = va + _FOURTEEN_HOURS, va - _FOURTEEN_HOURS
        if not (V.I128_MIN <= hi <= V.I128_MAX and V.I128_MIN <= lo <= V.I128_MAX):
            return None
        plus, minus = (hi > vb) - (hi < vb), (lo > vb) - (lo < vb)
    return plus if plus == minus else None


_TIMES = (V.DATETIME, V.DATE, V.TIME)


def equals(a: Term | None, b: Term | None) -> bool | None:
    """The ``=`` operator."""
    if a is None or b is None:
        return None
    if a is b:  # identical terms are equal, except NaN
        return not (a.kind == LITERAL and (a.cat == V.DBL or a.cat == V.FLT) and a.val != a.val)
    if a.kind != LITERAL or a.cat == V.LANG:
        return False
    if b.kind != LITERAL:
        return False
    ca, cb = a.cat, b.cat
    if ca == V.OTHER:
        return False if cb == V.LANG else None
    if cb == V.OTHER:
        return None
    if ca == V.STR or ca == V.BOOL:
        return False  # identical ones were caught above
    if ca in V.NUMERIC:
        if cb not in V.NUMERIC:
            return False
        pair = _num_pair(a, b)
        return pair is not None and pair[0] == pair[1]
    if ca in _TIMES:
        return ca == cb and _timestamp_eq(a.val, b.val)
    return False


def compare(a: Term | None, b: Term | None) -> int | None:
    """``partial_cmp``: -1, 0, 1, or None when the terms are not comparable."""
    if a is None or b is None:
        return None
    if a is b:
        return 0
    if a.kind != LITERAL or b.kind != LITERAL:
        return None
    ca, cb = a.cat, b.cat
    if ca in _TIMES:
        if cb != ca:
            return None
        if _timestamp_eq(a.val, b.val):
            return 0
        return _timestamp_cmp(a.val, b.val)
    if ca == V.STR:
        if cb != V.STR:
            return None
        return (a.val > b.val) - (a.val < b.val)
    if ca == V.LANG:
        if cb != V.LANG or a.lang != b.lang:
            return None
        return (a.val > b.val) - (a.val < b.val)
    if ca in V.NUMERIC and cb in V.NUMERIC:
        pair = _num_pair(a, b)
        if pair is None:
            return None
        x, y = pair
        if x != x or y != y:
            return None
        return (x > y) - (x < y)
    return None


def str_of(t: Term | None) -> str | None:
    if t is None or t.kind == BLANK:
        return None
    return t.lex


def string_and_lang(t: Term | None) -> tuple[str, str | None] | None:
    if t is None or t.kind != LITERAL:
        return None
    if t.cat == V.STR:
        return t.val, None
    if t.cat == V.LANG:
        return t.val, t.lang
    return None


def plain(value: str, lang: str | None) -> Term:
    return literal(value, None, lang)


def ascii_lower(text: str) -> str:
    return text.lower() if text.isascii() else "".join(
        c.lower() if c.isascii() else c for c in text)


def lang_matches(tag: Term | None, rng: Term | None) -> bool | None:
    if tag is None or rng is None or tag.kind != LITERAL or rng.kind != LITERAL:
        return None
    if tag.cat != V.STR or rng.cat != V.STR:
        return None
    t, r = ascii_lower(tag.val), ascii_lower(rng.val)
    if r == "*":
        return t != ""
    tparts, rparts = t.split("-"), r.split("-")
    if len(rparts) > len(tparts):
        return False
    return all(x == y for x, y in zip(rparts, tparts, strict=False))


def datatype_of(t: Term | None) -> Term | None:
    if t is None or t.kind != LITERAL:
        return None
    return iri(t.dt)  # type: ignore[arg-type]


# --- casts -------------------------------------------------------------------------------------
def _from_parsed(lex: str, dt: str) -> Term | None:
    parsed = V.parse_typed(lex, dt)
    if parsed is None:
        return None
    return from_value(parsed[0], parsed[1])


def cast(target: str, t: Term | None) -> Term | None:
    if t is None:
        return None
    kind = t.kind
    if target == V.XSD_STRING:
        if kind == BLANK:
            return None
        return literal(t.lex)
    if kind != LITERAL:
        return None
    cat, val = t.cat, t.val
    if cat == V.STR:
        return _from_parsed(val, target)
    if target == V.XSD_BOOLEAN:
        if cat == V.BOOL:
            return t
        if cat in V.NUMERIC:
            return from_value(V.BOOL, val == val and val != 0)
        return None
    if target == V.XSD_DOUBLE:
        if cat == V.BOOL:
            return from_value(V.DBL, 1.0 if val else 0.0)
        if cat in V.NUMERIC:
            return from_value(V.DBL, V.to_double(cat, val))
        return None
    if target == V.XSD_FLOAT:
        if cat == V.BOOL:
            return from_value(V.FLT, 1.0 if val else 0.0)
        if cat in V.NUMERIC:
            return from_value(V.FLT, V.to_float(cat, val))
        return None
    if target == V.XSD_INTEGER:
        if cat == V.BOOL:
            return from_value(V.INT, int(val))
        if cat == V.INT:
            return t
        if cat == V.DEC:
            i = V._trunc_div(val, V.DEC_POW)
            return from_value(V.INT, i) if V.I64_MIN <= i <= V.I64_MAX else None
        if cat == V.DBL or cat == V.FLT:
            return _double_to_integer(val)
        return None
    if target == V.XSD_DECIMAL:
        if cat == V.BOOL:
            return from_value(V.DEC, V.DEC_POW if val else 0)
        if cat == V.DEC:
            return t
        if cat == V.INT:
            return from_value(V.DEC, val * V.DEC_POW)
        if cat == V.DBL or cat == V.FLT:
            return _double_to_decimal(val)
        return None
    if target == V.XSD_DATETIME:
        if cat == V.DATETIME:
            return t
        if cat == V.DATE:
            return from_value(V.DATETIME, val)
        return None
    if target == V.XSD_DATE:
        if cat == V.DATE:
            return t
        if cat == V.DATETIME:
            text = V.format_datetime(*val)
            date_part = text.split("T", 1)[0]
            parsed = V.parse_date(date_part + V._format_tz(val[1]))
            return None if parsed is None else from_value(V.DATE, parsed)
        return None
    if target == V.XSD_TIME:
        if cat == V.TIME:
            return t
        if cat == V.DATETIME:
            text = V.format_datetime(*val)
            parsed = V.parse_time(text.split("T", 1)[1])
            return None if parsed is None else from_value(V.TIME, parsed)
        return None
    return None


class RuntimeUnsupported(Unsupported):
    """Raised during evaluation for a value mini does not convert with certainty."""


def refuse_unknown_characters(text: str, what: str) -> None:
    """Python's Unicode tables may be older than Rust's: a character unassigned in Python's
    could have a case mapping in Oxigraph's."""
    if any(unicodedata.category(c) == "Cn" for c in text):
        raise RuntimeUnsupported(f"{what} of a character unassigned in Python's Unicode tables")


def _double_to_integer(x: float) -> Term | None:
    # Rust: Integer::try_from(Double) is not ported; only the unambiguous cases are done.
    if x != x or x in (math.inf, -math.inf):
        return None
    if abs(x) >= 2.0**31:
        raise RuntimeUnsupported("xsd:integer() of a double beyond 2^31")
    return from_value(V.INT, int(x))


def _double_to_decimal(x: float) -> Term | None:
    shifted = x * 1e18
    if not (-(2.0**127) <= shifted <= 2.0**127):
        return None
    value = int(shifted)
    value = min(value, V.I128_MAX)
    return from_value(V.DEC, value)


def is_iri(t: Term | None) -> bool | None:
    return None if t is None else t.kind == IRI


def is_blank(t: Term | None) -> bool | None:
    return None if t is None else t.kind == BLANK


def is_literal(t: Term | None) -> bool | None:
    return None if t is None else t.kind == LITERAL


def is_numeric(t: Term | None) -> bool | None:
    return None if t is None else (t.kind == LITERAL and t.cat in V.NUMERIC)
