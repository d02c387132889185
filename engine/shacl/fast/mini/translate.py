"""The parsed query (tuple AST) as algebra (``algebra``), variable names resolved to slots.

Follows the SPARQL translation as Oxigraph's parser does it: FILTERs apply to their whole
group, an OPTIONAL's own filter becomes the left join's condition, BIND extends the group
so far, ``^`` and ``/`` at the top of a path become triple patterns joined through hidden
variables, and inside GRAPH every pattern gets the graph (an empty group enumerating the
named graphs). A SELECT (:class:`QueryPlan`: its WHERE pattern, grouping, projection and
DISTINCT) lives here too: a sub-select is a pattern and a pattern holds sub-selects, so the
two translate each other.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from engine.shacl.fast.mini import values as V
from engine.shacl.fast.mini.algebra import (
    BGP,
    Empty,
    Extend,
    Filter,
    GraphEnum,
    Item,
    LeftJoin,
    Minus,
    Node,
    PathPat,
    Pos,
    SubSelect,
    TriplePat,
    Union,
    ValuesPat,
    analyse,
    join,
    refuse_trap,
)
from engine.shacl.fast.mini.evaluate import Compiler, Eval
from engine.shacl.fast.mini.steps import Env, Row
from engine.shacl.fast.mini.terms import from_value
from engine.shacl.fast.model import Unsupported


class Scope:
    """Variable name -> slot, shared by a query, its EXISTS patterns and sub-selects (whose
    non-projected variables get private slots)."""

    def __init__(self) -> None:
        self.slots: dict[str, int] = {}
        self.names: list[str] = []
        self.hidden = 0

    def slot(self, name: str) -> int:
        s = self.slots.get(name)
        if s is None:
            s = self.slots[name] = len(self.names)
            self.names.append(name)
        return s

    def fresh(self, label: str) -> int:
        self.hidden += 1
        name = f"\x00{label}{self.hidden}"
        return self.slot(name)


class Translator:
    def __init__(self, scope: Scope, rename: dict[str, str] | None = None) -> None:
        self.scope = scope
        self.rename = rename or {}
        #: facts the substitution check needs
        self.expr_names: set[str] = set()
        self.values_names: set[str] = set()
        self.bind_names: set[str] = set()
        self.has_minus = False
        self.has_subselect = False
        self.subqueries: list[Any] = []

    def var(self, name: str) -> int:
        return self.scope.slot(self.rename.get(name, name))

    def pos(self, t: Any) -> Pos:
        if t[0] == "var":
            return ("v", self.var(t[1]))
        return ("c", t[1])

    # --- expressions: names -> slots -------------------------------------------------------
    def expr(self, e: Any, graph: Pos | None) -> Any:
        tag = e[0]
        if tag == "var":
            self.expr_names.add(self.rename.get(e[1], e[1]))
            return ("v", self.var(e[1]))
        if tag == "const":
            return ("c", e[1])
        if tag in ("and", "or"):
            return (tag, [self.expr(x, graph) for x in e[1]])
        if tag == "not":
            return ("not", self.expr(e[1], graph))
        if tag == "cmp":
            return ("cmp", e[1], self.expr(e[2], graph), self.expr(e[3], graph))
        if tag == "in":
            return ("in", self.expr(e[1], graph), [self.expr(x, graph) for x in e[2]], e[3])
        if tag == "exists":
            return ("exists", self.group(e[1], graph), e[2])
        if tag == "call":
            if e[1] == "BOUND":
                self.expr_names.add(self.rename.get(e[2][0][1], e[2][0][1]))
            return ("call", e[1], [self.expr(x, graph) for x in e[2]])
        if tag == "cast":
            return ("cast", e[1], self.expr(e[2], graph))
        if tag == "agg":
            raise Unsupported("aggregate outside SELECT / HAVING")
        if tag in ("arith", "neg", "plus"):
            raise Unsupported("arithmetic (+ - * / and unary minus on expressions)")
        raise Unsupported(f"expression {tag}")

    # --- patterns ------------------------------------------------------------------------------
    def group(self, g: Any, graph: Pos | None) -> Node:
        acc: Node | None = None
        filters: list[Any] = []
        for el in g[1]:
            tag = el[0]
            if tag == "triples":
                items: list[Item] = []
                for s, p, o in el[1]:
                    self.expand(self.pos(s), p, self.pos(o), graph, items)
                acc = join(acc, BGP(items))
            elif tag == "group":
                acc = join(acc, self.group(el, graph))
            elif tag == "union":
                acc = join(acc, Union([self.group(b, graph) for b in el[1]]))
            elif tag == "optional":
                right = self.group(el[1], graph)
                expr = None
                if isinstance(right, Filter):
                    expr = right.exprs[0] if len(right.exprs) == 1 else ("and", right.exprs)
                    right = right.a
                acc = LeftJoin(self.start(acc, graph), right, expr)
            elif tag == "minus":
                self.has_minus = True
                acc = Minus(self.start(acc, graph), self.group(el[1], graph))
            elif tag == "graph":
                if graph is not None:
                    raise Unsupported("nested GRAPH")
                name = self.pos(el[1])
                inner = self.group(el[2], name)
                refuse_trap(inner, name)
                acc = join(acc, inner)
            elif tag == "bind":
                target = self.rename.get(el[2], el[2])
                self.bind_names.add(target)
                expr = self.expr(el[1], graph)
                base = self.start(acc, graph)
                analyse(base)
                slot = self.var(el[2])
                if slot in base.maybe:
                    raise _Refused(f"BIND variable ?{el[2]} already in scope")
                acc = Extend(base, slot, expr)
            elif tag == "values":
                self.values_names.update(self.rename.get(v, v) for v in el[1])
                vp = ValuesPat([self.var(v) for v in el[1]], el[2])
                acc = join(acc, BGP([vp]))
            elif tag == "filter":
                filters.append(self.expr(el[1], graph))
            elif tag == "subselect":
                if graph is not None:
                    raise Unsupported("sub-select inside GRAPH")
                self.has_subselect = True
                acc = join(acc, SubSelect(self.subquery(el[1])))
            else:
                raise Unsupported(f"group element {tag}")
        node = self.start(acc, graph)
        if filters:
            node = Filter(node, filters)
        return node

    @staticmethod
    def start(acc: Node | None, graph: Pos | None) -> Node:
        """The group so far; empty is the one empty solution, or inside GRAPH, one solution
        per named graph."""
        if acc is not None:
            return acc
        return BGP([GraphEnum(graph)]) if graph is not None else Empty()

    def subquery(self, q: dict[str, Any]) -> Any:
        projected = {name for name, _ in q["projection"] or []}
        if q["projection"] is None:
            raise Unsupported("SELECT * in a sub-select")
        inner_names = _pattern_names(q["where"])
        rename = dict(self.rename)
        for name in inner_names | {n for n, _ in q["projection"]}:
            if name not in projected:
                self.scope.hidden += 1
                rename[name] = f"\x00sub{self.scope.hidden}:{name}"
        sub = Translator(self.scope, rename)
        plan = QueryPlan(q, sub, top=False)
        self.expr_names |= sub.expr_names
        self.values_names |= sub.values_names
        self.bind_names |= sub.bind_names
        return plan

    # --- property paths ------------------------------------------------------------------------
    def expand(self, s: Pos, p: Any, o: Pos, g: Pos | None, out: list[Item]) -> None:
        tag = p[0]
        if tag == "var":
            out.append(TriplePat(s, ("v", self.var(p[1])), o, g))
        elif tag == "link":
            out.append(TriplePat(s, ("c", p[1]), o, g))
        elif tag == "inv":
            self.expand(o, p[1], s, g, out)
        elif tag == "seq":
            parts = p[1]
            cur = s
            for k, part in enumerate(parts):
                nxt = o if k == len(parts) - 1 else ("v", self.scope.fresh("seq"))
                self.expand(cur, part, nxt, g, out)
                cur = nxt
        else:
            out.append(PathPat(s, program(p), o, g))


class _Refused(Exception):
    """The query breaks a rule Oxigraph's parser checks; ``_refuse`` decides the error."""


