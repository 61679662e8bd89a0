"""Build a scheduler snapshot from plain values (tests, benchmarks, documentation examples).

Zips are placed on a line north of a home point (``miles_north``) so that distances are exact
and readable; no file or database is touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from routing.scheduling import schemas
from routing.scheduling.inputs import Snapshot
from routing.scheduling.profiles import Profile

BASE_LAT, BASE_LON = 40.0, -74.0
MILES_PER_DEGREE_LAT = 69.0934  # great-circle miles per degree of latitude (EARTH_RADIUS_MILES)
MONDAY = dt.date(2026, 5, 11)
ALL_WEEK = {weekday: (7 * 60, 19 * 60) for weekday in range(7)}


@dataclass
class SnapshotBuilder:
    """Collects locations, techs, types, customers, appointments; ``build()`` returns a Snapshot."""

    max_search_radius_miles: float = 60.0
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {n: [] for n in schemas.FRAME_NAMES}
    )
    profiles: list[Profile] = field(default_factory=list)
    _ids: dict[str, int] = field(default_factory=dict)
    _codes: dict[tuple[str, str], int] = field(default_factory=dict)

    def _next(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def zip(self, code: str, miles_north: float = 0.0) -> str:
        """Register a zip ``miles_north`` of the base point; returns the code."""
        if not any(row["zip"] == code for row in self.rows["zips"]):
            lat = BASE_LAT + miles_north / MILES_PER_DEGREE_LAT
            self.rows["zips"].append({"zip": code, "lat": lat, "lon": BASE_LON})
        return code

    def location(self, code: str) -> int:
        """Add (or find) a location; returns its id."""
        if ("location", code) not in self._codes:
            location_id = self._next("location")
            self._codes[("location", code)] = location_id
            self.rows["locations"].append({"location_id": location_id, "code": code, "name": code.title()})
        return self._codes[("location", code)]

    def work_type(
        self, code: str = "install", duration: int = 60, skills: dict[str, int] | None = None
    ) -> int:
        """Add a work-order type with required skills {skill: min_level}; returns its id."""
        if ("type", code) in self._codes:
            return self._codes[("type", code)]
        type_id = self._next("type")
        self._codes[("type", code)] = type_id
        self._codes[("duration", code)] = duration
        self.rows["work_order_types"].append({"work_order_type_id": type_id, "code": code, "name": code})
        for skill, level in (skills or {}).items():
            self.rows["work_order_type_skills"].append(
                {"work_order_type_id": type_id, "skill": skill, "min_level": level}
            )
        return type_id

    def tech(
        self,
        name: str,
        locations: tuple[str, ...] = ("N",),
        *,
        skills: dict[str, int] | None = None,
        hours: dict[int, tuple[int, int]] | None = None,
        home_miles: float = 0.0,
        radius: float = 30.0,
        daily_cap: int | None = None,
        priority: int = 1,
        active: bool = True,
        tech_id: int | None = None,
    ) -> int:
        """Add a tech (home ``home_miles`` north of the base point); returns her id."""
        tech_id = tech_id if tech_id is not None else self._next("tech")
        home = self.zip(f"h{tech_id:04d}", home_miles)
        self.rows["techs"].append(
            {
                "tech_id": tech_id,
                "email": f"{name.lower().replace(' ', '.')}@example.com",
                "name": name,
                "active": active,
                "home_zip": home,
                "radius": radius,
                "daily_cap": daily_cap,
                "priority": priority,
            }
        )
        for code in locations:
            self.rows["tech_locations"].append({"tech_id": tech_id, "location_id": self.location(code)})
        for skill, level in (skills or {}).items():
            self.rows["tech_skills"].append({"tech_id": tech_id, "skill": skill, "level": level})
        for weekday, (start, end) in (ALL_WEEK if hours is None else hours).items():
            self.rows["tech_hours"].append(
                {"tech_id": tech_id, "weekday": weekday, "start": start, "end": end}
            )
        return tech_id

    def time_off(
        self, tech_id: int, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = "vacation"
    ) -> None:
        """Approved time off (local wall-clock)."""
        self.rows["time_off"].append(
            {"tech_id": tech_id, "starts_at": starts_at, "ends_at": ends_at, "reason": reason}
        )

    def customer(
        self,
        external_id: str | None = None,
        *,
        preferred: int | None = None,
        required: int | None = None,
        excluded: tuple[int, ...] = (),
    ) -> int:
        """Add a customer; returns its id."""
        customer_id = self._next("customer")
        self.rows["customers"].append(
            {
                "customer_id": customer_id,
                "external_id": external_id or f"C{customer_id}",
                "preferred_tech_id": preferred,
                "required_tech_id": required,
            }
        )
        for tech_id in excluded:
            self.rows["excluded_techs"].append({"customer_id": customer_id, "tech_id": tech_id})
        return customer_id

    def appointment(
        self,
        *,
        location: str = "N",
        work_type: str = "install",
        day: dt.date = MONDAY,
        slot: tuple[int, int] = (8 * 60, 12 * 60),
        duration: int | None = None,
        miles_north: float = 0.0,
        customer: int | None = None,
        priority: int = 3,
        tech_id: int | None = None,
        appointment_id: int | None = None,
    ) -> int:
        """Add an appointment (unassigned unless ``tech_id``: then it is a booking); returns its id."""
        appointment_id = appointment_id if appointment_id is not None else self._next("appointment")
        type_id = self.work_type(work_type)
        customer_id = customer if customer is not None else self.customer()
        zip_code = self.zip(f"z{round(miles_north * 10):05d}"[-5:], miles_north)
        self.rows["appointments"].append(
            {
                "appointment_id": appointment_id,
                "customer_id": customer_id,
                "work_order_type_id": type_id,
                "location_id": self.location(location),
                "date": day,
                "slot_start": slot[0],
                "slot_end": slot[1],
                "duration": duration if duration is not None else self._codes[("duration", work_type)],
                "zip": zip_code,
                "priority": priority,
                "created_at": dt.datetime(2026, 5, 1) + dt.timedelta(seconds=appointment_id),
                "tech_id": tech_id,
                "to_schedule": tech_id is None,
            }
        )
        return appointment_id

    def profile(self, profile: Profile) -> None:
        """Add a scheduling profile."""
        self.profiles.append(profile)

    def build(self) -> Snapshot:
        """The snapshot (frames in their declared schemas)."""
        frames = {name: schemas.from_rows(name, rows) for name, rows in self.rows.items()}
        frames["zips"] = frames["zips"].unique("zip", keep="first", maintain_order=True)
        return Snapshot(
            **frames,  # type: ignore[arg-type]
            profiles=tuple(self.profiles),
            max_search_radius_miles=self.max_search_radius_miles,
        )


def frames_equal(left: pl.DataFrame, right: pl.DataFrame) -> bool:
    """True when two frames hold the same rows (order-insensitive on the first column)."""
    key = left.columns[0]
    return left.sort(key).equals(right.sort(key))
