"""The shell's read side: one consistent snapshot of the database for a run's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, or_, select

from routing.db import tables as t
from routing.scheduling import schemas
from routing.scheduling.inputs import Snapshot
from routing.scheduling.profiles import profile_from_json

NOT_BOOKED_STATUSES = ("cancelled", "canceled")


@dataclass(frozen=True)
class Scope:
    """What a run looks at: locations (ids, None = all), techs (ids, None = all), a date range."""

    date_from: dt.date
    date_to: dt.date
    location_ids: tuple[int, ...] | None = None
    tech_ids: tuple[int, ...] | None = None
    appointment_ids: tuple[int, ...] | None = None
    location_codes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """How the run stores its scope."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "locations": list(self.location_codes) if self.location_ids is not None else None,
            "techs": list(self.tech_ids) if self.tech_ids is not None else None,
            "appointment_ids": list(self.appointment_ids) if self.appointment_ids is not None else None,
        }


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _chunks(values: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [[]]


def read_snapshot(conn: Connection, scope: Scope, max_search_radius_miles: float) -> Snapshot:
    """Read everything the rules need for ``scope`` (call inside one transaction)."""
    a = t.Appointment
    live = a.status.not_in(NOT_BOOKED_STATUSES)
    in_range = and_(a.date >= scope.date_from, a.date <= scope.date_to)
    wanted = [a.tech_id.is_(None), live, in_range]
    if scope.location_ids is not None:
        wanted.append(a.location_id.in_(scope.location_ids))
    if scope.appointment_ids is not None:
        wanted.append(a.id.in_(scope.appointment_ids))
    tech_filter = t.Technician.id.in_(scope.tech_ids) if scope.tech_ids is not None else None
    booked = [a.tech_id.is_not(None), live, in_range]
    if scope.tech_ids is not None:
        booked.append(a.tech_id.in_(scope.tech_ids))
    columns = (
        a.id,
        a.customer_id,
        a.work_order_type_id,
        a.location_id,
        a.date,
        a.slot_start,
        a.slot_end,
        a.duration_minutes,
        a.zip,
        a.priority,
        a.created_at,
        a.tech_id,
    )
    rows = [
        (*r[:5], _minutes(r[5]), _minutes(r[6]), r[7], r[8], r[9], _naive_utc(r[10]), r[11], r[11] is None)
        for r in conn.execute(select(*columns).where(or_(and_(*wanted), and_(*booked))).order_by(a.id))
    ]
    appointments = schemas.from_rows("appointments", rows)
    techs_query = select(
        t.Technician.id,
        t.Technician.email,
        t.Technician.name,
        t.Technician.active,
        t.Technician.home_zip,
        t.Technician.service_radius_miles,
        t.Technician.daily_cap,
        t.Technician.priority,
    ).order_by(t.Technician.id)
    if tech_filter is not None:
        techs_query = techs_query.where(tech_filter)
    techs = schemas.from_rows("techs", [tuple(r) for r in conn.execute(techs_query)])
    tech_ids = techs["tech_id"].to_list()

    def per_tech(statement: Any, column: Any) -> list[tuple[Any, ...]]:
        if scope.tech_ids is None:
            return [tuple(r) for r in conn.execute(statement)]
        found: list[tuple[Any, ...]] = []
        for chunk in _chunks(tech_ids):
            found.extend(tuple(r) for r in conn.execute(statement.where(column.in_(chunk))))
        return found

    tl, ts, th, to = t.TechnicianLocation, t.TechnicianSkill, t.TechnicianHours, t.TimeOff
    tech_locations = schemas.from_rows(
        "tech_locations", per_tech(select(tl.tech_id, tl.location_id), tl.tech_id)
    )
    tech_skills = schemas.from_rows(
        "tech_skills", per_tech(select(ts.tech_id, ts.skill, ts.level), ts.tech_id)
    )
    tech_hours = schemas.from_rows(
        "tech_hours",
        [
            (tech, weekday, _minutes(start), _minutes(end))
            for tech, weekday, start, end in per_tech(
                select(th.tech_id, th.weekday, th.start_time, th.end_time), th.tech_id
            )
        ],
    )
    window_start = dt.datetime.combine(scope.date_from, dt.time())
    window_end = dt.datetime.combine(scope.date_to + dt.timedelta(days=1), dt.time())
    time_off = schemas.from_rows(
        "time_off",
        per_tech(
            select(to.tech_id, to.starts_at, to.ends_at, to.reason).where(
                to.approved.is_(True), to.starts_at < window_end, to.ends_at > window_start
            ),
            to.tech_id,
        ),
    )
    locations = schemas.from_rows(
        "locations", [tuple(r) for r in conn.execute(select(t.Location.id, t.Location.code, t.Location.name))]
    )
    wot = t.WorkOrderType
    work_order_types = schemas.from_rows(
        "work_order_types", [tuple(r) for r in conn.execute(select(wot.id, wot.code, wot.name))]
    )
    ws = t.WorkOrderTypeSkill
    wot_skills = schemas.from_rows(
        "work_order_type_skills",
        [tuple(r) for r in conn.execute(select(ws.work_order_type_id, ws.skill, ws.min_level))],
    )
    customer_ids = sorted(set(appointments.filter(pl.col("to_schedule"))["customer_id"].to_list()))
    c, ce = t.Customer, t.CustomerExcludedTech
    customers: list[tuple[Any, ...]] = []
    excluded: list[tuple[Any, ...]] = []
    for chunk in _chunks(customer_ids):
        customers.extend(
            tuple(r)
            for r in conn.execute(
                select(c.id, c.external_id, c.preferred_tech_id, c.required_tech_id).where(c.id.in_(chunk))
            )
        )
        excluded.extend(
            tuple(r)
            for r in conn.execute(select(ce.customer_id, ce.tech_id).where(ce.customer_id.in_(chunk)))
        )
    p = t.SchedulingProfile
    profiles = tuple(
        profile_from_json(
            {
                "name": r.name,
                "profile_id": r.id,
                "version": r.version,
                "location_codes": r.location_codes,
                "work_order_type_codes": r.work_order_type_codes,
                "working_hours": r.working_hours,
                "travel_buffer_minutes": r.travel_buffer_minutes,
                "max_daily_jobs": r.max_daily_jobs,
                "territory_rules": r.territory_rules,
                "weights": r.weights,
                "strategy": r.strategy,
            }
        )
        for r in conn.execute(
            select(
                p.id,
                p.name,
                p.version,
                p.location_codes,
                p.work_order_type_codes,
                p.working_hours,
                p.travel_buffer_minutes,
                p.max_daily_jobs,
                p.territory_rules,
                p.weights,
                p.strategy,
            )
            .where(p.active.is_(True))
            .order_by(p.name)
        )
    )
    return Snapshot(
        appointments=appointments,
        techs=techs,
        tech_locations=tech_locations,
        tech_skills=tech_skills,
        tech_hours=tech_hours,
        time_off=time_off,
        locations=locations,
        work_order_types=work_order_types,
        work_order_type_skills=wot_skills,
        customers=schemas.from_rows("customers", customers),
        excluded_techs=schemas.from_rows("excluded_techs", excluded),
        zips=_zips(appointments, techs),
        profiles=profiles,
        max_search_radius_miles=max_search_radius_miles,
    )


def _zips(appointments: pl.DataFrame, techs: pl.DataFrame) -> pl.DataFrame:
    """Centroids of every zip the run uses (appointments and tech homes), from the ZIP table."""
    from routing.geo import centroids

    needed = pl.concat([appointments["zip"], techs["home_zip"]]).unique().sort()
    return schemas.conform("zips", centroids(needed).drop_nulls(["lat", "lon"]))
