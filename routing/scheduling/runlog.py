"""Persisting a run: the run row, and one commit transaction that applies the assignments together
with their reasoning.

Commit order (one transaction): take the write lock (SQLite) / lock the planned techs' rows in id
order (PostgreSQL, so two runs never deadlock), lock and re-read the planned appointments and the
techs' current bookings, re-check the plan (``recheck``), compare-and-set each assignment
(``... WHERE tech_id IS NULL``), then bulk-insert the reasoning and close the run. A crash rolls
all of it back; the run row is then marked failed in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import polars as pl
from sqlalchemy import Connection, Engine, Table, and_, bindparam, func, insert, select, update

from routing.db.company import Appointment, AssignedBy
from routing.db.runlog import RunAppointment, RunCandidate, RunRosterEntry, ScheduleRun
from routing.scheduling.bulk import CHUNK_ROWS, SQLITE_BULK_CACHE_KIB, bulk_insert
from routing.scheduling.decide import Decisions
from routing.scheduling.inputs import Snapshot
from routing.scheduling.locking import plan_skips
from routing.scheduling.recheck import Skip

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Committed:
    """Final counts of a committed run."""

    considered: int
    assigned: int
    unassigned: int
    skipped: int


def create_run(engine: Engine, values: dict[str, Any]) -> int:
    """Insert the run row (status ``running``) in its own transaction; returns its id."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(ScheduleRun).values(status="running", **values).returning(ScheduleRun.id)
            ).scalar_one()
        )


def mark_failed(engine: Engine, run_id: int, error: str, finished_at: dt.datetime) -> None:
    """Mark a run failed with its error, in a separate transaction."""
    with engine.begin() as conn:
        conn.execute(
            update(ScheduleRun)
            .where(ScheduleRun.id == run_id)
            .values(status="failed", error=error[:4000], finished_at=finished_at)
        )


def _time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def apply_assignments(
    conn: Connection,
    run_id: int,
    assignments: list[tuple[int, int]],
    now: dt.datetime,
    assigned_by: AssignedBy = AssignedBy.run,
) -> None:
    """Compare-and-set each (appointment, tech): only where the appointment is still unassigned."""
    if not assignments:
        return
    statement = (
        update(Appointment)
        .where(and_(Appointment.id == bindparam("b_id"), Appointment.tech_id.is_(None)))
        .values(
            tech_id=bindparam("b_tech"),
            assigned_by=assigned_by,
            assigned_run_id=run_id,
            assigned_at=now,
            version=Appointment.version + 1,
        )
    )
    for start in range(0, len(assignments), CHUNK_ROWS):
        conn.execute(
            statement, [{"b_id": a, "b_tech": t} for a, t in assignments[start : start + CHUNK_ROWS]]
        )
    done = 0
    ids = [a for a, _ in assignments]
    for start in range(0, len(ids), 1000):
        done += conn.execute(
            select(func.count()).where(
                Appointment.id.in_(ids[start : start + 1000]), Appointment.assigned_run_id == run_id
            )
        ).scalar_one()
    if done != len(assignments):
        raise RuntimeError(
            f"compare-and-set assigned {done} of {len(assignments)} appointments; nothing applied"
        )


def _appointment_rows(run_id: int, decisions: Decisions, skips: dict[int, Skip]) -> pl.DataFrame:
    frame = decisions.appointments
    skipped = pl.DataFrame(
        {
            "appointment_id": list(skips),
            "skip": [
                json.dumps(
                    {
                        "skipped": s.reason,
                        "message": s.message,
                        "other_appointment_id": s.other_appointment_id,
                        "other_tech_id": s.other_tech_id,
                    }
                )
                for s in skips.values()
            ],
        },
        schema={"appointment_id": pl.Int64, "skip": pl.String},
    )
    return (
        frame.join(skipped, on="appointment_id", how="left")
        .with_columns(
            run_id=pl.lit(run_id, pl.Int64),
            outcome=pl.when(pl.col("skip").is_not_null())
            .then(pl.lit("skipped"))
            .otherwise(pl.col("outcome")),
            detail=pl.coalesce("skip", "detail"),
            duration_minutes=pl.col("duration"),
        )
        .drop("skip", "duration")
    )


def _commit(
    conn: Connection,
    run_id: int,
    snapshot: Snapshot,
    decisions: Decisions,
    dry_run: bool,
    now: dt.datetime,
    finished_at: Callable[[], dt.datetime],
    run_values: dict[str, Any],
    progress: Progress | None,
    assigned_by: AssignedBy,
) -> tuple[Committed, dict[int, Skip]]:
    conn.execute(update(ScheduleRun).where(ScheduleRun.id == run_id).values(status="committing"))
    skips = plan_skips(conn, snapshot, decisions)
    appointments = _appointment_rows(run_id, decisions, skips)
    assignments = [
        (a, t)
        for a, t in appointments.filter(pl.col("outcome") == "assigned")
        .select("appointment_id", "tech_id")
        .iter_rows()
    ]
    if not dry_run:
        apply_assignments(conn, run_id, assignments, now, assigned_by)
    rows = appointments.to_dicts()
    for row in rows:
        row["slot_start"], row["slot_end"] = _time(row["slot_start"]), _time(row["slot_end"])
    if rows:
        conn.execute(insert(RunAppointment), rows)
    roster = decisions.roster.with_columns(run_id=pl.lit(run_id, pl.Int64))
    bulk_insert(conn, cast(Table, RunRosterEntry.__table__), roster)
    candidates = decisions.candidates.with_columns(run_id=pl.lit(run_id, pl.Int64))
    # in primary-key order, so the biggest index grows by appending
    bulk_insert(
        conn, cast(Table, RunCandidate.__table__), candidates.sort("appointment_id", "tech_id"), progress
    )
    counts = Committed(
        considered=appointments.height,
        assigned=len(assignments),
        unassigned=int((appointments["outcome"] == "unassigned").sum()),
        skipped=len(skips),
    )
    conn.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == run_id)
        .values(
            status="succeeded",
            finished_at=finished_at(),
            considered=counts.considered,
            assigned=counts.assigned,
            unassigned=counts.unassigned,
            skipped=counts.skipped,
            **run_values,
        )
    )
    return counts, skips


def commit_run(
    engine: Engine,
    run_id: int,
    snapshot: Snapshot,
    decisions: Decisions,
    *,
    dry_run: bool,
    now: dt.datetime,
    finished_at: Callable[[], dt.datetime],
    run_values: dict[str, Any],
    progress: Progress | None = None,
    assigned_by: AssignedBy = AssignedBy.run,
) -> Committed:
    """Apply the plan and store every decision with its reasoning in one transaction."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a large page cache keeps the reasoning's indexes in memory while they grow
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
            conn.commit()
        try:
            with conn.begin():
                counts, skips = _commit(
                    conn,
                    run_id,
                    snapshot,
                    decisions,
                    dry_run,
                    now,
                    finished_at,
                    run_values,
                    progress,
                    assigned_by,
                )
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-2000")
                conn.commit()
    if skips:
        log.info("run %s: %d planned assignments skipped at commit", run_id, len(skips))
    return counts
