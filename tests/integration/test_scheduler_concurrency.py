"""Two scheduler runs in two OS processes at once never double-book a tech nor assign twice.

The two runs cover two locations served by the same techs (``--location BOS`` and ``--location
CAM``), so each plans different appointments for the same techs in the same slots; a barrier holds
each one just before its commit so that both commit at the same moment. Every job fills its whole
slot, so "double-booked" means two appointments of one tech in overlapping time. A third pair of
runs over the same scope checks that an appointment is never assigned twice.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from itertools import combinations
from typing import Any

import pytest
from sqlalchemy import Engine, select

from routing.db.company import Appointment
from routing.db.runlog import RunAppointment
from tests.integration.scheduler_builders import MONDAY, ZIPS, CompanyBuilder, load

SLOTS = ("08:00-12:00", "10:00-14:00", "12:00-16:00", "14:00-18:00")


def _slot_minutes(slot: str) -> int:
    start, end = slot.split("-")
    return (int(end[:2]) - int(start[:2])) * 60


def contested_company() -> CompanyBuilder:
    b = CompanyBuilder()
    b.locations.append({"code": "CAM", "name": "Cambridge"})
    for i in range(4):
        b.tech(f"Tech{i}", home_zip=ZIPS[i], locations=["BOS", "CAM"])
    for i in range(24):
        slot = SLOTS[(i // 2) % len(SLOTS)]
        location = ("BOS", "CAM")[i % 2]
        customer = b.customer(f"C{i:02d}", zip_code=ZIPS[(i * 5) % len(ZIPS)], location=location)
        b.appointment(
            f"A{i:02d}", slot=slot, duration_minutes=_slot_minutes(slot), customer=customer, location=location
        )
    return b


def _scheduler_process(url: str, location: str | None, barrier: Any, results: Any) -> None:
    """Child: one manual run; waits at the barrier right before committing."""
    from routing.db.session import engine_for
    from routing.scheduling import runlog, service

    real_commit = runlog.commit_run

    def commit_after_barrier(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=120)
        return real_commit(*args, **kwargs)

    runlog.commit_run = commit_after_barrier  # type: ignore[assignment]
    result = service.run_schedule(
        engine_for(url),
        locations=[location] if location else None,
        date_from=MONDAY,
        date_to=MONDAY,
        now=dt.datetime(2030, 1, 6, tzinfo=dt.UTC),
    )
    results.put(result.to_json())


def _run_two_at_once(url: str, locations: tuple[str | None, str | None]) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=_scheduler_process, args=(url, location, barrier, results))
        for location in locations
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [p.exitcode for p in processes] == [0, 0]
    return [results.get(timeout=5) for _ in processes]


def _check_bookings(engine: Engine, runs: list[dict[str, Any]]) -> None:
    with engine.connect() as conn:
        booked = conn.execute(
            select(
                Appointment.id,
                Appointment.tech_id,
                Appointment.date,
                Appointment.slot_start,
                Appointment.slot_end,
                Appointment.assigned_run_id,
            ).where(Appointment.tech_id.is_not(None))
        ).all()
        recorded = conn.execute(
            select(RunAppointment.run_id, RunAppointment.appointment_id).where(
                RunAppointment.outcome == "assigned"
            )
        ).all()
    for a, b in combinations(booked, 2):
        same_time = (
            a.tech_id == b.tech_id
            and a.date == b.date
            and a.slot_start < b.slot_end
            and b.slot_start < a.slot_end
        )
        assert not same_time, f"tech {a.tech_id} double-booked: appointments {a.id} and {b.id}"
    by_appointment = [appointment for _run, appointment in recorded]
    assert len(by_appointment) == len(set(by_appointment)), "an appointment was assigned by both runs"
    assert {(r.assigned_run_id, r.id) for r in booked} == set(map(tuple, recorded))
    assert sum(r["assigned"] for r in runs) == len(booked)
    assert sum(r["skipped"] for r in runs) > 0  # the race really happened: the later commit skipped


@pytest.mark.slow
def test_two_runs_in_two_processes_never_double_book_a_tech(engine: Engine) -> None:
    load(engine, contested_company())
    engine.dispose()
    runs = _run_two_at_once(engine.url.render_as_string(hide_password=False), ("BOS", "CAM"))
    _check_bookings(engine, runs)


@pytest.mark.slow
def test_two_runs_over_the_same_scope_never_assign_an_appointment_twice(engine: Engine) -> None:
    load(engine, contested_company())
    engine.dispose()
    runs = _run_two_at_once(engine.url.render_as_string(hide_password=False), (None, None))
    _check_bookings(engine, runs)
    assert sorted(r["skipped"] for r in runs) == [0, max(r["assigned"] for r in runs)]
