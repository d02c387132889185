"""XSD values exactly as pyoxigraph 0.5.13 reads, writes and compares them.

Oxigraph parses every literal of a datatype it knows when it stores it (``"05"^^xsd:int``
comes back as ``"5"^^xsd:integer``, ``"1E0"^^xsd:double`` as ``"1"``), so its query results,
``STR()``, ``sameTerm`` and ``DISTINCT`` all work on the parsed value. The functions here are
ports of oxsdatatypes (``Decimal`` is an i128 scaled by 10^18, ``integer`` an i64, ``double``
and ``float`` IEEE, date/time a timeline value plus an optional timezone) so that mini reaches
the same verdicts. Literals whose lexical form the port rejects are "other typed" literals,
exactly those Oxigraph stores verbatim.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal as _PyDecimal
from fractions import Fraction

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"
XSD_DECIMAL = XSD + "decimal"
XSD_FLOAT = XSD + "float"
XSD_DOUBLE = XSD + "double"
XSD_DATETIME = XSD + "dateTime"
XSD_DATE = XSD + "date"
XSD_TIME = XSD + "time"

#: Derived integer types Oxigraph folds into xsd:integer on insert (no range check).
INTEGER_TYPES = frozenset(
    XSD + n
    for n in ["integer", "byte", "short", "int", "long", "unsignedByte", "unsignedShort",
              "unsignedInt", "unsignedLong", "positiveInteger", "negativeInteger",
              "nonPositiveInteger", "nonNegativeInteger"]
)
#: Datatypes Oxigraph encodes natively that mini does not model (their canonical forms and
#: comparisons are not ported): a dataset holding one is refused, a query constant too.
UNMODELLED = frozenset(
    XSD + n for n in ["gYearMonth", "gYear", "gMonthDay", "gDay", "gMonth", "duration",
                      "yearMonthDuration", "dayTimeDuration"]
)

# Value categories of literals (what Oxigraph's ExpressionTerm distinguishes).
STR, LANG, BOOL, INT, DEC, FLT, DBL, DATETIME, DATE, TIME, OTHER = range(11)
NUMERIC = frozenset({INT, DEC, FLT, DBL})

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
I128_MIN, I128_MAX = -(2**127), 2**127 - 1
DEC_POW = 10**18


# --- integer ------------------------------------------------------------------------------
_INT = re.compile(r"[+-]?[0-9]+\Z")


def parse_integer(lex: str) -> int | None:
    if not _INT.match(lex):
        return None
    v = int(lex)
    return v if I64_MIN <= v <= I64_MAX else None


# --- decimal (i128 scaled by 10^18) ---------------------------------------------------------
_DEC = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?\Z")


def parse_decimal(lex: str) -> int | None:
    m = _DEC.match(lex)
    if m is None:
        return None
    sign, whole, frac = m.group(1), m.group(2), m.group(3)
    if not whole and not frac:
        return None  # "", "+", ".", "+."
    frac = (frac or "").rstrip("0")
    if len(frac) > 18:
        return None  # underflow: more than 18 significant fractional digits
    digits = int((whole or "0") + frac)
    value = digits * 10 ** (18 - len(frac))
    if sign == "-":
        value = -value
    return value if I128_MIN <= value <= I128_MAX else None


def format_decimal(v: int) -> str:
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    whole, frac = divmod(abs(v), DEC_POW)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{str(frac).rjust(18, '0').rstrip('0')}"


# --- double and float -----------------------------------------------------------------------
_FLOAT = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?)\Z", re.I)


def parse_double(lex: str) -> float | None:
    return float(lex) if _FLOAT.match(lex) else None


def _plain(digits_repr: str) -> str:
    """A float repr ("1e+16", "1.5e-07", "100.0") written without exponent, Rust style."""
    text = format(_PyDecimal(digits_repr), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_double(x: float) -> str:
    if x != x:
        return "NaN"
    if x == math.inf:
        return "INF"
    if x == -math.inf:
        return "-INF"
    return _plain(repr(x))


_F32_MAX_EXP = 127
_F32_MANT = 23


def f32_round(value: Fraction | int) -> float:
    """Round an exact rational to the nearest f32 (ties to even), as Rust's parser and
    ``as f32`` do; the result as a Python float (f32 values are exact in f64)."""
    q = Fraction(value)
    if q == 0:
        return 0.0
    neg = q < 0
    a = -q if neg else q
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    e = max(e, -126)  # subnormals share the minimum exponent
    scaled = a / Fraction(2) ** (e - _F32_MANT)
    m = scaled.numerator // scaled.denominator
    rest = scaled - m
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and m % 2 == 1):
        m += 1
    if m >= 2 ** (_F32_MANT + 1):
        m //= 2
        e += 1
    if e > _F32_MAX_EXP:
        return -math.inf if neg else math.inf
    result = math.ldexp(m, e - _F32_MANT)
    return -result if neg else result


def f32_from_f64(x: float) -> float:
    """``f64 as f32``: round-to-nearest-even, overflow to infinity."""
    if x != x or x in (math.inf, -math.inf) or x == 0:
        return x
    return f32_round(Fraction(x))


def parse_float(lex: str) -> float | None:
    if not _FLOAT.match(lex):
        return None
    low = lex.lstrip("+-").lower()
    if low in ("inf", "infinity", "nan"):
        return float(lex)
    neg = lex.startswith("-")
    v = f32_round(Fraction(_PyDecimal(lex)))
    if v == 0 and neg:
        return -0.0
    return v


def _f32_bits(x: float) -> int:
    return int(struct.unpack(">I", struct.pack(">f", x))[0])


def _f32_roundtrips(text: str, x: float) -> bool:
    return f32_round(Fraction(_PyDecimal(text))) == x


def format_float(x: float) -> str:
    """Rust's shortest round-trip Display for an f32 value."""
    if x != x:
        return "NaN"
    if x == math.inf:
        return "INF"
    if x == -math.inf:
        return "-INF"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    exact = _PyDecimal(x)
    for digits in range(1, 18):
        nearest = _PyDecimal(f"{x:.{digits - 1}e}")
        exp = nearest.adjusted() - digits + 1
        step = _PyDecimal(1).scaleb(exp)
        found = [c for c in (nearest, nearest - step, nearest + step)
                 if _f32_roundtrips(str(c), x)]
        if found:
            best = min(found, key=lambda c: abs(c - exact))
            return _plain(str(best))
    return _plain(repr(x))  # unreachable: nine digits always round-trip an f32


