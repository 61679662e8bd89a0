"""Commit-time safety: lock the planned techs, re-read their bookings, re-check the plan.

PostgreSQL: the planned techs' rows, then the planned appointments, are locked ``FOR UPDATE`` in id
order (two runs never deadlock, and the second waits for the first to commit). SQLite: the commit
transaction already holds the database's write lock. The re-check itself is ``recheck.recheck``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from routing.db.company import Appointment, Technician
from routing.scheduling.decide import Decisions
from routing.scheduling.inputs import Snapshot
from routing.scheduling.recheck import Job, Skip, jobs_with_profiles, recheck
from routing.scheduling.snapshot import NOT_BOOKED_STATUSES


def _lock_techs(conn: Connection, tech_ids: Sequence[int]) -> None:
    if conn.dialect.name != "postgresql" or not tech_ids:
        return
    for start in range(0, len(tech_ids), 1000):
        chunk = list(tech_ids[start : start + 1000])
        conn.execute(
            select(Technician.id).where(Technician.id.in_(chunk)).order_by(Technician.id).with_for_update()
        )


def _current(conn: Connection, appointment_ids: Sequence[int]) -> dict[int, int | None]:
    current: dict[int, int | None] = {}
    lock = conn.dialect.name == "postgresql"
    for start in range(0, len(appointment_ids), 1000):
        query = select(Appointment.id, Appointment.tech_id).where(
            Appointment.id.in_(appointment_ids[start : start + 1000])
        )
        if lock:
            query = query.order_by(Appointment.id).with_for_update()
        current.update({int(i): t for i, t in conn.execute(query)})
    return current


def _bookings(
    conn: Connection, tech_ids: Sequence[int], days: Sequence[dt.date], exclude: set[int]
) -> pl.DataFrame:
    a = Appointment
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(tech_ids), 1000):
        query = select(
            a.id,
            a.tech_id,
            a.date,
            a.slot_start,
            a.slot_end,
            a.duration_minutes,
            a.location_id,
            a.work_order_type_id,
        ).where(
            a.tech_id.in_(tech_ids[start : start + 1000]),
            a.date.in_(days),
            a.status.not_in(NOT_BOOKED_STATUSES),
        )
        rows.extend(
            (i, t, d, s.hour * 60 + s.minute, e.hour * 60 + e.minute, m, loc, wot)
            for i, t, d, s, e, m, loc, wot in conn.execute(query)
            if i not in exclude
        )
    return pl.DataFrame(
        rows,
        schema={
            "appointment_id": pl.Int64,
            "tech_id": pl.Int64,
            "date": pl.Date,
            "slot_start": pl.Int32,
            "slot_end": pl.Int32,
            "duration": pl.Int32,
            "location_id": pl.Int64,
            "work_order_type_id": pl.Int64,
        },
        orient="row",
    )


def plan_skips(conn: Connection, snapshot: Snapshot, decisions: Decisions) -> dict[int, Skip]:
    """Lock, re-read and re-check the planned assignments; returns the ones to record as skipped."""
    planned_frame = decisions.appointments.filter(pl.col("outcome") == "assigned").sort("seq")
    if planned_frame.is_empty():
        return {}
    tech_ids = sorted(set(planned_frame["tech_id"].to_list()))
    _lock_techs(conn, tech_ids)
    planned_ids = sorted(planned_frame["appointment_id"].to_list())
    current = _current(conn, planned_ids)
    days = sorted(set(planned_frame["date"].to_list()))
    bookings = _bookings(conn, tech_ids, days, set(planned_ids))
    caps = dict(snapshot.techs.select("tech_id", "daily_cap").iter_rows())
    seen_frame = snapshot.appointments.filter(~pl.col("to_schedule"))
    seen = {
        (i, t, d, s, e, m)
        for i, t, d, s, e, m in seen_frame.select(
            "appointment_id", "tech_id", "date", "slot_start", "slot_end", "duration"
        ).iter_rows()
    }
    planned_jobs = jobs_with_profiles(
        planned_frame.join(
            snapshot.appointments.select("appointment_id", "work_order_type_id"),
            on="appointment_id",
            how="left",
        ).select(
            "appointment_id",
            "tech_id",
            "date",
            "slot_start",
            "slot_end",
            "duration",
            "location_id",
            "work_order_type_id",
        ),
        snapshot,
        caps,
    )
    order = {a: i for i, a in enumerate(planned_frame["appointment_id"].to_list())}
    planned_jobs.sort(key=lambda job: order[job.appointment_id])
    booking_jobs: list[Job] = jobs_with_profiles(bookings, snapshot, caps)
    return recheck(planned_jobs, current, booking_jobs, seen, caps)
