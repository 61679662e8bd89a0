"""zip_imports.added: new zips recorded compactly, apart from the update records

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 05:00:00
"""

from __future__ import annotations

import json

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


def upgrade() -> None:
    with op.batch_alter_table("zip_imports") as batch:
        batch.add_column(sa.Column("added", sa.JSON(), nullable=True))
    # Records written before: their new zips move from `changes` to `added`.
    conn = op.get_bind()
    for import_id, changes in conn.execute(sa.select(imports.c.id, imports.c.changes)).all():
        changes = json.loads(changes) if isinstance(changes, str) else changes or []
        new = [c for c in changes if c.get("action") == "new"]
        if not new:
            continue
        rows = [[c["zip"], *(_new_value(c, k) for k in COLUMNS[1:])] for c in new]
        rest = [c for c in changes if c.get("action") != "new"]
        conn.execute(
            imports.update()
            .where(imports.c.id == import_id)
            .values(changes=rest, added={"columns": COLUMNS, "rows": rows})
        )


def _new_value(change: dict, column: str) -> object:
    pair = (change.get("fields") or {}).get(column)
    return pair.get("new") if isinstance(pair, dict) else None


def downgrade() -> None:
    conn = op.get_bind()
    for import_id, added, changes in conn.execute(
        sa.select(imports.c.id, imports.c.added, imports.c.changes)
    ).all():
        added = json.loads(added) if isinstance(added, str) else added
        if not added:
            continue
        changes = json.loads(changes) if isinstance(changes, str) else changes or []
        new = [
            {
                "zip": row[0],
                "action": "new",
                "fields": {
                    k: {"old": None, "new": v} for k, v in zip(added["columns"][1:], row[1:]) if v is not None
                },
            }
            for row in added["rows"]
        ]
        conn.execute(imports.update().where(imports.c.id == import_id).values(changes=new + changes))
    with op.batch_alter_table("zip_imports") as batch:
        batch.drop_column("added")
