"""Printing results: one JSON document on stdout with ``--json``, readable text otherwise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


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


def print_table(title: str | None, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """A rich table of ``rows`` restricted to ``columns``; data is shown literally (no markup)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[Text("" if row.get(c) is None else str(to_jsonable(row.get(c)))) for c in columns])
    console().print(table)


def print_kv(title: str | None, document: dict[str, Any]) -> None:
    """Key: value lines for a flat document."""
    from rich.text import Text

    out = console()
    if title:
        out.print(Text(title, style="bold"))
    for key, value in document.items():
        out.print(Text(f"  {key}: ", style="dim") + Text(str(to_jsonable(value))))
