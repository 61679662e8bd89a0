"""Bulk writes of a run's reasoning, inside the caller's transaction (chunked)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, insert

CHUNK_ROWS = 50_000
SQLITE_BULK_CACHE_KIB = 262_144  # 256 MB page cache for the commit connection, reset afterwards
Progress = Callable[[int, int], None]


def bulk_insert(
    conn: Connection, table: Table, frame: pl.DataFrame, progress: Progress | None = None
) -> None:
    """Insert ``frame`` (columns named like ``table``'s) in chunks, inside the caller's transaction.

    SQLite: the Core insert compiled once, rows bound positionally with executemany (no per-row
    dict building). PostgreSQL: ``COPY ... FROM STDIN`` (CSV) on the same connection, the database's
    own bulk path. Elsewhere: Core ``insert()`` with a list of dicts per chunk.
    """
    statement = insert(table)
    total, done = frame.height, 0
    if conn.dialect.name == "sqlite":
        compiled = statement.compile(dialect=conn.dialect, column_keys=frame.columns)
        order = list(compiled.positiontup or [])
        ordered = frame.select(order)
        for part in ordered.iter_slices(CHUNK_ROWS):
            conn.exec_driver_sql(str(compiled), part.rows())
            done += part.height
            if progress is not None:
                progress(done, total)
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, frame, progress)
        return
    for part in frame.iter_slices(CHUNK_ROWS):
        conn.execute(statement, part.to_dicts())
        done += part.height
        if progress is not None:
            progress(done, total)


def _copy(conn: Connection, table: Table, frame: pl.DataFrame, progress: Progress | None) -> None:
    """PostgreSQL COPY of ``frame`` into ``table`` (CSV: strings quoted, nulls as empty fields)."""
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    raw: Any = conn.connection.driver_connection  # psycopg.Connection, in this transaction
    done = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)') as copy,
    ):
        for part in frame.iter_slices(CHUNK_ROWS):
            buffer = io.BytesIO()
            part.write_csv(buffer, include_header=False, quote_style="non_numeric")
            copy.write(buffer.getvalue())
            done += part.height
            if progress is not None:
                progress(done, frame.height)