# --- boolean ----------------------------------------------------------------------------------
def parse_boolean(lex: str) -> bool | None:
    if lex in ("true", "1"):
        return True
    if lex in ("false", "0"):
        return False
    return None


# --- date, time, dateTime -------------------------------------------------------------------
# A value is (timeline seconds scaled by 10^18, timezone offset in minutes or None).

def _days_in_month(year: int | None, month: int) -> int:
    if month == 2:
        if year is None:
            return 28
        return 28 if (year % 4 != 0 or (year % 100 == 0 and year % 400 != 0)) else 29
    return 30 if month in (4, 6, 9, 11) else 31


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _timeline(year: int | None, month: int | None, day: int | None, hour: int, minute: int,
              second: int, tz: int | None) -> int | None:
    """oxsdatatypes ``time_on_timeline``; ``second`` scaled by 10^18."""
    yr = 1971 if year is None else year - 1
    mo = 12 if month is None else month
    da = _days_in_month(yr + 1, mo) - 1 if day is None else day - 1
    mi = minute - (tz or 0)
    whole = (31_536_000 * yr
             + 86400 * (yr // 400 - yr // 100 + yr // 4)
             + 86400 * sum(_days_in_month(yr + 1, m) for m in range(1, mo))
             + 86400 * da + 3600 * hour + 60 * mi)
    value = whole * DEC_POW
    if not I128_MIN <= value <= I128_MAX:
        return None
    value += second
    return value if I128_MIN <= value <= I128_MAX else None


def _as_i128(value: int) -> int:
    return _trunc_div(value, DEC_POW)


def _year_month_day(value: int, tz: int | None) -> tuple[int, int, int]:
    days = (_as_i128(value) + (tz or 0) * 60) // 86400 + 366
    shift = 0
    if days < 0:
        shift = _trunc_div(days, 146_097) - 1
        days -= shift * 146_097
        shift *= 400
    y400 = days // 146_097
    days -= y400 * 146_097
    days -= 1
    y100 = _trunc_div(days, 36524)
    days -= y100 * 36524
    days += 1
    y4 = _trunc_div(days, 1461)
    days -= y4 * 1461
    days -= 1
    y1 = _trunc_div(days, 365)
    days -= y1 * 365
    year = 400 * y400 + 100 * y100 + 4 * y4 + y1 + shift
    leap = (y100 == 0 or y4 != 0) and y1 == 0
    days += int(leap)
    month = 0
    for m in range(1, 13):
        dim = _days_in_month(year, m)
        if dim > days:
            month = m
            break
        days -= dim
    return year, month, days + 1


def _hour_minute_second(value: int, tz: int | None) -> tuple[int, int, int]:
    local = _as_i128(value) + (tz or 0) * 60
    hour = (local % 86400) // 3600
    minute = (local % 3600) // 60
    second = value % (60 * DEC_POW)
    return hour, minute, second


def _format_tz(tz: int | None) -> str:
    if tz is None:
        return ""
    if tz == 0:
        return "Z"
    sign = "-" if tz < 0 else "+"
    return f"{sign}{abs(tz) // 60:02}:{abs(tz) % 60:02}"


def _format_seconds(second: int) -> str:
    text = format_decimal(second)
    return "0" + text if second < 10 * DEC_POW else text


def format_datetime(value: int, tz: int | None) -> str:
    year, month, day = _year_month_day(value, tz)
    hour, minute, second = _hour_minute_second(value, tz)
    sign = "-" if year < 0 else ""
    return (f"{sign}{abs(year):04}-{month:02}-{day:02}T{hour:02}:{minute:02}:"
            f"{_format_seconds(second)}{_format_tz(tz)}")


def format_date(value: int, tz: int | None) -> str:
    year, month, day = _year_month_day(value, tz)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04}-{month:02}-{day:02}{_format_tz(tz)}"