def program(p: Any) -> Any:
    tag = p[0]
    if tag == "link":
        return ("link", p[1])
    if tag == "inv":
        return ("inv", program(p[1]))
    if tag == "seq":
        prog = program(p[1][0])
        for part in p[1][1:]:
            prog = ("seq", prog, program(part))
        return prog
    if tag == "alt":
        return ("alt", [program(x) for x in p[1]])
    if tag == "mod":
        return ({"*": "star", "+": "plus", "?": "opt"}[p[2]], program(p[1]))
    raise Unsupported(f"path {tag}")


def _pattern_names(g: Any) -> set[str]:
    """Every variable name in a group AST (for renaming a sub-select's private variables)."""
    names: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, tuple):
            if len(x) == 2 and x[0] == "var" and isinstance(x[1], str):
                names.add(x[1])
                return
            for y in x:
                walk(y)
        elif isinstance(x, list):
            for y in x:
                walk(y)
        elif isinstance(x, dict):
            for y in x.values():
                walk(y)

    walk(g)
    # VALUES and BIND name variables as plain strings
    def walk_plain(x: Any) -> None:
        if isinstance(x, tuple) and x:
            if x[0] == "values":
                names.update(x[1])
            elif x[0] == "bind":
                names.add(x[2])
            for y in x:
                walk_plain(y)
        elif isinstance(x, list):
            for y in x:
                walk_plain(y)

    walk_plain(g)
    return names


