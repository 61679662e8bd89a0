"""Demo technicians: names, skills by seniority, shifts, time off, home zips and service radius."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from routing.company.demo_data import (
    EMPLOYEE_DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    SUBCONTRACTOR_DOMAINS,
    TIME_OFF_PARTIAL,
)
from routing.company.schema import WEEKDAYS

NEIGHBOUR_MILES = 70.0  # branches this close share some technicians
SHARED_SHARE = 0.2
SUBCONTRACTOR_SHARE = 0.2
INACTIVE_SHARE = 0.03

# (name, share, {skill: (probability, lowest level, highest level)})
SENIORITY: tuple[tuple[str, float, dict[str, tuple[float, int, int]]], ...] = (
    ("junior", 0.35, {"alarm": (1.0, 1, 2), "video": (0.4, 1, 2)}),
    ("mid", 0.37, {"alarm": (1.0, 2, 3), "video": (0.7, 1, 3), "access": (0.4, 1, 2), "fire": (0.3, 1, 2)}),
    (
        "senior",
        0.22,
        {"alarm": (1.0, 3, 5), "video": (0.85, 2, 4), "access": (0.7, 2, 4), "fire": (0.6, 2, 4)},
    ),
    ("fire specialist", 0.06, {"fire": (1.0, 3, 5), "alarm": (1.0, 1, 2)}),
)
# weekday shift (start, end) in minutes, and its share
SHIFTS: tuple[tuple[int, int, float], ...] = (
    (7 * 60, 16 * 60, 0.25),
    (7 * 60, 17 * 60, 0.10),
    (8 * 60, 16 * 60, 0.15),
    (8 * 60, 17 * 60, 0.35),
    (10 * 60, 18 * 60, 0.15),
)


@dataclass(frozen=True)
class DemoTech:
    """A generated technician, with what the booking step needs (minutes, centroid) kept typed."""

    email: str
    name: str
    active: bool
    locations: tuple[str, ...]
    skills: tuple[tuple[str, int], ...]
    hours: tuple[tuple[int, int, int], ...]  # (weekday 0=Mon, start minute, end minute)
    time_off: tuple[tuple[dt.datetime, dt.datetime, str, bool], ...]  # (start, end, reason, approved)
    home_zip: str
    home_lat: float
    home_lon: float
    radius_miles: float
    daily_cap: int | None
    priority: int

    def skill_level(self, skill: str) -> int:
        """The tech's level in ``skill`` (0 = none)."""
        return next((level for name, level in self.skills if name == skill), 0)

    def window(self, day: dt.date) -> tuple[int, int] | None:
        """Working window on ``day`` in minutes after midnight, or None when off that weekday."""
        return next(((s, e) for w, s, e in self.hours if w == day.weekday()), None)

    def to_record(self) -> dict[str, Any]:
        """The company-file ``techs[]`` entry."""
        return {
            "email": self.email,
            "name": self.name,
            "active": self.active,
            "locations": list(self.locations),
            "skills": [{"skill": s, "level": level} for s, level in self.skills],
            "hours": {WEEKDAYS[w]: f"{_hhmm(s)}-{_hhmm(e)}" for w, s, e in self.hours},
            "time_off": [
                {"start": start, "end": end, "reason": reason, "approved": approved}
                for start, end, reason, approved in self.time_off
            ],
            "home_zip": self.home_zip,
            "service_radius_miles": self.radius_miles,
            "daily_cap": self.daily_cap,
            "priority": self.priority,
        }


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def allocate(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder, >= minimum)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} out of {total}")
    shares = np.asarray(weights, dtype=float) / float(sum(weights)) * spare
    parts = np.floor(shares).astype(int)
    order = np.argsort(-(shares - parts), kind="stable")
    parts[order[: spare - int(parts.sum())]] += 1
    return [int(p) + minimum for p in parts]


def neighbours(branches: pl.DataFrame) -> dict[str, str]:
    """Each branch's nearest other branch when it is within ``NEIGHBOUR_MILES``."""
    from routing.company.demo_geo import miles_between

    codes = branches["location"].to_list()
    lats, lons = branches["anchor_lat"].to_numpy(), branches["anchor_lon"].to_numpy()
    result: dict[str, str] = {}
    for i, code in enumerate(codes):
        miles = miles_between(float(lats[i]), float(lons[i]), lats, lons)
        miles[i] = np.inf
        j = int(np.argmin(miles)) if len(codes) > 1 else i
        if j != i and miles[j] <= NEIGHBOUR_MILES:
            result[code] = codes[j]
    return result


