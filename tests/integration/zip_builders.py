"""Builders for the zip-manager tests: locations, customers and leads, and a checksum of the data."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

from routing.db.tables import Customer, Lead, Location, ZipImport, metadata

CORPUS = Path(__file__).parents[1] / "data" / "zips"
STANDARD_LOCATIONS = {"BOS": "Boston", "HFD": "Hartford", "WOR": "Worcester", "PVD": "Providence"}


def add_locations(engine: Engine, locations: dict[str, str] | None = None) -> dict[str, int]:
    """Create locations (code -> name; default BOS Boston, HFD Hartford, WOR Worcester, PVD Providence)."""
    rows = [{"code": code, "name": name} for code, name in (locations or STANDARD_LOCATIONS).items()]
    with engine.begin() as conn:
        conn.execute(insert(Location.__table__), rows)
        return {code: location_id for code, location_id in conn.execute(select(Location.code, Location.id))}


def add_party(engine: Engine, kind: str, external_id: str, zip_code: str, **values: Any) -> int:
    """Insert a customer or lead (``kind``) with a name, zip and any other column values."""
    table = (Customer if kind == "customer" else Lead).__table__
    row = {"external_id": external_id, "name": f"Party {external_id}", "zip": zip_code, **values}
    with engine.begin() as conn:
        return int(conn.execute(insert(table).values(**row).returning(table.c.id)).scalar_one())


def data_checksum(engine: Engine, exclude: tuple[str, ...] = ("zip_imports",)) -> str:
    """SHA-256 over every row of every table (ordered), except the import record."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in exclude:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def import_statuses(engine: Engine) -> list[str]:
    """Statuses of the recorded imports, oldest first."""
    with engine.connect() as conn:
        return list(conn.execute(select(ZipImport.status).order_by(ZipImport.id)).scalars())


def mapping(engine: Engine) -> dict[str, dict[str, Any]]:
    """zip -> stored row (location as code)."""
    query = text(
        "SELECT z.zip, l.code, z.territory, z.sales_rep, z.work_order_territory, z.notes "
        "FROM zip_relations z JOIN locations l ON l.id = z.location_id ORDER BY z.zip"
    )
    keys = ("location", "territory", "sales_rep", "work_order_territory", "notes")
    with engine.connect() as conn:
        return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in conn.execute(query)}
