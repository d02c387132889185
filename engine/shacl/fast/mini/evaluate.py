"""Algebra and expressions compiled to closures.

Every pattern compiles to ``ev(env, row) -> list[row]``: the solutions extending ``row``.
The row is how bindings flow into the inner side of a join, into ``EXISTS`` (Oxigraph
evaluates the pattern from the current solution) and from ``substitutions``. Rows are never
mutated once made: a step copies before binding. Expressions compile twice over: ``value``
gives a term (None for an error), ``test`` an effective boolean value (None for an error),
so that FILTERs never build boolean terms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.shacl.fast.mini import functions as F
from engine.shacl.fast.mini import values as V
from engine.shacl.fast.mini.algebra import (
    BGP,
    Empty,
    Extend,
    Filter,
    Join,
    LeftJoin,
    Minus,
    Node,
    SubSelect,
    Union,
    analyse,
    refuse_leaky_join,
    refuse_outer_reads,
    safe,
)
from engine.shacl.fast.mini.regex import translate
from engine.shacl.fast.mini.steps import Env, Row, Step, _Found, _item_step, _stop, order_items
from engine.shacl.fast.mini.terms import EMPTY, FALSE, LITERAL, TRUE, Term, from_value, literal
from engine.shacl.fast.model import Unsupported

Eval = Callable[[Any, Row], list[Row]]
ValueFn = Callable[[Any, Row], Term | None]
TestFn = Callable[[Any, Row], bool | None]
_NO_OUT: list[Row] = []


class Compiler:
    """Compiles algebra and expressions of one query (and its EXISTS patterns)."""

    def __init__(self, nslots: int) -> None:
        self.nslots = nslots

    # --- patterns --------------------------------------------------------------------------
    def pattern(self, node: Node, bound: frozenset[int], in_exists: bool) -> Eval:
        if isinstance(node, BGP):
            return self.bgp(node, bound)
        if isinstance(node, Empty):
            return lambda env, row: [row]
        if isinstance(node, Join):
            return self.join(node, bound, in_exists)
        if isinstance(node, LeftJoin):
            return self.left_join(node, bound, in_exists)
        if isinstance(node, Filter):
            inner = self.pattern(node.a, bound, in_exists)
            tests = [self.test(e, bound | node.a.certain, in_exists) for e in node.exprs]
            if len(tests) == 1:
                t0 = tests[0]
                return lambda env, row: [r for r in inner(env, row) if t0(env, r) is True]
            return lambda env, row: [r for r in inner(env, row)
                                     if all(t(env, r) is True for t in tests)]
        if isinstance(node, Union):
            branches = [self.pattern(b, bound, in_exists) for b in node.items]

            def union(env: Env, row: Row) -> list[Row]:
                out: list[Row] = []
                for b in branches:
                    out.extend(b(env, row))
                return out

            return union
        if isinstance(node, Minus):
            if in_exists:
                raise Unsupported("MINUS inside EXISTS")
            return self.minus(node, bound, in_exists)
        if isinstance(node, Extend):
            if in_exists and node.slot in bound:
                raise Unsupported("BIND inside EXISTS to a variable bound outside")
            inner = self.pattern(node.a, bound, in_exists)
            val = self.value(node.expr, bound | node.a.certain, in_exists)
            slot = node.slot

            def extend(env: Env, row: Row) -> list[Row]:
                out = []
                for r in inner(env, row):
                    v = val(env, r)
                    if v is None:
                        out.append(r)
                    elif r[slot] is not None:
                        raise F.RuntimeUnsupported("BIND to a variable bound from outside")
                    else:
                        n = r.copy()
                        n[slot] = v
                        out.append(n)
                return out

            return extend
        if isinstance(node, SubSelect):
            if in_exists:
                raise Unsupported("sub-select inside EXISTS")
            q = node.query
            q.compile(self)
            q.release()
            return lambda env, row: q.solutions(env)
        raise Unsupported(f"pattern {type(node).__name__}")

    def bgp(self, node: BGP, bound: frozenset[int]) -> Eval:
        items = order_items(node.items, bound)
        step: Step | None = None
        for it in reversed(items):
            step = _item_step(it, step)
        first = step
        if first is None:
            return lambda env, row: [row]

        def bgp(env: Env, row: Row) -> list[Row]:
            out: list[Row] = []
            first(env, row, out)
            return out

        return bgp

    def exists(self, node: Node, bound: frozenset[int]) -> Callable[[Env, Row], bool]:
        """Whether ``node`` has a solution from the row; a basic graph pattern stops at the
        first one."""
        refuse_outer_reads(node)
        if isinstance(node, BGP) and node.items:
            items = order_items(node.items, bound)
            step: Step | None = _stop
            for it in reversed(items):
                step = _item_step(it, step)
            first = step
            assert first is not None

            def bgp_exists(env: Env, row: Row) -> bool:
                try:
                    first(env, row, _NO_OUT)
                except _Found:
                    return True
                return False

            return bgp_exists
        ev = self.pattern(node, bound, True)
        return lambda env, row: bool(ev(env, row))

    def join(self, node: Join, bound: frozenset[int], in_exists: bool) -> Eval:
        a, b = node.a, node.b
        refuse_leaky_join(a, b, both_ways=True)
        if not safe(b) and safe(a):
            a, b = b, a
        left = self.pattern(a, bound, in_exists)
        if safe(b):
            right = self.pattern(b, bound | a.certain, in_exists)

            def lateral(env: Env, row: Row) -> list[Row]:
                out: list[Row] = []
                for r in left(env, row):
                    out.extend(right(env, r))
                return out

            return lateral
        right = self.pattern(b, bound, in_exists)
        shared = sorted(b.maybe)

        def hash_join(env: Env, row: Row) -> list[Row]:
            ls = left(env, row)
            if not ls:
                return []
            rs = right(env, row)
            out: list[Row] = []
            for x in ls:
                for y in rs:
                    m = _merge(x, y, shared)
                    if m is not None:
                        out.append(m)
            return out

        return hash_join

    def left_join(self, node: LeftJoin, bound: frozenset[int], in_exists: bool) -> Eval:
        refuse_leaky_join(node.a, node.b, both_ways=False)
        left = self.pattern(node.a, bound, in_exists)
        inner_bound = bound | node.a.certain
        cond = (self.test(node.expr, inner_bound | node.b.certain, in_exists)
                if node.expr is not None else None)
        if safe(node.b):
            right = self.pattern(node.b, inner_bound, in_exists)

            def lateral(env: Env, row: Row) -> list[Row]:
                out: list[Row] = []
                for r in left(env, row):
                    ext = right(env, r)
                    if cond is not None:
                        ext = [x for x in ext if cond(env, x) is True]
                    if ext:
                        out.extend(ext)
                    else:
                        out.append(r)
                return out

            return lateral
        right = self.pattern(node.b, bound, in_exists)
        shared = sorted(node.b.maybe)

        def hashed(env: Env, row: Row) -> list[Row]:
            ls = left(env, row)
            if not ls:
                return []
            rs = right(env, row)
            out: list[Row] = []
            for x in ls:
                found = False
                for y in rs:
                    m = _merge(x, y, shared)
                    if m is not None and (cond is None or cond(env, m) is True):
                        out.append(m)
                        found = True
                if not found:
                    out.append(x)
            return out

        return hashed

    def minus(self, node: Minus, bound: frozenset[int], in_exists: bool) -> Eval:
        left = self.pattern(node.a, bound, in_exists)
        right = self.pattern(node.b, bound, in_exists)
        shared = sorted(node.a.maybe & node.b.maybe)

        def minus(env: Env, row: Row) -> list[Row]:
            ls = left(env, row)
            if not ls or not shared:
                return ls
            rs = right(env, row)
            out = []
            for x in ls:
                drop = False
                for y in rs:
                    overlap = False
                    compatible = True
                    for s in shared:
                        a, b = x[s], y[s]
                        if a is None or b is None:
                            continue
                        if a is not b:
                            compatible = False
                            break
                        overlap = True
                    if compatible and overlap:
                        drop = True
                        break
                if not drop:
                    out.append(x)
            return out

        return minus

    # --- expressions -----------------------------------------------------------------------
    def test(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn:
        """A function giving the expression's effective boolean value (None: error)."""
        tag = e[0]
        if tag == "and":
            parts = [self.test(x, bound, in_exists) for x in e[1]]

            def and_(env: Env, row: Row) -> bool | None:
                err = False
                for p in parts:
                    v = p(env, row)
                    if v is False:
                        return False
                    if v is None:
                        err = True
                return None if err else True

            return and_
        if tag == "or":
            special = self._same_term_set(e)
            if special is not None:
                return special
            parts = [self.test(x, bound, in_exists) for x in e[1]]

            def or_(env: Env, row: Row) -> bool | None:
                err = False
                for p in parts:
                    v = p(env, row)
                    if v is True:
                        return True
                    if v is None:
                        err = True
                return None if err else False

            return or_
        if tag == "not":
            inner = self.test(e[1], bound, in_exists)

            def not_(env: Env, row: Row) -> bool | None:
                v = inner(env, row)
                return None if v is None else not v

            return not_
        if tag == "cmp":
            return self._cmp(e, bound, in_exists)
        if tag == "in":
            return self._in(e, bound, in_exists)
        if tag == "exists":
            pattern = e[1]
            analyse(pattern)
            negated = e[2]
            found = self.exists(pattern, bound)
            if negated:
                return lambda env, row: not found(env, row)
            return found
        if tag == "call":
            fn = self._test_call(e, bound, in_exists)
            if fn is not None:
                return fn
        val = self.value(e, bound, in_exists)
        ebv = F.ebv
        return lambda env, row: ebv(val(env, row))

    def _same_term_set(self, e: Any) -> TestFn | None:
        """``sameTerm(?v, c1) || sameTerm(?v, c2) || ...`` as one set lookup."""
        slot = None
        consts = set()
        for x in e[1]:
            if not (x[0] == "call" and x[1] == "SAMETERM"):
                return None
            a, b = x[2]
            if a[0] == "c" and b[0] == "v":
                a, b = b, a
            if a[0] != "v" or b[0] != "c" or (slot is not None and a[1] != slot):
                return None
            slot = a[1]
            consts.add(b[1])
        assert slot is not None
        frozen = frozenset(consts)

        def member(env: Env, row: Row) -> bool | None:
            v = row[slot]
            return None if v is None else v in frozen

        return member

    def _cmp(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn:
        op = e[1]
        a = self.value(e[2], bound, in_exists)
        b = self.value(e[3], bound, in_exists)
        if op == "=":
            equals = F.equals
            return lambda env, row: equals(a(env, row), b(env, row))
        if op == "!=":
            equals = F.equals

            def ne(env: Env, row: Row) -> bool | None:
                v = equals(a(env, row), b(env, row))
                return None if v is None else not v

            return ne
        compare = F.compare
        accept = {"<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (1, 0)}[op]

        def cmp(env: Env, row: Row) -> bool | None:
            c = compare(a(env, row), b(env, row))
            return None if c is None else c in accept

        return cmp

    def _in(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn:
        x = self.value(e[1], bound, in_exists)
        items = [self.value(i, bound, in_exists) for i in e[2]]
        negated = e[3]
        equals = F.equals
        if not items:
            # Oxigraph reads ``x IN ()`` as IF(x, false, false): an error where x has no
            # effective boolean value (an IRI, a date...), so NOT IN () is not always true
            ebv = F.ebv

            def in_empty(env: Env, row: Row) -> bool | None:
                return None if ebv(x(env, row)) is None else negated

            return in_empty

        def in_(env: Env, row: Row) -> bool | None:
            v = x(env, row)
            if v is None:
                return None
            err = False
            for it in items:
                r = equals(v, it(env, row))
                if r is True:
                    return not negated
                if r is None:
                    err = True
            if err:
                return None
            return negated

        return in_

    def _test_call(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn | None:
        name, args = e[1], e[2]
        if name == "BOUND":
            slot = args[0][1]
            return lambda env, row: row[slot] is not None
        if name == "SAMETERM":
            a = self.value(args[0], bound, in_exists)
            b = self.value(args[1], bound, in_exists)

            def same(env: Env, row: Row) -> bool | None:
                x, y = a(env, row), b(env, row)
                if x is None or y is None:
                    return None
                return x is y

            return same
        unary = {"ISIRI": F.is_iri, "ISURI": F.is_iri, "ISBLANK": F.is_blank,
                 "ISLITERAL": F.is_literal, "ISNUMERIC": F.is_numeric}
        if name in unary:
            f = unary[name]
            a = self.value(args[0], bound, in_exists)
            return lambda env, row: f(a(env, row))
        if name == "LANGMATCHES":
            a = self.value(args[0], bound, in_exists)
            b = self.value(args[1], bound, in_exists)
            lm = F.lang_matches
            return lambda env, row: lm(a(env, row), b(env, row))
        if name == "REGEX":
            return self._regex(args, bound, in_exists)
        if name in ("STRSTARTS", "STRENDS", "CONTAINS"):
            a = self.value(args[0], bound, in_exists)
            b = self.value(args[1], bound, in_exists)
            method = {"STRSTARTS": str.startswith, "STRENDS": str.endswith,
                      "CONTAINS": str.__contains__}[name]
            sl = F.string_and_lang

            def strfn(env: Env, row: Row) -> bool | None:
                x, y = sl(a(env, row)), sl(b(env, row))
                if x is None or y is None:
                    return None
                if y[1] is not None and y[1] != x[1]:
                    return None
                return method(x[0], y[0])

            return strfn
        return None

    def _regex(self, args: list[Any], bound: frozenset[int], in_exists: bool) -> TestFn:
        text = self.value(args[0], bound, in_exists)
        pat = args[1]
        flags = args[2] if len(args) == 3 else ("c", EMPTY)
        if pat[0] != "c" or flags[0] != "c":
            raise Unsupported("REGEX with a pattern or flags that are not constants")
        pt, ft = pat[1], flags[1]
        compiled = None
        if pt.kind == LITERAL and pt.cat == V.STR and ft.kind == LITERAL and ft.cat == V.STR:
            compiled = translate(pt.val, ft.val)
        sl = F.string_and_lang
        if compiled is None:  # Oxigraph: the pattern does not compile -> an error per row
            return lambda env, row: None
        search = compiled.search

        def regex(env: Env, row: Row) -> bool | None:
            x = sl(text(env, row))
            if x is None:
                return None
            return search(x[0])

        return regex

    def value(self, e: Any, bound: frozenset[int], in_exists: bool) -> ValueFn:
        """A function giving the expression's value as a term (None: error or unbound)."""
        tag = e[0]
        if tag == "v":
            slot = e[1]
            return lambda env, row: row[slot]
        if tag == "agg_slot":
            slot = e[1]
            return lambda env, row: row[slot]
        if tag == "c":
            t = e[1]
            return lambda env, row: t
        if tag == "call":
            fn = self._value_call(e, bound, in_exists)
            if fn is not None:
                return fn
        if tag == "cast":
            target = e[1]
            inner = self.value(e[2], bound, in_exists)
            cast = F.cast
            return lambda env, row: cast(target, inner(env, row))
        test = self.test(e, bound, in_exists)

        def boolean(env: Env, row: Row) -> Term | None:
            v = test(env, row)
            return None if v is None else (TRUE if v else FALSE)

        return boolean

    def _value_call(self, e: Any, bound: frozenset[int], in_exists: bool) -> ValueFn | None:
        name, args = e[1], e[2]
        vals = [self.value(a, bound, in_exists) for a in args]
        if name == "STR":
            a = vals[0]
            str_of = F.str_of

            def str_(env: Env, row: Row) -> Term | None:
                s = str_of(a(env, row))
                return None if s is None else literal(s)

            return str_
        if name == "LANG":
            a = vals[0]

            def lang(env: Env, row: Row) -> Term | None:
                t = a(env, row)
                if t is None or t.kind != LITERAL:
                    return None
                return literal(t.lang) if t.lang is not None else EMPTY

            return lang
        if name == "DATATYPE":
            a = vals[0]
            dt = F.datatype_of
            return lambda env, row: dt(a(env, row))
        if name == "STRLEN":
            a = vals[0]
            sl = F.string_and_lang

            def strlen(env: Env, row: Row) -> Term | None:
                x = sl(a(env, row))
                return None if x is None else from_value(V.INT, len(x[0]))

            return strlen
        if name in ("UCASE", "LCASE"):
            a = vals[0]
            upper = name == "UCASE"
            sl = F.string_and_lang

            def case(env: Env, row: Row) -> Term | None:
                x = sl(a(env, row))
                if x is None:
                    return None
                text = x[0]
                if not text.isascii():
                    F.refuse_unknown_characters(text, name)
                return F.plain(text.upper() if upper else text.lower(), x[1])

            return case
        if name == "COALESCE":
            def coalesce(env: Env, row: Row) -> Term | None:
                for v in vals:
                    t = v(env, row)
                    if t is not None:
                        return t
                return None

            return coalesce
        if name == "IF":
            cond = self.test(args[0], bound, in_exists)
            a, b = vals[1], vals[2]

            def if_(env: Env, row: Row) -> Term | None:
                c = cond(env, row)
                if c is None:
                    return None
                return a(env, row) if c else b(env, row)

            return if_
        return None


def _merge(x: Row, y: Row, slots: list[int]) -> Row | None:
    m = None
    for s in slots:
        b = y[s]
        if b is None:
            continue
        a = x[s]
        if a is None:
            if m is None:
                m = x.copy()
            m[s] = b
        elif a is not b:
            return None
    return m if m is not None else x


# =============================================================================================
# Queries: projection, grouping, DISTINCT
# =============================================================================================
