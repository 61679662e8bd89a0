"""The zip import report: what one recorded import (or edit) did — counts, errors, changes old -> new."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from routing.errors import NotFound
from routing.reports import charts
from routing.reports import html as h
from routing.words import plural


@dataclass(frozen=True)
class ImportRecord:
    """One row of ``zip_imports`` as the report shows it."""

    id: int
    kind: str
    source: str
    file_name: str | None
    actor: str | None
    status: str
    rows: int
    new: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    note: str | None
    created_at: dt.datetime | None
    applied_at: dt.datetime | None


def load_import(engine: Engine, import_id: int = 0) -> ImportRecord:
    """The recorded import ``import_id`` (0 = the most recent one); NotFound when there is none."""
    from routing.db.zips import ZipImport

    with Session(engine) as session:
        if import_id == 0:
            import_id = session.execute(select(func.max(ZipImport.id))).scalar() or 0
        row = session.get(ZipImport, import_id)
        if row is None:
            raise NotFound(
                f"No zip import {import_id} in the database." if import_id else "No zip imports yet."
            )
        from routing.zips.preview import expand_changes

        values = {f: getattr(row, f) for f in ImportRecord.__dataclass_fields__ if f != "changes"}
        return ImportRecord(**values, changes=expand_changes(row.added, row.changes or []))


def header(record: ImportRecord, database: str) -> h.Html:
    """Title and the facts of the import: who, when, source, status."""
    status_class = "rr-good" if record.status == "applied" else "rr-bad" if record.error_count else None
    facts = {
        "Import": record.id,
        "Kind": record.kind,
        "Source": record.source,
        "File": record.file_name or ("(pasted text)" if record.source == "paste" else None),
        "By": record.actor or "unknown",
        "Recorded at": record.created_at,
        "Applied at": record.applied_at or "not applied",
        "Status": h.tag("span", record.status, class_=status_class),
        "Note": record.note,
        "Database": database,
    }
    return h.join([h.style(), h.heading(f"Zip import {record.id}: {record.status}", 1), h.key_values(facts)])


def counts(record: ImportRecord) -> h.Html:
    """The counts as a table and a bar chart."""
    values = {
        "rows read": record.rows,
        "new": record.new,
        "updated": record.updated,
        "unchanged": record.unchanged,
        "errors": record.error_count,
        "warnings": len(record.warnings),
    }
    chart = charts.bars(
        list(values)[1:],
        list(values.values())[1:],
        title="What the import did",
        xlabel="rows",
        colour="#1e88e5",
    )
    return h.section("Counts", h.key_values(values), chart)


ISSUE_COLUMNS = {"row": "Row", "column": "Column", "value": "Value", "code": "Code", "message": "Problem"}


def issues(record: ImportRecord, *, max_rows: int = 1000) -> h.Html:
    """Errors then warnings, each with spreadsheet row (header = row 1), column, value and sentence."""
    errors = sorted(record.errors, key=_row_key)
    warnings = sorted(record.warnings, key=_row_key)
    consequence = ": nothing was written." if record.status != "applied" else "."
    summary = (
        h.paragraph(h.tag("span", plural(len(errors), "error"), class_="rr-bad"), consequence)
        if errors
        else h.paragraph("No errors.")
    )
    return h.join(
        [
            h.section(
                "Errors", summary, h.table(errors, ISSUE_COLUMNS, max_rows=max_rows, empty="No errors.")
            ),
            h.section("Warnings", h.table(warnings, ISSUE_COLUMNS, max_rows=max_rows, empty="No warnings.")),
        ]
    )


def _row_key(issue: dict[str, Any]) -> tuple[int, str]:
    row = issue.get("row")
    return (row if isinstance(row, int) else 0, str(issue.get("column") or ""))


def change_rows(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten recorded changes ``{zip, action, fields: {field: {old, new}}}`` into one row per field.

    Rows already flat (``{zip, action, field, old, new}``) pass through; a change with no field
    (e.g. a delete recorded without values) gives one row with the action only.
    """
    rows: list[dict[str, Any]] = []
    for change in changes:
        base = {"zip": change.get("zip"), "action": change.get("action") or change.get("kind")}
        if "field" in change:
            rows.append(
                {**base, "field": change["field"], "old": change.get("old"), "new": change.get("new")}
            )
            continue
        fields = change.get("fields")
        if not isinstance(fields, dict) or not fields:
            rows.append({**base, "field": None, "old": None, "new": None})
            continue
        for name, pair in fields.items():
            old, new = (pair.get("old"), pair.get("new")) if isinstance(pair, dict) else (None, pair)
            rows.append({**base, "field": name, "old": old, "new": new})
    return rows


def changes(record: ImportRecord, *, max_rows: int = 2000) -> h.Html:
    """What changed, old -> new, one row per changed field of each zip."""
    rows = change_rows(record.changes)
    for row in rows:
        row["arrow"] = "→"
    columns = {"zip": "Zip", "action": "Action", "field": "Field", "old": "Old", "arrow": "", "new": "New"}
    body = h.table(rows, columns, max_rows=max_rows, empty="No changes recorded.")
    zips = len({r["zip"] for r in rows})
    return h.section("Changes", h.note(f"{zips:,} zips, {len(rows):,} field changes."), body)
