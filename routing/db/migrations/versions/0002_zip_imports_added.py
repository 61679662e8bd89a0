"""zip_imports.added: new zips recorded compactly, apart from the update records

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 05:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ["zip", "location", "territory", "sales_rep", "work_order_territory", "notes"]
imports = sa.table(
    "zip_imports", sa.column("id", sa.Integer), sa.column("changes", sa.JSON), sa.column("added", sa.JSON)
)

# Plain ALTER TABLE ADD / DROP COLUMN (SQLite 3.35 and newer), never a batch table rebuild: on
# SQLite a rebuild drops zip_imports, and with foreign keys on that would set every
# zip_relations.updated_by_import_id to NULL (ON DELETE SET NULL).


def upgrade() -> None:
    op.add_column("zip_imports", sa.Column("added", sa.JSON(), nullable=True))
    # Records written before: their new zips move from `changes` to `added`, one record at a time
    # (a national import's record is megabytes).
    conn = op.get_bind()
    for import_id in conn.execute(sa.select(imports.c.id).order_by(imports.c.id)).scalars().all():
        changes = _decoded(
            conn.execute(sa.select(imports.c.changes).where(imports.c.id == import_id)).scalar()
        )
        new = [c for c in changes or [] if c.get("action") == "new"]
        if not new:
            continue
        rows = [[c["zip"], *(_new_value(c, k) for k in COLUMNS[1:])] for c in new]
        rest = [c for c in changes if c.get("action") != "new"]
        conn.execute(
            imports.update()
            .where(imports.c.id == import_id)
            .values(changes=rest, added={"columns": COLUMNS, "rows": rows})
        )


def downgrade() -> None:
    conn = op.get_bind()
    query = sa.select(imports.c.id).where(imports.c.added.is_not(None)).order_by(imports.c.id)
    for import_id in conn.execute(query).scalars().all():
        stored = conn.execute(
            sa.select(imports.c.added, imports.c.changes).where(imports.c.id == import_id)
        ).one()
        added, changes = _decoded(stored.added), _decoded(stored.changes) or []
        if not added:
            continue
        new = [
            {
                "zip": row[0],
                "action": "new",
                "fields": {
                    k: {"old": None, "new": v}
                    for k, v in zip(added["columns"][1:], row[1:], strict=True)
                    if v is not None
                },
            }
            for row in added["rows"]
        ]
        conn.execute(imports.update().where(imports.c.id == import_id).values(changes=changes + new))
    op.drop_column("zip_imports", "added")


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _new_value(change: dict[str, Any], column: str) -> object:
    pair = (change.get("fields") or {}).get(column)
    return pair.get("new") if isinstance(pair, dict) else None
