"""Greedy and optimal over several appointments: in-run capacity, losses, and what is recorded."""

from __future__ import annotations

import json

import polars as pl

from routing.scheduling.builder import SnapshotBuilder
from routing.scheduling.decide import Decisions, decide
from routing.scheduling.inputs import Params
from routing.scheduling.profiles import Profile, Weights

MORNING = (8 * 60, 12 * 60)
AFTERNOON = (12 * 60, 16 * 60)


def row(decisions: Decisions, appointment_id: int, tech_id: int) -> dict[str, object]:
    return decisions.candidates.filter(
        (pl.col("appointment_id") == appointment_id) & (pl.col("tech_id") == tech_id)
    ).row(0, named=True)


def outcome(decisions: Decisions, appointment_id: int) -> dict[str, object]:
    return decisions.appointments.filter(pl.col("appointment_id") == appointment_id).row(0, named=True)


def test_greedy_names_the_earlier_appointment_that_took_a_techs_slot() -> None:
    b = SnapshotBuilder()
    b.work_type("install", 240)
    ann = b.tech("Ann")
    b.appointment(appointment_id=1, slot=MORNING)
    b.appointment(appointment_id=2, slot=MORNING)
    decisions = decide(b.build(), Params())
    assert outcome(decisions, 1)["tech_id"] == ann
    second = row(decisions, 2, ann)
    assert outcome(decisions, 2)["outcome"] == "unassigned"
    assert second["eligible"] is False
    assert second["failed_rules"] == "conflict"
    assert second["lost_to_appointment_id"] == 1
    assert second["lost_reason"] == "conflict"
    facts = json.loads(str(second["facts"]))["conflict"]
    assert facts == {
        "with": 1,
        "over": 2,
        "slot": "own",
        "need": 480,
        "have": 240,
        "buffer": 0,
        "in_run": True,
    }


def test_greedy_names_the_earlier_appointment_that_used_up_the_daily_cap() -> None:
    b = SnapshotBuilder()
    b.work_type("install", 60)
    ann = b.tech("Ann", daily_cap=1)
    b.appointment(appointment_id=1, slot=MORNING)
    b.appointment(appointment_id=2, slot=AFTERNOON)
    decisions = decide(b.build(), Params())
    second = row(decisions, 2, ann)
    assert second["failed_rules"] == "daily_cap"
    assert (second["lost_to_appointment_id"], second["lost_reason"]) == (1, "daily_cap")
    assert json.loads(str(second["facts"]))["daily_cap"]["in_run"] == 1


def test_greedy_balances_workload_across_the_run() -> None:
    b = SnapshotBuilder()
    b.work_type("install", 60)
    b.profile(Profile("Balance", weights=Weights(distance=0, preferred=0, workload=1, priority=0, skill=0)))
    b.tech("Ann")
    b.tech("Bea")
    for appointment_id, slot in enumerate((MORNING, AFTERNOON, (16 * 60, 19 * 60), (7 * 60, 8 * 60)), 1):
        b.appointment(appointment_id=appointment_id, slot=slot)
    decisions = decide(b.build(), Params())
    assert sorted(decisions.roster["assigned_in_run"].to_list()) == [2, 2]


def myopic_company() -> SnapshotBuilder:
    """Ann is best for both morning jobs but can do only one; Bea can do only the first."""
    b = SnapshotBuilder()
    b.work_type("install", 240)
    b.work_type("fire", 240, {"fire": 1})
    ann = b.tech("Ann", skills={"fire": 2}, home_miles=0)
    b.tech("Bea", home_miles=10)
    b.appointment(appointment_id=1, slot=MORNING, work_type="install", priority=1)
    b.appointment(appointment_id=2, slot=MORNING, work_type="fire", priority=2)
    assert ann == 1
    return b


def test_greedy_takes_the_best_tech_first_and_leaves_a_job_it_could_have_placed() -> None:
    decisions = decide(myopic_company().build(), Params(strategy="greedy"))
    assert outcome(decisions, 1)["tech_id"] == 1
    assert outcome(decisions, 2)["outcome"] == "unassigned"
    assert row(decisions, 2, 1)["lost_to_appointment_id"] == 1


def test_optimal_assigns_both_and_names_the_job_the_plan_gave_the_better_tech() -> None:
    decisions = decide(myopic_company().build(), Params(strategy="optimal"))
    assert outcome(decisions, 1)["tech_id"] == 2
    assert outcome(decisions, 2)["tech_id"] == 1
    ann_on_first = row(decisions, 1, 1)
    assert ann_on_first["eligible"] is True
    assert ann_on_first["rank"] == 1
    assert ann_on_first["chosen"] is False
    assert ann_on_first["lost_to_appointment_id"] == 2
    assert ann_on_first["lost_reason"] == "conflict"
    assert ann_on_first["lost_to_tech_id"] == 2
    assert decisions.stats["solver_status"] == {"optimal": 1}


def test_optimal_never_assigns_fewer_than_greedy_on_the_same_inputs() -> None:
    b = SnapshotBuilder()
    b.work_type("install", 120)
    for i in range(4):
        b.tech(f"T{i}", home_miles=i * 3, daily_cap=2)
    for i in range(12):
        b.appointment(appointment_id=i + 1, slot=(MORNING, AFTERNOON)[i % 2], miles_north=i)
    snapshot = b.build()
    greedy = decide(snapshot, Params(strategy="greedy"))
    optimal = decide(snapshot, Params(strategy="optimal"))
    assert optimal.assigned >= greedy.assigned
    assert optimal.assigned == 8  # 4 techs x cap 2


def test_every_eligible_tech_who_was_not_chosen_has_a_reason() -> None:
    decisions = decide(myopic_company().build(), Params(strategy="greedy"))
    losers = decisions.candidates.filter(pl.col("eligible") & ~pl.col("chosen"))
    assert losers.height > 0
    assert losers["lost_reason"].null_count() == 0
