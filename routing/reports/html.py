"""Escaped HTML building blocks for report notebooks.

Every value from the data goes through :func:`escape`; only :class:`Html` (markup built here)
passes through unchanged. Notebook cells display :class:`Html` objects (``_repr_html_``).
"""

from __future__ import annotations

import base64
import datetime as dt
import html as _html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_SAFE_ATTR = re.compile(r"^[a-z][a-z0-9-]*$")
_SAFE_HREF = re.compile(r"^[A-Za-z0-9._-]+(#[A-Za-z0-9._-]*)?$|^#[A-Za-z0-9._-]+$")

STYLE = """
.rr-report { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px; }
.rr-report h2 { border-bottom: 2px solid #1e88e5; padding-bottom: 2px; margin-top: 1.4em; }
.rr-report table.rr { border-collapse: collapse; margin: 0.4em 0 0.8em 0; font-size: 13px; }
.rr-report table.rr th { background: #eceff1; text-align: left; padding: 3px 8px; }
.rr-report table.rr td { border-top: 1px solid #e0e0e0; padding: 2px 8px; vertical-align: top;
  text-align: left; }
.rr-report table.rr td.num { text-align: right; font-variant-numeric: tabular-nums; }
.rr-report table.rr tr.chosen td { background: #e3f2fd; font-weight: 600; }
.rr-report table.rr caption { text-align: left; font-weight: 600; padding: 2px 0; }
.rr-report details { margin: 2px 0; }
.rr-report details > summary { cursor: pointer; }
.rr-report .rr-note { color: #546e7a; font-size: 12px; }
.rr-report .rr-bad { color: #c62828; font-weight: 600; }
.rr-report .rr-good { color: #2e7d32; font-weight: 600; }
.rr-report img.rr-chart { max-width: 100%; height: auto; display: block; }
.rr-report code { background: #f5f5f5; padding: 0 3px; }
"""


class Html:
    """Markup that is already safe to embed (built by this module from escaped values)."""

    __slots__ = ("markup",)

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"<Html: {len(self.markup)} characters>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Html) and other.markup == self.markup

    def __hash__(self) -> int:
        return hash(self.markup)

    def __add__(self, other: Html) -> Html:
        return Html(self.markup + escape(other).markup)

    def _repr_html_(self) -> str:
        return f'<div class="rr-report">{self.markup}</div>'


def text(value: Any) -> str:
    """A value as display text: ``None``/NaN -> empty, floats to 2 decimals, dates ISO, bools yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(timespec="minutes") if isinstance(value, dt.time) else value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    return str(value)


def escape(value: Any) -> Html:
    """``value`` as safe markup: :class:`Html` unchanged, anything else displayed as escaped text."""
    if isinstance(value, Html):
        return value
    return Html(_html.escape(text(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    """Concatenate values (each escaped unless already :class:`Html`); ``sep`` is literal markup."""
    return Html(sep.join(escape(p).markup for p in parts))


def tag(name: str, *children: Any, **attrs: Any) -> Html:
    """``<name attrs>children</name>``; attribute values are escaped, ``class_`` means ``class``."""
    if not _SAFE_ATTR.match(name):
        raise ValueError(f"unsafe tag name {name!r}")
    rendered = []
    for key, value in attrs.items():
        attr = key.rstrip("_").replace("_", "-")
        if not _SAFE_ATTR.match(attr) or attr.startswith("on"):
            raise ValueError(f"unsafe attribute {key!r}")
        if value is None or value is False:
            continue
        rendered.append(attr if value is True else f'{attr}="{_html.escape(text(value), quote=True)}"')
    opening = " ".join([name, *rendered])
    return Html(f"<{opening}>{join(children).markup}</{name}>")


def style() -> Html:
    """The report stylesheet (display it once, at the top of a report)."""
    return Html(f"<style>{STYLE}</style>")


def heading(title: Any, level: int = 2) -> Html:
    """A section heading ``<h2>`` (or ``<h{level}>``)."""
    return tag(f"h{level}", title)


def section(title: Any, *body: Any, level: int = 2) -> Html:
    """A heading followed by its content."""
    return join([heading(title, level), *body])


def paragraph(*content: Any) -> Html:
    """A ``<p>`` of escaped content."""
    return tag("p", *content)


def note(*content: Any) -> Html:
    """A small grey remark (e.g. "showing 50 of 1,200")."""
    return tag("p", *content, class_="rr-note")


def details(summary: Any, *body: Any, open: bool = False) -> Html:
    """A collapsible block: ``summary`` always visible, ``body`` on click."""
    return tag("details", tag("summary", summary), *body, open=open)


def link(href: str, label: Any) -> Html:
    """A link to a file next to the report (relative name) or an anchor; other targets are refused."""
    if not _SAFE_HREF.match(href):
        raise ValueError(f"only relative file names or #anchors may be linked, not {href!r}")
    return tag("a", label, href=href)


def image_png(png: bytes, alt: str) -> Html:
    """A PNG embedded as a data URI (reports work offline)."""
    data = base64.b64encode(png).decode("ascii")
    return Html(
        f'<img class="rr-chart" alt="{_html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">'
    )


def key_values(pairs: Mapping[str, Any]) -> Html:
    """A two-column table of labels and values."""
    rows = [tag("tr", tag("th", key), tag("td", value)) for key, value in pairs.items()]
    return tag("table", *rows, class_="rr")


def table(
    rows: Sequence[Mapping[str, Any]] | Any,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    *,
    caption: Any = None,
    max_rows: int | None = None,
    row_class: str | None = None,
    empty: str = "None.",
) -> Html:
    """An HTML table of ``rows`` (dicts or a polars frame); ``columns`` maps keys to headers.

    ``row_class`` names a boolean key; rows where it is true get that class (e.g. ``chosen``).
    Longer inputs are cut at ``max_rows`` with a note saying how many were left out.
    """
    records: Sequence[Mapping[str, Any]] = rows.to_dicts() if hasattr(rows, "to_dicts") else rows
    if columns is None:
        columns = list(records[0].keys()) if records else []
    labels = dict(columns) if isinstance(columns, Mapping) else {c: c.replace("_", " ") for c in columns}
    if not records:
        return note(empty)
    shown = records if max_rows is None else records[:max_rows]
    head = tag("tr", *[tag("th", label) for label in labels.values()])
    body = []
    for record in shown:
        cells = []
        for key in labels:
            value = record.get(key)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cells.append(tag("td", value, class_="num" if numeric else None))
        css = row_class if row_class and record.get(row_class) else None
        body.append(tag("tr", *cells, class_=css))
    parts = [tag("table", tag("caption", caption) if caption is not None else "", head, *body, class_="rr")]
    if len(shown) < len(records):
        parts.append(note(f"Showing {len(shown):,} of {len(records):,} rows."))
    return join(parts)
