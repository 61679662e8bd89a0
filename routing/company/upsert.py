"""Apply a LoadPlan with bulk Core writes, inside the caller's transaction.

Parents are upserted keyed on their natural key (``INSERT ... ON CONFLICT DO UPDATE ... WHERE
column IS DISTINCT FROM excluded.column``, on SQLite and PostgreSQL alike) so an unchanged row is
never touched; natural keys become ids with one SELECT per table; child collections are replaced
(delete + executemany insert) only for the parents whose set changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, Text, bindparam, cast, delete, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from routing.company.plan import EntityPlan, LoadPlan
from routing.company.snapshot import (
    LOCATION_COLUMNS,
    QUEUE_GROUP_COLUMNS,
    SETTING_KEYS,
    TECH_COLUMNS,
    WORK_ORDER_TYPE_COLUMNS,
    Row,
)
from routing.db import tables as t
from routing.db.company import AssignedBy

CHUNK = 5000
IN_CHUNK = 500

_PARTY_OWN = (
    "external_id",
    "name",
    "address",
    "zip",
    "location_source",
    "sales_rep",
    "sales_rep_source",
    "territory",
    "territory_source",
    "category",
    "notes",
)


def table(model: Any) -> Table:
    """The Core table of a mapped class."""
    return model.__table__


def apply_plan(
    conn: Connection, plan: LoadPlan, now: dt.datetime, *, file_name: str | None = None
) -> list[int]:
    """Write ``plan``; returns the ids of the appointments it created (in id order).

    Zip relations it adds or changes are recorded in ``zip_imports`` (kind ``load``, source
    ``company``) like any other change to the mapping.
    """
    entities = plan.entities
    settings = entities["settings"]
    if settings.rows:
        upsert(conn, table(t.CompanySettings), settings.rows, "id", SETTING_KEYS, {"updated_at": now})

    upsert(conn, table(t.Location), entities["locations"].rows, "code", LOCATION_COLUMNS[1:])
    location_ids = key_ids(conn, table(t.Location), "code")

    wot = entities["work_order_types"]
    upsert(conn, table(t.WorkOrderType), wot.rows, "code", WORK_ORDER_TYPE_COLUMNS[1:])
    wot_ids = key_ids(conn, table(t.WorkOrderType), "code")
    _replace(
        conn,
        t.WorkOrderTypeSkill,
        "work_order_type_id",
        wot,
        "work_order_type_skills",
        wot_ids,
        lambda skill: {"skill": skill[0], "min_level": skill[1]},
    )

    techs = entities["techs"]
    upsert(conn, table(t.Technician), techs.rows, "email", TECH_COLUMNS[1:])
    tech_ids = key_ids(conn, table(t.Technician), "email")
    _replace(
        conn,
        t.TechnicianLocation,
        "tech_id",
        techs,
        "tech_locations",
        tech_ids,
        lambda code: {"location_id": location_ids[code]},
    )
    _replace(
        conn,
        t.TechnicianSkill,
        "tech_id",
        techs,
        "tech_skills",
        tech_ids,
        lambda skill: {"skill": skill[0], "level": skill[1]},
    )
    _replace(
        conn,
        t.TechnicianHours,
        "tech_id",
        techs,
        "tech_hours",
        tech_ids,
        lambda hours: {"weekday": hours[0], "start_time": hours[1], "end_time": hours[2]},
    )
    _replace(
        conn,
        t.TimeOff,
        "tech_id",
        techs,
        "time_off",
        tech_ids,
        lambda off: {"starts_at": off[0], "ends_at": off[1], "reason": off[2], "approved": off[3]},
    )

    profiles = [{**row, "updated_at": now} for row in entities["profiles"].rows]
    profile_table = table(t.SchedulingProfile)
    columns = [c for c in profiles[0] if c not in ("name", "updated_at")] if profiles else []
    upsert(
        conn,
        profile_table,
        profiles,
        "name",
        columns,
        {"updated_at": now, "version": profile_table.c.version + 1},
    )

    relations = [
        {
            **{k: v for k, v in row.items() if k != "location"},
            "location_id": location_ids[row["location"]],
            "updated_at": now,
        }
        for row in entities["zip_relations"].rows
    ]
    zip_columns = ("location_id", "territory", "sales_rep", "work_order_territory", "notes")
    if relations:
        import_id = _record_zip_load(conn, plan, now, file_name)
        extra = {"updated_at": now, "updated_by_import_id": import_id}
        relations = [{**row, "updated_by_import_id": import_id} for row in relations]
        upsert(conn, table(t.ZipRelation), relations, "zip", zip_columns, extra)

    customers = entities["customers"]
    customer_rows = [
        {
            **_party(row, location_ids),
            "preferred_tech_id": tech_ids.get(row["preferred_tech"]),
            "required_tech_id": tech_ids.get(row["required_tech"]),
        }
        for row in customers.rows
    ]
    upsert(
        conn,
        table(t.Customer),
        customer_rows,
        "external_id",
        [*_PARTY_OWN[1:], "location_id", "preferred_tech_id", "required_tech_id"],
    )
    customer_ids = key_ids(conn, table(t.Customer), "external_id")
    _replace(
        conn,
        t.CustomerExcludedTech,
        "customer_id",
        customers,
        "customer_excluded",
        customer_ids,
        lambda email: {"tech_id": tech_ids[email]},
    )

    lead_rows = [{**_party(row, location_ids), "source": row["source"]} for row in entities["leads"].rows]
    upsert(conn, table(t.Lead), lead_rows, "external_id", [*_PARTY_OWN[1:], "location_id", "source"])
    upsert(conn, table(t.LeadQueueGroup), entities["lead_queue_groups"].rows, "name", QUEUE_GROUP_COLUMNS[1:])

    return _apply_appointments(conn, plan, now, location_ids, wot_ids, tech_ids, customer_ids)


def _apply_appointments(
    conn: Connection,
    plan: LoadPlan,
    now: dt.datetime,
    location_ids: dict[str, int],
    wot_ids: dict[str, int],
    tech_ids: dict[str, int],
    customer_ids: dict[str, int],
) -> list[int]:
    """Upsert appointments without ever clearing a booking, then apply the file's bookings."""
    appointments = table(t.Appointment)
    plan_rows = plan.entities["appointments"]
    booked = {a["external_id"]: tech_ids[a["tech"]] for a in plan.assignments}
    new_keys = set(plan_rows.new_keys)
    rows = []
    for row in plan_rows.rows:
        tech_id = booked.get(row["external_id"]) if row["external_id"] in new_keys else None
        rows.append(
            {
                "external_id": row["external_id"],
                "customer_id": customer_ids[row["customer"]],
                "work_order_type_id": wot_ids[row["work_order_type"]],
                "location_id": location_ids[row["location"]],
                "date": row["date"],
                "slot_start": row["slot_start"],
                "slot_end": row["slot_end"],
                "duration_minutes": row["duration_minutes"],
                "zip": row["zip"],
                "priority": row["priority"],
                "tech_id": tech_id,
                "assigned_by": AssignedBy.load.value if tech_id is not None else None,
                "assigned_at": now if tech_id is not None else None,
            }
        )
    data_columns = (
        "customer_id", "work_order_type_id", "location_id", "date", "slot_start", "slot_end",
        "duration_minutes", "zip", "priority",
    )  # fmt: skip
    upsert(conn, appointments, rows, "external_id", data_columns, {"version": appointments.c.version + 1})

    rebook = [{"key": key, "new_tech": tech_id} for key, tech_id in booked.items() if key not in new_keys]
    if rebook:
        statement = (
            update(appointments)
            .where(appointments.c.external_id == bindparam("key"))
            .where(appointments.c.tech_id.is_distinct_from(bindparam("new_tech")))
            .values(
                tech_id=bindparam("new_tech"),
                assigned_by=AssignedBy.load.value,
                assigned_at=now,
                assigned_run_id=None,
                version=appointments.c.version + 1,
            )
        )
        for chunk in _chunks(rebook, CHUNK):
            conn.execute(statement, chunk)
    if not new_keys:
        return []
    ids = key_ids(conn, appointments, "external_id")
    return sorted(ids[key] for key in new_keys)


