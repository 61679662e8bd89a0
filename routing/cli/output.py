"""Printing results: one JSON document on stdout with ``--json``, readable text otherwise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
"""The ``--json`` option every reporting command takes."""


def to_jsonable(value: Any) -> Any:
    """Convert dates, enums, paths, dataclasses... into JSON-friendly values (keys become text)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    try:
        return to_jsonable(_json_form(value))
    except TypeError:
        return value


def _json_form(value: Any) -> Any:
    """The JSON form of a value ``json`` cannot write itself; TypeError for one it does not know."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def print_json(document: Any) -> None:
    """Write one JSON document to stdout.

    ``json`` walks the document itself and asks ``_json_form`` only about values it cannot write
    (a big import's document is mostly plain strings); a document with keys that are neither text
    nor numbers goes through ``to_jsonable`` first.
    """
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False, default=_json_form)
    except TypeError:
        text = json.dumps(to_jsonable(document), indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def emit(document: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """Print ``document`` as JSON, or hand it to the human renderer."""
    if as_json:
        print_json(document)
    else:
        human(document)


def console() -> Any:
    """A rich console on stdout."""
    from rich.console import Console

    return Console(highlight=False)


def err_console() -> Any:
    """A rich console on stderr (messages, progress)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@dataclasses.dataclass(frozen=True)
class Column:
    """One table column: the row key it shows, its header, and how it behaves when space is short.

    ``keep`` marks a value a dispatcher reads whole (an id, a day, a slot, an outcome): it is never
    wrapped. ``wide`` is None for a column in every layout, True for one shown only when the wide
    layout fits the terminal, False for a narrow-layout stand-in (a key, a short header); the caller
    says in the table or around it where a wide-only value went.
    """

    key: str
    header: str | None = None
    justify: Literal["left", "right"] = "left"
    keep: bool = False
    wide: bool | None = None
    wide_header: str | None = None


def _columns(columns: Sequence[str | Column]) -> list[Column]:
    return [c if isinstance(c, Column) else Column(c, c) for c in columns]


def _cell(value: Any) -> Any:
    from rich.text import Text

    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(to_jsonable(value)))


def _table(rows: Sequence[dict[str, Any]], columns: list[Column], wide: bool) -> Any:
    from rich import box
    from rich.table import Table

    # No side borders and a two-space gap: at 80 columns the values get the room, not the box.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    shown = [c for c in columns if c.wide is None or c.wide == wide]
    for c in shown:
        table.add_column(
            c.wide_header if wide and c.wide_header is not None else c.key if c.header is None else c.header,
            justify=c.justify,
            no_wrap=c.keep,
            overflow="ellipsis" if c.keep else "fold",
        )
    for row in rows:
        table.add_row(*[_cell(row.get(c.key)) for c in shown])
    return table


def wide_layout_fits(rows: Sequence[dict[str, Any]], columns: Sequence[str | Column]) -> bool:
    """Whether the table with its wide-only columns fits the terminal without wrapping a cell."""
    specs = _columns(columns)
    if all(c.wide is None and c.wide_header is None for c in specs):
        return True
    out = console()
    unbounded = out.options.update_width(1_000_000)  # measure the natural width, not the clamped one
    return bool(out.measure(_table(rows, specs, True), options=unbounded).maximum <= out.width)


def print_table(
    title: str | None,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str | Column],
    *,
    wide: bool | None = None,
    caption: str | None = None,
    narrow_caption: str | None = None,
) -> bool:
    """A rich table of ``rows`` restricted to ``columns``; data is shown literally (no markup).

    The wide layout is used when it fits the terminal (or when ``wide`` says so), otherwise the
    narrow one, which adds ``narrow_caption`` (where the wide-only columns went). Returns whether
    the wide layout was shown.
    """
    from rich.text import Text

    specs = _columns(columns)
    if wide is None:
        wide = wide_layout_fits(rows, specs)
    out = console()
    # Title and notes are printed apart from the table so that they wrap at the terminal's width,
    # not at a narrow table's.
    if title:
        out.print(Text(title, style="bold"))
    out.print(_table(rows, specs, wide))
    for note in (caption, None if wide else narrow_caption):
        if note:
            out.print(Text(note, style="dim"))
    out.line()
    return wide


def print_kv(title: str | None, document: dict[str, Any]) -> None:
    """Key: value lines for a flat document; a long value wraps under itself, not under the key."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    if title:
        out.print(Text(title, style="bold"))
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in document.items():
        grid.add_row(Text(f"  {key}:"), Text(str(to_jsonable(value))))
    out.print(grid)


def _as_datetime(value: Any) -> dt.datetime | dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value)
    return dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)


@dataclasses.dataclass(frozen=True)
class DayFormat:
    """Days and times for one table: the year is left out only when every value is in one year.

    ``12-07 Mon`` or ``12-04 16:33`` then, with ``year`` (2026) for the table's title; across years
    every value keeps it (``2026-12-07``, ``2026-12-04 16:33``), so no shown day is ambiguous.
    """

    year: int | None

    @classmethod
    def of(cls, values: Iterable[Any]) -> DayFormat:
        """The format for a table holding these dates, datetimes or ISO texts (None ignored)."""
        years = {d.year for d in map(_as_datetime, values) if d is not None}
        return cls(years.pop() if len(years) == 1 else None)

    def _prefix(self, value: dt.date) -> str:
        return value.strftime("%m-%d" if self.year is not None else "%Y-%m-%d")

    def day(self, value: Any) -> str:
        """A day: ``12-07 Mon`` in a one-year table, ``2026-12-07`` across years (as wide as needed)."""
        d = _as_datetime(value)
        if d is None:
            return ""
        return f"{self._prefix(d)} {d.strftime('%a')}" if self.year is not None else self._prefix(d)

    def short(self, value: Any) -> str:
        """A day without its weekday: ``12-07`` (scopes)."""
        d = _as_datetime(value)
        return "" if d is None else self._prefix(d)

    def minute(self, value: Any) -> str:
        """A timestamp to the minute: ``12-04 16:33``."""
        d = _as_datetime(value)
        if d is None:
            return ""
        return self._prefix(d) + (d.strftime(" %H:%M") if isinstance(d, dt.datetime) else "")

    def titled(self, title: str) -> str:
        """``title`` with the year the shown days leave out: ``Scheduler runs (2026)``."""
        return title if self.year is None else f"{title} ({self.year})"


_MARKS = {"assigned": ("✔", "green"), "unassigned": ("✘", "red"), "skipped": ("↷", "yellow")}


def outcome_mark(outcome: str, word: bool = True) -> Any:
    """An outcome with its mark: ``✔ assigned``, ``✘ unassigned``, ``↷ skipped`` (or the mark alone)."""
    from rich.text import Text

    mark, style = _MARKS.get(outcome, ("?", ""))
    return Text(f"{mark} {outcome}" if word else mark, style=style)


def rule_counts(counts: dict[str, int]) -> str:
    """``skill 21, conflict 11`` for a rule -> count mapping; ``0`` when it is empty."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "0"


def number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def hanging(indent: int, lead: str, text: str) -> Any:
    """``lead`` then ``text`` after ``indent`` spaces; wrapped lines of ``text`` stay under its start."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(" " * indent + lead), Text(text))
    return grid
