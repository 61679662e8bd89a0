"""Demo technicians: names, skills by seniority, shifts, time off, home zips and service radius.

Each branch hires for its demand. Its seniority mix, shifts, subcontractors and inactive techs are
whole numbers split by share (``allocate``), not independent draws, so a small branch gets what a
large one gets in proportion; and its active techs hold the skills every work-order type asks for
(``needs``), on enough of them. Who is who, time off, home, radius and caps stay random, so each
seed gives a different but equally plausible company.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from routing.company.demo_data import (
    EMPLOYEE_DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    SUBCONTRACTOR_DOMAINS,
    TIME_OFF_PARTIAL,
    WORK_ORDER_TYPES,
)
from routing.company.schema import WEEKDAYS

NEIGHBOUR_MILES = 70.0  # branches this close share some technicians
SHARED_SHARE = 0.2
SUBCONTRACTOR_SHARE = 0.2
INACTIVE_SHARE = 0.03
HOME_MILES = 15.0  # homes thin out away from the branch centre: weight 1 / (1 + miles / HOME_MILES)
REACH_MILES = 15.0  # a service radius reaches at least this far past the branch centre (up to 50)
MAX_RADIUS_MILES = 50.0

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
# when a branch lacks a skill, who is trained first among equals: senior, mid, fire specialist, junior
TRAINING_ORDER = ("senior", "mid", "fire specialist", "junior")
COVER = 2.0  # active techs holding a need: at least this multiple of the demand share asking for it
NEED_DEPTH = 2  # and at least two per work-order type, so that one absence stops no kind of work
FIRE_RULE_LEVEL = 3  # the Fire inspections profile's skill rule (demo_setup.profiles)

# weekday shift (start, end) in minutes, and its share
SHIFTS: tuple[tuple[int, int, float], ...] = (
    (7 * 60, 16 * 60, 0.25),
    (7 * 60, 17 * 60, 0.10),
    (8 * 60, 16 * 60, 0.15),
    (8 * 60, 17 * 60, 0.35),
    (10 * 60, 18 * 60, 0.15),
)


def needs() -> tuple[tuple[dict[str, int], float, int], ...]:
    """The skill sets a branch's active techs must hold: (skills, share of demand asking for them,
    fewest holders).

    One per work-order type: its required skills, asked for by that type and by every type that
    requires at least as much (a takeover tech can do a service call), held by at least
    ``NEED_DEPTH`` techs; and fire at ``FIRE_RULE_LEVEL`` for the Fire inspections profile's rule,
    by at least one.
    """
    types = [(dict(skills), share) for _, _, _, skills, share in WORK_ORDER_TYPES]
    total = sum(share for _, share in types)
    result = [
        (need, sum(share for skills, share in types if _meets(skills, need)) / total, NEED_DEPTH)
        for need, _ in types
    ]
    return (*result, ({"fire": FIRE_RULE_LEVEL}, 0.0, 1))


def depth(share: float, least: int, active: int) -> int:
    """How many of a branch's ``active`` techs hold a need that ``share`` of the demand asks for:
    ``COVER`` times that share of them rounded up, at least ``least``, at most all of them."""
    return min(active, max(least, math.ceil(COVER * share * active - 1e-9)))


def _meets(skills: dict[str, int], need: dict[str, int]) -> bool:
    return all(skills.get(skill, 0) >= level for skill, level in need.items())


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
    """``counts[location]`` technicians per branch, living inside its service area.

    Per branch, the seniority mix, the shifts, the subcontractors and the inactive techs are split
    by share (``allocate``, ``round``) and dealt out at random; then the active techs are trained
    until they hold every need (``_train``).
    """
    shared_with = neighbours(branches)
    emails: set[str] = set()
    names: set[str] = set()
    techs: list[DemoTech] = []
    for location, count in counts.items():
        home = areas.filter(pl.col("location") == location, pl.col("in_area"))
        home_zips, home_miles = home["zip"].to_list(), home["miles"].to_numpy()
        home_lats, home_lons = home["lat"].to_numpy(), home["lon"].to_numpy()
        closeness = 1.0 / (1.0 + home_miles / HOME_MILES)
        ranks = _deal(rng, count, [share for _, share, _ in SENIORITY])
        shifts = _deal(rng, count, [share for _, _, share in SHIFTS])
        subcontracted = _pick(rng, count, round(count * SUBCONTRACTOR_SHARE))
        inactive = _pick(rng, count, round(count * INACTIVE_SHARE))
        staff: list[DemoTech] = []
        for i in range(count):
            name = _unique_name(rng, names)
            subcontractor = i in subcontracted
            locations: tuple[str, ...] = (location,)
            if location in shared_with and rng.random() < SHARED_SHARE:
                locations = (location, shared_with[location])
            z = int(rng.choice(len(home_zips), p=closeness / closeness.sum()))
            radius_choices = [20, 25, 30, 35, 40] if subcontractor else [25, 30, 35, 40, 45, 50]
            reach = min(MAX_RADIUS_MILES, 5.0 * math.ceil((float(home_miles[z]) + REACH_MILES) / 5.0))
            cap_share, caps = (0.5, [2, 3]) if subcontractor else (0.2, [3, 4])
            staff.append(
                DemoTech(
                    email=_unique_email(name, subcontractor, rng, emails),
                    name=name,
                    active=i not in inactive,
                    locations=locations,
                    skills=_skills(rng, ranks[i]),
                    hours=_hours(rng, shifts[i], subcontractor),
                    time_off=_time_off(rng, days),
                    home_zip=home_zips[z],
                    home_lat=float(home_lats[z]),
                    home_lon=float(home_lons[z]),
                    radius_miles=max(float(rng.choice(radius_choices)), reach),
                    daily_cap=int(rng.choice(caps)) if rng.random() < cap_share else None,
                    priority=2 if subcontractor else 1,
                )
            )
        techs.extend(_train(staff, [SENIORITY[r][0] for r in ranks]))
    return techs


def _deal(rng: np.random.Generator, count: int, shares: Sequence[float]) -> list[int]:
    """``count`` indexes into ``shares``, as many of each as ``allocate`` gives it, shuffled."""
    parts = allocate(count, shares, minimum=0)
    return [int(k) for k in rng.permutation(np.repeat(np.arange(len(shares)), parts))]


def _pick(rng: np.random.Generator, count: int, size: int) -> set[int]:
    """``size`` of the indexes ``0..count-1``, drawn without replacement."""
    return {int(i) for i in rng.choice(count, size=size, replace=False)}


def holds(tech: DemoTech, need: dict[str, int]) -> bool:
    """Whether ``tech`` has every skill of ``need`` at its level or higher."""
    return _meets(dict(tech.skills), need)


def _train(staff: list[DemoTech], seniority: Sequence[str]) -> list[DemoTech]:
    """``staff`` with every need held by ``depth`` of its active techs.

    Where too few hold a need, one more active tech is trained to it: an employee before a
    subcontractor, then the one who holds the fewest needs plus levels to gain (so that skilled
    work spreads over several people instead of piling onto the seniors), then ``TRAINING_ORDER``.
    """
    staff = list(staff)
    active = [i for i, t in enumerate(staff) if t.active]
    all_needs = needs()
    for need, share, least in all_needs:
        holders = {i for i in active if holds(staff[i], need)}

        def key(i: int, need: dict[str, int] = need) -> tuple[int, int, int, int]:
            held = sum(holds(staff[i], other) for other, _, _ in all_needs)
            gain = sum(max(0, level - staff[i].skill_level(skill)) for skill, level in need.items())
            return staff[i].priority, held + gain, TRAINING_ORDER.index(seniority[i]), i

        wanted = depth(share, least, len(active))
        while len(holders) < wanted:
            best = min((i for i in active if i not in holders), key=key)
            levels = dict(staff[best].skills)
            for skill, level in need.items():
                levels[skill] = max(levels.get(skill, 0), level)
            staff[best] = replace(staff[best], skills=tuple(sorted(levels.items())))
            holders.add(best)
    return staff


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


def _skills(rng: np.random.Generator, rank: int) -> tuple[tuple[str, int], ...]:
    """Skills drawn from the ``SENIORITY[rank]`` table."""
    _, _, table = SENIORITY[rank]
    skills = []
    for skill, (probability, low, high) in table.items():
        if rng.random() < probability:
            skills.append((skill, int(rng.integers(low, high + 1))))
    return tuple(sorted(skills))


def _hours(rng: np.random.Generator, shift: int, subcontractor: bool) -> tuple[tuple[int, int, int], ...]:
    """``SHIFTS[shift]`` on weekdays (four for a subcontractor), some with a Saturday morning."""
    start, end, _ = SHIFTS[shift]
    weekdays = [0, 1, 2, 3, 4]
    if subcontractor:  # four days a week, the fifth for other clients
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
