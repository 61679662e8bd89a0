"""Demo demand: customers and their unassigned slot appointments, per branch and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from routing.company.demo_data import SLOTS, WORK_ORDER_TYPES
from routing.company.demo_geo import miles_between
from routing.company.demo_parties import party_fields
from routing.company.demo_techs import DemoTech

DAY_WEIGHTS = (1.15, 1.05, 1.0, 0.95, 0.85, 0.5, 0.3)  # Monday is busiest
PRIORITY_SHARES = (0.04, 0.14, 0.62, 0.14, 0.06)  # priorities 1..5
REPEAT_SHARE = 0.08  # appointments for a customer who already has one this week
EXPLICIT_LOCATION_SHARE = 0.10  # location set by a source integration; the rest wait for the zip mapping
PREFERRED_SHARE = 0.15
EXCLUDED_SHARE = 0.05
REQUIRED_SHARE = 0.01
SERVICE_DURATIONS = (60, 60, 90)


@dataclass
class Book:
    """The customers and appointments generated so far, numbered in creation order."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)

    def add_customer(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append a customer, giving it the next external id."""
        record = {"external_id": f"DEMO-C{len(self.customers) + 1:06d}", **record}
        self.customers.append(record)
        return record

    def add_appointment(self, record: dict[str, Any]) -> None:
        """Append an appointment, giving it the next external id."""
        self.appointments.append({"external_id": f"DEMO-A{len(self.appointments) + 1:06d}", **record})


def slot_text(slot: tuple[int, int]) -> str:
    """'08:00-12:00' for a (start, end) pair of minutes."""
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in slot)


def type_shares() -> np.ndarray:
    """Share of demand per work-order type, in ``WORK_ORDER_TYPES`` order."""
    shares = np.asarray([t[4] for t in WORK_ORDER_TYPES])
    return shares / shares.sum()


def unassigned_demand(
    rng: np.random.Generator,
    book: Book,
    total: int,
    days: Sequence[dt.date],
    branches: pl.DataFrame,
    weights: Sequence[float],
    areas: pl.DataFrame,
    techs: Sequence[DemoTech],
) -> None:
    """Add exactly ``total`` unassigned appointments, spread over branches (by weight) and days.

    Each branch's demand is scaled by a random factor (0.85-1.2, the busiest x1.25) so that some
    branches and days ask for more than their technicians can do.
    """
    codes = branches["location"].to_list()
    factors = rng.uniform(0.85, 1.2, size=len(codes))
    factors[int(np.argmax(factors))] *= 1.25
    cells = np.outer(np.asarray(weights) * factors, [DAY_WEIGHTS[d.weekday()] for d in days])
    counts = rng.multinomial(total, (cells / cells.sum()).ravel()).reshape(cells.shape)
    for li, code in enumerate(codes):
        area = areas.filter(pl.col("location") == code, pl.col("in_area"))
        staff = [t for t in techs if code in t.locations]
        _branch_demand(rng, book, code, days, counts[li], area, staff)


def _branch_demand(
    rng: np.random.Generator,
    book: Book,
    code: str,
    days: Sequence[dt.date],
    per_day: np.ndarray,
    area: pl.DataFrame,
    staff: Sequence[DemoTech],
) -> None:
    n = int(per_day.sum())
    miles = area["miles"].to_numpy()
    closeness = 1.0 / (1.0 + miles / 8.0)  # denser near the city centre
    zip_draw = rng.choice(len(area), size=n, p=closeness / closeness.sum())
    type_draw = rng.choice(len(WORK_ORDER_TYPES), size=n, p=type_shares())
    slot_draw = rng.random(n)
    priority_draw = rng.choice(5, size=n, p=PRIORITY_SHARES) + 1
    repeat_draw = rng.random(n)
    rows = area.select("zip", "city", "state", "lat", "lon").rows()
    here: list[dict[str, Any]] = []
    i = 0
    for day, count in zip(days, per_day, strict=True):
        for _ in range(int(count)):
            if here and repeat_draw[i] < REPEAT_SHARE:
                customer = here[int(rng.integers(len(here)))]
            else:
                customer = book.add_customer(new_customer(rng, code, rows[zip_draw[i]], staff))
                here.append(customer)
            type_code, _, duration, _, _ = WORK_ORDER_TYPES[type_draw[i]]
            book.add_appointment(
                {
                    "customer": customer["external_id"],
                    "work_order_type": type_code,
                    "location": code,
                    "date": day,
                    "slot": slot_text(_slot_for(duration, float(slot_draw[i]))),
                    "duration_minutes": int(rng.choice(SERVICE_DURATIONS))
                    if type_code == "service"
                    else None,
                    "zip": customer["zip"],
                    "priority": int(priority_draw[i]),
                }
            )
            i += 1


def _slot_for(duration: int, draw: float) -> tuple[int, int]:
    morning, afternoon, evening = SLOTS
    if duration <= evening[1] - evening[0]:
        return morning if draw < 0.45 else afternoon if draw < 0.85 else evening
    return morning if draw < 0.55 else afternoon


def new_customer(
    rng: np.random.Generator,
    code: str,
    zip_row: tuple[str, str, str, float, float],
    staff: Sequence[DemoTech],
    preferred: str | None = None,
    with_wishes: bool = True,
) -> dict[str, Any]:
    """A customer at ``zip_row`` (zip, city, state, lat, lon) of branch ``code``.

    Some have a preferred, an excluded or (rarely) a required technician among the branch's staff;
    some carry the branch explicitly (set by a source integration), the rest wait for the zip mapping.
    ``with_wishes=False`` gives none of those wishes beyond ``preferred``.
    """
    zip_code, city, state, lat, lon = zip_row
    record: dict[str, Any] = {
        **party_fields(rng, city, state),
        "zip": zip_code,
        "location": code if rng.random() < EXPLICIT_LOCATION_SHARE else None,
        "preferred_tech": preferred,
        "required_tech": None,
        "excluded_techs": [],
    }
    active = [t for t in staff if t.active]
    if not with_wishes or not active:
        return record
    draw = rng.random()
    if draw < REQUIRED_SHARE:
        distances = miles_between(
            lat, lon, np.asarray([t.home_lat for t in active]), np.asarray([t.home_lon for t in active])
        )
        record["required_tech"] = active[int(np.argmin(distances))].email
        return record
    if draw < REQUIRED_SHARE + PREFERRED_SHARE:
        record["preferred_tech"] = active[int(rng.integers(len(active)))].email
    if rng.random() < EXCLUDED_SHARE:
        others = [t.email for t in staff if t.email != record["preferred_tech"]]
        if others:
            record["excluded_techs"] = [others[int(rng.integers(len(others)))]]
    return record
