"""Rendering for the CLI: tables that fit the terminal, formatted numbers, ``--format json``.

A table that is wider than the terminal (80 columns when output is not a terminal) is printed
vertically, one block of ``field  value`` lines per row, so no header or value is cut to "…".
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.progress import ProgressColumn, Task
from rich.table import Table
from rich.text import Text

from kgrec.errors import KgrecError

FORMATS = ("table", "json")
SECONDS_SUFFIXES = ("_s", "seconds")
RATE_SUFFIXES = ("/s", "_per_s", "rate")


def check_format(fmt: str) -> str:
    """``fmt`` if it is table or json, else a one-line error."""
    if fmt not in FORMATS:
        raise KgrecError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


def format_number(value: float, column: str = "") -> str:
    """Seconds to 1 decimal, rates to 0 (with thousands separators), everything else to 4."""
    if not math.isfinite(value):
        return str(value)
    name = column.lower()
    if name.endswith(RATE_SUFFIXES):
        return f"{value:,.0f}"
    if name.endswith(SECONDS_SUFFIXES):
        return f"{value:,.1f}"
    return f"{value:.4f}"


def format_value(value: Any, column: str = "") -> str:
    """A cell: floats formatted, None empty, long lists summarised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return format_number(value, column)
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(str, value[:4]))}, … ({len(value)} values)]"
    return str(value)


def horizontal(rows: Sequence[dict[str, Any]], title: str | None) -> Table:
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(str(column), overflow="fold")
    for row in rows:
        table.add_row(*(format_value(v, str(k)) for k, v in row.items()))
    return table


def vertical(row: dict[str, Any]) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in row.items():
        table.add_row(str(key), format_value(value, str(key)))
    return table


def transposed(rows: Sequence[dict[str, Any]], title: str | None) -> Table:
    """One column per row (headed by its first value), one line per field."""
    table = Table(title=title)
    first = next(iter(rows[0]))
    table.add_column(str(first), style="bold", no_wrap=True)
    for row in rows:
        table.add_column(format_value(row[first], str(first)), no_wrap=True)
    for key in list(rows[0])[1:]:
        table.add_row(str(key), *(format_value(row.get(key), str(key)) for row in rows))
    return table


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` can be drawn at its natural width (no wrapped or cut cells)."""
    unbounded = console.options.update_width(1_000_000)     # measure the natural width, not the clamped one
    return Measurement.get(console, unbounded, table).maximum <= console.width


def print_table(console: Console, rows: Sequence[dict[str, Any]], title: str | None = None) -> None:
    """``rows`` as a table; when it would not fit the terminal, transposed (a column per row), else
    vertically (one block of ``field value`` lines per row)."""
    if not rows:
        console.print("(no rows)")
        return
    for table in (horizontal(rows, title), transposed(rows, title) if len(rows) > 1 else None):
        if table is not None and fits(console, table):
            console.print(table)
            return
    for n, row in enumerate(rows, 1):
        label = f"{title} — {n} of {len(rows)}" if title and len(rows) > 1 else title
        if label:
            console.print(Text(label, style="bold"))
        console.print(vertical(row))
        if n < len(rows):
            console.print()


def emit(console: Console, rows: Any, fmt: str, title: str | None = None) -> None:
    """Rows as a table, or any JSON-able value as JSON on stdout (plain: no colour, no wrapping)."""
    if fmt == "json":
        print(json.dumps(rows, indent=2, default=str))
    else:
        print_table(console, rows, title)


class RateColumn(ProgressColumn):
    """``1,234 texts/s`` (nothing until a rate is known)."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} {self.unit}/s", style="cyan")


class CountColumn(ProgressColumn):
    """``1,234 texts`` done so far."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(f"{int(task.completed):,} {self.unit}")
