"""The candidate frame: one row per (appointment to schedule, tech who works its location).

Candidates come from a join on location, so the frame grows with real candidates, not with
appointments x all techs. A tech who does not work the appointment's location has no row: the
run's roster answers that pair. Rows are ordered by the recorded appointment order, then tech id.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from routing.geo import haversine_miles
from routing.scheduling.inputs import Snapshot
from routing.scheduling.profiles import Profile, match_profiles, ordered_profiles

ORDER = ("date", "slot_start", "priority", "created_at", "appointment_id")
"""The recorded order in which appointments are decided: slot start, priority (1 first),
creation time, id."""


@dataclass(frozen=True)
class Prepared:
    """The snapshot with profiles resolved: appointments (all), bookings and the ordered profiles."""

    snapshot: Snapshot
    profiles: tuple[Profile, ...]
    appointments: pl.DataFrame  # every appointment, with profile and absolute times
    to_schedule: pl.DataFrame  # in the recorded order, with ``seq``
    bookings: pl.DataFrame  # jobs the techs in scope already have, with each job's slack


def _profile_columns(profiles: tuple[Profile, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "profile_idx": list(range(len(profiles))),
            "profile_name": [p.name for p in profiles],
            "buffer": [p.travel_buffer_minutes for p in profiles],
            "pcap": [p.cap for p in profiles],
            "w_distance": [p.weights.distance for p in profiles],
            "w_preferred": [p.weights.preferred for p in profiles],
            "w_workload": [p.weights.workload for p in profiles],
            "w_priority": [p.weights.priority for p in profiles],
            "w_skill": [p.weights.skill for p in profiles],
        },
        schema={
            "profile_idx": pl.Int32,
            "profile_name": pl.String,
            "buffer": pl.Int32,
            "pcap": pl.Int32,
            "w_distance": pl.Float64,
            "w_preferred": pl.Float64,
            "w_workload": pl.Float64,
            "w_priority": pl.Float64,
            "w_skill": pl.Float64,
        },
    )


def prepare(snapshot: Snapshot) -> Prepared:
    """Resolve each appointment's profile and times; order the ones to schedule; compute slack."""
    profiles = ordered_profiles(snapshot.profiles)
    appts = (
        snapshot.appointments.join(
            snapshot.locations.select("location_id", location_code="code"), on="location_id", how="left"
        )
        .join(
            snapshot.work_order_types.select("work_order_type_id", type_code="code"),
            on="work_order_type_id",
            how="left",
        )
        .with_columns(pl.col("location_code").fill_null(""), pl.col("type_code").fill_null(""))
    )
    combos = appts.select("location_code", "type_code").unique()
    matched = match_profiles(combos, profiles)
    appts = (
        appts.join(matched, on=["location_code", "type_code"], how="left")
        .join(_profile_columns(profiles), on="profile_idx", how="left")
        .join(snapshot.zips.select("zip", appt_lat="lat", appt_lon="lon").unique("zip"), on="zip", how="left")
        .join(
            snapshot.customers.select("customer_id", "preferred_tech_id", "required_tech_id"),
            on="customer_id",
            how="left",
        )
        .with_columns(
            weekday=(pl.col("date").dt.weekday() - 1).cast(pl.Int32),
            day=pl.col("date").cast(pl.Int32),
            slot_len=(pl.col("slot_end") - pl.col("slot_start")).cast(pl.Int32),
        )
        .with_columns(
            abs_start=pl.col("day").cast(pl.Int64) * 1440 + pl.col("slot_start"),
            abs_end=pl.col("day").cast(pl.Int64) * 1440 + pl.col("slot_end"),
        )
    )
    to_schedule = (
        appts.filter(pl.col("to_schedule"))
        .sort(list(ORDER))
        .with_row_index("seq", offset=1)
        .with_columns(pl.col("seq").cast(pl.Int64))
    )
    bookings = _bookings(appts.filter(pl.col("tech_id").is_not_null() & ~pl.col("to_schedule")))
    return Prepared(snapshot, profiles, appts, to_schedule, bookings)


def _bookings(booked: pl.DataFrame) -> pl.DataFrame:
    """Existing jobs with their slack: slot length - own duration - each overlapping job + buffer."""
    jobs = booked.select(
        "appointment_id",
        "tech_id",
        "date",
        "slot_start",
        "slot_end",
        "slot_len",
        "duration",
        "buffer",
        "pcap",
        "profile_idx",
    )
    pairs = (
        jobs.join(jobs, on=["tech_id", "date"], suffix="_o")
        .filter(
            (pl.col("appointment_id") != pl.col("appointment_id_o"))
            & (pl.col("slot_start_o") < pl.col("slot_end"))
            & (pl.col("slot_start") < pl.col("slot_end_o"))
        )
        .group_by("appointment_id")
        .agg(others=(pl.col("duration_o") + pl.col("buffer")).sum())
    )
    return (
        jobs.join(pairs, on="appointment_id", how="left")
        .with_columns(
            slack=(pl.col("slot_len") - pl.col("duration") - pl.col("others").fill_null(0)).cast(pl.Int32)
        )
        .drop("others")
        .sort("tech_id", "date", "slot_start", "appointment_id")
    )


def build_candidates(prepared: Prepared) -> pl.DataFrame:
    """Appointment x tech-at-its-location rows, in decision order, with what the rules need."""
    snapshot = prepared.snapshot
    techs = snapshot.techs.join(
        snapshot.zips.select("zip", home_lat="lat", home_lon="lon").unique("zip"),
        left_on="home_zip",
        right_on="zip",
        how="left",
    ).select(
        "tech_id",
        "email",
        "active",
        "radius",
        "daily_cap",
        pl.col("priority").alias("tech_priority"),
        "home_lat",
        "home_lon",
    )
    appts = prepared.to_schedule.select(
        "seq",
        "appointment_id",
        "customer_id",
        "work_order_type_id",
        "location_id",
        "date",
        "day",
        "weekday",
        "slot_start",
        "slot_end",
        "slot_len",
        "duration",
        "abs_start",
        "abs_end",
        "zip",
        "profile_idx",
        "buffer",
        "pcap",
        "preferred_tech_id",
        "required_tech_id",
        "appt_lat",
        "appt_lon",
        "w_distance",
        "w_preferred",
        "w_workload",
        "w_priority",
        "w_skill",
    )
    at_location = snapshot.tech_locations.join(techs.select("tech_id"), on="tech_id", how="semi").unique()
    return (
        appts.join(at_location, on="location_id", how="inner")
        .join(techs, on="tech_id", how="inner")
        .sort("seq", "tech_id")
        .with_columns(
            miles=haversine_miles(
                pl.col("home_lat"), pl.col("home_lon"), pl.col("appt_lat"), pl.col("appt_lon")
            )
        )
        .with_row_index("row")
    )
