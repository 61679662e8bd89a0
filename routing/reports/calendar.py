"""The per-tech day calendar: what each tech's day looked like, as the run saw it.

Existing bookings, working hours and time off come from the input snapshot the run stored; this
run's assignments come from its decisions. Jobs are drawn inside their slot one after another
(the slot is the commitment to the customer; the order within it is the tech's choice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from routing.reports import charts
from routing.reports import html as h


def _minutes(time: pl.Expr) -> pl.Expr:
    return (time.dt.hour().cast(pl.Int32) * 60 + time.dt.minute().cast(pl.Int32)).cast(pl.Int32)


def day_jobs(snapshot: Any, appts: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Jobs on ``day``: tech_id, appointment_id, slot_start, slot_end, duration (minutes), kind
    (``booked`` = existing booking, ``run`` = assigned by this run)."""
    booked = snapshot.appointments.filter(
        (pl.col("date") == day) & pl.col("tech_id").is_not_null() & ~pl.col("to_schedule")
    ).select("tech_id", "appointment_id", "slot_start", "slot_end", "duration", kind=pl.lit("booked"))
    mine = appts.filter((pl.col("date") == day) & (pl.col("outcome") == "assigned")).select(
        "tech_id",
        "appointment_id",
        slot_start=_minutes(pl.col("slot_start")),
        slot_end=_minutes(pl.col("slot_end")),
        duration=pl.col("duration_minutes").cast(pl.Int32),
        kind=pl.lit("run"),
    )
    schema = {
        "tech_id": pl.Int64,
        "appointment_id": pl.Int64,
        "slot_start": pl.Int32,
        "slot_end": pl.Int32,
        "duration": pl.Int32,
        "kind": pl.String,
    }
    return pl.concat([booked.cast(schema), mine.cast(schema)]).sort("tech_id", "slot_start", "appointment_id")  # type: ignore[arg-type]


def lay_out(jobs: pl.DataFrame) -> list[dict[str, Any]]:
    """Place each tech's jobs one after another from their slot start; spans in decimal hours."""
    spans: list[dict[str, Any]] = []
    previous: dict[int, int] = {}
    for job in jobs.iter_rows(named=True):
        start = max(job["slot_start"], previous.get(job["tech_id"], 0))
        end = start + job["duration"]
        previous[job["tech_id"]] = end
        spans.append({"tech_id": job["tech_id"], "start": start / 60, "end": end / 60, "kind": job["kind"]})
    return spans


def background_spans(snapshot: Any, day: dt.date, tech_ids: list[int]) -> list[dict[str, Any]]:
    """Working hours and time off of ``tech_ids`` on ``day``, in decimal hours."""
    weekday = day.weekday()
    hours = snapshot.tech_hours.filter((pl.col("weekday") == weekday) & pl.col("tech_id").is_in(tech_ids))
    spans = [
        {"tech_id": r["tech_id"], "start": r["start"] / 60, "end": r["end"] / 60, "kind": "hours"}
        for r in hours.iter_rows(named=True)
    ]
    day_start = dt.datetime.combine(day, dt.time())
    day_end = day_start + dt.timedelta(days=1)
    off = snapshot.time_off.filter(
        pl.col("tech_id").is_in(tech_ids) & (pl.col("starts_at") < day_end) & (pl.col("ends_at") > day_start)
    )
    for r in off.iter_rows(named=True):
        start = max(r["starts_at"], day_start) - day_start
        end = min(r["ends_at"], day_end) - day_start
        spans.append({"tech_id": r["tech_id"], "start": _hours(start), "end": _hours(end), "kind": "off"})
    return spans


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def ranked_techs(snapshot: Any, jobs: pl.DataFrame, day: dt.date, location: str) -> pl.DataFrame:
    """Active techs with a job or working hours on ``day`` (in ``location`` if given): this run's
    jobs first, then other jobs, then idle ones. Columns: tech_id, name, run, jobs."""
    techs = snapshot.techs.filter(pl.col("active")).select("tech_id", "name")
    if location:
        codes = snapshot.locations.filter(pl.col("code") == location).select("location_id")
        techs = techs.join(
            snapshot.tech_locations.join(codes, on="location_id", how="semi").select("tech_id").unique(),
            on="tech_id",
            how="semi",
        )
    working = snapshot.tech_hours.filter(pl.col("weekday") == day.weekday()).select("tech_id").unique()
    load = jobs.group_by("tech_id").agg(run=(pl.col("kind") == "run").sum(), jobs=pl.len())
    present = pl.concat([working, load.select("tech_id")]).unique()
    return (
        techs.join(present, on="tech_id", how="semi")
        .join(load, on="tech_id", how="left")
        .with_columns(pl.col("run").fill_null(0), pl.col("jobs").fill_null(0))
        .sort(["run", "jobs", "name", "tech_id"], descending=[True, True, False, False])
    )


def calendars(
    snapshot: Any | None, appts: pl.DataFrame, *, location: str = "", max_days: int = 5, max_techs: int = 40
) -> h.Html:
    """One Gantt chart per day of the run (up to ``max_days``), the techs working that day as rows."""
    if snapshot is None:
        return h.section(
            "Day calendar", h.note("This run stored no input snapshot, so its calendar cannot be drawn.")
        )
    days = sorted(d for d in appts["date"].drop_nulls().unique().to_list())
    parts: list[Any] = []
    for day in days[:max_days]:
        jobs = day_jobs(snapshot, appts, day)
        ranked = ranked_techs(snapshot, jobs, day, location)
        shown, total = ranked.head(max_techs).sort("name", "tech_id"), ranked.height
        if shown.height == 0:
            parts.append(h.note(f"{day:%a %Y-%m-%d}: no tech working."))
            continue
        ids = shown["tech_id"].to_list()
        labels = {r["tech_id"]: f"{r['name']} (tech {r['tech_id']})" for r in shown.iter_rows(named=True)}
        spans = [
            {**s, "row": labels[s["tech_id"]]}
            for s in background_spans(snapshot, day, ids) + lay_out(jobs.filter(pl.col("tech_id").is_in(ids)))
        ]
        title = f"{day:%A %Y-%m-%d}" + (f" · {location}" if location else "")
        parts.append(charts.gantt(list(labels.values()), spans, title=title))
        if shown.height < total:
            parts.append(
                h.note(
                    f"Showing {shown.height} of {total} techs working that day "
                    "(most jobs from this run first)."
                )
            )
    if len(days) > max_days:
        parts.append(h.note(f"Showing the first {max_days} of {len(days)} days."))
    return h.section(
        "Day calendar",
        h.note(
            "Blue: assigned by this run; grey: bookings the tech already had; hatched: time off; "
            "green band: working hours. Jobs are drawn in slot order from the slot start."
        ),
        *parts,
    )
