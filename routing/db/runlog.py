"""The scheduler's audit log: runs, per-appointment outcomes, per-candidate reasoning.

Bulk-written with Core inserts. Failed rules are stored as codes plus the compared values
(JSON text); sentences are rendered when read, which keeps large runs small.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from routing.db.base import Base, created_at, intpk, timestamp


class ScheduleRun(Base):
    """One auto-scheduler run: scope, profile snapshots, strategy, status and outcome counts."""

    __tablename__ = "schedule_runs"

    id: Mapped[intpk]
    started_at: Mapped[created_at]
    finished_at: Mapped[timestamp | None]
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual | on_create
    status: Mapped[str] = mapped_column(String(16), index=True)  # running | succeeded | failed
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    strategy: Mapped[str] = mapped_column(String(16))
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    profile_snapshots: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    settings_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    considered: Mapped[int] = mapped_column(Integer, default=0)
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    unassigned: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    engine_version: Mapped[str] = mapped_column(String(32), default="1")
    inputs: Mapped[bytes | None] = mapped_column(LargeBinary)  # compressed snapshot for replay
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # strategy and solver limits
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)  # timings, candidates, solver status
    prefect_flow_run_id: Mapped[str | None] = mapped_column(String(64))
    report_path: Mapped[str | None] = mapped_column(String(500))


class RunAppointment(Base):
    """What a run decided for one appointment, in the recorded order ``seq``."""

    __tablename__ = "run_appointments"
    __table_args__ = (Index("ix_run_appointments_appointment_id", "appointment_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("schedule_runs.id", ondelete="CASCADE"), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    profile_name: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(16))  # assigned | unassigned | skipped
    tech_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    runner_up_tech_id: Mapped[int | None] = mapped_column(Integer)
    margin: Mapped[float | None] = mapped_column(Float)
    candidates_total: Mapped[int] = mapped_column(Integer, default=0)
    candidates_eligible: Mapped[int] = mapped_column(Integer, default=0)
    tie_break: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON text: blocking rules, skip reason
    location_id: Mapped[int] = mapped_column(Integer)  # the appointment as the run saw it
    customer_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    slot_start: Mapped[dt.time] = mapped_column(Time)
    slot_end: Mapped[dt.time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)


class RunCandidate(Base):
    """One (appointment, technician) pair a run evaluated: eligibility, failed rules, score, rank."""

    __tablename__ = "run_candidates"
    __table_args__ = (Index("ix_run_candidates_run_tech", "run_id", "tech_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("schedule_runs.id", ondelete="CASCADE"), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(primary_key=True)
    tech_id: Mapped[int] = mapped_column(primary_key=True)
    eligible: Mapped[bool] = mapped_column(Boolean)
    failed_rules: Mapped[str | None] = mapped_column(String(200))  # space-separated rule codes
    facts: Mapped[str | None] = mapped_column(Text)  # JSON text: compared values per failed rule
    score: Mapped[float | None] = mapped_column(Float)
    s_distance: Mapped[float | None] = mapped_column(Float)
    s_preferred: Mapped[float | None] = mapped_column(Float)
    s_workload: Mapped[float | None] = mapped_column(Float)
    s_priority: Mapped[float | None] = mapped_column(Float)
    s_skill: Mapped[float | None] = mapped_column(Float)
    distance_miles: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    lost_to_tech_id: Mapped[int | None] = mapped_column(Integer)
    lost_to_appointment_id: Mapped[int | None] = mapped_column(Integer)
    lost_reason: Mapped[str | None] = mapped_column(String(32))


class RunRosterEntry(Base):
    """A technician in the run's scope as the run saw it: answers pairs with no candidate row
    (e.g. a tech who does not work the appointment's location)."""

    __tablename__ = "run_roster"

    run_id: Mapped[int] = mapped_column(ForeignKey("schedule_runs.id", ondelete="CASCADE"), primary_key=True)
    tech_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean)
    location_codes: Mapped[str] = mapped_column(String(1000))  # space-separated
    assigned_in_run: Mapped[int] = mapped_column(Integer, default=0)
    snapshot: Mapped[str | None] = mapped_column(Text)  # JSON text of what the run used
