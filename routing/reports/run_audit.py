"""Read one scheduler run's audit log into small frames for the run audit notebook.

Everything comes from what the run stored (``schedule_runs``, ``run_appointments`` with the
appointment's day, slot, location and customer as the run saw them, ``run_candidates``,
``run_roster`` and the input snapshot); the current tables add only descriptive columns
(external id, zip, work-order type, customer name and notes).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from routing.errors import NotFound
from routing.reports.source import read_frame
from routing.scheduling.decide import CANDIDATE_SCHEMA as DECIDED_CANDIDATE_SCHEMA

CHUNK = 2000  # ids per IN (...) list

APPOINTMENT_SCHEMA = {
    "seq": pl.Int64,
    "appointment_id": pl.Int64,
    "outcome": pl.String,
    "tech_id": pl.Int64,
    "score": pl.Float64,
    "runner_up_tech_id": pl.Int64,
    "margin": pl.Float64,
    "candidates_total": pl.Int64,
    "candidates_eligible": pl.Int64,
    "tie_break": pl.String,
    "detail": pl.String,
    "profile_name": pl.String,
    "external_id": pl.String,
    "date": pl.Date,
    "slot_start": pl.Time,
    "slot_end": pl.Time,
    "duration_minutes": pl.Int64,
    "zip": pl.String,
    "location_code": pl.String,
    "work_order_type": pl.String,
    "customer_name": pl.String,
    "customer_notes": pl.String,
}
ROSTER_SCHEMA = {
    "tech_id": pl.Int64,
    "name": pl.String,
    "active": pl.Boolean,
    "location_codes": pl.String,
    "assigned_in_run": pl.Int64,
}
# the stored candidate columns are the engine's own (one definition, in the core)
CANDIDATE_SCHEMA = dict(DECIDED_CANDIDATE_SCHEMA)


@dataclass(frozen=True)
class RunInfo:
    """The run row: when, why, what it covered, how it decided, and what came out."""

    id: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    trigger: str
    status: str
    dry_run: bool
    strategy: str
    scope: dict[str, Any]
    profile_snapshots: list[dict[str, Any]]
    settings_snapshot: dict[str, Any]
    considered: int
    assigned: int
    unassigned: int
    skipped: int
    error: str | None
    engine_version: str
    params: dict[str, Any]
    stats: dict[str, Any]
    prefect_flow_run_id: str | None
    report_path: str | None


def latest_run_id(engine: Engine) -> int | None:
    """The id of the most recent run, or None when there is none."""
    from routing.db.runlog import ScheduleRun

    with engine.connect() as connection:
        return connection.execute(select(func.max(ScheduleRun.id))).scalar()


def load_run(engine: Engine, run_id: int = 0) -> RunInfo:
    """Run ``run_id`` (0 = the most recent run); NotFound when it does not exist."""
    from routing.db.runlog import ScheduleRun

    if run_id == 0:
        run_id = latest_run_id(engine) or 0
    with Session(engine) as session:
        row = session.get(ScheduleRun, run_id)
        if row is None:
            raise NotFound(
                f"No scheduler run {run_id} in the database." if run_id else "No scheduler runs yet."
            )
        return RunInfo(**{name: getattr(row, name) for name in RunInfo.__dataclass_fields__})


def load_snapshot(engine: Engine, run_id: int) -> Any | None:
    """The inputs the run stored (``routing.scheduling.inputs.Snapshot``), or None if it kept none."""
    from routing.db.runlog import ScheduleRun

    with engine.connect() as connection:
        data = connection.execute(select(ScheduleRun.inputs).where(ScheduleRun.id == run_id)).scalar()
    if not data:
        return None
    from routing.scheduling.inputs import snapshot_from_bytes

    snapshot, _params, _version = snapshot_from_bytes(bytes(data))
    return snapshot


def appointments(engine: Engine, run_id: int) -> pl.DataFrame:
    """One row per appointment the run decided, in its recorded order, with descriptive columns."""
    from routing.db.company import Appointment, Customer, Location, WorkOrderType
    from routing.db.runlog import RunAppointment as RA

    statement = (
        select(
            RA.seq,
            RA.appointment_id,
            RA.outcome,
            RA.tech_id,
            RA.score,
            RA.runner_up_tech_id,
            RA.margin,
            RA.candidates_total,
            RA.candidates_eligible,
            RA.tie_break,
            RA.detail,
            RA.profile_name,
            Appointment.external_id,
            RA.date,
            RA.slot_start,
            RA.slot_end,
            RA.duration_minutes,
            Appointment.zip,
            Location.code,
            WorkOrderType.code,
            Customer.name,
            Customer.notes,
        )
        .outerjoin(Appointment, Appointment.id == RA.appointment_id)
        .outerjoin(Location, Location.id == RA.location_id)
        .outerjoin(WorkOrderType, WorkOrderType.id == Appointment.work_order_type_id)
        .outerjoin(Customer, Customer.id == RA.customer_id)
        .where(RA.run_id == run_id)
        .order_by(RA.seq, RA.appointment_id)
    )
    return read_frame(engine, statement, APPOINTMENT_SCHEMA)


def roster(engine: Engine, run_id: int) -> pl.DataFrame:
    """The techs in the run's scope as the run saw them, with how many jobs each got."""
    from routing.db.runlog import RunRosterEntry as R

    statement = (
        select(R.tech_id, R.name, R.active, R.location_codes, R.assigned_in_run)
        .where(R.run_id == run_id)
        .order_by(R.tech_id)
    )
    return read_frame(engine, statement, ROSTER_SCHEMA)