def format_time(value: int, tz: int | None) -> str:
    hour, minute, second = _hour_minute_second(value, tz)
    return f"{hour:02}:{minute:02}:{_format_seconds(second)}{_format_tz(tz)}"


class _Cursor:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def digits(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text) and "0" <= text[self.pos] <= "9":
            self.pos += 1
        return text[start:self.pos]

    def char(self, c: str) -> bool:
        if self.text.startswith(c, self.pos):
            self.pos += 1
            return True
        return False

    def expect(self, c: str) -> None:
        if not self.char(c):
            raise ValueError(c)

    @property
    def done(self) -> bool:
        return self.pos >= len(self.text)


def _two(cur: _Cursor, low: int, high: int) -> int:
    text = cur.digits()
    if len(text) != 2:
        raise ValueError(text)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def _year(cur: _Cursor) -> int:
    sign = -1 if cur.char("-") else 1
    text = cur.digits()
    if len(text) < 4 or (len(text) > 4 and text.startswith("0")):
        raise ValueError(text)
    value = int(text)
    if value > I64_MAX:
        raise ValueError(text)
    return sign * value


def _second(cur: _Cursor) -> int:
    start = cur.pos
    text = cur.text
    dot = False
    while cur.pos < len(text):
        c = text[cur.pos]
        if "0" <= c <= "9":
            cur.pos += 1
        elif c == "." and not dot:
            dot = True
            cur.pos += 1
        else:
            break
    number = text[start:cur.pos]
    if len(number.split(".", 1)[0]) != 2:
        raise ValueError(number)
    value = parse_decimal(number)
    if value is None or not 0 <= value < 60 * DEC_POW or number.endswith("."):
        raise ValueError(number)
    return value


def _timezone(cur: _Cursor) -> int | None:
    if cur.done:
        return None
    if cur.char("Z"):
        return 0
    sign = 1
    if cur.char("-"):
        sign = -1
    else:
        cur.char("+")
    hours_text = cur.digits()
    if len(hours_text) != 2:
        raise ValueError(hours_text)
    hours = int(hours_text)
    cur.expect(":")
    minutes = _two(cur, 0, 59)
    if hours > 13 and not (hours == 14 and minutes == 0):
        raise ValueError(hours_text)
    return sign * (hours * 60 + minutes)


def _time_part(cur: _Cursor) -> tuple[int, int, int]:
    hour = _two(cur, 0, 24)
    cur.expect(":")
    minute = _two(cur, 0, 59)
    cur.expect(":")
    second = _second(cur)
    if hour == 24 and (minute != 0 or second != 0):
        raise ValueError("24")
    return hour, minute, second


