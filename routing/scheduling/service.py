"""The shell around the engine: gate -> snapshot -> decide -> commit, for the CLI and the Prefect flow.

``run_schedule`` is the one entry point for scheduled and manual runs; ``assign_on_create``
(module ``on_create``) is the one for appointments booked with auto-assign-on-create on.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from routing.company.schema import SettingsIn
from routing.company.settings import get_company_settings, require_scheduler_available
from routing.db.base import utcnow
from routing.db.company import AssignedBy, Technician
from routing.errors import BadInput
from routing.scheduling.inputs import ENGINE_VERSION, Params, Snapshot, snapshot_to_bytes
from routing.scheduling.snapshot import Scope, read_snapshot

if TYPE_CHECKING:
    from routing.scheduling.decide import Decisions

log = logging.getLogger(__name__)

TRIGGERS = ("schedule", "manual", "on_create")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunResult:
    """What ``routing schedule run --json`` prints (``report`` is filled by the report renderer)."""

    run_id: int
    status: str
    considered: int
    assigned: int
    unassigned: int
    skipped: int
    report: str | None = None
    dry_run: bool = False
    strategy: str = "greedy"

    def to_json(self) -> dict[str, Any]:
        """The JSON document of the CLI contract."""
        return asdict(self)


def default_dates(settings: SettingsIn, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The scheduler horizon from today in the company's time zone."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    today = aware.astimezone(ZoneInfo(settings.timezone)).date()
    return today, today + dt.timedelta(days=settings.scheduler_horizon_days - 1)


def resolve_scope(
    session: Session,
    settings: SettingsIn,
    now: dt.datetime,
    *,
    locations: Sequence[str] | None,
    techs: Sequence[int] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    appointment_ids: Sequence[int] | None = None,
) -> Scope:
    """Validate the requested scope against the database; BadInput names what is unknown."""
    first, last = default_dates(settings, now)
    start = date_from or first
    end = date_to or (start + dt.timedelta(days=settings.scheduler_horizon_days - 1) if date_from else last)
    if end < start:
        raise BadInput(f"--to {end.isoformat()} is before --from {start.isoformat()}.")
    location_ids: tuple[int, ...] | None = None
    codes: tuple[str, ...] = ()
    if locations:
        from routing.zips.apply import read_locations
        from routing.zips.manager import resolve_location  # the zips commands' matching rule

        table = read_locations(session.connection()).sort("code")  # "known locations" in code order
        location_ids = tuple(dict.fromkeys(resolve_location(table, text) for text in locations))
        code_of = dict(table.select("id", "code").iter_rows())
        codes = tuple(code_of[id_] for id_ in location_ids)
    tech_ids: tuple[int, ...] | None = None
    if techs:
        existing = set(session.scalars(select(Technician.id).where(Technician.id.in_(list(techs)))).all())
        missing = [str(t) for t in techs if t not in existing]
        if missing:
            raise BadInput(f"Unknown technician id {', '.join(missing)}.")
        tech_ids = tuple(sorted(set(techs)))
    return Scope(
        date_from=start,
        date_to=end,
        location_ids=location_ids,
        tech_ids=tech_ids,
        appointment_ids=tuple(appointment_ids) if appointment_ids is not None else None,
        location_codes=codes,
    )


def run_schedule(
    engine: Engine,
    *,
    locations: Sequence[str] | None = None,
    techs: Sequence[int] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    strategy: str = "greedy",
    dry_run: bool = False,
    trigger: str = "manual",
    now: dt.datetime | None = None,
    prefect_flow_run_id: str | None = None,
    progress: Progress | None = None,
    solver_seconds: float | None = None,
) -> RunResult:
    """One scheduler run over the scope; raises FeatureDisabled (exit 3, nothing recorded) when gated.

    ``solver_seconds``: the optimal strategy's deterministic time limit per partition.
    """
    if trigger not in ("schedule", "manual"):
        raise BadInput(
            f"trigger {trigger!r} is not schedule or manual (on-create runs use assign_on_create)."
        )
    try:
        params = Params(strategy=strategy)
        if solver_seconds is not None:
            if solver_seconds <= 0:
                raise ValueError(f"--solver-seconds must be positive, not {solver_seconds}")
            params = Params(strategy=strategy, solver_deterministic_seconds=solver_seconds)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    now = now or utcnow()
    settings, scope = gate_and_scope(
        engine, now, locations=locations, techs=techs, date_from=date_from, date_to=date_to
    )
    return execute_run(
        engine,
        scope,
        settings,
        params,
        dry_run=dry_run,
        trigger=trigger,
        now=now,
        prefect_flow_run_id=prefect_flow_run_id,
        progress=progress,
    )


def take_snapshot(engine: Engine, scope: Scope, settings: SettingsIn) -> Snapshot:
    """Read the scope's snapshot in one repeatable-read transaction."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        return read_snapshot(conn, scope, settings.max_search_radius_miles)


