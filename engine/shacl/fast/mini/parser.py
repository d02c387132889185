"""A tokenizer and recursive-descent parser for the SELECT subset mini evaluates.

The output is a small tuple AST (see the constructors at the end of each ``_`` method); the
planner (``plan``) turns it into evaluator closures. Anything the parser does not know is
``Unsupported`` -- except text that is not SPARQL at all, which is a ``SyntaxError``. The two
are told apart by asking pyoxigraph's parser, and only on that (rare) failure path: mini must
never call a query Oxigraph accepts malformed, nor run one Oxigraph would refuse.

Why this file is long: one recursive-descent SPARQL grammar; its rules call each other and
read as one.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import QueryRefused
from engine.shacl.fast.mini import values as V
from engine.shacl.fast.mini.terms import FALSE, TRUE, Term, Unmodelled, iri, literal
from engine.shacl.fast.model import Unsupported

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_TOKEN = re.compile(r"""
  <[^<>"{}|^`\\\x00-\x20]*>
| [?$][A-Za-z0-9_]+
| (?:[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?:(?:[A-Za-z0-9_:](?:[A-Za-z0-9_.:-]*[A-Za-z0-9_:-])?)?
| [A-Za-z_][A-Za-z0-9_]*
| \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
| "(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*'
| @[a-zA-Z]+(?:-[a-zA-Z0-9]+)*
| (?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+
| \^\^|&&|\|\||<=|>=|!=|\.(?![0-9])|[{}()\[\],;*/|^?+\-!=<>]
| \#[^\n]*
| \S
""", re.X)
_TOKENS: dict[str, tuple[str, str, str]] = {}
_PUNCT = frozenset(["^^", "&&", "||", "<=", ">=", "!=", ".", "{", "}", "(", ")", "[", "]", ",",
                    ";", "*", "/", "|", "^", "?", "+", "-", "!", "=", "<", ">"])


def _classify(tok: str) -> tuple[str, str, str] | None:
    """(kind, text, key) of a lexed token; None for a comment."""
    c = tok[0]
    if c == "<":
        if tok == "<" or tok == "<=":
            return ("punct", tok, tok)
        return ("iri", tok, "")
    if c == "?" or c == "$":
        if len(tok) > 1:
            return ("var", tok, "")
        return ("punct", tok, tok)
    if c == '"' or c == "'":
        if len(tok) < 2 or tok[-1] != c:
            raise _Invalid("unterminated string")
        return ("string", tok, "")
    if c == "@":
        return ("lang", tok, "")
    if "0" <= c <= "9" or (c == "." and len(tok) > 1):
        if "e" in tok or "E" in tok:
            return ("double", tok, "")
        return ("decimal" if "." in tok else "integer", tok, "")
    if c == "#":
        return None
    if (c.isalpha() and c.isascii()) or c == "_" or c == ":":
        if ":" in tok:
            return ("pname", tok, "")
        return ("name", tok, tok.upper())
    if tok in _PUNCT:
        return ("punct", tok, tok)
    raise _Invalid(f"unexpected character {tok!r}")

_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")

#: Built-in functions: name -> (min args, max args).
BUILTINS: dict[str, tuple[int, int]] = {
    "STR": (1, 1), "LANG": (1, 1), "LANGMATCHES": (2, 2), "DATATYPE": (1, 1),
    "BOUND": (1, 1), "SAMETERM": (2, 2), "ISIRI": (1, 1), "ISURI": (1, 1),
    "ISBLANK": (1, 1), "ISLITERAL": (1, 1), "ISNUMERIC": (1, 1), "REGEX": (2, 3),
    "STRLEN": (1, 1), "UCASE": (1, 1), "LCASE": (1, 1), "STRSTARTS": (2, 2),
    "STRENDS": (2, 2), "CONTAINS": (2, 2), "COALESCE": (0, 10**6), "IF": (3, 3),
}
#: Recognised SPARQL built-ins mini does not evaluate (valid SPARQL, so Unsupported).
OTHER_BUILTINS = {
    "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR", "ROUND", "CONCAT", "SUBSTR",
    "ENCODE_FOR_URI", "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES",
    "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384",
    "SHA512", "STRLANG", "STRDT", "REPLACE", "TRIPLE", "SUBJECT", "PREDICATE", "OBJECT",
    "ISTRIPLE", "LANGDIR", "HASLANG", "HASLANGDIR", "STRLANGDIR",
}
AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
CASTS = {V.XSD_STRING, V.XSD_BOOLEAN, V.XSD_INTEGER, V.XSD_DECIMAL, V.XSD_FLOAT,
         V.XSD_DOUBLE, V.XSD_DATETIME, V.XSD_DATE, V.XSD_TIME}


_ELEMENT_KEYS = frozenset({".", "{", "OPTIONAL", "MINUS", "GRAPH", "FILTER", "BIND", "VALUES",
                           "SERVICE"})


class _Invalid(Exception):
    """The parser is lost: either the text is not SPARQL or it uses unknown syntax."""


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.prefixes: dict[str, str] = {}
        self.toks = self._lex(text)
        self.i = 0
        self.tok: tuple[str, str, str] = ("", "", "")
        self.key = ""
        self._load()

    @staticmethod
    def _lex(text: str) -> list[tuple[str, str, str]]:
        """The tokens of ``text``: (kind, text, key); the key of a name is its upper-case
        form, of punctuation the text itself, so keyword tests are one compare."""
        cache = _TOKENS
        out = []
        for tok in _TOKEN.findall(text):
            t = cache.get(tok)
            if t is None:
                t = _classify(tok)
                if t is None:
                    continue  # a comment
                if len(cache) > 20000:
                    cache.clear()
                cache[tok] = t
            out.append(t)
        out.append(("eof", "", ""))
        return out

    # --- tokens --------------------------------------------------------------------------------
    def _load(self) -> None:
        t = self.toks[self.i]
        self.tok = t
        self.key = t[2]

    def _advance(self) -> None:
        i = self.i + 1
        if i < len(self.toks):
            self.i = i
        t = self.toks[self.i]
        self.tok = t
        self.key = t[2]

    def _relex_operator(self) -> None:
        """``?a<?b>1`` lexes an IRI; in operator position, re-read it as ``<`` and more."""
        if self.tok[0] == "iri":
            text = self.tok[1]
            op = "<=" if text.startswith("<=") else "<"
            inner = self._lex(text[len(op):])[:-1]
            self.toks[self.i:self.i + 1] = [("punct", op, op), *inner]
            self._load()

    def _is(self, value: str) -> bool:
        return self.key == value

    def _accept(self, value: str) -> bool:
        if self.key == value:
            self._advance()
            return True
        return False

    def _expect(self, value: str) -> None:
        if not self._accept(value):
            raise _Invalid(f"expected {value!r}, found {self.tok[1]!r} (token {self.i})")

    # --- query -----------------------------------------------------------------------------------
    def query(self) -> dict[str, Any]:
        while True:
            if self._accept("PREFIX"):
                kind, text, _ = self.tok
                if kind != "pname" or not text.endswith(":") or text.count(":") != 1:
                    raise _Invalid("PREFIX needs a prefix name")
                self._advance()
                ns = self._iri_text()
                self.prefixes[text[:-1]] = ns
            elif self._is("BASE"):
                raise Unsupported("BASE")
            else:
                break
        for form in ("ASK", "CONSTRUCT", "DESCRIBE", "INSERT", "DELETE", "LOAD", "CLEAR",
                     "DROP", "CREATE", "WITH"):
            if self._is(form):
                raise Unsupported(f"{form} queries (only SELECT)")
        q = self._select(top=True)
        if self._is("VALUES"):
            raise Unsupported("a VALUES block after the query")
        if self.tok[0] != "eof":
            raise _Invalid(f"unexpected {self.tok[1]!r} (token {self.i})")
        return q

    def _select(self, top: bool) -> dict[str, Any]:
        self._expect("SELECT")
        distinct = False
        if self._accept("DISTINCT"):
            distinct = True
        elif self._is("REDUCED"):
            raise Unsupported("SELECT REDUCED (Oxigraph's duplicate count is unspecified)")
        projection: list[tuple[str, Any]] | None = None
        if not self._accept("*"):
            projection = []
            while True:
                if self.tok[0] == "var":
                    projection.append((self.tok[1][1:], None))
                    self._advance()
                elif self._accept("("):
                    e = self._expression()
                    self._expect("AS")
                    projection.append((self._var(), e))
                    self._expect(")")
                else:
                    break
            if not projection:
                raise _Invalid("SELECT needs variables or *")
        if self._is("FROM"):
            raise Unsupported("FROM / FROM NAMED")
        self._accept("WHERE")
        where = self._group()
        group_by: list[Any] | None = None
        having: list[Any] = []
        if self._accept("GROUP"):
            self._expect("BY")
            group_by = []
            while True:
                if self.tok[0] == "var":
                    group_by.append(("var", self.tok[1][1:]))
                    self._advance()
                elif self._is("("):
                    self._advance()
                    e = self._expression()
                    if self._is("AS"):
                        raise Unsupported("GROUP BY (expression AS ?var)")
                    self._expect(")")
                    group_by.append(e)
                elif self._builtin_start():
                    group_by.append(self._primary())
                else:
                    break
            if not group_by:
                raise _Invalid("GROUP BY needs a condition")
        if self._accept("HAVING"):
            while self._is("(") or self._builtin_start():
                having.append(self._constraint())
            if not having:
                raise _Invalid("HAVING needs a condition")
        if self._accept("ORDER"):
            raise Unsupported("ORDER BY")
        if self._is("LIMIT") or self._is("OFFSET"):
            raise Unsupported("LIMIT / OFFSET")
        return {"distinct": distinct, "projection": projection, "where": where,
                "group_by": group_by, "having": having, "top": top}

    # --- graph patterns ----------------------------------------------------------------------
    def _group(self) -> tuple[Any, ...]:
        self._expect("{")
        if self.key == "SELECT":
            sub = self._select(top=False)
            self._expect("}")
            return ("group", [("subselect", sub)])
        elements: list[Any] = []
        while True:
            key = self.key
            if key == "}":
                self._advance()
                break
            if self.tok[0] == "eof":
                raise _Invalid("unclosed {")
            if key not in _ELEMENT_KEYS:
                triples: list[Any] = []
                self._triples(triples)
                if elements and elements[-1][0] == "triples":
                    elements[-1][1].extend(triples)
                else:
                    elements.append(("triples", triples))
                continue
            if self._accept("."):
                continue
            if self._is("{"):
                first = self._group()
                if self._is("UNION"):
                    branches = [first]
                    while self._accept("UNION"):
                        branches.append(self._group())
                    elements.append(("union", branches))
                else:
                    elements.append(first)
            elif self._accept("OPTIONAL"):
                elements.append(("optional", self._group()))
            elif self._accept("MINUS"):
                elements.append(("minus", self._group()))
            elif self._accept("GRAPH"):
                name = self._var_or_iri()
                elements.append(("graph", name, self._group()))
            elif self._accept("FILTER"):
                elements.append(("filter", self._constraint()))
            elif self._accept("BIND"):
                self._expect("(")
                e = self._expression()
                self._expect("AS")
                v = self._var()
                self._expect(")")
                elements.append(("bind", e, v))
            elif self._accept("VALUES"):
                elements.append(self._values())
            elif self._is("SERVICE"):
                raise Unsupported("SERVICE")
        return ("group", elements)

    def _values(self) -> tuple[Any, ...]:
        variables: list[str] = []
        single = self.tok[0] == "var"
        if single:
            variables.append(self._var())
        else:
            self._expect("(")
            while self.tok[0] == "var":
                variables.append(self._var())
            self._expect(")")
        self._expect("{")
        rows: list[list[Term | None]] = []
        while not self._accept("}"):
            if single:
                rows.append([self._data_value()])
            else:
                self._expect("(")
                row = []
                while not self._accept(")"):
                    row.append(self._data_value())
                if len(row) != len(variables):
                    raise _Invalid("VALUES row of the wrong length")
                rows.append(row)
        return ("values", variables, rows)

    def _data_value(self) -> Term | None:
        if self._accept("UNDEF"):
            return None
        t = self._term()
        if t[0] != "const":
            raise _Invalid("VALUES holds constants")
        return t[1]  # type: ignore[no-any-return]

    def _triples(self, out: list[Any]) -> None:
        subject = self._term()
        while True:
            if self.tok[0] == "var":
                verb: Any = ("var", self._var())
            else:
                verb = self._path()
            while True:
                obj = self._term()
                out.append((subject, verb, obj))
                if not self._accept(","):
                    break
            if not self._accept(";"):
                break
            while self._accept(";"):
                pass
            if self._is(".") or self._is("}") or self.tok[0] == "eof" or self._is_element_start():
                break
        if not (self._is(".") or self._is("}") or self._is_element_start()):
            raise _Invalid(f"unexpected {self.tok[1]!r} after a triple (token {self.i})")

    def _is_element_start(self) -> bool:
        return self.key in _ELEMENT_KEYS and self.key != "."

    # --- property paths ----------------------------------------------------------------------
    def _path(self) -> Any:
        alts = [self._path_sequence()]
        while self._accept("|"):
            alts.append(self._path_sequence())
        return alts[0] if len(alts) == 1 else ("alt", alts)

    def _path_sequence(self) -> Any:
        parts = [self._path_elt_or_inverse()]
        while self._accept("/"):
            parts.append(self._path_elt_or_inverse())
        return parts[0] if len(parts) == 1 else ("seq", parts)

    def _path_elt_or_inverse(self) -> Any:
        if self._accept("^"):
            return ("inv", self._path_elt())
        return self._path_elt()

    def _path_elt(self) -> Any:
        kind, text, _ = self.tok
        if self._accept("("):
            primary = self._path()
            self._expect(")")
        elif kind == "name" and text == "a":
            self._advance()
            primary = ("link", iri(RDF_TYPE))
        elif kind in ("iri", "pname"):
            primary = ("link", iri(self._iri_text()))
        elif self._is("!"):
            raise Unsupported("negated property set (!) path")
        else:
            raise _Invalid(f"expected a path (token {self.i})")
        # a path modifier sits right after the primary; "?" only if not a variable
        if self.key in ("*", "+", "?"):
            mod = self.key
            self._advance()
            return ("mod", primary, mod)
        if self._is("{"):
            pass
        return primary

    # --- terms -------------------------------------------------------------------------------
    def _var(self) -> str:
        kind, text, _ = self.tok
        if kind != "var":
            raise _Invalid(f"expected a variable (token {self.i})")
        self._advance()
        return text[1:]

    def _iri_text(self) -> str:
        kind, text, _ = self.tok
        if kind == "iri":
            value = text[1:-1]
            if not _ABSOLUTE.match(value):
                raise Unsupported("relative IRI")
            self._advance()
            return value
        if kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in self.prefixes:
                raise _Invalid(f"undeclared prefix {prefix!r}")
            self._advance()
            return self.prefixes[prefix] + local
        raise _Invalid(f"expected an IRI (token {self.i})")

    def _var_or_iri(self) -> Any:
        if self.tok[0] == "var":
            return ("var", self._var())
        return ("const", iri(self._iri_text()))

    def _term(self) -> Any:
        kind, text, _ = self.tok
        if kind == "var":
            return ("var", self._var())
        if kind in ("iri", "pname"):
            return ("const", iri(self._iri_text()))
        if kind == "string":
            return ("const", self._rdf_literal())
        if kind in ("integer", "decimal", "double"):
            return ("const", self._number(""))
        if kind == "punct" and text in ("-", "+"):
            self._advance()
            if self.tok[0] not in ("integer", "decimal", "double"):
                raise _Invalid("a sign needs a number")
            return ("const", self._number(text))
        if kind == "name" and text in ("true", "false"):
            self._advance()
            return ("const", TRUE if text == "true" else FALSE)
        if kind == "name" and text.upper() in ("TRUE", "FALSE"):
            raise _Invalid("booleans are lower case")
        if self._is("[") or self._is("("):
            raise Unsupported("blank node property lists and collections in patterns")
        if kind == "pname" or text.startswith("_:"):
            raise Unsupported("blank nodes in patterns")
        raise _Invalid(f"expected a term, found {text!r} (token {self.i})")

    def _number(self, sign: str) -> Term:
        kind, text, _ = self.tok
        self._advance()
        dt = {"integer": V.XSD_INTEGER, "decimal": V.XSD_DECIMAL, "double": V.XSD_DOUBLE}[kind]
        return literal(sign + text if sign == "-" else text, dt)

    def _string(self) -> str:
        text = self.tok[1]
        self._advance()
        body = text[3:-3] if text[:3] in ('"""', "'''") else text[1:-1]
        if "\\" not in body:
            return body
        out = []
        i = 0
        while i < len(body):
            c = body[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "uU":
                size = 4 if nxt == "u" else 8
                digits = body[i + 2:i + 2 + size]
                if len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise _Invalid("bad \\u escape")
                code = int(digits, 16)
                if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                    raise Unsupported("surrogate escapes")
                out.append(chr(code))
                i += 2 + size
            else:
                raise _Invalid(f"bad escape \\{nxt}")
        return "".join(out)

    def _rdf_literal(self) -> Term:
        value = self._string()
        if self.tok[0] == "lang":
            lang = self.tok[1][1:]
            self._advance()
            return literal(value, None, lang)
        if self._accept("^^"):
            dt = self._iri_text()
            if dt == V.RDF_LANG_STRING:
                raise Unsupported("rdf:langString literal without a language")
            try:
                return literal(value, dt)
            except Unmodelled as exc:
                raise Unsupported(str(exc)) from None
        return literal(value)

    # --- expressions -------------------------------------------------------------------------
    def _constraint(self) -> Any:
        if self._accept("("):
            e = self._expression()
            self._expect(")")
            return e
        if self._builtin_start() or self.tok[0] in ("iri", "pname"):
            return self._primary()
        raise _Invalid(f"expected a constraint (token {self.i})")

    def _builtin_start(self) -> bool:
        kind, text, _ = self.tok
        if kind != "name":
            return False
        up = text.upper()
        return (up in BUILTINS or up in OTHER_BUILTINS or up in AGGREGATES or up == "EXISTS"
                or up == "NOT" or up == "IN")

    def _expression(self) -> Any:
        items = [self._and()]
        while self._accept("||"):
            items.append(self._and())
        return items[0] if len(items) == 1 else ("or", items)

    def _and(self) -> Any:
        items = [self._relational()]
        while self._accept("&&"):
            items.append(self._relational())
        return items[0] if len(items) == 1 else ("and", items)

    def _relational(self) -> Any:
        left = self._additive()
        self._relex_operator()
        for op in ("=", "!=", "<=", ">=", "<", ">"):
            if self.key == op:
                self._advance()
                right = self._additive()
                return ("cmp", op, left, right)
        negated = False
        if self._is("NOT"):
            self._advance()
            if not self._is("IN"):
                raise _Invalid("NOT must be followed by IN here")
            negated = True
        if self._accept("IN"):
            self._expect("(")
            items: list[Any] = []
            if not self._accept(")"):
                items.append(self._expression())
                while self._accept(","):
                    items.append(self._expression())
                self._expect(")")
            return ("in", left, items, negated)
        return left

    def _additive(self) -> Any:
        left = self._multiplicative()
        self._relex_operator()
        while self.tok[0] == "punct" and self.tok[1] in ("+", "-"):
            op = self.tok[1]
            self._advance()
            right = self._multiplicative()
            left = ("arith", op, left, right)
        return left

    def _multiplicative(self) -> Any:
        left = self._unary()
        self._relex_operator()
        while self.tok[0] == "punct" and self.tok[1] in ("*", "/"):
            op = self.tok[1]
            self._advance()
            right = self._unary()
            left = ("arith", op, left, right)
        return left

    def _unary(self) -> Any:
        if self._accept("!"):
            return ("not", self._unary())
        if self.key == "-" or self.key == "+":
            sign = self.key
            self._advance()
            if self.tok[0] in ("integer", "decimal", "double"):
                return ("const", self._number(sign))
            return ("neg" if sign == "-" else "plus", self._primary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text, _ = self.tok
        if self._accept("("):
            e = self._expression()
            self._expect(")")
            return e
        if kind == "var":
            return ("var", self._var())
        if kind in ("iri", "pname"):
            value = self._iri_text()
            if self._is("("):
                return self._cast(value)
            return ("const", iri(value))
        if kind in ("string", "integer", "decimal", "double"):
            return self._term()
        if kind == "name":
            up = text.upper()
            if text in ("true", "false"):
                return self._term()
            if up == "NOT":
                self._advance()
                self._expect("EXISTS")
                return ("exists", self._group(), True)
            if up == "EXISTS":
                self._advance()
                return ("exists", self._group(), False)
            if up in AGGREGATES:
                return self._aggregate(up)
            if up in BUILTINS:
                self._advance()
                args = self._args()
                low, high = BUILTINS[up]
                if not low <= len(args) <= high:
                    raise _Invalid(f"{up} takes {low}..{high} arguments")
                if up == "BOUND" and args[0][0] != "var":
                    raise _Invalid("BOUND takes a variable")
                return ("call", up, args)
            if up in OTHER_BUILTINS:
                raise Unsupported(f"function {up}")
        raise _Invalid(f"unexpected {text!r} in an expression (token {self.i})")

    def _args(self) -> list[Any]:
        self._expect("(")
        args: list[Any] = []
        if self._accept(")"):
            return args
        args.append(self._expression())
        while self._accept(","):
            args.append(self._expression())
        self._expect(")")
        return args

    def _cast(self, function: str) -> Any:
        if function not in CASTS:
            raise Unsupported(f"function <{function}>")
        self._advance()
        if self._accept("DISTINCT"):
            raise _Invalid("DISTINCT in a function call")
        args = []
        if not self._accept(")"):
            args.append(self._expression())
            while self._accept(","):
                args.append(self._expression())
            self._expect(")")
        if len(args) != 1:
            raise Unsupported(f"<{function}> with {len(args)} arguments")
        return ("cast", function, args[0])

    def _aggregate(self, name: str) -> Any:
        self._advance()
        self._expect("(")
        distinct = self._accept("DISTINCT")
        if name != "COUNT":
            raise Unsupported(f"aggregate {name}")
        arg = None if self._accept("*") else self._expression()
        self._expect(")")
        return ("agg", name, distinct, arg)


def parse(text: str) -> dict[str, Any]:
    if "\\u" in _outside_strings(text) or "\\U" in _outside_strings(text):
        raise Unsupported("\\u escapes outside strings")
    try:
        return Parser(text).query()
    except _Invalid as exc:
        _refuse(text, str(exc))
        raise AssertionError("unreachable") from None


def _outside_strings(text: str) -> str:
    return re.sub(r"\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"
                  r"\"(?:[^\"\\\n\r]|\\.)*\"|'(?:[^'\\\n\r]|\\.)*'", "", text)


def _refuse(text: str, reason: str) -> None:
    """Raise SyntaxError when Oxigraph also refuses the text, else Unsupported."""
    import pyoxigraph as ox

    from engine.sparqlguard import run_oxigraph

    try:
        run_oxigraph(ox.Store(), text)
    except QueryRefused:
        raise
    except SyntaxError:
        raise SyntaxError(f"not SPARQL: {reason}") from None
    except Exception as exc:  # valid SPARQL that fails otherwise (e.g. a missing SERVICE)
        raise Unsupported(f"syntax mini does not read ({reason}); Oxigraph: {exc}") from None
    raise Unsupported(f"syntax mini does not read: {reason}")
