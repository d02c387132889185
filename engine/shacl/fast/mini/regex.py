"""REGEX patterns of the Rust ``regex`` crate (what Oxigraph runs) as Python ``re`` patterns.

Only a subset translates with certainty; everything else is ``Unsupported`` (the caller then
asks Oxigraph). Accepted: literal characters, ``.``, anchors ``^ $``, groups ``( )`` and
``(?: )``, alternation, the quantifiers ``* + ? {n} {n,} {n,m}`` (also lazy), character
classes of literals and ranges (``\\d`` and ``\\s`` inside too), the escapes of
metacharacters and ``\\n \\t \\r``, and the flags ``s m i q``.
Refused: ``\\w \\b \\B \\p`` (their Unicode tables differ between the engines), back-references
and look-around (Rust has none: Oxigraph reports an error), nested or set-operation classes,
POSIX classes, inline flags, the ``x`` flag, case-insensitive non-ASCII patterns.

Differences handled: Rust's ``$`` is end of text (Python's also matches before a final
newline), so it becomes ``\\Z`` unless the ``m`` flag is set; ``\\s`` is Unicode White_Space,
spelled out; case-insensitivity is spelled out per letter with Rust's simple case folding
(``k`` also matches KELVIN SIGN, ``s`` LONG S; Python's IGNORECASE would also let ``i``
match dotted/dotless I); ``\\d`` is Unicode Nd in both, but the two engines may carry
different Unicode versions, so a text with a character unassigned in Python's tables is
refused at match time (``Pattern.needs_guard``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from engine.shacl.fast.model import Unsupported

_WHITE_SPACE = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_SIMPLE_ESCAPES = {"n": "\\n", "t": "\\t", "r": "\\r"}
_META = set("\\.+*?()|[]{}^$-/")
_MAX_REPEAT = 100
#: Non-ASCII characters that Rust's simple case folding adds to an ASCII letter.
_FOLD_EXTRA = {"k": "\u212a", "s": "\u017f"}


class _Bad(Exception):
    pass


@dataclass(frozen=True)
class Pattern:
    compiled: re.Pattern[str]
    #: the pattern uses \\d: refuse texts with characters unknown to Python's Unicode tables
    needs_guard: bool

    def search(self, text: str) -> bool:
        if self.needs_guard and not text.isascii() and any(
                unicodedata.category(c) == "Cn" for c in text):
            raise Unsupported("REGEX with \\d over characters unassigned in Python's Unicode "
                              "tables")
        return self.compiled.search(text) is not None


def translate(pattern: str, flags: str) -> Pattern | None:
    """The Python pattern, or None when Rust refuses the flags (REGEX is then an evaluation
    error, as in Oxigraph). Raises Unsupported when the translation is not certain."""
    for f in flags:
        if f not in "smiq":
            if f == "x":
                raise Unsupported("regex flag x")
            return None
    py_flags = 0
    if "s" in flags:
        py_flags |= re.DOTALL
    if "m" in flags:
        py_flags |= re.MULTILINE
    ci = "i" in flags
    if ci and not pattern.isascii():
        raise Unsupported("case-insensitive regex with non-ASCII characters")
    t = _Translator(pattern, "m" in flags, ci)
    try:
        text = t.literal() if "q" in flags else t.run()
    except _Bad as exc:
        raise Unsupported(f"regex {pattern!r}: {exc}") from None
    try:
        return Pattern(re.compile(text, py_flags), t.unicode_class)
    except re.error:
        raise Unsupported(f"regex {pattern!r} does not compile in Python") from None


class _Translator:
    def __init__(self, pattern: str, multiline: bool, ci: bool) -> None:
        self.p = pattern
        self.i = 0
        self.multiline = multiline
        self.ci = ci
        self.unicode_class = False

    def literal(self) -> str:
        return "".join(self._char(c) for c in self.p)

    def _char(self, c: str) -> str:
        if self.ci and c.isascii() and c.isalpha():
            lo = c.lower()
            return f"[{lo}{lo.upper()}{_FOLD_EXTRA.get(lo, '')}]"
        return re.escape(c)

    def run(self) -> str:
        out = self._alternation()
        if self.i != len(self.p):
            raise _Bad("unbalanced )")
        return out

    def _peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def _alternation(self) -> str:
        parts = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            parts.append(self._sequence())
        return "|".join(parts)

    def _sequence(self) -> str:
        out: list[str] = []
        while self.i < len(self.p) and self._peek() not in "|)":
            atom = self._atom()
            out.append(atom + self._quantifier(atom))
        return "".join(out)

    def _atom(self) -> str:
        c = self.p[self.i]
        if c == "(":
            self.i += 1
            if self.p.startswith("?:", self.i):
                self.i += 2
            elif self._peek() == "?":
                raise _Bad("inline flags, named groups or look-around")
            inner = self._alternation()
            if self._peek() != ")":
                raise _Bad("unclosed (")
            self.i += 1
            return f"(?:{inner})"
        if c == "[":
            return self._class()
        if c == ".":
            self.i += 1
            return "."
        if c == "^":
            self.i += 1
            return "^"
        if c == "$":
            self.i += 1
            return "$" if self.multiline else "\\Z"
        if c == "\\":
            return self._escape_outside()
        if c in "*+?{}]":
            raise _Bad(f"{c!r} at {self.i}")
        self.i += 1
        return self._char(c)

    def _escape_outside(self) -> str:
        if self.i + 1 >= len(self.p):
            raise _Bad("trailing backslash")
        c = self.p[self.i + 1]
        self.i += 2
        if c == "d":
            self.unicode_class = True
            return "\\d"
        if c == "D":
            self.unicode_class = True
            return "\\D"
        if c == "s":
            return f"[{_WHITE_SPACE}]"
        if c == "S":
            return f"[^{_WHITE_SPACE}]"
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c]
        if c in _META:
            return re.escape(c)
        raise _Bad(f"escape \\{c}")

    def _quantifier(self, atom: str) -> str:
        c = self._peek()
        if c in ("*", "+", "?"):
            self.i += 1
            q = c
        elif c == "{":
            m = re.compile(r"\{([0-9]+)(,([0-9]*))?\}").match(self.p, self.i)
            if m is None:
                raise _Bad("{ that is not a repetition")
            low = int(m.group(1))
            high = m.group(3)
            if low > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
                raise _Bad("large repetition")
            if high and int(high) < low:
                raise _Bad("bad repetition range")
            self.i = m.end()
            q = m.group(0)
        else:
            return ""
        if atom in ("^", "\\Z", "$"):
            raise _Bad("repeated anchor")
        if self._peek() == "?":
            self.i += 1
            q += "?"
        if self._peek() in ("*", "+", "?", "{"):
            raise _Bad("stacked repetition")
        return q

    def _class(self) -> str:
        self.i += 1
        negated = self._peek() == "^"
        if negated:
            self.i += 1
        items: list[str] = []
        first = True
        while True:
            if self.i >= len(self.p):
                raise _Bad("unclosed [")
            c = self.p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "[":
                raise _Bad("nested class or POSIX class")
            if self.p.startswith(("&&", "--", "~~"), self.i):
                raise _Bad("class set operation")
            lo, lo_char = self._class_item()
            if self._peek() == "-" and self.i + 1 < len(self.p) and self.p[self.i + 1] != "]":
                self.i += 1
                _, hi_char = self._class_item()
                if lo_char is None or hi_char is None:
                    raise _Bad("range bound that is a class")
                if ord(lo_char) > ord(hi_char):
                    raise _Bad("inverted range")
                items.extend(self._range(lo_char, hi_char))
            else:
                items.append(lo if lo_char is None else self._class_char(lo_char))
        return "[" + ("^" if negated else "") + "".join(items) + "]"

    def _class_item(self) -> tuple[str, str | None]:
        """(translated text, the literal character or None for \\d / \\s)."""
        c = self.p[self.i]
        if c != "\\":
            self.i += 1
            return "", c
        if self.i + 1 >= len(self.p):
            raise _Bad("trailing backslash")
        e = self.p[self.i + 1]
        self.i += 2
        if e == "d":
            self.unicode_class = True
            return "\\d", None
        if e == "s":
            return _WHITE_SPACE, None
        if e in _SIMPLE_ESCAPES:
            return "", {"n": "\n", "t": "\t", "r": "\r"}[e]
        if e in _META:
            return "", e
        raise _Bad(f"escape \\{e} in a class")

    @staticmethod
    def _esc(c: str) -> str:
        return "\\" + c if c in "\\]^-[" else (re.escape(c) if c in "\n\t\r" else c)

    def _class_char(self, c: str) -> str:
        if self.ci and c.isascii() and c.isalpha():
            lo = c.lower()
            return lo + lo.upper() + _FOLD_EXTRA.get(lo, "")
        return self._esc(c)

    def _range(self, lo: str, hi: str) -> list[str]:
        out = [f"{self._esc(lo)}-{self._esc(hi)}"]
        if not self.ci:
            return out
        a, b = ord(lo), ord(hi)
        for start, end in ((ord("a"), ord("z")), (ord("A"), ord("Z"))):
            s, e = max(a, start), min(b, end)
            if s > e:
                continue
            swapped = [chr(x).swapcase() for x in (s, e)]
            out.append(f"{swapped[0]}-{swapped[1]}")
            for letter, extra in _FOLD_EXTRA.items():
                if s <= ord(letter.lower()) <= e or s <= ord(letter.upper()) <= e:
                    out.append(extra)
        return out