def gate_and_scope(
    engine: Engine,
    now: dt.datetime,
    *,
    locations: Sequence[str] | None = None,
    techs: Sequence[int] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> tuple[SettingsIn, Scope]:
    """The company settings and the resolved scope; FeatureDisabled (exit 3) when the gate is closed."""
    with Session(engine) as session:
        settings = get_company_settings(session)
        require_scheduler_available(settings)
        scope = resolve_scope(
            session, settings, now, locations=locations, techs=techs, date_from=date_from, date_to=date_to
        )
    return settings, scope


def record_run(
    engine: Engine,
    scope: Scope,
    settings: SettingsIn,
    params: Params,
    *,
    dry_run: bool,
    trigger: str,
    now: dt.datetime,
    prefect_flow_run_id: str | None = None,
) -> int:
    """Record a run (status running) with its scope, settings and parameters; returns its id."""
    from routing.scheduling.runlog import create_run

    return create_run(
        engine,
        {
            "started_at": now,
            "trigger": trigger,
            "dry_run": dry_run,
            "strategy": params.strategy,
            "scope": scope.to_json(),
            "settings_snapshot": settings.model_dump(mode="json"),
            "params": asdict(params),
            "engine_version": ENGINE_VERSION,
            "prefect_flow_run_id": prefect_flow_run_id,
        },
    )


def persist_run(
    engine: Engine,
    run_id: int,
    snapshot: Snapshot,
    decisions: Decisions,
    params: Params,
    *,
    dry_run: bool,
    trigger: str,
    now: dt.datetime,
    timings: dict[str, float],
    progress: Progress | None = None,
) -> RunResult:
    """Apply the assignments and store every decision with its reasoning in one transaction."""
    from routing.scheduling.runlog import commit_run

    inputs = snapshot_to_bytes(snapshot, params)
    stats = {**decisions.stats, **timings, "inputs_bytes": len(inputs)}

    def persisted(done: int, total: int) -> None:
        if progress is not None:
            progress("persist", done, total)

    counts = commit_run(
        engine,
        run_id,
        snapshot,
        decisions,
        dry_run=dry_run,
        now=now,
        finished_at=utcnow,
        run_values={"inputs": inputs, "profile_snapshots": decisions.profiles, "stats": stats},
        progress=persisted,
        assigned_by=AssignedBy.on_create if trigger == "on_create" else AssignedBy.run,
    )
    log.info("scheduler run %s: %s", run_id, counts)
    return RunResult(
        run_id=run_id,
        status="succeeded",
        considered=counts.considered,
        assigned=counts.assigned,
        unassigned=counts.unassigned,
        skipped=counts.skipped,
        dry_run=dry_run,
        strategy=params.strategy,
    )


def fail_run(engine: Engine, run_id: int, exc: BaseException) -> None:
    """Mark the run failed with its error, in its own transaction (no assignment was committed)."""
    from routing.config import mask_secrets
    from routing.scheduling.runlog import mark_failed

    error = f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc, limit=5))}"
    error = mask_secrets(error, engine.url.password)
    log.error("scheduler run %s failed: %s", run_id, error.splitlines()[0])
    mark_failed(engine, run_id, error, utcnow())


def execute_run(
    engine: Engine,
    scope: Scope,
    settings: SettingsIn,
    params: Params,
    *,
    dry_run: bool,
    trigger: str,
    now: dt.datetime,
    prefect_flow_run_id: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Record a run, decide, and commit; a failure marks the run failed (separate transaction)."""
    from routing.scheduling.decide import decide

    run_id = record_run(
        engine,
        scope,
        settings,
        params,
        dry_run=dry_run,
        trigger=trigger,
        now=now,
        prefect_flow_run_id=prefect_flow_run_id,
    )
    try:
        if progress is not None:
            progress("snapshot", 0, 1)
        began = time.perf_counter()  # timings are reported, never decided on
        snapshot = take_snapshot(engine, scope, settings)
        read = time.perf_counter()
        decisions = decide(snapshot, params, progress)
        timings = {"snapshot_s": round(read - began, 3), "decide_s": round(time.perf_counter() - read, 3)}
        return persist_run(
            engine,
            run_id,
            snapshot,
            decisions,
            params,
            dry_run=dry_run,
            trigger=trigger,
            now=now,
            timings=timings,
            progress=progress,
        )
    except Exception as exc:
        fail_run(engine, run_id, exc)
        raise


def assign_on_create(
    engine: Engine, appointment_ids: Sequence[int], *, now: dt.datetime | None = None
) -> RunResult | None:
    """Assign just-booked appointments at once (trigger ``on_create``); None when the setting is off."""
    from routing.scheduling.on_create import assign_on_create as assign

    return assign(engine, appointment_ids, now=now)
