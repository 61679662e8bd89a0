"""A small company for scheduler integration tests, built as a company file and loaded by the loader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from routing.company.schema import CompanyFile
from routing.db.company import Appointment, Technician

MONDAY = dt.date(2030, 1, 7)
WEEK = {day: "07:00-19:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# real Boston-area zips, a few miles apart
ZIPS = ("02108", "02110", "02116", "02118", "02127", "02130", "02134", "02139")


@dataclass
class CompanyBuilder:
    """Collects company-file sections; ``build()`` validates them into a CompanyFile."""

    settings: dict[str, Any] = field(default_factory=dict)
    locations: list[dict[str, Any]] = field(default_factory=lambda: [{"code": "BOS", "name": "Boston"}])
    work_order_types: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "code": "install",
                "name": "Install",
                "default_duration_minutes": 120,
                "required_skills": [{"skill": "alarm"}],
            },
            {"code": "service", "name": "Service", "default_duration_minutes": 60},
        ]
    )
    techs: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)

    def tech(self, name: str, *, home_zip: str = "02116", **extra: Any) -> str:
        email = f"{name.lower()}@example.com"
        self.techs.append(
            {
                "email": email,
                "name": name,
                "locations": ["BOS"],
                "skills": [{"skill": "alarm", "level": 3}],
                "hours": WEEK,
                "home_zip": home_zip,
                **extra,
            }
        )
        return email

    def customer(self, external_id: str, *, zip_code: str = "02118", **extra: Any) -> str:
        self.customers.append(
            {"external_id": external_id, "name": external_id, "zip": zip_code, "location": "BOS", **extra}
        )
        return external_id

    def appointment(
        self,
        external_id: str,
        *,
        customer: str | None = None,
        slot: str = "08:00-12:00",
        day: dt.date = MONDAY,
        work_order_type: str = "service",
        **extra: Any,
    ) -> str:
        customer = customer or self.customer(f"C-{external_id}")
        self.appointments.append(
            {
                "external_id": external_id,
                "customer": customer,
                "work_order_type": work_order_type,
                "date": day.isoformat(),
                "slot": slot,
                **extra,
            }
        )
        return external_id

    def build(self) -> CompanyFile:
        return CompanyFile.model_validate(
            {
                "settings": self.settings or None,
                "locations": self.locations,
                "work_order_types": self.work_order_types,
                "techs": self.techs,
                "profiles": self.profiles,
                "customers": self.customers,
                "appointments": self.appointments,
            }
        )


def load(engine: Engine, builder: CompanyBuilder) -> None:
    from routing.company.loader import load_company

    load_company(engine, builder.build())


def tech_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(Technician.id).where(Technician.name == name)).scalar_one())


def appointment_id(engine: Engine, external_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(Appointment.id).where(Appointment.external_id == external_id)).scalar_one()
        )


def assignments(engine: Engine) -> dict[str, tuple[int | None, str | None, int | None]]:
    """external id -> (tech id, assigned_by, assigned_run_id)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Appointment.external_id,
                Appointment.tech_id,
                Appointment.assigned_by,
                Appointment.assigned_run_id,
            )
        )
        return {
            e: (t, None if b is None else str(b.value if hasattr(b, "value") else b), r)
            for e, t, b, r in rows
        }


def busy_company(n_techs: int = 3, n_appointments: int = 12) -> CompanyBuilder:
    """Several techs, more appointments than they can all take in the morning slot."""
    b = CompanyBuilder()
    for i in range(n_techs):
        b.tech(f"Tech{i}", home_zip=ZIPS[i % len(ZIPS)])
    for i in range(n_appointments):
        b.appointment(
            f"A{i:03d}",
            slot=("08:00-12:00", "12:00-16:00")[i % 2],
            duration_minutes=120,
            customer=b.customer(f"C{i:03d}", zip_code=ZIPS[(i * 3) % len(ZIPS)]),
        )
    return b
