"""What the database already holds, read with one SELECT per table, in natural-key form.

Foreign-key ids are replaced by the natural keys they point at (location code, tech email, ...)
so the planner can compare the file with the database without knowing any id.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from routing.company.schema import SettingsIn
from routing.db import tables as t

SETTING_KEYS = tuple(SettingsIn.model_fields)

LOCATION_COLUMNS = ("code", "name", "timezone")
WORK_ORDER_TYPE_COLUMNS = ("code", "name", "default_duration_minutes")
TECH_COLUMNS = ("email", "name", "active", "home_zip", "service_radius_miles", "daily_cap", "priority")
PROFILE_COLUMNS = (
    "name",
    "location_codes",
    "work_order_type_codes",
    "working_hours",
    "travel_buffer_minutes",
    "max_daily_jobs",
    "territory_rules",
    "weights",
    "strategy",
    "active",
)
PARTY_COLUMNS = (
    "external_id",
    "name",
    "address",
    "zip",
    "location",
    "location_source",
    "sales_rep",
    "sales_rep_source",
    "territory",
    "territory_source",
    "category",
    "notes",
)
CUSTOMER_COLUMNS = (*PARTY_COLUMNS, "preferred_tech", "required_tech")
LEAD_COLUMNS = (*PARTY_COLUMNS, "source")
QUEUE_GROUP_COLUMNS = ("name", "priority", "criteria")
APPOINTMENT_COLUMNS = (
    "external_id",
    "customer",
    "work_order_type",
    "location",
    "date",
    "slot_start",
    "slot_end",
    "duration_minutes",
    "zip",
    "priority",
)
ZIP_RELATION_COLUMNS = ("zip", "location", "territory", "sales_rep", "work_order_territory", "notes")

Row = dict[str, Any]
Members = frozenset[Any]


@dataclass(frozen=True)
class Snapshot:
    """Stored rows keyed by natural key; child collections as frozensets per parent key."""

    settings: Row | None = None
    locations: dict[str, Row] = field(default_factory=dict)
    work_order_types: dict[str, Row] = field(default_factory=dict)
    work_order_type_skills: dict[str, Members] = field(default_factory=dict)
    techs: dict[str, Row] = field(default_factory=dict)
    tech_locations: dict[str, Members] = field(default_factory=dict)
    tech_skills: dict[str, Members] = field(default_factory=dict)
    tech_hours: dict[str, Members] = field(default_factory=dict)
    time_off: dict[str, Members] = field(default_factory=dict)
    profiles: dict[str, Row] = field(default_factory=dict)
    zip_relations: dict[str, Row] = field(default_factory=dict)
    customers: dict[str, Row] = field(default_factory=dict)
    customer_excluded: dict[str, Members] = field(default_factory=dict)
    leads: dict[str, Row] = field(default_factory=dict)
    lead_queue_groups: dict[str, Row] = field(default_factory=dict)
    appointments: dict[str, Row] = field(default_factory=dict)  # includes "tech" (email or None)


def read_snapshot(conn: Connection) -> Snapshot:
    """Read every company table once and return it in natural-key form."""
    settings_row = conn.execute(select(t.CompanySettings.__table__).where(t.CompanySettings.id == 1)).first()
    settings = {key: settings_row._mapping[key] for key in SETTING_KEYS} if settings_row else None

    locations = _rows(conn, t.Location.__table__)
    location_code = {row["id"]: row["code"] for row in locations}
    work_order_types = _rows(conn, t.WorkOrderType.__table__)
    wot_code = {row["id"]: row["code"] for row in work_order_types}
    techs = _rows(conn, t.Technician.__table__)
    tech_email = {row["id"]: row["email"] for row in techs}
    customers = _rows(conn, t.Customer.__table__)
    customer_key = {row["id"]: row["external_id"] for row in customers}

    def party(row: Row, columns: Iterable[str]) -> Row:
        named = dict(row)
        named["location"] = location_code.get(row["location_id"])
        for name in ("preferred_tech", "required_tech"):
            if f"{name}_id" in row:
                named[name] = tech_email.get(row[f"{name}_id"])
        return {column: named[column] for column in columns}

    appointments = {}
    for row in _rows(conn, t.Appointment.__table__):
        named = dict(row)
        named.update(
            customer=customer_key.get(row["customer_id"]),
            work_order_type=wot_code.get(row["work_order_type_id"]),
            location=location_code.get(row["location_id"]),
        )
        appointment = {column: named[column] for column in APPOINTMENT_COLUMNS}
        appointment["tech"] = tech_email.get(row["tech_id"])
        appointments[row["external_id"]] = appointment

    zip_relations = {}
    for row in _rows(conn, t.ZipRelation.__table__):
        named = dict(row)
        named["location"] = location_code.get(row["location_id"])
        zip_relations[row["zip"]] = {column: named[column] for column in ZIP_RELATION_COLUMNS}

    return Snapshot(
        settings=settings,
        locations={row["code"]: _pick(row, LOCATION_COLUMNS) for row in locations},
        work_order_types={row["code"]: _pick(row, WORK_ORDER_TYPE_COLUMNS) for row in work_order_types},
        work_order_type_skills=_children(
            conn, t.WorkOrderTypeSkill.__table__, "work_order_type_id", wot_code, ("skill", "min_level")
        ),
        techs={row["email"]: _pick(row, TECH_COLUMNS) for row in techs},
        tech_locations=_children(
            conn, t.TechnicianLocation.__table__, "tech_id", tech_email, ("location_id",), location_code
        ),
        tech_skills=_children(conn, t.TechnicianSkill.__table__, "tech_id", tech_email, ("skill", "level")),
        tech_hours=_children(
            conn, t.TechnicianHours.__table__, "tech_id", tech_email, ("weekday", "start_time", "end_time")
        ),
        time_off=_children(
            conn, t.TimeOff.__table__, "tech_id", tech_email, ("starts_at", "ends_at", "reason", "approved")
        ),
        profiles={
            row["name"]: _pick(row, PROFILE_COLUMNS) for row in _rows(conn, t.SchedulingProfile.__table__)
        },
        zip_relations=zip_relations,
        customers={row["external_id"]: party(row, CUSTOMER_COLUMNS) for row in customers},
        customer_excluded=_children(
            conn, t.CustomerExcludedTech.__table__, "customer_id", customer_key, ("tech_id",), tech_email
        ),
        leads={row["external_id"]: party(row, LEAD_COLUMNS) for row in _rows(conn, t.Lead.__table__)},
        lead_queue_groups={
            row["name"]: _pick(row, QUEUE_GROUP_COLUMNS) for row in _rows(conn, t.LeadQueueGroup.__table__)
        },
        appointments=appointments,
    )


def _rows(conn: Connection, table: Any) -> list[Row]:
    return [dict(row._mapping) for row in conn.execute(select(table))]


def _pick(row: Row, columns: Iterable[str]) -> Row:
    return {column: _plain(row[column]) for column in columns}


def _plain(value: Any) -> Any:
    """Drop sub-second noise some drivers add to times; keep everything else as read."""
    if isinstance(value, dt.time) and value.microsecond:
        return value.replace(microsecond=0)
    return value


def _children(
    conn: Connection,
    table: Table | Any,
    parent_column: str,
    parent_key: dict[int, str],
    columns: tuple[str, ...],
    value_key: dict[int, str] | None = None,
) -> dict[str, Members]:
    """Child rows grouped by the parent's natural key; with ``value_key`` a single id column is named."""
    grouped: dict[str, set[Any]] = defaultdict(set)
    selected = [table.c[parent_column], *(table.c[c] for c in columns)]
    for row in conn.execute(select(*selected)):
        parent = parent_key.get(row[0])
        if parent is None:
            continue
        if value_key is not None:
            grouped[parent].add(value_key.get(row[1]))
        else:
            grouped[parent].add(tuple(row[1:]))
    return {parent: frozenset(members) for parent, members in grouped.items()}
