"""Booking one appointment through the application (``routing appointments create``).

It goes through the company loader, so it is validated like a company file and triggers the same
auto-assign-on-create hook as any other booking.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select

from routing.db.company import Appointment
from routing.errors import ValidationFailed


def create_appointment(
    engine: Engine,
    *,
    customer: str,
    work_order_type: str,
    date: dt.date,
    slot: str,
    external_id: str | None = None,
    location: str | None = None,
    duration: int | None = None,
    zip_code: str | None = None,
    priority: int = 3,
) -> dict[str, Any]:
    """Book the appointment; returns it with its assignment when auto-assign-on-create assigned it."""
    from routing.company.loader import load_company
    from routing.company.schema import AppointmentIn, CompanyFile

    external_id = external_id or f"A-{date:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    try:
        appointment = AppointmentIn(
            external_id=external_id,
            customer=customer,
            work_order_type=work_order_type,
            location=location,
            date=date,
            slot=slot,
            duration_minutes=duration,
            zip=zip_code,
            priority=priority,
        )
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"].removeprefix("Value error, ")}
            for e in exc.errors()
        ]
        raise ValidationFailed(
            "The appointment is not valid: " + "; ".join(f"{d['field']}: {d['message']}" for d in details),
            details=details,
        ) from None
    summary = load_company(engine, CompanyFile(appointments=[appointment]), name="appointment")
    with engine.connect() as conn:
        row = conn.execute(
            select(
                Appointment.id,
                Appointment.date,
                Appointment.slot_start,
                Appointment.slot_end,
                Appointment.tech_id,
                Appointment.assigned_run_id,
                Appointment.location_id,
            ).where(Appointment.external_id == external_id)
        ).one()
    created = row.id in summary.new_appointment_ids
    assignment = None
    if row.assigned_run_id is not None:
        from routing.scheduling.explain import explain_appointment

        explained = explain_appointment(engine, row.id, row.assigned_run_id)
        assignment = {
            "run_id": row.assigned_run_id,
            "outcome": explained["outcome"],
            "score": explained["score"],
        }
    elif created:
        assignment = _on_create_run(engine, row.id)
    return {
        "appointment_id": row.id,
        "external_id": external_id,
        "created": created,
        "date": row.date,
        "slot": f"{row.slot_start:%H:%M}-{row.slot_end:%H:%M}",
        "tech_id": row.tech_id,
        "assignment": assignment,
    }


def _on_create_run(engine: Engine, appointment_id: int) -> dict[str, Any] | None:
    """The on-create run that considered the appointment but assigned nobody, if any."""
    from routing.db.runlog import RunAppointment, ScheduleRun

    with engine.connect() as conn:
        found = conn.execute(
            select(RunAppointment.run_id, RunAppointment.outcome)
            .join(ScheduleRun, ScheduleRun.id == RunAppointment.run_id)
            .where(RunAppointment.appointment_id == appointment_id, ScheduleRun.trigger == "on_create")
            .order_by(RunAppointment.run_id.desc())
        ).first()
    return {"run_id": found.run_id, "outcome": found.outcome, "score": None} if found else None
