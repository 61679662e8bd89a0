"""The Zip Relation Manager's edits and look-ups: set or delete one zip, list and export the
mapping, the zips customers and leads use that it lacks, and the log of imports and edits.

Every edit is validated like an import row and recorded in ``zip_imports`` (kinds ``set`` and
``delete``); imports themselves are ``routing.zips.service``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from routing.db.base import utcnow
from routing.db.company import Location
from routing.db.zips import ZipRelation
from routing.errors import BadInput, NotFound, ValidationFailed
from routing.geo import zip_table
from routing.zips import records
from routing.zips.apply import delete_relation, lock_mapping, read_locations
from routing.zips.columns import FIELDS, OPTIONAL_FIELDS
from routing.zips.parse import ParsedSheet
from routing.zips.service import apply_import, current_actor, make_preview, plan_sheet, record_values


def set_zip(
    engine: Engine,
    zip_code: str,
    location: str | None = None,
    values: Mapping[str, str | None] | None = None,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Add or change one zip's row, validated like an import row and recorded (kind ``set``).

    ``location`` None keeps a mapped zip's location (BadInput when the zip is not mapped yet).
    ``values`` holds only the optional fields to write (territory, sales_rep, work_order_territory,
    notes); a field left out is untouched, an empty or None value clears it.
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(OPTIONAL_FIELDS))
    if unknown:
        raise BadInput(f"Unknown zip relation field(s): {', '.join(unknown)}.")
    if location is None:
        location = _mapped_location(engine, zip_code)
    given = {"zip": zip_code, "location": location, **values}
    columns = tuple(f for f in FIELDS if f in given)
    cells = pl.DataFrame(
        {"row_no": [1], **{f: [given[f]] for f in columns}},
        schema={"row_no": pl.Int64, **dict.fromkeys(columns, pl.String)},
    )
    sheet = ParsedSheet(cells, columns, 0, "cli", None, None, (), ())
    plan, snapshot = plan_sheet(engine, sheet, skip_zip_only_rows=False)
    preview = make_preview(plan, snapshot, sheet, "set", None, actor or current_actor())
    preview = dataclasses.replace(
        preview,
        errors=tuple(dataclasses.replace(i, row=None) for i in preview.errors),
        warnings=tuple(dataclasses.replace(i, row=None) for i in preview.warnings),
    )
    if not preview.ok:
        with engine.begin() as conn:
            import_id = records.record_import(conn, **record_values(preview))
        raise ValidationFailed(
            f"Zip {zip_code} was not set (recorded as import {import_id}):",
            details=[issue.as_dict() for issue in preview.errors],
        )
    result = apply_import(engine, preview)
    row = get_zip(engine, plan.valid_rows["zip"][0])
    action = "new" if result.new else "updated" if result.updated else "unchanged"
    warnings = [issue.as_dict() for issue in result.warnings]
    return {**row, "action": action, "import_id": result.import_id, "warnings": warnings}


def delete_zip(engine: Engine, zip_code: str, *, actor: str | None = None) -> dict[str, Any]:
    """Delete one zip's row and record it (kind ``delete``); NotFound when the zip is not mapped."""
    zip_code = normalise_zip_argument(zip_code)
    with engine.begin() as conn:
        lock_mapping(conn)
        codes = dict(read_locations(conn).select("id", "code").iter_rows())
        old = delete_relation(conn, zip_code)
        if old is None:
            raise NotFound(f"Zip {zip_code} is not mapped, so there is nothing to delete.")
        old["location"] = codes.get(old.pop("location_id"))
        fields = {k: {"old": v, "new": None} for k, v in old.items() if k != "zip" and v is not None}
        import_id = records.record_import(
            conn,
            kind="delete",
            source="cli",
            file_name=None,
            actor=actor or current_actor(),
            status="applied",
            rows=1,
            updated=1,
            changes=[{"zip": zip_code, "action": "deleted", "fields": fields}],
            applied_at=utcnow(),
        )
    return {**_row_document(old), "action": "deleted", "import_id": import_id}


def get_zip(engine: Engine, zip_code: str) -> dict[str, Any]:
    """One zip's mapping row ``{zip, location, territory, sales_rep, work_order_territory, notes}``."""
    rows = _query_rows(engine, ZipRelation.zip == normalise_zip_argument(zip_code))
    if not rows:
        raise NotFound(f"Zip {zip_code} is not mapped.")
    return rows[0]


