"""Database side of the mapping: read it, bulk-upsert rows keyed on zip, delete one zip.

Every function takes an open ``Connection`` so the caller decides the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any, cast

import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.exc import DBAPIError

from routing.db.company import Location
from routing.db.zips import ZipRelation
from routing.zips.columns import OPTIONAL_FIELDS
from routing.zips.enrich import LOCATION_SCHEMA
from routing.zips.preview import DATA_FIELDS, MAPPING_SCHEMA

relations = cast(Table, ZipRelation.__table__)
locations = cast(Table, Location.__table__)


def read_mapping(conn: Connection) -> pl.DataFrame:
    """Every mapping row (zip, location_id, territory, sales_rep, work_order_territory, notes).

    Read with the driver's cursor in the caller's transaction: building a SQLAlchemy row object
    per zip is most of the time on a national mapping.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    with _driver_errors(conn, _READ_MAPPING):
        cursor = driver.cursor()
        try:
            cursor.execute(_READ_MAPPING)
            rows = cursor.fetchall()
        finally:
            cursor.close()
    return pl.DataFrame(rows, schema=MAPPING_SCHEMA, orient="row")


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Raise the driver's own errors (these paths use its cursor directly) as SQLAlchemy's, as
    every other statement does, so callers handle one family. Parameters are left out: on a
    national mapping they would be megabytes in every log line."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc


_READ_MAPPING = f"SELECT {', '.join(MAPPING_SCHEMA)} FROM zip_relations ORDER BY zip"


def read_locations(conn: Connection) -> pl.DataFrame:
    """Every location (id, code, name)."""
    query = select(locations.c.id, locations.c.code, locations.c.name).order_by(locations.c.id)
    return pl.DataFrame(conn.execute(query).all(), schema=LOCATION_SCHEMA, orient="row")


def lock_mapping(conn: Connection) -> None:
    """Take the mapping's write lock now, before reading it, so nobody changes it until commit.

    PostgreSQL: a table lock that lets readers in and keeps other writers out. SQLite: a write
    statement that changes nothing; it opens the write transaction (SQLite has one writer at a
    time), so the reads that follow see the latest mapping and no other writer can slip in.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE zip_relations IN SHARE ROW EXCLUSIVE MODE")
    else:
        conn.exec_driver_sql("UPDATE zip_relations SET zip = zip WHERE 0")


def upsert_mapping(
    conn: Connection,
    writes: pl.DataFrame,
    fields: tuple[str, ...],
    import_id: int | None,
    now: dt.datetime,
) -> int:
    """Insert new zips and update ``fields`` of existing ones that differ; returns how many rows it wrote.

    ``writes``: zip, the data fields and ``action`` (new / updated), as ``diff_mapping`` gives them.
    Call it with the mapping locked (``lock_mapping``) and ``writes`` diffed against the mapping read
    under that lock: the count then equals ``writes``' height. New zips go straight into the table
    with the driver's bulk path (a zip that exists after all fails the transaction: no ON
    CONFLICT). Updated zips are staged in a temporary table, then one ``INSERT ... SELECT ... ON
    CONFLICT (zip) DO UPDATE SET <fields> WHERE <a field IS DISTINCT FROM the new value>`` writes
    them: an unchanged row is not touched, and the statement's row count is what it wrote.
    """
    if conn.dialect.name not in ("postgresql", "sqlite"):
        raise RuntimeError(f"Zip imports need SQLite or PostgreSQL, not {conn.dialect.name}.")
    columns = ("zip", *DATA_FIELDS)
    # The driver path skips SQLAlchemy's type handling: store the time as SQLAlchemy would, once.
    stamp = relations.c.updated_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    stamped = (stamp(now) if stamp else now, import_id)
    new_rows = writes.filter(pl.col("action") == "new").select(columns)
    _bulk_insert(conn, "zip_relations", (*columns, "updated_at", "updated_by_import_id"), new_rows, stamped)
    updated_rows = writes.filter(pl.col("action") != "new").select(columns)
    if updated_rows.is_empty():
        return new_rows.height
    # A failed import can leave the table behind on a pooled SQLite connection: SQLite creates it
    # before the driver opens the transaction, so the rollback does not remove it.
    temp_schema = "pg_temp" if conn.dialect.name == "postgresql" else "temp"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {temp_schema}.zip_relations_stage")
    conn.exec_driver_sql(_STAGE_DDL)
    _bulk_insert(conn, "zip_relations_stage", columns, updated_rows)
    written = conn.execute(_upsert_statement(conn, fields, import_id, now), execution_options=_ROWCOUNT)
    conn.exec_driver_sql("DROP TABLE zip_relations_stage")
    return new_rows.height + int(written.rowcount)


_ROWCOUNT = {"preserve_rowcount": True}


def _upsert_statement(
    conn: Connection, fields: tuple[str, ...], import_id: int | None, now: dt.datetime
) -> Any:
    """``INSERT INTO zip_relations SELECT <stage> ON CONFLICT (zip) DO UPDATE ... WHERE <differs>``."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    columns = ("zip", *DATA_FIELDS)
    source = select(
        *(_STAGE.c[c] for c in columns),
        literal(now, DateTime(timezone=True)).label("updated_at"),
        literal(import_id, Integer).label("updated_by_import_id"),
    ).where(true())  # SQLite needs a WHERE to tell the SELECT's end from ON CONFLICT
    statement = insert(relations).from_select([*columns, "updated_at", "updated_by_import_id"], source)
    excluded = statement.excluded
    update = {field: excluded[field] for field in fields}
    update |= {"updated_at": excluded.updated_at, "updated_by_import_id": excluded.updated_by_import_id}
    return statement.on_conflict_do_update(
        index_elements=[relations.c.zip],
        set_=update,
        where=or_(*(relations.c[field].is_distinct_from(excluded[field]) for field in fields)),
    )