def _party(row: Row, location_ids: dict[str, int]) -> Row:
    location = row["location"]
    return {**{c: row[c] for c in _PARTY_OWN}, "location_id": location_ids[location] if location else None}


def upsert(
    conn: Connection,
    target: Table,
    rows: Sequence[Row],
    key: str,
    update_columns: Sequence[str],
    extra_set: dict[str, Any] | None = None,
) -> None:
    """Bulk insert-or-update keyed on ``key``; rows whose ``update_columns`` are unchanged stay untouched."""
    if not rows:
        return
    statement = _dialect_insert(conn)(target)
    excluded = statement.excluded
    set_: dict[str, Any] = {column: excluded[column] for column in update_columns}
    set_.update(extra_set or {})
    guard = or_(*(_distinct(target.c[column], excluded[column]) for column in update_columns))
    statement = statement.on_conflict_do_update(index_elements=[target.c[key]], set_=set_, where=guard)
    for chunk in _chunks(rows, CHUNK):
        conn.execute(statement, list(chunk))


def _record_zip_load(conn: Connection, plan: LoadPlan, now: dt.datetime, file_name: str | None) -> int:
    from routing.zips import records
    from routing.zips.preview import compact_changes
    from routing.zips.service import current_actor

    zips = plan.entities["zip_relations"]
    added, changes = compact_changes(plan.zip_changes)
    return records.record_import(
        conn,
        kind="load",
        source="company",
        file_name=None if file_name is None else file_name[:400],
        actor=current_actor()[:120],
        status="applied",
        rows=zips.created + zips.updated + zips.unchanged,
        new=zips.created,
        updated=zips.updated,
        unchanged=zips.unchanged,
        changes=changes,
        applied_at=now,
        **({"added": added} if added else {}),  # none: SQL NULL, as an import records it
    )


def key_ids(conn: Connection, target: Table, key: str) -> dict[Any, int]:
    """Natural key -> id for every row of ``target`` (one SELECT)."""
    return {row[0]: row[1] for row in conn.execute(select(target.c[key], target.c.id))}


def _replace(
    conn: Connection,
    model: Any,
    parent_column: str,
    plan: EntityPlan,
    child: str,
    parent_ids: dict[str, int],
    to_row: Any,
) -> None:
    """Make each listed parent's child rows equal to its planned set."""
    wanted = plan.children.get(child, {})
    if not wanted:
        return
    target = table(model)
    ids = [parent_ids[key] for key in wanted]
    for chunk in _chunks(ids, IN_CHUNK):
        conn.execute(delete(target).where(target.c[parent_column].in_(chunk)))
    rows = [
        {parent_column: parent_ids[key], **to_row(member)}
        for key, members in wanted.items()
        for member in sorted(members, key=repr)
    ]
    for chunk in _chunks(rows, CHUNK):
        conn.execute(insert(target), list(chunk))


def _distinct(column: Any, incoming: Any) -> ColumnElement[bool]:
    if isinstance(column.type, JSON):
        return cast(column, Text).is_distinct_from(cast(incoming, Text))
    return column.is_distinct_from(incoming)


def _dialect_insert(conn: Connection) -> Any:
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise NotImplementedError(f"Loading company files supports SQLite and PostgreSQL, not {name}.")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
