"""Company data: locations, technicians, work-order types, customers, leads, appointments, settings."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from routing.db.base import Base, code_str, created_at, intpk, short_text, timestamp, utcnow, zip_code


class ValueSource(enum.StrEnum):
    """Where a lead's or customer's routed value came from (fallback, not override)."""

    explicit = "explicit"
    zip_mapping = "zip_mapping"
    none = "none"


class AssignedBy(enum.StrEnum):
    """What assigned an appointment's technician."""

    run = "run"
    manual = "manual"
    on_create = "on_create"
    load = "load"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class CompanySettings(Base):
    """The single row of company-wide switches (id is always 1)."""

    __tablename__ = "company_settings"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    company_name: Mapped[str] = mapped_column(String(120), default="Company")
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    slot_scheduling_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_assign_on_create: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduler_horizon_days: Mapped[int] = mapped_column(Integer, default=7)
    max_search_radius_miles: Mapped[float] = mapped_column(Float, default=60.0)
    lead_queue_non_priority_assign: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)


class Location(Base):
    """An office / branch. Zip mappings and technicians point at locations."""

    __tablename__ = "locations"

    id: Mapped[intpk]
    code: Mapped[code_str] = mapped_column(unique=True)
    name: Mapped[short_text]
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    created_at: Mapped[created_at]


class Technician(Base):
    """A field technician; ``priority`` 1 is assigned first (e.g. employees before subcontractors)."""

    __tablename__ = "technicians"
    __table_args__ = (
        CheckConstraint("service_radius_miles >= 0", name="radius_non_negative"),
        CheckConstraint("daily_cap IS NULL OR daily_cap >= 0", name="cap_non_negative"),
        CheckConstraint("priority BETWEEN 1 AND 9", name="priority_range"),
    )

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[short_text]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    home_zip: Mapped[zip_code]
    service_radius_miles: Mapped[float] = mapped_column(Float, default=30.0)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created_at]


class TechnicianLocation(Base):
    """A location a technician works."""

    __tablename__ = "technician_locations"

    tech_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True)


class TechnicianSkill(Base):
    """A skill a technician has, with a level from 1 (trainee) to 5 (expert)."""

    __tablename__ = "technician_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    tech_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[code_str] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(Integer)


class TechnicianHours(Base):
    """A technician's working window on one weekday (0 = Monday), local wall-clock time."""

    __tablename__ = "technician_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
    )

    tech_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)


class TimeOff(Base):
    """Time off (local wall-clock); only approved time off blocks scheduling."""

    __tablename__ = "time_off"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="start_before_end"),
        UniqueConstraint("tech_id", "starts_at", "ends_at"),
    )

    id: Mapped[intpk]
    tech_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(String(120), default="time off")
    approved: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkOrderType(Base):
    """Install, service, inspection, takeover...: default duration and required skills."""

    __tablename__ = "work_order_types"
    __table_args__ = (CheckConstraint("default_duration_minutes > 0", name="duration_positive"),)

    id: Mapped[intpk]
    code: Mapped[code_str] = mapped_column(unique=True)
    name: Mapped[short_text]
    default_duration_minutes: Mapped[int] = mapped_column(Integer)


class WorkOrderTypeSkill(Base):
    """A skill a work-order type requires, with the minimum level."""

    __tablename__ = "work_order_type_skills"
    __table_args__ = (CheckConstraint("min_level BETWEEN 1 AND 5", name="level_range"),)

    work_order_type_id: Mapped[int] = mapped_column(
        ForeignKey("work_order_types.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[code_str] = mapped_column(primary_key=True)
    min_level: Mapped[int] = mapped_column(Integer, default=1)


class _RoutedParty:
    """Columns shared by customers and leads: address, routed values and where they came from."""

    name: Mapped[short_text]
    address: Mapped[str | None] = mapped_column(String(240))
    zip: Mapped[zip_code] = mapped_column(index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    location_source: Mapped[ValueSource] = mapped_column(
        _enum(ValueSource, "value_source"), default=ValueSource.none
    )
    sales_rep: Mapped[str | None] = mapped_column(String(120))
    sales_rep_source: Mapped[ValueSource] = mapped_column(
        _enum(ValueSource, "value_source"), default=ValueSource.none
    )
    territory: Mapped[str | None] = mapped_column(String(120))
    territory_source: Mapped[ValueSource] = mapped_column(
        _enum(ValueSource, "value_source"), default=ValueSource.none
    )
    category: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]


class Customer(_RoutedParty, Base):
    """A customer: routed values, preferred / required / excluded technicians."""

    __tablename__ = "customers"

    id: Mapped[intpk]
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    preferred_tech_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id", ondelete="SET NULL"))
    required_tech_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id", ondelete="SET NULL"))


class CustomerExcludedTech(Base):
    """A technician the customer does not want sent."""

    __tablename__ = "customer_excluded_techs"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    tech_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True)


class Lead(_RoutedParty, Base):
    """A sales lead; routed like a customer, and to a lead queue group."""

    __tablename__ = "leads"

    id: Mapped[intpk]
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str | None] = mapped_column(String(64))
    queue_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead_queue_groups.id", ondelete="SET NULL")
    )


class LeadQueueGroup(Base):
    """A lead-routing queue: matching criteria and a priority (1 routes first)."""

    __tablename__ = "lead_queue_groups"

    id: Mapped[intpk]
    name: Mapped[short_text] = mapped_column(unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LeadQueueMembership(Base):
    """A lead in a queue group's queue. ``is_primary`` marks the highest-priority group (the one in
    ``leads.queue_group_id``); other matching groups hold it too when the company setting
    ``lead_queue_non_priority_assign`` is on."""

    __tablename__ = "lead_queue_memberships"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("lead_queue_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class Appointment(Base):
    """A slot appointment. ``tech_id`` NULL = unassigned; assignments are compare-and-set on it."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("slot_start < slot_end", name="slot_start_before_end"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        Index("ix_appointments_unassigned_day", "date", "location_id", "tech_id"),
        Index("ix_appointments_tech_day", "tech_id", "date"),
    )

    id: Mapped[intpk]
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    work_order_type_id: Mapped[int] = mapped_column(ForeignKey("work_order_types.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    slot_start: Mapped[dt.time] = mapped_column(Time)
    slot_end: Mapped[dt.time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    zip: Mapped[zip_code]
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    tech_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    assigned_by: Mapped[AssignedBy | None] = mapped_column(_enum(AssignedBy, "assigned_by"))
    assigned_run_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_runs.id", ondelete="SET NULL"))
    assigned_at: Mapped[timestamp | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created_at]


class SchedulingProfile(Base):
    """How the auto-scheduler decides for the locations / work-order types it applies to.

    ``location_codes`` / ``work_order_type_codes`` empty = all. ``working_hours`` maps weekday
    (``"0"`` = Monday) to ``["HH:MM", "HH:MM"]``; ``territory_rules`` and ``weights`` follow the
    company-file schema (``routing.company.schema``).
    """

    __tablename__ = "scheduling_profiles"

    id: Mapped[intpk]
    name: Mapped[short_text] = mapped_column(unique=True)
    location_codes: Mapped[list[str]] = mapped_column(default=list)
    work_order_type_codes: Mapped[list[str]] = mapped_column(default=list)
    working_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    travel_buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_daily_jobs: Mapped[int | None] = mapped_column(Integer)
    territory_rules: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    strategy: Mapped[str] = mapped_column(String(16), default="greedy")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
