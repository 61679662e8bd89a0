"""Re-check a run's planned assignments against the bookings in the database at commit time.

Between the snapshot and the commit someone else (another run, a dispatcher) may have assigned
an appointment or booked a tech. The shell locks the techs, reads their current bookings and
asks this pure function which planned assignments still hold; the rest are recorded ``skipped``.
The checks are the engine's own conflict and daily-cap rules (see ``capacity``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from routing.scheduling.inputs import Snapshot
from routing.scheduling.profiles import NO_CAP, match_profiles, ordered_profiles


@dataclass(frozen=True)
class Job:
    """One job of a tech on a day: slot (minutes), duration, its profile's buffer and cap."""

    appointment_id: int
    tech_id: int
    date: dt.date
    start: int
    end: int
    duration: int
    buffer: int
    cap: int

    def overlaps(self, other: Job) -> bool:
        """True when the two slots overlap (touching slots do not)."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Skip:
    """Why a planned assignment no longer holds."""

    reason: str  # assigned_meanwhile | conflict | daily_cap
    message: str
    other_appointment_id: int | None = None
    other_tech_id: int | None = None


def jobs_with_profiles(
    frame: pl.DataFrame, snapshot: Snapshot, tech_caps: dict[int, int | None]
) -> list[Job]:
    """Jobs from rows (appointment_id, tech_id, date, slot_start, slot_end, duration, location_id,
    work_order_type_id), each with the buffer and cap of its best-matching profile."""
    if frame.is_empty():
        return []
    profiles = ordered_profiles(snapshot.profiles)
    named = frame.join(
        snapshot.locations.select("location_id", location_code="code"), on="location_id", how="left"
    ).join(
        snapshot.work_order_types.select("work_order_type_id", type_code="code"),
        on="work_order_type_id",
        how="left",
    )
    named = named.with_columns(pl.col("location_code").fill_null(""), pl.col("type_code").fill_null(""))
    matched = match_profiles(named.select("location_code", "type_code").unique(), profiles)
    jobs = []
    for row in named.join(matched, on=["location_code", "type_code"], how="left").iter_rows(named=True):
        profile = profiles[row["profile_idx"]]
        jobs.append(
            Job(
                row["appointment_id"],
                row["tech_id"],
                row["date"],
                row["slot_start"],
                row["slot_end"],
                row["duration"],
                profile.travel_buffer_minutes,
                profile.cap,
            )
        )
    return jobs


def fits(existing: list[Job], job: Job, tech_cap: int | None) -> Skip | None:
    """None when ``job`` can join ``existing`` (same tech and day), else why not."""
    limit = min([tech_cap if tech_cap is not None else NO_CAP, job.cap, *(k.cap for k in existing)])
    if len(existing) + 1 > limit:
        other = existing[-1].appointment_id if existing else None
        return Skip("daily_cap", f"the tech now has {len(existing)} jobs that day, cap {limit}", other)
    overlapping = [k for k in existing if k.overlaps(job)]
    own = job.duration + sum(k.duration + job.buffer for k in overlapping)
    if own > job.end - job.start and overlapping:
        return Skip(
            "conflict",
            f"the tech is now booked for appointment {overlapping[0].appointment_id} in an overlapping slot "
            f"(the slot would need {own} of {job.end - job.start} min)",
            overlapping[0].appointment_id,
        )
    for k in overlapping:
        load = k.duration + sum(
            o.duration + k.buffer for o in [*existing, job] if o is not k and o.overlaps(k)
        )
        if load > k.end - k.start:
            return Skip(
                "conflict",
                f"the slot of the tech's appointment {k.appointment_id} would need {load} "
                f"of {k.end - k.start} min",
                k.appointment_id,
            )
    return None


def recheck(
    planned: list[Job],
    current_tech: dict[int, int | None],
    bookings: list[Job],
    seen: set[tuple[int, int, dt.date, int, int, int]],
    tech_caps: dict[int, int | None],
) -> dict[int, Skip]:
    """Planned assignments (in decision order) that no longer hold, by appointment id.

    ``current_tech``: each planned appointment's tech in the database now (None = still free).
    ``bookings``: the planned techs' current jobs on the planned days (planned ones excluded).
    ``seen``: the bookings the run's snapshot had, as (id, tech, date, start, end, duration).
    """
    skips: dict[int, Skip] = {}
    for job in planned:
        holder = current_tech.get(job.appointment_id)
        if holder is not None:
            skips[job.appointment_id] = Skip(
                "assigned_meanwhile", f"assigned to tech {holder} meanwhile", other_tech_id=holder
            )
    by_day: dict[tuple[int, dt.date], list[Job]] = defaultdict(list)
    for booking in bookings:
        by_day[(booking.tech_id, booking.date)].append(booking)
    changed = {
        key
        for key, jobs in by_day.items()
        for b in jobs
        if (b.appointment_id, b.tech_id, b.date, b.start, b.end, b.duration) not in seen
    }
    for job in planned:
        key = (job.tech_id, job.date)
        if key not in changed or job.appointment_id in skips:
            continue
        problem = fits(by_day[key], job, tech_caps.get(job.tech_id))
        if problem is None:
            by_day[key].append(job)
        else:
            skips[job.appointment_id] = problem
    return skips
