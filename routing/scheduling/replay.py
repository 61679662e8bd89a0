"""Replay: re-run the engine on a run's stored inputs and check it reproduces every decision."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Engine, select

from routing.db.runlog import RunAppointment, RunCandidate, ScheduleRun
from routing.errors import BadInput, NotFound
from routing.scheduling.decide import APPOINTMENT_COLUMNS, CANDIDATE_COLUMNS, Decisions, decide
from routing.scheduling.inputs import ENGINE_VERSION, snapshot_from_bytes

# what a decision is made of: the stored columns before the JSON detail
APPOINTMENT_KEYS = APPOINTMENT_COLUMNS[: APPOINTMENT_COLUMNS.index("detail")]
MAX_DIFFERENCES = 20


@dataclass(frozen=True)
class ReplayResult:
    """Whether re-deciding the stored inputs gave back the stored decisions, and what differs."""

    run_id: int
    reproduced: bool
    appointments: int
    candidates: int
    engine_version: str
    differences: list[str] = field(default_factory=list)


def compare(decisions: Decisions, appointments: pl.DataFrame, candidates: pl.DataFrame) -> list[str]:
    """Differences between fresh decisions and stored rows (a stored ``skipped`` was decided ``assigned``)."""
    differences: list[str] = []
    stored = appointments.with_columns(
        outcome=pl.when(pl.col("outcome") == "skipped").then(pl.lit("assigned")).otherwise(pl.col("outcome"))
    )
    differences += _diff(
        "appointment",
        decisions.appointments.select(APPOINTMENT_KEYS),
        stored.select(APPOINTMENT_KEYS),
        ["appointment_id"],
    )
    differences += _diff(
        "candidate",
        decisions.candidates.select(CANDIDATE_COLUMNS),
        candidates.select(CANDIDATE_COLUMNS),
        ["appointment_id", "tech_id"],
    )
    return differences


def _diff(kind: str, fresh: pl.DataFrame, stored: pl.DataFrame, keys: list[str]) -> list[str]:
    stored = stored.cast(fresh.schema)
    if fresh.height != stored.height:
        return [f"{kind} rows: replay has {fresh.height}, the run stored {stored.height}"]
    joined = fresh.join(stored, on=keys, how="full", suffix="_stored", nulls_equal=True)
    out = []
    for column in (c for c in fresh.columns if c not in keys):
        mismatch = joined.filter(~pl.col(column).eq_missing(pl.col(f"{column}_stored")))
        for row in mismatch.head(MAX_DIFFERENCES).iter_rows(named=True):
            where = ", ".join(f"{k} {row[k]}" for k in keys)
            out.append(
                f"{kind} {where}: {column} replayed {row[column]!r}, stored {row[f'{column}_stored']!r}"
            )
    return out[:MAX_DIFFERENCES]


def replay(engine: Engine, run_id: int) -> ReplayResult:
    """Decide again from the inputs stored with ``run_id`` and compare with what it stored."""
    with engine.connect() as conn:
        inputs = conn.execute(
            select(ScheduleRun.inputs, ScheduleRun.status).where(ScheduleRun.id == run_id)
        ).first()
        if inputs is None:
            raise NotFound(f"No scheduler run {run_id}.")
        if not inputs.inputs:
            raise BadInput(f"Run {run_id} ({inputs.status}) stored no inputs to replay.")
        ra = RunAppointment
        stored_appointments = pl.DataFrame(
            [
                tuple(r)
                for r in conn.execute(
                    select(*(getattr(ra, k) for k in APPOINTMENT_KEYS)).where(ra.run_id == run_id)
                )
            ],
            schema=list(APPOINTMENT_KEYS),
            orient="row",
        )
        rc = RunCandidate
        stored_candidates = pl.DataFrame(
            [
                tuple(r)
                for r in conn.execute(
                    select(*(getattr(rc, k) for k in CANDIDATE_COLUMNS)).where(rc.run_id == run_id)
                )
            ],
            schema=list(CANDIDATE_COLUMNS),
            orient="row",
            infer_schema_length=None,
        )
    snapshot, params, version = snapshot_from_bytes(bytes(inputs.inputs))
    decisions = decide(snapshot, params)
    differences = compare(decisions, stored_appointments, stored_candidates)
    if version != ENGINE_VERSION:
        differences.insert(
            0, f"the run was decided by engine version {version}; this is version {ENGINE_VERSION}"
        )
    return ReplayResult(
        run_id=run_id,
        reproduced=not differences,
        appointments=decisions.appointments.height,
        candidates=decisions.candidates.height,
        engine_version=version,
        differences=differences,
    )
