"""Independent partitions of a run: day x group of locations that share technicians.

A tech is only a candidate at the locations she works, and her conflicts and daily cap are per
day, so decisions in one partition never depend on another: a split run gives the same result as
a single one (``split`` / ``merge``; the Prefect fan-out calls them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from routing.scheduling.inputs import Snapshot

if TYPE_CHECKING:
    from routing.scheduling.decide import Decisions as DecisionsType


@dataclass(frozen=True, order=True)
class PartitionKey:
    """One partition: a day and the smallest location id of its location group."""

    date: dt.date
    group: int


def location_groups(tech_locations: pl.DataFrame, location_ids: list[int]) -> dict[int, int]:
    """Each location id -> the smallest location id connected to it through shared techs."""
    parent = {location: location for location in location_ids}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for locations in tech_locations.group_by("tech_id").agg(pl.col("location_id")).get_column("location_id"):
        known = [loc for loc in locations if loc in parent]
        for other in known[1:]:
            a, b = find(known[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {location: find(location) for location in location_ids}


def group_expr(snapshot: Snapshot) -> pl.Expr:
    """An expression mapping ``location_id`` to its location group."""
    ids = sorted(
        set(snapshot.locations["location_id"].to_list()) | set(snapshot.appointments["location_id"].to_list())
    )
    groups = location_groups(snapshot.tech_locations, ids)
    return pl.col("location_id").replace_strict(groups, default=pl.col("location_id"), return_dtype=pl.Int64)


def partition_keys(snapshot: Snapshot) -> list[PartitionKey]:
    """The partitions that hold at least one appointment to schedule, in order."""
    keyed = (
        snapshot.appointments.filter(pl.col("to_schedule"))
        .select("date", group=group_expr(snapshot))
        .unique()
        .sort("date", "group")
    )
    return [PartitionKey(day, group) for day, group in keyed.iter_rows()]


def split(snapshot: Snapshot) -> list[tuple[PartitionKey, Snapshot]]:
    """One snapshot per partition: its appointments to schedule, every booking kept."""
    appointments = snapshot.appointments.with_columns(_group=group_expr(snapshot))
    parts = []
    for key in partition_keys(snapshot):
        mine = (pl.col("date") == key.date) & (pl.col("_group") == key.group)
        part = appointments.filter(~pl.col("to_schedule") | mine).drop("_group")
        parts.append((key, snapshot.with_frames(appointments=part)))
    return parts


def merge(snapshot: Snapshot, parts: list[DecisionsType]) -> DecisionsType:
    """Combine per-partition decisions into the run's, numbered in the run's recorded order."""
    from routing.scheduling.candidates import ORDER
    from routing.scheduling.decide import Decisions

    if not parts:
        raise ValueError("merge needs the decisions of at least one partition")
    order = (
        snapshot.appointments.filter(pl.col("to_schedule"))
        .sort(list(ORDER))
        .select("appointment_id", seq=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    appointments = (
        pl.concat([p.appointments for p in parts])
        .drop("seq")
        .join(order, on="appointment_id", how="left")
        .sort("seq")
    )
    seq = appointments.select("appointment_id", "seq")
    candidates = (
        pl.concat([p.candidates for p in parts])
        .join(seq, on="appointment_id", how="left")
        .sort("seq", "tech_id")
        .drop("seq")
    )
    assigned = (
        pl.concat([p.roster.select("tech_id", "assigned_in_run") for p in parts]).group_by("tech_id").sum()
    )
    roster = (
        parts[0]
        .roster.drop("assigned_in_run")
        .join(assigned, on="tech_id", how="left")
        .select(parts[0].roster.columns)
    )
    profiles = {p["name"]: p for part in parts for p in part.profiles}
    stats = {"partitions": len(parts), "candidates": candidates.height, "appointments": appointments.height}
    return Decisions(
        appointments.select(parts[0].appointments.columns),
        candidates,
        roster,
        [profiles[name] for name in sorted(profiles)],
        stats,
    )


def batches(snapshot: Snapshot, max_appointments: int) -> list[Snapshot]:
    """Whole partitions grouped, in order, into snapshots of at most ``max_appointments`` to schedule
    (a single partition above the limit stays whole); each keeps only its days' bookings."""
    keyed = snapshot.appointments.with_columns(_group=group_expr(snapshot))
    sizes = (
        keyed.filter(pl.col("to_schedule"))
        .group_by("date", "_group")
        .agg(pl.len().alias("n"))
        .sort("date", "_group")
        .iter_rows()
    )
    groups: list[list[tuple[object, int]]] = [[]]
    filled = 0
    for day, group, n in sizes:
        if groups[-1] and filled + n > max_appointments:
            groups.append([])
            filled = 0
        groups[-1].append((day, group))
        filled += n
    result = []
    for keys in groups:
        chosen = pl.DataFrame(keys, schema={"date": pl.Date, "_group": pl.Int64}, orient="row")
        days = chosen["date"].unique()
        mine = keyed.join(chosen.with_columns(_mine=pl.lit(True)), on=["date", "_group"], how="left")
        part = mine.filter(
            (pl.col("to_schedule") & pl.col("_mine").fill_null(False))
            | (~pl.col("to_schedule") & pl.col("date").is_in(days.implode()))
        ).drop("_group", "_mine")
        result.append(snapshot.with_frames(appointments=part))
    return result