def parse_datetime(lex: str) -> tuple[int, int | None] | None:
    try:
        cur = _Cursor(lex)
        year = _year(cur)
        cur.expect("-")
        month = _two(cur, 1, 12)
        cur.expect("-")
        day = _two(cur, 1, 31)
        cur.expect("T")
        hour, minute, second = _time_part(cur)
        tz = _timezone(cur)
        if not cur.done or day > _days_in_month(year, month):
            return None
    except ValueError:
        return None
    value = _timeline(year, month, day, hour, minute, second, tz)
    return None if value is None else (value, tz)


def parse_date(lex: str) -> tuple[int, int | None] | None:
    try:
        cur = _Cursor(lex)
        year = _year(cur)
        cur.expect("-")
        month = _two(cur, 1, 12)
        cur.expect("-")
        day = _two(cur, 1, 31)
        tz = _timezone(cur)
        if not cur.done or day > _days_in_month(year, month):
            return None
    except ValueError:
        return None
    value = _timeline(year, month, day, 0, 0, 0, tz)
    return None if value is None else (value, tz)


def parse_time(lex: str) -> tuple[int, int | None] | None:
    try:
        cur = _Cursor(lex)
        hour, minute, second = _time_part(cur)
        if hour == 24:
            hour = 0
        tz = _timezone(cur)
        if not cur.done:
            return None
    except ValueError:
        return None
    value = _timeline(None, None, None, hour, minute, second, tz)
    return None if value is None else (value, tz)


# --- one entry point -------------------------------------------------------------------------
def parse_typed(lex: str, dt: str) -> tuple[int, object, str, str] | None:
    """(category, value, canonical lexical form, canonical datatype) of a typed literal that
    Oxigraph encodes natively, or None when it keeps the literal as written."""
    if dt == XSD_STRING:
        return STR, lex, lex, XSD_STRING
    if dt == XSD_BOOLEAN:
        b = parse_boolean(lex)
        return None if b is None else (BOOL, b, "true" if b else "false", XSD_BOOLEAN)
    if dt in INTEGER_TYPES:
        i = parse_integer(lex)
        return None if i is None else (INT, i, str(i), XSD_INTEGER)
    if dt == XSD_DECIMAL:
        d = parse_decimal(lex)
        return None if d is None else (DEC, d, format_decimal(d), XSD_DECIMAL)
    if dt == XSD_DOUBLE:
        x = parse_double(lex)
        return None if x is None else (DBL, x, format_double(x), XSD_DOUBLE)
    if dt == XSD_FLOAT:
        f = parse_float(lex)
        return None if f is None else (FLT, f, format_float(f), XSD_FLOAT)
    if dt in (XSD_DATETIME, XSD + "dateTimeStamp"):
        t = parse_datetime(lex)
        return None if t is None else (DATETIME, t, format_datetime(*t), XSD_DATETIME)
    if dt == XSD_DATE:
        t = parse_date(lex)
        return None if t is None else (DATE, t, format_date(*t), XSD_DATE)
    if dt == XSD_TIME:
        t = parse_time(lex)
        return None if t is None else (TIME, t, format_time(*t), XSD_TIME)
    return None


def identity(cat: int, value: object) -> object:
    """The part of a value that decides term identity (Oxigraph's ``is_identical_with``)."""
    if cat == DBL:
        return struct.pack(">d", value)
    if cat == FLT:
        return _f32_bits(value)  # type: ignore[arg-type]
    return value


# --- conversions between numeric types, as Oxigraph does them ------------------------------
def decimal_to_double(v: int) -> float:
    shift = DEC_POW
    if v != 0:
        while shift != 1 and v % 10 == 0:
            v = _trunc_div(v, 10)
            shift //= 10
    return float(v) / float(shift)


def to_double(cat: int, v: object) -> float:
    if cat == DEC:
        return decimal_to_double(v)  # type: ignore[arg-type]
    return float(v)  # type: ignore[arg-type]


def to_float(cat: int, v: object) -> float:
    if cat == INT:
        return f32_round(v)  # type: ignore[arg-type]
    if cat == DEC:
        return f32_from_f64(decimal_to_double(v))  # type: ignore[arg-type]
    if cat == DBL:
        return f32_from_f64(v)  # type: ignore[arg-type]
    return float(v)  # type: ignore[arg-type]
