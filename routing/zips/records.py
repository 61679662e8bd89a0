"""The record of every import and edit (``zip_imports``): write, move through its statuses, list."""

from __future__ import annotations

import datetime as dt
from typing import Any
from typing import cast as type_cast

from sqlalchemy import JSON, Connection, Table, Text, cast, func, insert, literal, null, select, update

from routing.db.zips import ZipImport
from routing.errors import BadInput, NotFound
from routing.zips.preview import MappingDiff, expand_changes

imports = type_cast(Table, ZipImport.__table__)

SUMMARY_COLUMNS = (
    "id",
    "kind",
    "source",
    "file_name",
    "actor",
    "status",
    "rows",
    "new",
    "updated",
    "unchanged",
    "error_count",
    "created_at",
    "applied_at",
)


class EncodedJSON(str):
    """A JSON document already encoded as text (a large import's change record, built in polars)."""


def json_text(conn: Connection, text: str) -> Any:
    """A JSON column value given as encoded text, written as it is (not encoded a second time)."""
    value = literal(str(text), Text())
    return cast(value, JSON()) if conn.dialect.name == "postgresql" else value


def change_values(diff: MappingDiff, conn: Connection | None = None) -> dict[str, Any]:
    """A diff's change record as ``zip_imports`` values: ``changes`` (update records) and ``added``
    (new zips, compact; SQL NULL when none), as encoded JSON, or as column values given ``conn``."""
    added = diff.added_json
    if conn is None:
        return {"changes": EncodedJSON(diff.changes_json)} | ({"added": EncodedJSON(added)} if added else {})
    return {
        "changes": json_text(conn, diff.changes_json),
        "added": null() if added is None else json_text(conn, added),
    }


def record_import(conn: Connection, **values: Any) -> int:
    """Insert one ``zip_imports`` row (kind, source, file_name, actor, status, counts, issues, changes,
    added).

    Any value given as ``EncodedJSON`` is written as the JSON text it is.
    """
    values = {k: json_text(conn, v) if isinstance(v, EncodedJSON) else v for k, v in values.items()}
    return int(conn.execute(insert(imports).values(**values).returning(imports.c.id)).scalar_one())


def finish_import(conn: Connection, import_id: int, status: str, **values: Any) -> None:
    """Move a previewed import to ``status`` (applied / rejected); BadInput when it is no longer previewed."""
    if not _move_previewed(conn, import_id, status, values):
        current = conn.execute(select(imports.c.status).where(imports.c.id == import_id)).scalar()
        if current is None:
            raise NotFound(f"Zip import {import_id} does not exist.")
        raise BadInput(f"Zip import {import_id} is already {current}; it cannot become {status}.")


def fail_import(conn: Connection, import_id: int, **values: Any) -> bool:
    """Mark a previewed import ``failed`` with ``values``; False (nothing changed) when it is no
    longer previewed or does not exist."""
    return _move_previewed(conn, import_id, "failed", values)


def _move_previewed(conn: Connection, import_id: int, status: str, values: dict[str, Any]) -> bool:
    """Set a previewed import's ``status`` and ``values``; False when it is not (or no longer) previewed."""
    result = conn.execute(
        update(imports)
        .where(imports.c.id == import_id, imports.c.status == "previewed")
        .values(**values | {"status": status})
    )
    return result.rowcount == 1


def list_imports(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent imports and edits first, without their issue and change lists."""
    query = select(
        *(imports.c[c] for c in SUMMARY_COLUMNS), _length(imports.c.warnings).label("warning_count")
    )
    rows = conn.execute(query.order_by(imports.c.id.desc()).limit(limit)).all()
    return [_summary(dict(row._mapping)) for row in rows]


def get_import(conn: Connection, import_id: int) -> dict[str, Any]:
    """One import with its errors, warnings and changes (updates first, new zips expanded from ``added``);
    NotFound when there is none."""
    row = conn.execute(select(imports).where(imports.c.id == import_id)).first()
    if row is None:
        raise NotFound(f"Zip import {import_id} does not exist (see `routing zips imports`).")
    document = dict(row._mapping)
    document["warning_count"] = len(document["warnings"] or [])
    document["changes"] = expand_changes(document.pop("added"), document["changes"] or [])
    return _summary(document)


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    document["import_id"] = document.pop("id")
    for key in ("created_at", "applied_at"):
        if isinstance(document.get(key), dt.datetime) and document[key].tzinfo is None:
            document[key] = document[key].replace(tzinfo=dt.UTC)
    return document


def _length(column: Any) -> Any:
    # JSON array length differs per dialect; counting in SQL keeps the list query light.
    return func.coalesce(func.json_array_length(column), 0)
