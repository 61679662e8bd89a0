"""The scheduler service on SQLite and PostgreSQL: runs, the stored reasoning, safety, gate, replay."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, func, select, text, update

from routing.db.company import Appointment, CompanySettings
from routing.db.runlog import RunAppointment, RunCandidate, RunRosterEntry, ScheduleRun
from routing.errors import FeatureDisabled
from routing.scheduling import runlog
from routing.scheduling.decide import decide
from routing.scheduling.inputs import Params
from routing.scheduling.replay import replay
from routing.scheduling.service import default_dates, execute_run, resolve_scope, run_schedule, take_snapshot
from tests.integration.scheduler_builders import (
    MONDAY,
    CompanyBuilder,
    appointment_id,
    assignments,
    busy_company,
    load,
    tech_id,
)

NOW = dt.datetime(2030, 1, 6, 12, tzinfo=dt.UTC)


def run(engine: Engine, **kwargs: object):  # type: ignore[no-untyped-def]
    options = {"date_from": MONDAY, "date_to": MONDAY, "now": NOW, **kwargs}
    return run_schedule(engine, **options)  # type: ignore[arg-type]


def count(engine: Engine, table: type, **where: object) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return int(conn.execute(query).scalar_one())


def set_settings(engine: Engine, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(CompanySettings).where(CompanySettings.id == 1).values(**values))


def test_a_run_assigns_and_stores_every_decision_with_its_reasoning(engine: Engine) -> None:
    load(engine, busy_company(n_techs=3, n_appointments=12))
    result = run(engine)
    assert (result.status, result.considered) == ("succeeded", 12)
    assert result.assigned + result.unassigned == 12 and result.assigned > 0
    given = {k: v for k, v in assignments(engine).items() if v[0] is not None}
    assert len(given) == result.assigned
    assert {v[1:] for v in given.values()} == {("run", result.run_id)}
    assert count(engine, RunAppointment, run_id=result.run_id) == 12
    assert count(engine, RunCandidate, run_id=result.run_id) == 36  # 12 appointments x 3 techs
    assert count(engine, RunRosterEntry, run_id=result.run_id) == 3
    with engine.connect() as conn:
        stored = conn.execute(select(ScheduleRun).where(ScheduleRun.id == result.run_id)).one()
        chosen = conn.execute(
            select(func.count()).where(RunCandidate.run_id == result.run_id, RunCandidate.chosen.is_(True))
        ).scalar_one()
    assert stored.status == "succeeded" and stored.trigger == "manual" and stored.inputs
    assert stored.scope == {
        "date_from": "2030-01-07",
        "date_to": "2030-01-07",
        "locations": None,
        "techs": None,
        "appointment_ids": None,
    }
    assert [p["name"] for p in stored.profile_snapshots] == ["(default)"]
    assert chosen == result.assigned


def test_a_dry_run_stores_the_reasoning_and_changes_no_appointment(engine: Engine) -> None:
    load(engine, busy_company())
    result = run(engine, dry_run=True)
    assert result.assigned > 0
    assert all(v == (None, None, None) for v in assignments(engine).values())
    assert count(engine, RunAppointment, run_id=result.run_id, outcome="assigned") == result.assigned


def test_the_scope_limits_techs_and_dates(engine: Engine) -> None:
    b = busy_company(n_techs=3, n_appointments=4)
    b.appointment("LATER", day=MONDAY + dt.timedelta(days=1))
    load(engine, b)
    one = tech_id(engine, "Tech1")
    result = run(engine, techs=[one])
    assert result.considered == 4
    assert {v[0] for v in assignments(engine).values() if v[0] is not None} == {one}
    assert count(engine, RunRosterEntry, run_id=result.run_id) == 1


def test_a_second_run_only_considers_what_is_still_unassigned(engine: Engine) -> None:
    load(engine, busy_company(n_techs=2, n_appointments=10))
    first = run(engine)
    second = run(engine)
    assert second.considered == first.unassigned
    assert second.assigned == 0


def test_slot_scheduling_off_exits_with_the_setting_named_and_records_nothing(engine: Engine) -> None:
    b = busy_company()
    b.settings = {"slot_scheduling_enabled": False}
    load(engine, b)
    with pytest.raises(FeatureDisabled, match="slot_scheduling_enabled true"):
        run(engine)
    assert count(engine, ScheduleRun) == 0


def test_auto_assign_on_create_closes_the_scheduled_run_and_assigns_bookings_at_once(engine: Engine) -> None:
    b = CompanyBuilder()
    b.tech("Ann")
    b.settings = {"auto_assign_on_create": True}
    load(engine, b)
    with pytest.raises(FeatureDisabled, match="auto_assign_on_create false"):
        run(engine)
    b.appointment("NEW")
    load(engine, b)
    tech, by, run_id = assignments(engine)["NEW"]
    assert (tech, by) == (tech_id(engine, "Ann"), "on_create")
    with engine.connect() as conn:
        assert (
            conn.execute(select(ScheduleRun.trigger).where(ScheduleRun.id == run_id)).scalar_one()
            == "on_create"
        )


def test_an_appointment_assigned_meanwhile_is_recorded_skipped(engine: Engine) -> None:
    b = busy_company(n_techs=2, n_appointments=2)
    load(engine, b)
    snapshot, decisions, run_id = _decided(engine)
    first = decisions.appointments.filter(decisions.appointments["outcome"] == "assigned")["appointment_id"][
        0
    ]
    with engine.begin() as conn:  # a dispatcher assigns it by hand meanwhile
        conn.execute(
            update(Appointment).where(Appointment.id == first).values(tech_id=tech_id(engine, "Tech1"))
        )
    counts = _commit(engine, run_id, snapshot, decisions)
    assert counts.skipped == 1
    with engine.connect() as conn:
        outcome, detail = conn.execute(
            select(RunAppointment.outcome, RunAppointment.detail).where(
                RunAppointment.run_id == run_id, RunAppointment.appointment_id == first
            )
        ).one()
    assert outcome == "skipped"
    assert json.loads(detail)["skipped"] == "assigned_meanwhile"


def test_a_tech_booked_meanwhile_in_the_same_slot_makes_the_planned_assignment_skipped(
    engine: Engine,
) -> None:
    b = CompanyBuilder()
    b.tech("Ann")
    b.appointment("PLANNED", duration_minutes=240)
    b.appointment("OTHER", duration_minutes=240, slot="08:00-12:00")
    load(engine, b)
    ann, other = tech_id(engine, "Ann"), appointment_id(engine, "OTHER")
    scope_ids = [appointment_id(engine, "PLANNED")]
    snapshot, decisions, run_id = _decided(engine, appointment_ids=scope_ids)
    with engine.begin() as conn:  # another run books Ann for OTHER in the same slot
        conn.execute(update(Appointment).where(Appointment.id == other).values(tech_id=ann))
    counts = _commit(engine, run_id, snapshot, decisions)
    assert counts.skipped == 1
    assert assignments(engine)["PLANNED"][0] is None
    with engine.connect() as conn:
        detail = json.loads(
            conn.execute(select(RunAppointment.detail).where(RunAppointment.run_id == run_id)).scalar_one()
        )
    assert detail["skipped"] == "conflict" and detail["other_appointment_id"] == other


def _decided(engine: Engine, appointment_ids: list[int] | None = None):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from routing.company.settings import get_company_settings

    with Session(engine) as session:
        settings = get_company_settings(session)
        scope = resolve_scope(
            session,
            settings,
            NOW,
            locations=None,
            techs=None,
            date_from=MONDAY,
            date_to=MONDAY,
            appointment_ids=appointment_ids,
        )
    snapshot = take_snapshot(engine, scope, settings)
    decisions = decide(snapshot, Params())
    run_id = runlog.create_run(
        engine, {"trigger": "manual", "strategy": "greedy", "dry_run": False, "scope": scope.to_json()}
    )
    return snapshot, decisions, run_id


def _commit(engine: Engine, run_id: int, snapshot, decisions):  # type: ignore[no-untyped-def]
    return runlog.commit_run(
        engine, run_id, snapshot, decisions, dry_run=False, now=NOW, finished_at=lambda: NOW, run_values={}
    )


def test_a_run_that_raises_is_marked_failed_and_assigns_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(engine, busy_company())
    real = runlog.bulk_insert

    def crash_on_candidates(conn, table, frame, progress=None):  # type: ignore[no-untyped-def]
        if table.name == "run_candidates":
            raise RuntimeError("disk full")
        return real(conn, table, frame, progress)

    monkeypatch.setattr(runlog, "bulk_insert", crash_on_candidates)
    with pytest.raises(RuntimeError, match="disk full"):
        run(engine)
    with engine.connect() as conn:
        status, error = conn.execute(select(ScheduleRun.status, ScheduleRun.error)).one()
    assert status == "failed" and "disk full" in error
    assert all(v[0] is None for v in assignments(engine).values())  # no assignment without its reasoning
    assert count(engine, RunAppointment) == 0


def test_a_failed_runs_stored_error_never_holds_a_database_password(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(engine, busy_company())

    def crash(conn, table, frame, progress=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("cannot reach postgresql://routing:s3cret@db.internal/prod (password=s3cret)")

    monkeypatch.setattr(runlog, "bulk_insert", crash)
    with pytest.raises(RuntimeError):
        run(engine)
    with engine.connect() as conn:
        error = conn.execute(select(ScheduleRun.error)).scalar_one()
    assert "s3cret" not in error
    assert "postgresql://routing:***@db.internal/prod" in error


def test_replay_reproduces_a_stored_run_and_detects_a_tampered_row(engine: Engine) -> None:
    load(engine, busy_company(n_techs=3, n_appointments=12))
    result = run(engine, strategy="optimal")
    replayed = replay(engine, result.run_id)
    assert replayed.reproduced, replayed.differences
    assert replayed.appointments == 12
    with engine.begin() as conn:
        conn.execute(text("UPDATE run_candidates SET score = score + 1 WHERE chosen = :yes"), {"yes": True})
    tampered = replay(engine, result.run_id)
    assert not tampered.reproduced
    assert "score replayed" in tampered.differences[0]


def test_the_default_dates_are_the_horizon_from_today_in_the_company_time_zone() -> None:
    from routing.company.schema import SettingsIn

    late_evening_utc = dt.datetime(2030, 1, 7, 3, tzinfo=dt.UTC)  # still Sunday 6 Jan in New York
    assert default_dates(SettingsIn(scheduler_horizon_days=7), late_evening_utc) == (
        dt.date(2030, 1, 6),
        dt.date(2030, 1, 12),
    )


def test_execute_run_records_the_on_create_trigger(engine: Engine) -> None:
    load(engine, busy_company(n_appointments=1))
    from sqlalchemy.orm import Session

    from routing.company.settings import get_company_settings

    with Session(engine) as session:
        settings = get_company_settings(session)
        scope = resolve_scope(
            session, settings, NOW, locations=["BOS"], techs=None, date_from=MONDAY, date_to=MONDAY
        )
    result = execute_run(engine, scope, settings, Params(), dry_run=False, trigger="on_create", now=NOW)
    with engine.connect() as conn:
        stored = conn.execute(
            select(ScheduleRun.trigger, ScheduleRun.scope).where(ScheduleRun.id == result.run_id)
        ).one()
    assert stored.trigger == "on_create" and stored.scope["locations"] == ["BOS"]
