"""Zip relations (zip -> location and defaults) and the record of every import and edit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from routing.db.base import Base, created_at, intpk, timestamp, zip_code


class ZipRelation(Base):
    """One mapping row per zip: the location and the defaults it pre-fills."""

    __tablename__ = "zip_relations"

    zip: Mapped[zip_code] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    territory: Mapped[str | None] = mapped_column(String(120))
    sales_rep: Mapped[str | None] = mapped_column(String(120))
    work_order_territory: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[timestamp | None]
    updated_by_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("zip_imports.id", ondelete="SET NULL")
    )


class ZipImport(Base):
    """A recorded change to the mapping: a file / paste import, or a single set / delete."""

    __tablename__ = "zip_imports"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(16))  # import | set | delete | load
    source: Mapped[str] = mapped_column(String(16))  # paste | csv | xlsx | cli | company
    file_name: Mapped[str | None] = mapped_column(String(400))
    actor: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))  # previewed | applied | rejected | invalid | failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # updated / deleted zips
    # New zips, compactly: {"columns": [zip, location, ...], "rows": [[values], ...]} (None: none).
    added: Mapped[dict[str, Any] | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]
    applied_at: Mapped[dt.datetime | None] = mapped_column()
