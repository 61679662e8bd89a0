"""HTML sections of the run audit: header, charts, free-but-unassigned techs, appointment details."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from routing.reports import charts
from routing.reports import html as h
from routing.reports import run_shapes as shapes
from routing.reports.run_audit import RunInfo
from routing.words import plural


def header(run: RunInfo, database: str, appointments_csv: str = "") -> h.Html:
    """Title, when/why/how the run happened, its scope, profiles in effect and the outcome."""
    status_class = {"succeeded": "rr-good", "failed": "rr-bad"}.get(run.status)
    took = (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else None
    facts: dict[str, Any] = {
        "Run": run.id,
        "Started": run.started_at,
        "Finished": run.finished_at or "not finished",
        "Duration": f"{took:.1f} s" if took is not None else "",
        "Trigger": run.trigger,
        "Dry run": "yes: reasoning stored, no appointment changed" if run.dry_run else "no",
        "Strategy": run.strategy,
        "Status": h.tag("span", run.status, class_=status_class),
        "Scope": scope_text(run.scope),
        "Outcome": f"{run.considered:,} considered: {run.assigned:,} assigned, "
        f"{run.unassigned:,} unassigned, {run.skipped:,} skipped",
        "Engine version": run.engine_version,
        "Database": database,
    }
    if run.error:
        facts["Error"] = h.tag("span", run.error, class_="rr-bad")
    if run.stats:
        facts["Statistics"] = stats_text(run.stats)
    if run.prefect_flow_run_id:
        facts["Prefect flow run"] = run.prefect_flow_run_id
    if appointments_csv:
        facts["Every appointment (CSV)"] = h.link(appointments_csv, appointments_csv)
    return h.join(
        [h.style(), h.heading(f"{run_title(run.id, run.dry_run)}: {run.status}", 1), h.key_values(facts)]
    )


def run_title(run_id: int, dry_run: bool) -> str:
    """``Scheduler run 6`` or ``Scheduler dry run 1``."""
    return f"Scheduler {'dry run' if dry_run else 'run'} {run_id}"


STATUS_WORDS = {
    "feasible": "feasible at the time limit",
    "hint_only": "the greedy plan (no solution in time)",
}


def stats_text(stats: dict[str, Any]) -> str:
    """The run's statistics in words: ``candidates 810, …, solver status: optimal in 5 partitions``."""
    parts = []
    for key, value in stats.items():
        label = key.replace("_", " ")
        if key == "solver_status" and isinstance(value, dict):
            counts = ", ".join(
                f"{STATUS_WORDS.get(str(status), str(status))} in {plural(n, 'partition')}"
                for status, n in value.items()
            )
            parts.append(f"{label}: {counts or 'no partition'}")
        elif isinstance(value, dict):
            parts.append(f"{label}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items()))
        elif key.endswith("_s") and isinstance(value, int | float):
            parts.append(f"{key[:-2].replace('_', ' ')} {value:g} s")
        else:
            parts.append(f"{label} {value:,}" if isinstance(value, int) else f"{label} {value}")
    return ", ".join(parts)


def scope_text(scope: dict[str, Any]) -> str:
    """``date from: 2030-06-03 · locations: BOS, PVD · techs: all`` from the stored scope."""
    parts = []
    for key, value in scope.items():
        if value is None and key == "appointment_ids":
            continue
        if value is None or value == []:
            value = "all"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return " · ".join(parts) if parts else "everything"


def profiles(run: RunInfo) -> h.Html:
    """The profiles in effect, from the snapshot the run stored (later edits do not show here)."""
    rows = [
        {
            "name": snap.get("name"),
            "applies to": _applies(snap),
            "hours": hours_text(snap.get("working_hours")),
            "buffer": snap.get("travel_buffer_minutes"),
            "max jobs/day": snap.get("max_daily_jobs"),
            "weights": ", ".join(f"{k} {v:g}" for k, v in (snap.get("weights") or {}).items()),
            "territory rules": "; ".join(rule_text(rule) for rule in snap.get("territory_rules") or []),
            "strategy": snap.get("strategy"),
            "version": snap.get("version"),
        }
        for snap in run.profile_snapshots
    ]
    return h.section("Profiles in effect", h.table(rows, empty="No profile snapshot stored."))


def _applies(snap: dict[str, Any]) -> str:
    locations = snap.get("location_codes") or snap.get("locations") or []
    types = snap.get("work_order_type_codes") or snap.get("work_order_types") or []
    return f"locations: {', '.join(locations) or 'all'}; types: {', '.join(types) or 'all'}"


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hours_text(hours: dict[str, Any] | None) -> str:
    """``{"mon": ["07:00", "18:00"], ...}`` -> ``mon–fri 07:00–18:00; sat 08:00–13:00``."""
    if not hours:
        return "the techs' own hours"
    runs: list[tuple[str, str, str]] = []  # first day, last day, window
    for day in DAYS:
        if day not in hours:
            continue
        window = "–".join(str(t) for t in hours[day])
        if runs and runs[-1][2] == window and DAYS.index(runs[-1][1]) == DAYS.index(day) - 1:
            runs[-1] = (runs[-1][0], day, window)
        else:
            runs.append((day, day, window))
    return "; ".join(f"{a}–{b} {w}" if a != b else f"{a} {w}" for a, b, w in runs)


def rule_text(rule: dict[str, Any]) -> str:
    """One territory rule in words: ``within 25 mi``, ``zips 01057, 01080 only for a@x``,
    ``needs fire ≥ 2 in zips 021``."""
    zips = list(rule.get("zips") or [])
    where = " in zips " + _few(zips, 5) if zips else ""
    kind = rule.get("kind")
    if kind == "max_distance":
        return f"within {rule.get('miles', 0):g} mi{where}"
    if kind == "zips":
        return f"zips {_few(zips, 5)} only for {_few(list(rule.get('techs') or []), 3)}"
    if kind == "skill":
        return f"needs {rule.get('skill')} ≥ {rule.get('min_level', 1)}{where}"
    return str(rule)


def _few(values: list[str], limit: int) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def outcome_charts(appts: pl.DataFrame) -> h.Html:
    """Assigned / unassigned / skipped by location and by day, charts and a location x day table."""
    title = "Assigned and unassigned by location and day"
    if appts.height == 0:
        return h.section(title, h.paragraph("The run decided no appointment."))
    by_location = shapes.outcome_counts(appts, ["location_code"])
    by_day = shapes.outcome_counts(appts, ["date"])
    stacks: dict[str, list[int]] = {
        o: by_location[o].to_list() for o in shapes.OUTCOMES if by_location[o].sum()
    }
    location_chart = charts.stacked_bars(
        [str(c) for c in by_location["location_code"].to_list()], stacks, title="By location", horizontal=True
    )
    day_stacks: dict[str, list[int]] = {o: by_day[o].to_list() for o in shapes.OUTCOMES if by_day[o].sum()}
    day_chart = charts.stacked_bars(
        [f"{d:%a %m-%d}" if d else "?" for d in by_day["date"].to_list()], day_stacks, title="By day"
    )
    grid = shapes.outcome_counts(appts, ["location_code", "date"]).with_columns(
        cell=pl.format("{}/{}", pl.col("assigned"), pl.col("total"))
    )
    table = (
        grid.with_columns(day=pl.col("date").dt.strftime("%Y-%m-%d"))
        .pivot(on="day", index="location_code", values="cell", sort_columns=True)  # ISO: in date order
        .sort("location_code")
    )
    table = table.rename(
        {c: f"{dt.date.fromisoformat(c):%a %m-%d}" for c in table.columns if c[:2] in ("19", "20")}
    )
    return h.section(
        title,
        location_chart,
        day_chart,
        h.table(table, caption="assigned / considered"),
    )


def blocking_chart(blockers: pl.DataFrame, summary: pl.DataFrame) -> h.Html:
    """Unassigned appointments by the rule that blocked them most."""
    if blockers.height == 0:
        return h.section(
            "Unassigned appointments by blocking rule", h.paragraph("Every appointment was assigned.")
        )
    from routing.scheduling.messages import RULE_TITLES

    summary = summary.with_columns(
        meaning=pl.col("rule").replace_strict(RULE_TITLES, default=pl.col("rule"), return_dtype=pl.String)
    )
    chart = charts.bars(
        [
            f"{r} ({m})"
            for r, m in summary.filter(pl.col("appointments") > 0).select("rule", "meaning").iter_rows()
        ],
        summary.filter(pl.col("appointments") > 0)["appointments"].to_list(),
        title="Unassigned appointments by main blocking rule",
        xlabel="appointments",
    )
    columns = {
        "rule": "Rule",
        "meaning": "Meaning",
        "appointments": "Main blocker of (appointments)",
        "rejected_someone": "Rejected at least one candidate of (appointments)",
    }
    return h.section(
        "Unassigned appointments by blocking rule",
        h.note(
            "Main blocker: the rule that rejected the most candidates of the appointment "
            "(location: no tech in scope works there)."
        ),
        chart,
        h.table(summary, columns),
    )


def workload(jobs: pl.DataFrame, *, max_bars: int = 40) -> h.Html:
    """Jobs per tech from this run (workload fairness): bars per tech, or a histogram for many techs."""
    if jobs.height == 0:
        return h.section("Jobs per tech", h.note("No tech in scope."))
    if jobs.height <= max_bars:
        labels = [f"{n} (tech {i})" for n, i in zip(jobs["name"], jobs["tech_id"], strict=True)]
        chart = charts.bars(
            labels, jobs["jobs"].to_list(), title="Jobs per tech", xlabel="jobs", colour="#1e88e5"
        )
        return h.section("Jobs per tech", chart)
    chart = charts.histogram(
        jobs["jobs"].to_list(), title="How many techs got how many jobs", xlabel="jobs", ylabel="techs"
    )
    columns = {"name": "Tech", "tech_id": "Tech id", "locations": "Locations", "jobs": "Jobs"}
    return h.section(
        "Jobs per tech",
        chart,
        h.details("Most jobs (top 15)", h.table(jobs.head(15), columns)),
        h.details("Fewest jobs (bottom 15)", h.table(jobs.tail(15).reverse(), columns)),
    )
