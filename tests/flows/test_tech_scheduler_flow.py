"""The tech-scheduler flow: a run with its three artifacts, and the gate that records nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.flows.helpers import artifacts_of, count_rows

pytestmark = pytest.mark.xdist_group("prefect")

MONDAY = dt.date(2030, 1, 7)


def _load_small_demo(engine: Engine) -> None:
    from routing.company.demo import build_demo_company
    from routing.company.loader import load_company

    load_company(engine, build_demo_company("small", 7, MONDAY))


def _demo_week() -> Any:
    from flows.parameters import SchedulerScope

    return SchedulerScope(date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=6))


def test_a_scheduler_flow_run_stores_the_run_with_its_flow_run_id_and_publishes_three_artifacts(
    prefect_harness: str, use_database: Engine
) -> None:
    from flows.tech_scheduler import tech_scheduler
    from routing.db.tables import ScheduleRun

    _load_small_demo(use_database)

    state = tech_scheduler(_demo_week(), return_state=True)

    assert state.is_completed(), state.message
    flow_run_id = state.state_details.flow_run_id
    with use_database.connect() as conn:
        run = conn.execute(select(ScheduleRun)).one()
    assert run.status == "succeeded" and run.considered > 0
    assert run.prefect_flow_run_id == str(flow_run_id)
    assert run.trigger == "manual"
    artifacts = {a.key: a for a in artifacts_of(flow_run_id)}
    summary = str(artifacts["scheduler-run-summary"].data)
    assert f"Scheduler run {run.id}" in summary and f"Assigned:** {run.assigned}" in summary
    unassigned = json.loads(artifacts["scheduler-run-unassigned"].data)
    assert run.unassigned > 0 and len(unassigned) == run.unassigned
    assert all(row["blocking_rule"] for row in unassigned)
    link = artifacts[f"run-{run.id}-report"]
    assert str(link.data).startswith("[") and f"run-{run.id}.html" in str(link.data)


@pytest.mark.parametrize("setting", ["slot_scheduling_enabled", "auto_assign_on_create"])
def test_a_closed_gate_ends_the_run_at_once_naming_the_setting_and_records_no_run(
    prefect_harness: str, use_database: Engine, setting: str
) -> None:
    from sqlalchemy.orm import Session

    from flows.tech_scheduler import tech_scheduler
    from routing.company.schema import SettingsIn
    from routing.company.settings import store_company_settings
    from routing.db.tables import ScheduleRun

    closed = {"slot_scheduling_enabled": False} if setting == "slot_scheduling_enabled" else {setting: True}
    with Session(use_database) as session, session.begin():
        store_company_settings(session, SettingsIn(**closed))

    state = tech_scheduler(_demo_week(), return_state=True)

    assert state.is_completed() and state.name == "Skipped"
    assert setting in (state.message or "")
    assert count_rows(use_database, ScheduleRun) == 0