_STAGE = Table(
    "zip_relations_stage",
    MetaData(),
    Column("zip", String(5)),
    Column("location_id", Integer),
    *(Column(field, Text) for field in OPTIONAL_FIELDS),
)
_STAGE_DDL = (
    "CREATE TEMPORARY TABLE zip_relations_stage (zip varchar(5), location_id integer, territory text, "
    "sales_rep text, work_order_territory text, notes text)"
)


def _bulk_insert(
    conn: Connection,
    table: str,
    columns: tuple[str, ...],
    rows: pl.DataFrame,
    constants: tuple[Any, ...] = (),
) -> None:
    """Insert ``rows`` (then ``constants`` on every row) into ``columns`` of ``table`` with the driver's
    bulk path: COPY on PostgreSQL, multi-row INSERT ... VALUES on SQLite (a third faster than
    executemany's statement per row)."""
    if rows.is_empty():
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with _driver_errors(conn, f"INSERT INTO {table} ({', '.join(columns)}) ..."):
        _driver_insert(conn, driver, table, columns, rows, constants)


def _driver_insert(
    conn: Connection,
    driver: Any,
    table: str,
    columns: tuple[str, ...],
    rows: pl.DataFrame,
    constants: tuple[Any, ...],
) -> None:
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows.iter_rows():
                copy.write_row((*row, *constants))
        return
    import sqlite3

    width = len(columns)
    per_statement = max(1, min(4000, driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    row_values = "(" + ", ".join("?" * width) + ")"
    if constants:
        rows = rows.with_columns(pl.lit(value).alias(f"_constant_{i}") for i, value in enumerate(constants))
    cursor = driver.cursor()
    try:
        for chunk in rows.iter_slices(per_statement):
            values = ", ".join([row_values] * chunk.height)
            parameters = list(chain.from_iterable(chunk.rows()))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}", parameters)
    finally:
        cursor.close()


def delete_relation(conn: Connection, zip_code: str) -> dict[str, Any] | None:
    """Delete one zip's mapping row; returns the row as it was, or None when it did not exist."""
    columns = [relations.c[c] for c in MAPPING_SCHEMA]
    row = conn.execute(delete(relations).where(relations.c.zip == zip_code).returning(*columns)).first()
    return dict(row._mapping) if row else None
