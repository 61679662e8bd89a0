"""Already-booked demo appointments that respect every rule the scheduler checks.

A booking is at most one per technician and day, in a slot inside the tech's hours that day, clear
of any time off (approved or not), at a branch the tech works, for a work-order type the tech is
skilled for (fire inspections at level 3, the strictest profile rule), at a customer zip within the
tech's service radius and the strictest profile distance, outside zips reserved by a profile rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import polars as pl

from routing.company.demo_data import SLOTS, WORK_ORDER_TYPES
from routing.company.demo_demand import Book, new_customer, slot_text, type_shares
from routing.company.demo_geo import miles_between
from routing.company.demo_techs import DemoTech

PREFERRED_BOOKED_SHARE = 0.3  # booked with the customer's preferred technician
STRICTEST_SKILL = {("inspection", "fire"): 3}


def booked_appointments(
    rng: np.random.Generator,
    book: Book,
    target: int,
    techs: Sequence[DemoTech],
    areas: pl.DataFrame,
    days: Sequence[dt.date],
    reserved_zips: Collection[str],
    max_miles: float,
) -> int:
    """Add up to ``target`` appointments already booked with a technician; returns how many."""
    by_location = {
        code: (
            frame.select("zip", "city", "state", "lat", "lon").rows(),
            frame["lat"].to_numpy(),
            frame["lon"].to_numpy(),
            ~frame["zip"].is_in(list(reserved_zips)).to_numpy(),
        )
        for (code,), frame in areas.filter(pl.col("in_area")).group_by("location", maintain_order=True)
    }
    staff = {code: [t for t in techs if code in t.locations] for code in by_location}
    shares = type_shares()
    tech_days = [(t, d) for t in techs if t.active for d in days]
    booked = 0
    for index in rng.permutation(len(tech_days)):
        if booked == target:
            break
        tech, day = tech_days[index]
        slots = _free_slots(tech, day)
        if not slots:
            continue
        slot = slots[int(rng.integers(len(slots)))]
        fitting = [
            i
            for i, (code, _, duration, skills, _) in enumerate(WORK_ORDER_TYPES)
            if duration <= slot[1] - slot[0]
            and all(tech.skill_level(s) >= max(lvl, STRICTEST_SKILL.get((code, s), 0)) for s, lvl in skills)
        ]
        if not fitting:
            continue
        location = tech.locations[int(rng.integers(len(tech.locations)))]
        rows, lats, lons, allowed = by_location[location]
        reachable = allowed & (
            miles_between(tech.home_lat, tech.home_lon, lats, lons) <= min(tech.radius_miles, max_miles)
        )
        if not reachable.any():
            continue
        candidates = np.flatnonzero(reachable)
        zip_row = rows[int(candidates[rng.integers(len(candidates))])]
        p = shares[fitting] / shares[fitting].sum()
        type_code = WORK_ORDER_TYPES[fitting[int(rng.choice(len(fitting), p=p))]][0]
        preferred = tech.email if rng.random() < PREFERRED_BOOKED_SHARE else None
        customer = book.add_customer(
            new_customer(rng, location, zip_row, staff[location], preferred, with_wishes=False)
        )
        book.add_appointment(
            {
                "customer": customer["external_id"],
                "work_order_type": type_code,
                "location": location,
                "date": day,
                "slot": slot_text(slot),
                "duration_minutes": None,
                "zip": customer["zip"],
                "priority": 3,
                "tech": tech.email,
            }
        )
        booked += 1
    return booked


def _free_slots(tech: DemoTech, day: dt.date) -> list[tuple[int, int]]:
    window = tech.window(day)
    if window is None:
        return []
    day_start = dt.datetime.combine(day, dt.time())
    free = []
    for start, end in SLOTS:
        if not (window[0] <= start and end <= window[1]):
            continue
        slot_start = day_start + dt.timedelta(minutes=start)
        slot_end = day_start + dt.timedelta(minutes=end)
        if all(off_end <= slot_start or slot_end <= off_start for off_start, off_end, _, _ in tech.time_off):
            free.append((start, end))
    return free
