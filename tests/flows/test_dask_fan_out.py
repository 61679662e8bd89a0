"""A run fanned out over its partitions on a local Dask cluster decides exactly as a single-process run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

pytestmark = pytest.mark.xdist_group("prefect")

MONDAY = dt.date(2030, 1, 7)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """A local Dask cluster: two worker processes, one thread each, no dashboard."""
    from distributed import LocalCluster

    from flows.tech_scheduler import local_cluster_options

    with LocalCluster(**local_cluster_options(2)) as cluster:
        yield cluster.scheduler_address


def _stored(engine: Engine, run_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a run stored about its decisions, without the run id."""
    from routing.db.tables import RunAppointment, RunCandidate, RunRosterEntry

    stored = {}
    with engine.connect() as conn:
        for model, order in (
            (RunAppointment, (RunAppointment.seq,)),
            (RunCandidate, (RunCandidate.appointment_id, RunCandidate.tech_id)),
            (RunRosterEntry, (RunRosterEntry.tech_id,)),
        ):
            columns = [c for c in model.__table__.columns if c.name != "run_id"]
            query = select(*columns).where(model.run_id == run_id).order_by(*order)
            stored[model.__tablename__] = [tuple(row) for row in conn.execute(query)]
    return stored


def test_a_partitioned_run_on_a_local_dask_cluster_decides_exactly_as_a_single_process_run(
    prefect_harness: str, use_database: Engine, dask_address: str
) -> None:
    from prefect_dask import DaskTaskRunner

    from flows.parameters import SchedulerScope
    from flows.tech_scheduler import tech_scheduler
    from routing.company.demo import build_demo_company
    from routing.company.loader import load_company
    from routing.db.tables import ScheduleRun
    from routing.scheduling.service import run_schedule

    load_company(use_database, build_demo_company("small", 7, MONDAY))
    sunday = MONDAY + dt.timedelta(days=6)
    single = run_schedule(use_database, date_from=MONDAY, date_to=sunday, dry_run=True)

    runner: Any = DaskTaskRunner(address=dask_address)
    scope = SchedulerScope(date_from=MONDAY, date_to=sunday, dry_run=True, render_report=False)
    state: Any = tech_scheduler.with_options(task_runner=runner)(scope, return_state=True)

    assert state.is_completed(), state.message
    partitioned_run_id = state.result()["run_id"]
    with use_database.connect() as conn:
        partitions = conn.execute(
            select(ScheduleRun.stats).where(ScheduleRun.id == partitioned_run_id)
        ).scalar_one()
    assert partitions["partitions"] > 1
    single_rows, partitioned_rows = (
        _stored(use_database, single.run_id),
        _stored(use_database, partitioned_run_id),
    )
    assert single_rows["run_appointments"], "the single run decided nothing"
    for table, rows in single_rows.items():
        assert partitioned_rows[table] == rows, f"{table} differs between the partitioned and the single run"
    assert _run_row(use_database, partitioned_run_id) == _run_row(use_database, single.run_id)


def _run_row(engine: Engine, run_id: int) -> dict[str, Any]:
    """The run row as the service writes it, without what differs by design (ids, clocks, stats)."""
    from routing.db.tables import ScheduleRun
    from routing.scheduling.inputs import snapshot_from_bytes

    differ = {"id", "started_at", "finished_at", "prefect_flow_run_id", "stats", "report_path"}
    columns = [c for c in ScheduleRun.__table__.columns if c.name not in differ]
    with engine.connect() as conn:
        row = dict(conn.execute(select(*columns).where(ScheduleRun.id == run_id)).one()._mapping)
    # the stored inputs are a zip (its entries carry the time they were written): compare the content
    snapshot, params, version = snapshot_from_bytes(row.pop("inputs"))
    row["inputs"] = ({name: frame.to_dicts() for name, frame in snapshot.frames().items()}, params, version)
    row["profile_snapshots"] = sorted(row["profile_snapshots"], key=lambda profile: profile["name"])
    return row


@pytest.mark.parametrize(
    ("sizes", "count", "expected"),
    [
        ([5, 1, 4, 2], 2, [[0, 1], [2, 3]]),  # 5+1 and 4+2
        ([3, 3, 3], 5, [[0], [1], [2]]),  # never more batches than partitions
        ([2, 7], 1, [[0, 1]]),
        ([], 3, []),
    ],
)
def test_partitions_are_batched_into_at_most_count_balanced_groups(
    sizes: list[int], count: int, expected: list[list[int]]
) -> None:
    from flows.scheduler_steps import balance

    assert balance(sizes, count) == expected