def list_zips(engine: Engine, location: str | None = None) -> list[dict[str, Any]]:
    """Mapping rows in zip order, optionally of one location (named as an import's location cell
    names it: ``resolve_location``)."""
    if location is None:
        return _query_rows(engine, None)
    with engine.connect() as conn:
        location_id = resolve_location(read_locations(conn), location)
    return _query_rows(engine, ZipRelation.location_id == location_id)


def resolve_location(locations: pl.DataFrame, text: str) -> int:
    """The id of the location ``text`` names, as an import's location cell does (code, name, or the
    city of a "City, ST" name; case/space-insensitive: ``routing.zips.enrich.location_keys``);
    NotFound when none does, BadInput when several do."""
    from routing.zips.enrich import location_candidates
    from routing.zips.messages import ambiguous_location, closest_locations

    found = location_candidates(locations, text)
    if found.is_empty():
        raise NotFound(f"No location has the code or name {text!r}; {closest_locations(text, locations)}.")
    if found.height > 1:
        raise BadInput(ambiguous_location(text, locations))
    return int(found["id"][0])


def _mapped_location(engine: Engine, zip_code: str) -> str:
    """The location code of a mapped zip (typed as ``set`` takes it); BadInput when it is not mapped."""
    from routing.zips.repair import clean_cells

    typed = pl.DataFrame({"row_no": [1], "zip": [zip_code]}, schema={"row_no": pl.Int64, "zip": pl.String})
    repaired = clean_cells(typed, ("zip",)).rows["zip"][0]  # 2134, 02134-3402... as an import reads them
    if not (repaired and len(repaired) == 5 and repaired.isdigit()):
        raise BadInput(f"{zip_code!r} is not a 5-digit zip code.")
    rows = _query_rows(engine, ZipRelation.zip == repaired)
    if not rows:
        raise BadInput(f"Zip {repaired} is not mapped yet: give its location (--location) to add it.")
    return str(rows[0]["location"])


def unmapped_zips(engine: Engine) -> pl.DataFrame:
    """Zips customers and leads use that the mapping lacks: (zip, customers, leads), most first."""
    from routing.zips.unmapped import unmapped_zips as query_unmapped

    with engine.connect() as conn:
        return query_unmapped(conn)


def write_unmapped_template(engine: Engine, path: str | Path) -> pl.DataFrame:
    """Write the fill-in template of unmapped zips (CSV or .xlsx by extension); returns the unmapped frame."""
    from routing.zips.template import template_sheet, write_sheet

    unmapped = unmapped_zips(engine)
    write_sheet(template_sheet(unmapped, zip_table()), Path(path))
    return unmapped


def export_mapping(engine: Engine, path: str | Path, location: str | None = None) -> int:
    """Write the mapping (or one location's rows) as CSV/.xlsx that imports back unchanged; returns rows."""
    from routing.zips.template import mapping_sheet, write_sheet

    rows = list_zips(engine, location)
    write_sheet(mapping_sheet(rows), Path(path))
    return len(rows)


def list_imports(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """Recorded imports and edits, most recent first (counts only)."""
    with engine.connect() as conn:
        return records.list_imports(conn, limit)


def get_import(engine: Engine, import_id: int) -> dict[str, Any]:
    """One recorded import or edit with its errors, warnings and changes."""
    with engine.connect() as conn:
        return records.get_import(conn, import_id)


def normalise_zip_argument(text: str) -> str:
    """A zip typed on the command line: trimmed, lost leading zeros restored; BadInput if not 5 digits."""
    value = text.strip()
    if value.isdigit() and 3 <= len(value) <= 4:
        value = value.zfill(5)
    if not (len(value) == 5 and value.isdigit()):
        raise BadInput(f"{text!r} is not a 5-digit zip code.")
    return value


def _query_rows(engine: Engine, condition: Any) -> list[dict[str, Any]]:
    query = (
        select(
            ZipRelation.zip,
            Location.code.label("location"),
            ZipRelation.territory,
            ZipRelation.sales_rep,
            ZipRelation.work_order_territory,
            ZipRelation.notes,
        )
        .join(Location, Location.id == ZipRelation.location_id)
        .order_by(ZipRelation.zip)
    )
    if condition is not None:
        query = query.where(condition)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _row_document(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ("zip", "location", *OPTIONAL_FIELDS)}