def make_techs(
    rng: np.random.Generator,
    counts: dict[str, int],
    areas: pl.DataFrame,
    branches: pl.DataFrame,
    days: Sequence[dt.date],
) -> list[DemoTech]:
    """``counts[location]`` technicians per branch, living inside its service area."""
    shared_with = neighbours(branches)
    emails: set[str] = set()
    names: set[str] = set()
    techs: list[DemoTech] = []
    for location, count in counts.items():
        home = areas.filter(pl.col("location") == location, pl.col("in_area"))
        home_zips = home["zip"].to_list()
        home_lats, home_lons = home["lat"].to_numpy(), home["lon"].to_numpy()
        for _ in range(count):
            name = _unique_name(rng, names)
            subcontractor = rng.random() < SUBCONTRACTOR_SHARE
            locations: tuple[str, ...] = (location,)
            if location in shared_with and rng.random() < SHARED_SHARE:
                locations = (location, shared_with[location])
            z = int(rng.integers(len(home_zips)))
            radius_choices = [20, 25, 30, 35, 40] if subcontractor else [25, 30, 35, 40, 45, 50]
            cap_share, caps = (0.5, [2, 3]) if subcontractor else (0.2, [3, 4])
            techs.append(
                DemoTech(
                    email=_unique_email(name, subcontractor, rng, emails),
                    name=name,
                    active=bool(rng.random() >= INACTIVE_SHARE),
                    locations=locations,
                    skills=_skills(rng),
                    hours=_hours(rng, subcontractor),
                    time_off=_time_off(rng, days),
                    home_zip=home_zips[z],
                    home_lat=float(home_lats[z]),
                    home_lon=float(home_lons[z]),
                    radius_miles=float(rng.choice(radius_choices)),
                    daily_cap=int(rng.choice(caps)) if rng.random() < cap_share else None,
                    priority=2 if subcontractor else 1,
                )
            )
    return techs


def _unique_name(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        name = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"
        if name not in taken:
            taken.add(name)
            return name


def _unique_email(name: str, subcontractor: bool, rng: np.random.Generator, taken: set[str]) -> str:
    first, last = (re.sub(r"[^a-z]", "", part.lower()) for part in name.split(" ", 1))
    domain = SUBCONTRACTOR_DOMAINS[rng.integers(len(SUBCONTRACTOR_DOMAINS))] if subcontractor else None
    local = f"{first}.{last}" if domain is None else f"{first[0]}{last}"
    domain = domain or EMPLOYEE_DOMAIN
    email, k = f"{local}@{domain}", 2
    while email in taken:
        email, k = f"{local}{k}@{domain}", k + 1
    taken.add(email)
    return email


def _skills(rng: np.random.Generator) -> tuple[tuple[str, int], ...]:
    shares = [share for _, share, _ in SENIORITY]
    _, _, table = SENIORITY[int(rng.choice(len(SENIORITY), p=np.asarray(shares) / sum(shares)))]
    skills = []
    for skill, (probability, low, high) in table.items():
        if rng.random() < probability:
            skills.append((skill, int(rng.integers(low, high + 1))))
    return tuple(sorted(skills))


def _hours(rng: np.random.Generator, subcontractor: bool) -> tuple[tuple[int, int, int], ...]:
    shares = np.asarray([share for _, _, share in SHIFTS])
    start, end, _ = SHIFTS[int(rng.choice(len(SHIFTS), p=shares / shares.sum()))]
    weekdays = [0, 1, 2, 3, 4]
    if subcontractor:  # three or four days a week
        for _ in range(int(rng.integers(1, 3))):
            weekdays.remove(weekdays[int(rng.integers(len(weekdays)))])
    elif rng.random() < 0.1:  # four-day week
        weekdays.remove(int(rng.choice([0, 4])))
    hours = [(w, start, end) for w in weekdays]
    if rng.random() < 0.2:
        hours.append((5, 8 * 60, 12 * 60))
    return tuple(hours)


def _time_off(
    rng: np.random.Generator, days: Sequence[dt.date]
) -> tuple[tuple[dt.datetime, dt.datetime, str, bool], ...]:
    entries: list[tuple[dt.datetime, dt.datetime, str, bool]] = []
    draw = rng.random()
    if draw < 0.07:  # vacation, possibly starting before the week
        first = days[0] + dt.timedelta(days=int(rng.integers(-3, len(days))))
        length = int(rng.integers(1, 6))
        entries.append((_at(first, 0), _at(first + dt.timedelta(days=length), 0), "vacation", True))
    elif draw < 0.14:  # part of one day
        day = days[int(rng.integers(len(days)))]
        start, end, reason = TIME_OFF_PARTIAL[int(rng.integers(len(TIME_OFF_PARTIAL)))]
        entries.append((_at(day, _minutes(start)), _at(day, _minutes(end)), reason, True))
    elif draw < 0.16:  # requested, not approved yet
        day = days[int(rng.integers(len(days)))]
        entries.append((_at(day, 0), _at(day + dt.timedelta(days=1), 0), "personal day (requested)", False))
    return tuple(entries)


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def _at(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