# =============================================================================================
# Paths: set semantics per graph, as Oxigraph's PathEvaluator
# =============================================================================================


class QueryPlan:
    """A SELECT (top-level or sub-select) ready to run."""

    def __init__(self, q: dict[str, Any], tr: Translator, top: bool) -> None:
        self.tr = tr
        scope = tr.scope
        self.where = tr.group(q["where"], None)
        analyse(self.where)
        self.distinct = q["distinct"]
        self.aggregates: list[tuple[int, str, bool, Any]] = []  # (slot, name, distinct, arg)
        group_by = q["group_by"]
        having = q["having"]
        projection = q["projection"]
        agg_used = bool(having) or group_by is not None or any(
            e is not None and _has_agg(e) for _, e in projection or [])
        self.grouped = agg_used
        if projection is None:
            if agg_used:
                raise _Refused("SELECT * with GROUP BY")
            # Oxigraph lists the in-scope variables sorted by name
            self.out_names = sorted(_in_scope(q["where"]))
            self.extends: list[tuple[int, Any]] = []
        else:
            self.out_names = [n for n, _ in projection]
            if len(set(self.out_names)) != len(self.out_names):
                raise _Refused("a variable projected twice")
            self.extends = []
        self.group_keys: list[Any] = []
        if agg_used:
            for k in group_by or []:
                self.group_keys.append(self._agg_expr(k))
            self.having = [self._agg_expr(h) for h in having]
            grouped_names = {k[1] for k in group_by or [] if k[0] == "var"}
            for name, e in projection or []:
                if e is None:
                    if name not in grouped_names:
                        raise _Refused(f"?{name} is not in GROUP BY")
                    continue
                self.extends.append((tr.var(name), self._agg_expr(e)))
        else:
            self.having = []
            for name, e in projection or []:
                if e is None:
                    continue
                slot = tr.var(name)
                if slot in self.where.maybe:
                    raise _Refused(f"?{name} is already in scope")
                self.extends.append((slot, tr.expr(e, None)))
        self.out_slots = [tr.var(n) for n in self.out_names]
        self.private = {s for name, s in scope.slots.items() if name.startswith("\x00")}
        self.certain = frozenset(s for s in self.out_slots if s in self.where.certain)
        self.maybe = frozenset(self.out_slots)
        self.nslots_hint = scope
        self.compiled: Eval | None = None

    def _agg_expr(self, e: Any) -> Any:
        """Translate an expression that may hold aggregates: each aggregate gets a slot."""
        tag = e[0]
        if tag == "agg":
            if e[3] is None and e[2]:
                raise Unsupported("COUNT(DISTINCT *)")
            slot = self.tr.scope.fresh("agg")
            arg = None if e[3] is None else self.tr.expr(e[3], None)
            self.aggregates.append((slot, e[1], e[2], arg))
            return ("agg_slot", slot)
        if tag in ("and", "or"):
            return (tag, [self._agg_expr(x) for x in e[1]])
        if tag == "not":
            return ("not", self._agg_expr(e[1]))
        if tag == "cmp":
            return ("cmp", e[1], self._agg_expr(e[2]), self._agg_expr(e[3]))
        if tag == "in":
            return ("in", self._agg_expr(e[1]), [self._agg_expr(x) for x in e[2]], e[3])
        if tag == "call":
            return ("call", e[1], [self._agg_expr(x) for x in e[2]])
        if tag == "cast":
            return ("cast", e[1], self._agg_expr(e[2]))
        return self.tr.expr(e, None)

    def compile(self, compiler: Compiler) -> None:
        self.where_ev = compiler.pattern(self.where, frozenset(), False)
        self.ext_fns = [(slot, compiler.value(e, self.where.certain, False))
                        for slot, e in self.extends]
        self.key_fns = [compiler.value(k, self.where.certain, False) for k in self.group_keys]
        self.agg_fns = [(slot, distinct, arg[1] if arg is not None and arg[0] == "v" else None,
                         None if arg is None else compiler.value(arg, self.where.certain, False))
                        for slot, _, distinct, arg in self.aggregates]
        self.having_fns = [compiler.test(h, frozenset(), False) for h in self.having]
        self.key_slots = [k[1] if k[0] == "v" else None for k in self.group_keys]

    def release(self) -> None:
        """Drop what only compiling needed (the algebra, the expressions): a prepared query
        is kept for the life of the process, and fewer live objects make every GC pass
        cheaper."""
        self.width = len(self.tr.scope.names)
        del self.where, self.extends, self.group_keys, self.having, self.aggregates, self.tr

    def _rows(self, env: Env, start: Row | None) -> list[Row]:
        row = start if start is not None else [None] * self.width
        rows = self.where_ev(env, row)
        if self.grouped:
            rows = self._group(env, rows, row)
        for slot, fn in self.ext_fns:
            extended = []
            for r in rows:
                v = fn(env, r)
                if v is None:
                    extended.append(r)
                else:
                    n = r.copy()
                    n[slot] = v
                    extended.append(n)
            rows = extended
        return rows

    def tuples(self, env: Env, start: Row | None = None) -> list[tuple[Any, ...]]:
        """The projected solutions as tuples (the top-level query's result)."""
        rows = self._rows(env, start)
        keep = self.out_slots
        out: list[tuple[Any, ...]]
        if len(keep) == 1:
            k0 = keep[0]
            out = [(r[k0],) for r in rows]
        elif keep:
            pick = itemgetter(*keep)
            out = [pick(r) for r in rows]
        else:
            out = [() for _ in rows]
        if self.distinct:
            out = list(dict.fromkeys(out))
        return out

    def solutions(self, env: Env, start: Row | None = None) -> list[Row]:
        """The projected solutions as rows (a sub-select's result, joined into the outer
        query): only the projected slots are kept."""
        width = self.width
        out = []
        keep = self.out_slots
        for key in self.tuples(env, start):
            n = [None] * width
            for s, v in zip(keep, key, strict=True):
                n[s] = v
            out.append(n)
        return out

    def _group(self, env: Env, rows: list[Row], start: Row) -> list[Row]:
        groups: dict[tuple[Any, ...], list[Row]] = {}
        if not self.key_fns:
            groups[()] = rows
        elif None not in self.key_slots:  # GROUP BY variables: the key is a slice of the row
            slots = [s for s in self.key_slots if s is not None]
            for r in rows:
                groups.setdefault(tuple([r[s] for s in slots]), []).append(r)
        else:
            for r in rows:
                key = tuple(f(env, r) for f in self.key_fns)
                groups.setdefault(key, []).append(r)
        out = []
        for key, members in groups.items():
            g = start.copy()
            for slot, v in zip(self.key_slots, key, strict=True):
                if slot is not None:
                    g[slot] = v
            for slot, distinct, arg_slot, arg in self.agg_fns:
                if arg is None:
                    n = len(members)
                else:
                    if arg_slot is not None:
                        vals = [m[arg_slot] for m in members]
                    else:
                        vals = [arg(env, m) for m in members]
                    vals = [v for v in vals if v is not None]
                    n = len(set(vals)) if distinct else len(vals)
                g[slot] = from_value(V.INT, n)
            if all(h(env, g) is True for h in self.having_fns):
                out.append(g)
        return out


def _has_agg(e: Any) -> bool:
    if not isinstance(e, tuple):
        return False
    if e and e[0] == "agg":
        return True
    return any(_has_agg(x) if isinstance(x, tuple) else
               any(_has_agg(y) for y in x) if isinstance(x, list) else False for x in e)


def _in_scope(g: Any) -> set[str]:
    """The in-scope variables of a WHERE pattern (what SELECT * lists): not those only in
    FILTER, EXISTS or the right side of MINUS, nor a sub-select's private ones."""
    names: set[str] = set()

    def term(t: Any) -> None:
        if t[0] == "var":
            names.add(t[1])

    def group(x: Any) -> None:
        for el in x[1]:
            tag = el[0]
            if tag == "triples":
                for s, p, o in el[1]:
                    term(s)
                    term(p)
                    term(o)
            elif tag == "group":
                group(el)
            elif tag == "union":
                for b in el[1]:
                    group(b)
            elif tag == "optional":
                group(el[1])
            elif tag == "graph":
                term(el[1])
                group(el[2])
            elif tag == "bind":
                names.add(el[2])
            elif tag == "values":
                names.update(el[1])
            elif tag == "subselect":
                names.update(n for n, _ in el[1]["projection"] or [])

    group(g)
    return names
