"""One finite-number parser with range checks, shared by every input path (loaders and ingest-events).

Every number that comes from a file goes through :func:`parse_float`, :func:`parse_int`,
:func:`parse_epoch`, :func:`parse_year` or :func:`parse_property` before anything is written. A bad
value raises :class:`~kgrec.errors.InputError` naming the file, line and column. The rules:

- only ASCII decimal literals are numbers (``12``, ``-3.5``, ``4e2``); ``1_000``, ``０x10``, fullwidth
  or other Unicode digits are not;
- ``nan``, ``inf``, ``infinity`` (any case or sign) and literals that overflow a double are refused;
- floats (ratings, weights, float properties, RecBole ``float`` fields): ``|x| <= 1e15`` (:data:`FLOAT_LIMIT`);
- integers: signed 64-bit (Neo4j's ``Long``), and exact (a float literal must be whole and below 2**53);
- epoch timestamps: whole seconds in ``[0, 253402300799]`` (1970-01-01 .. 9999-12-31T23:59:59Z);
- years: ``1 .. 9999``.

Each function also accepts an already-typed ``int``/``float`` (e.g. a value another parser converted)
and applies the same checks.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from kgrec.errors import InputError

FLOAT_LIMIT = 1e15
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EXACT_FLOAT_INT = 2**53              # a float literal is only accepted as an integer below this
MAX_INT_DIGITS = 30                  # longer integer literals are out of every range without parsing them
EPOCH_MIN, EPOCH_MAX = 0, 253_402_300_799   # 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z
YEAR_MIN, YEAR_MAX = 1, 9999
SHOW_CHARS = 40                      # longest value echoed in an error message

INT_LITERAL = re.compile(r"[+-]?[0-9]+", re.ASCII)
FLOAT_LITERAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.ASCII | re.IGNORECASE)

Number = int | float


def show(value: object, limit: int = SHOW_CHARS) -> str:
    """``repr`` of a value for an error message, cut to ``limit`` characters (never a whole field)."""
    text = value if isinstance(value, str) else str(value)
    shown = repr(text[:limit]) + f"… ({len(text):,} characters)" if len(text) > limit else repr(text)
    foreign = sorted({ch for ch in text[:limit] if not ch.isascii()})
    if foreign and any(ch.isascii() and ch.isalnum() for ch in text):  # lookalikes: 'с1' (Cyrillic) vs 'c1'
        shown += " (non-ASCII " + ", ".join(f"U+{ord(ch):04X}" for ch in foreign[:3]) + ")"
    return shown


def is_number_literal(text: str) -> bool:
    """True for text the parsers would read as a number (or refuse as non-finite)."""
    text = text.strip()
    return bool(FLOAT_LITERAL.fullmatch(text) or NON_FINITE.fullmatch(text))


def parse_float(text: str | Number, *, path: str | Path, line: int | None = None, column: str | None = None,
                minimum: float = -FLOAT_LIMIT, maximum: float = FLOAT_LIMIT) -> float:
    """A finite float in ``[minimum, maximum]``; anything else is an :class:`InputError`."""
    if isinstance(text, str):  # fast path for the common case; the slow one words the error
        stripped = text.strip()
        if FLOAT_LITERAL.fullmatch(stripped):
            value = float(stripped)
            if minimum <= value <= maximum:
                return value
    value = _to_float(text, path, line, column)
    if not minimum <= value <= maximum:
        raise InputError(str(path), f"{show(_shown(text))} is out of range [{_fmt(minimum)}, {_fmt(maximum)}]",
                         line, column)
    return value


def parse_int(text: str | Number, *, path: str | Path, line: int | None = None, column: str | None = None,
              minimum: int = INT64_MIN, maximum: int = INT64_MAX, what: str = "a whole number") -> int:
    """An exact integer in ``[minimum, maximum]`` (``12``, ``+12``, or a whole float literal like ``1.2e3``)."""
    if isinstance(text, str):  # fast path: a short integer literal in range
        stripped = text.strip()
        if len(stripped) <= 18 and INT_LITERAL.fullmatch(stripped) and minimum <= (value := int(stripped)) <= maximum:
            return value
    raw = _shown(text)
    if isinstance(text, bool):
        raise InputError(str(path), f"{show(raw)} is not {what}", line, column)
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and INT_LITERAL.fullmatch(text.strip()):
        digits = text.strip().lstrip("+-").lstrip("0")
        value = int(text.strip()) if len(digits) <= MAX_INT_DIGITS else INT64_MAX + 1  # no 4300-digit int()
    else:
        number = _to_float(text, path, line, column)
        if number != math.floor(number):
            raise InputError(str(path), f"{show(raw)} is not {what}", line, column)
        value = int(number) if abs(number) < EXACT_FLOAT_INT else INT64_MAX + 1
    if not minimum <= value <= maximum:
        raise InputError(str(path), f"{show(raw)} is out of range for {what} [{minimum}, {maximum}]", line, column)
    return value


def parse_epoch(text: str | Number, *, path: str | Path, line: int | None = None,
                column: str | None = "timestamp") -> int:
    """Epoch seconds (whole) between 1970-01-01 and 9999-12-31T23:59:59Z."""
    return parse_int(text, path=path, line=line, column=column, minimum=EPOCH_MIN, maximum=EPOCH_MAX,
                     what="an epoch timestamp in whole seconds")


def parse_year(text: str | Number, *, path: str | Path, line: int | None = None,
               column: str | None = "year") -> int:
    """A calendar year 1..9999."""
    return parse_int(text, path=path, line=line, column=column, minimum=YEAR_MIN, maximum=YEAR_MAX,
                     what="a year")


def check_epoch_range(seconds: int, raw: str, *, path: str | Path, line: int | None, column: str | None) -> int:
    """The range check of :func:`parse_epoch` for a timestamp computed another way (ISO 8601)."""
    if not EPOCH_MIN <= seconds <= EPOCH_MAX:
        raise InputError(str(path), f"{show(raw)} is out of range for a timestamp "
                         "(1970-01-01 .. 9999-12-31T23:59:59Z)", line, column)
    return seconds


def parse_property(text: str, *, path: str | Path, line: int | None = None,
                   column: str | None = None) -> int | float | str:
    """A node property from a text cell: an integer or float literal becomes a (checked) number, else text."""
    stripped = text.strip()
    if INT_LITERAL.fullmatch(stripped):
        return parse_int(stripped, path=path, line=line, column=column, what="a 64-bit integer")
    if FLOAT_LITERAL.fullmatch(stripped) or NON_FINITE.fullmatch(stripped):
        return parse_float(stripped, path=path, line=line, column=column)
    return text


def _to_float(text: str | Number, path: str | Path, line: int | None, column: str | None) -> float:
    raw = _shown(text)
    if isinstance(text, bool):
        raise InputError(str(path), f"{show(raw)} is not a number", line, column)
    if isinstance(text, int | float):
        value = float(text) if abs(text) < 1e308 or isinstance(text, float) else math.inf
    else:
        stripped = text.strip()
        if not stripped:
            raise InputError(str(path), "empty value (a number is required)", line, column)
        if NON_FINITE.fullmatch(stripped):
            raise InputError(str(path), f"{show(raw)} is not a finite number (nan and inf are refused)",
                             line, column)
        if not FLOAT_LITERAL.fullmatch(stripped):
            raise InputError(str(path), f"{show(raw)} is not a number", line, column)
        value = float(stripped)
    if not math.isfinite(value):
        raise InputError(str(path), f"{show(raw)} is not a finite number (nan and inf are refused)",
                         line, column)
    return value


def _shown(text: str | Number) -> str:
    return text if isinstance(text, str) else repr(text)


def _fmt(bound: float) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)