def _candidates_where(
    engine: Engine,
    run_id: int,
    column: str,
    ids: Iterable[int],
    names: Sequence[str] = tuple(CANDIDATE_SCHEMA),
) -> pl.DataFrame:
    from routing.db.runlog import RunCandidate as C

    schema = {name: CANDIDATE_SCHEMA[name] for name in names}
    frames = [pl.DataFrame(schema=schema)]
    unique_ids = sorted(set(ids))
    for start in range(0, len(unique_ids), CHUNK):
        chunk = unique_ids[start : start + CHUNK]
        statement = select(*(getattr(C, n) for n in names)).where(
            C.run_id == run_id, getattr(C, column).in_(chunk)
        )
        frames.append(read_frame(engine, statement, schema))
    order = [n for n in ("appointment_id", "rank", "tech_id") if n in schema]
    return pl.concat(frames).sort(order, nulls_last=True)


def candidates_of_appointments(engine: Engine, run_id: int, appointment_ids: Iterable[int]) -> pl.DataFrame:
    """Every candidate row of the given appointments (ranked eligible first, then by tech)."""
    return _candidates_where(engine, run_id, "appointment_id", appointment_ids)


def candidates_of_techs(engine: Engine, run_id: int, tech_ids: Iterable[int]) -> pl.DataFrame:
    """Every candidate row of the given techs."""
    return _candidates_where(engine, run_id, "tech_id", tech_ids)


CSV_COLUMNS = (
    "seq",
    "appointment_id",
    "external_id",
    "date",
    "slot_start",
    "slot_end",
    "location_code",
    "work_order_type",
    "zip",
    "profile_name",
    "outcome",
    "tech_id",
    "tech_name",
    "score",
    "runner_up_tech_id",
    "margin",
    "candidates_total",
    "candidates_eligible",
    "tie_break",
    "detail",
)


def with_tech_names(appts: pl.DataFrame, techs: pl.DataFrame) -> pl.DataFrame:
    """Add ``tech_name`` and ``runner_up_name`` from the roster (``tech_id``, ``name``)."""
    names = techs.select("tech_id", "name")
    return appts.join(names.rename({"name": "tech_name"}), on="tech_id", how="left").join(
        names.rename({"tech_id": "runner_up_tech_id", "name": "runner_up_name"}),
        on="runner_up_tech_id",
        how="left",
    )


def write_appointments_csv(engine: Engine, run_id: int, path: Path) -> Path:
    """Every appointment of the run as CSV (the report links it); written atomically."""
    appts = with_tech_names(appointments(engine, run_id), roster(engine, run_id))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for row in appts.select(CSV_COLUMNS).iter_rows():
                writer.writerow(["" if v is None else _csv_safe(v) for v in row])
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (``=``, ``+``, ``-``, ``@`` at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class RunAudit:
    """What every section of the run audit starts from: the run, its appointments and its roster."""

    run: RunInfo
    appointments: pl.DataFrame
    roster: pl.DataFrame

    @property
    def names(self) -> dict[int, str]:
        """Tech id -> name, as the run saw it."""
        return dict(zip(self.roster["tech_id"].to_list(), self.roster["name"].to_list(), strict=True))

    @property
    def unassigned(self) -> pl.DataFrame:
        """The appointments the run did not assign (unassigned or skipped)."""
        return self.appointments.filter(pl.col("outcome") != "assigned")

    @property
    def idle_tech_ids(self) -> list[int]:
        """Active techs in scope who got no job from this run."""
        idle = self.roster.filter(pl.col("active") & (pl.col("assigned_in_run").fill_null(0) == 0))
        return idle["tech_id"].to_list()


def load_audit(engine: Engine, run_id: int = 0) -> RunAudit:
    """The run (0 = the most recent), its appointments with tech names, and its roster."""
    run = load_run(engine, run_id)
    techs = roster(engine, run.id)
    return RunAudit(run, with_tech_names(appointments(engine, run.id), techs), techs)
