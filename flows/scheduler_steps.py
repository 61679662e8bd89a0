"""The scheduler run as Prefect tasks: open (scope, run row, snapshot) -> decide per partition -> commit.

The steps are the service's own (``routing.scheduling.service``: gate_and_scope, record_run,
take_snapshot, persist_run, fail_run); only the decide step differs: here it fans out over the run's
independent partitions (``routing.scheduling.partition``: day x group of locations sharing
technicians) through the flow's task runner (threads, or a Dask cluster). A partition's decisions
depend only on its own data, so the merged result is the single-process result.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, replace
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.parameters import SchedulerScope


@dataclass(frozen=True)
class OpenRun:
    """A recorded run (status ``running``) and what it decides on."""

    run_id: int
    snapshot: Any  # routing.scheduling.inputs.Snapshot
    params: Any  # routing.scheduling.inputs.Params
    dry_run: bool
    now: dt.datetime
    snapshot_seconds: float
    trigger: str = "manual"


@task(name="open-run", cache_policy=NO_CACHE)
def open_run(scope: SchedulerScope, trigger: str, flow_run_id: str | None) -> OpenRun:
    """Validate the scope, record the run, and read its snapshot; FeatureDisabled when gated."""
    from routing.db.base import utcnow
    from routing.db.session import get_engine
    from routing.scheduling.inputs import Params
    from routing.scheduling.service import gate_and_scope, record_run, take_snapshot

    engine, now, params = get_engine(), utcnow(), Params(strategy=scope.strategy)
    settings, resolved = gate_and_scope(
        engine,
        now,
        locations=scope.locations or None,
        techs=scope.techs or None,
        date_from=scope.date_from,
        date_to=scope.date_to,
    )
    run_id = record_run(
        engine,
        resolved,
        settings,
        params,
        dry_run=scope.dry_run,
        trigger=trigger,
        now=now,
        prefect_flow_run_id=flow_run_id,
    )
    began = time.perf_counter()  # timings are reported, never decided on
    try:
        snapshot = take_snapshot(engine, resolved, settings)
    except Exception as exc:
        fail_run(run_id, exc)
        raise
    return OpenRun(
        run_id, snapshot, params, scope.dry_run, now, round(time.perf_counter() - began, 3), trigger
    )


@task(name="decide-partition", cache_policy=NO_CACHE)
def decide_partition(snapshot: Any, params: Any) -> Any:
    """The engine on one partition's snapshot (pure; runs wherever the task runner puts it)."""
    from routing.scheduling.decide import decide

    return decide(snapshot, params)


def decide_in_partitions(run: OpenRun, tasks: int | None = None) -> Any:
    """Split the snapshot, decide the partitions through the task runner, merge in run order.

    Partitions are grouped into at most ``tasks`` balanced batches (default: ROUTING_FANOUT_TASKS,
    else the Dask workers or the CPU count), one task each: a batch of independent partitions
    decides exactly as its partitions one by one, without a task and an engine start per partition.
    """
    from routing.scheduling.partition import merge, split

    began = time.perf_counter()
    decisions: Any
    parts = split(run.snapshot)
    if not parts:  # nothing to schedule: one empty decision keeps the run's roster and profiles
        decisions = decide_partition.with_options(task_run_name="decide-empty")(run.snapshot, run.params)
    else:
        groups = balance([_to_schedule(part) for _, part in parts], tasks or fanout_tasks())
        futures = [
            decide_partition.with_options(
                task_run_name=f"decide-batch-{number}-of-{len(groups)}-{len(members)}-partitions"
            ).submit(batch_snapshot(run.snapshot, [parts[i][1] for i in members]), run.params)
            for number, members in enumerate(groups, start=1)
        ]
        decisions = merge(run.snapshot, [future.result() for future in futures])
    return replace(decisions, stats={**decisions.stats, "decide_s": round(time.perf_counter() - began, 3)})


def fanout_tasks() -> int:
    """How many decide tasks a run starts at most: ROUTING_FANOUT_TASKS, Dask workers, or CPUs."""
    from flows.deployments import OrchestrationSettings

    settings = OrchestrationSettings()
    if settings.fanout_tasks:
        return settings.fanout_tasks
    if settings.dask and not settings.dask_address:
        return settings.dask_workers
    return max(2, os.cpu_count() or 2)


def balance(sizes: list[int], count: int) -> list[list[int]]:
    """Indices of ``sizes`` in at most ``count`` batches of similar total size (largest first, ties
    by index), each batch in index order; deterministic."""
    batches: list[list[int]] = [[] for _ in range(max(1, min(count, len(sizes))))]
    totals = [0] * len(batches)
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        lightest = min(range(len(batches)), key=lambda b: (totals[b], b))
        batches[lightest].append(index)
        totals[lightest] += sizes[index]
    return [sorted(batch) for batch in batches if batch]


def batch_snapshot(snapshot: Any, members: list[Any]) -> Any:
    """The snapshot restricted to the appointments the ``members`` partitions schedule (every
    booking kept, as ``split`` does for one partition)."""
    import polars as pl

    ids = pl.concat([m.appointments.filter(pl.col("to_schedule")).select("appointment_id") for m in members])
    keep = ~pl.col("to_schedule") | pl.col("appointment_id").is_in(ids["appointment_id"].implode())
    return snapshot.with_frames(appointments=snapshot.appointments.filter(keep))


def _to_schedule(part: Any) -> int:
    return int(part.appointments["to_schedule"].sum())


@task(name="commit-run", cache_policy=NO_CACHE)
def commit(run: OpenRun, decisions: Any) -> dict[str, Any]:
    """Apply the assignments and store every decision with its reasoning in one transaction."""
    from routing.db.session import get_engine
    from routing.scheduling.service import persist_run

    return persist_run(
        get_engine(),
        run.run_id,
        run.snapshot,
        decisions,
        run.params,
        dry_run=run.dry_run,
        trigger=run.trigger,
        now=run.now,
        timings={"snapshot_s": run.snapshot_seconds},
    ).to_json()


def fail_run(run_id: int, exc: BaseException) -> None:
    """Mark the run failed with its error (its own transaction)."""
    from routing.db.session import get_engine
    from routing.scheduling import service

    service.fail_run(get_engine(), run_id, exc)
