"""Pure shaping of a run's audit frames, on tiny hand-written frames."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest

from routing.reports import run_shapes as shapes
from routing.reports.run_audit import CANDIDATE_SCHEMA, ROSTER_SCHEMA


def candidates(*rows: dict[str, Any]) -> pl.DataFrame:
    """Candidate rows with defaults for every column not given."""
    base = {name: None for name in CANDIDATE_SCHEMA} | {"eligible": False, "chosen": False}
    return pl.DataFrame([base | row for row in rows], schema=CANDIDATE_SCHEMA)


def roster(*rows: tuple[int, str, bool, int]) -> pl.DataFrame:
    """(tech_id, name, active, assigned_in_run) rows, all working BOS."""
    return pl.DataFrame(
        [(tech, name, active, "BOS", jobs) for tech, name, active, jobs in rows],
        schema=ROSTER_SCHEMA,
        orient="row",
    )


def appointments(*rows: tuple[int, str, str]) -> pl.DataFrame:
    """(appointment_id, location_code, outcome) rows on one day."""
    return pl.DataFrame(
        {
            "seq": [i + 1 for i in range(len(rows))],
            "appointment_id": [r[0] for r in rows],
            "location_code": [r[1] for r in rows],
            "outcome": [r[2] for r in rows],
            "date": [dt.date(2030, 6, 3)] * len(rows),
        }
    )


def test_outcome_counts_per_location_add_up_to_the_total() -> None:
    appts = appointments((1, "BOS", "assigned"), (2, "BOS", "unassigned"), (3, "PVD", "skipped"))
    counts = shapes.outcome_counts(appts, ["location_code"])
    assert counts.to_dicts() == [
        {"location_code": "BOS", "assigned": 1, "unassigned": 1, "skipped": 0, "total": 2},
        {"location_code": "PVD", "assigned": 0, "unassigned": 0, "skipped": 1, "total": 1},
    ]


def unassigned(*rows: tuple[int, str, int, int, dict[str, int] | None]) -> pl.DataFrame:
    """(appointment_id, outcome, candidates_total, candidates_eligible, stored blocking counts) rows."""
    return pl.DataFrame(
        {
            "appointment_id": [r[0] for r in rows],
            "outcome": [r[1] for r in rows],
            "candidates_total": [r[2] for r in rows],
            "candidates_eligible": [r[3] for r in rows],
            "detail": [
                json.dumps({"blocking": r[4], "not_at_location": 0}) if r[4] is not None else None
                for r in rows
            ],
        }
    )


def test_the_main_blocker_is_the_rule_that_rejected_the_most_candidates() -> None:
    appts = unassigned((7, "unassigned", 3, 0, {"time_off": 1, "conflict": 2, "radius": 1}))
    blockers = shapes.main_blockers(appts, shapes.blocking_counts(appts))
    assert blockers.to_dicts() == [
        {"appointment_id": 7, "blocker": "conflict", "rejected": 2, "candidates": 3}
    ]


def test_a_tie_between_rules_goes_to_the_earlier_rule_in_the_scheduler_order() -> None:
    appts = unassigned((7, "unassigned", 2, 0, {"radius": 1, "skill": 1}))
    assert shapes.main_blockers(appts, shapes.blocking_counts(appts))["blocker"].to_list() == ["skill"]


@pytest.mark.parametrize(
    ("row", "blocker"),
    [
        ((7, "unassigned", 0, 0, {}), "location"),
        ((7, "skipped", 4, 1, None), "skipped"),
        ((7, "unassigned", 4, 1, {"conflict": 3}), "eligible, not chosen"),
    ],
)
def test_appointments_without_a_rule_to_blame_say_why(row: tuple, blocker: str) -> None:  # type: ignore[type-arg]
    appts = unassigned(row)
    assert shapes.main_blockers(appts, shapes.blocking_counts(appts))["blocker"].to_list() == [blocker]


def test_blocker_summary_counts_main_blockers_and_any_rejection() -> None:
    appts = unassigned(
        (7, "unassigned", 1, 0, {"conflict": 1}), (8, "unassigned", 2, 0, {"conflict": 1, "radius": 2})
    )
    counts = shapes.blocking_counts(appts)
    summary = shapes.blocker_summary(shapes.main_blockers(appts, counts), counts)
    assert summary.to_dicts() == [
        {"rule": "conflict", "appointments": 1, "rejected_someone": 2},
        {"rule": "radius", "appointments": 1, "rejected_someone": 1},
    ]


def test_jobs_per_tech_lists_techs_without_jobs_too() -> None:
    jobs = shapes.jobs_per_tech(roster((1, "Ana", True, 2), (2, "Bo", True, 0)))
    assert jobs.select("name", "jobs").rows() == [("Ana", 2), ("Bo", 0)]


def test_a_free_tech_is_idle_active_and_was_working_at_a_considered_slot() -> None:
    techs = roster((1, "Busy", True, 1), (2, "Free", True, 0), (3, "Off", True, 0), (4, "Gone", False, 0))
    rows = candidates(
        {"appointment_id": 7, "tech_id": 2, "failed_rules": "conflict"},
        {"appointment_id": 8, "tech_id": 2, "eligible": True, "lost_to_tech_id": 1},
        {"appointment_id": 7, "tech_id": 3, "failed_rules": "time_off"},
        {"appointment_id": 7, "tech_id": 4, "failed_rules": "inactive"},
    )
    free = shapes.free_but_unassigned(techs, rows)
    assert free.select("name", "working", "reasons").rows() == [
        ("Free", 2, "conflict ×1, lost to a better candidate ×1")
    ]


def test_idle_techs_with_no_candidate_row_are_listed_separately() -> None:
    techs = roster((1, "Ana", True, 0), (2, "Bo", True, 0))
    rows = candidates({"appointment_id": 7, "tech_id": 1, "failed_rules": "radius"})
    assert shapes.techs_without_candidates(techs, rows)["name"].to_list() == ["Bo"]


def test_every_appointment_is_detailed_when_they_fit() -> None:
    appts = appointments((1, "BOS", "assigned"), (2, "BOS", "unassigned"))
    assert shapes.detail_selection(appts, limit=5, per_location=1).height == 2


def test_large_runs_detail_unassigned_first_then_a_sample_per_location() -> None:
    appts = appointments(
        (1, "BOS", "assigned"), (2, "BOS", "assigned"), (3, "BOS", "unassigned"),
        (4, "PVD", "assigned"), (5, "PVD", "assigned"), (6, "PVD", "assigned"),
    )  # fmt: skip
    selected = shapes.detail_selection(appts, limit=4, per_location=1)
    assert selected["appointment_id"].to_list() == [1, 3, 4]


def test_the_assigned_sample_reaches_every_location_when_room_is_short() -> None:
    appts = appointments(
        (1, "BOS", "assigned"), (2, "BOS", "assigned"), (3, "PVD", "assigned"), (4, "PVD", "assigned"),
        (5, "WOR", "assigned"),
    )  # fmt: skip
    selected = shapes.detail_selection(appts, limit=3, per_location=2)
    assert selected["location_code"].to_list() == ["BOS", "PVD", "WOR"]
