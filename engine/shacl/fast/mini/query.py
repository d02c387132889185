"""A SELECT ready to run: its WHERE pattern, grouping, projection and DISTINCT."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from engine.shacl.fast.mini import values as V
from engine.shacl.fast.mini.algebra import analyse
from engine.shacl.fast.mini.evaluate import Compiler, Eval
from engine.shacl.fast.mini.steps import Env, Row
from engine.shacl.fast.mini.terms import from_value
from engine.shacl.fast.mini.translate import Translator, _Refused
from engine.shacl.fast.model import Unsupported


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
