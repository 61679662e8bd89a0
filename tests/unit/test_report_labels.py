"""The run audit's labels say what a number is: ``appt 53 (DEMO-A000053)``, ``Sharon (tech 2)``;
dry runs, solver statuses and the recorded detail read as words; values stay escaped."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import polars as pl

from routing.reports import run_details, run_sections
from routing.reports.run_audit import CANDIDATE_SCHEMA, RunInfo

HOSTILE = "<img src=x onerror=alert(1)>"
NAMES = {2: "Sharon", 4: HOSTILE}


def appointment(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "appointment_id": 53,
        "seq": 1,
        "external_id": "DEMO-A000053",
        "slot_start": dt.time(8),
        "slot_end": dt.time(12),
        "date": dt.date(2030, 6, 3),
        "location_code": "BOS",
        "work_order_type": "install",
        "outcome": "assigned",
        "tech_id": 2,
        "tech_name": "Sharon",
        "score": 65.68,
        "runner_up_tech_id": 4,
        "runner_up_name": "Bruce",
        "margin": 1.5,
        "candidates_eligible": 2,
        "candidates_total": 3,
    }
    return base | values


def test_an_appointment_is_labelled_by_its_id_and_reference_not_by_decision_order() -> None:
    line = run_details.appointment_summary(appointment())
    assert line.startswith("appt 53 (DEMO-A000053) · Mon 2030-06-03 08:00–12:00")
    assert "#" not in line
    assert "→ Sharon (tech 2) (score 65.68, 1.50 ahead of Bruce (tech 4))" in line


def test_a_plan_that_chose_a_lower_scored_tech_says_below_not_ahead() -> None:
    line = run_details.appointment_summary(appointment(margin=-3.25))
    assert "3.25 below Bruce (tech 4), whom the plan needed elsewhere" in line and "ahead" not in line


def test_candidate_rows_label_techs_and_show_rejected_scores_as_would_score() -> None:
    rows = pl.DataFrame(
        [
            {name: None for name in CANDIDATE_SCHEMA}
            | {"appointment_id": 53, "tech_id": 2, "eligible": True, "chosen": True, "rank": 1,
               "score": 60.0},
            {name: None for name in CANDIDATE_SCHEMA}
            | {"appointment_id": 53, "tech_id": 4, "eligible": False, "chosen": False, "score": 66.37,
               "failed_rules": "inactive", "facts": "{}"},
        ],
        schema=CANDIDATE_SCHEMA,
    )  # fmt: skip
    shown = run_details.candidate_rows(rows, NAMES)
    assert [r["tech"] for r in shown] == ["Sharon (tech 2)", f"{HOSTILE} (tech 4)"]
    assert [r["score_shown"] for r in shown] == [60.0, "(would score 66.37)"]
    markup = run_details.candidate_table(rows, NAMES, max_rejected=5).markup
    assert "(would score 66.37)" in markup and HOSTILE not in markup
    assert "&lt;img src=x onerror=alert(1)&gt; (tech 4)" in markup


def test_a_plans_lost_capacity_is_not_called_earlier_in_this_run() -> None:
    row = {name: None for name in CANDIDATE_SCHEMA} | {
        "appointment_id": 8, "tech_id": 2, "eligible": True, "chosen": False, "rank": 1, "score": 75.0,
        "lost_to_appointment_id": 12, "lost_to_tech_id": 4, "lost_reason": "conflict",
    }  # fmt: skip
    why = run_details.candidate_rows(pl.DataFrame([row], schema=CANDIDATE_SCHEMA), NAMES)[0]["why"]
    assert why == "the plan needed this tech elsewhere: it gave them appt 12 in an overlapping slot"


def test_the_recorded_detail_reads_as_words() -> None:
    blocked = json.dumps({"blocking": {"skill": 3, "radius": 1}, "not_at_location": 9})
    assert run_details.detail_text(blocked) == (
        "rejected by skill (3 techs), radius (1 tech); 9 techs do not work the location"
    )
    skipped = json.dumps({"skipped": "conflict", "message": "Ann was booked meanwhile", "other_tech_id": 2})
    assert run_details.detail_text(skipped) == "skipped at commit (conflict): Ann was booked meanwhile"
    assert run_details.detail_text(None) == ""


def run_info(**values: object) -> RunInfo:
    run = RunInfo(
        id=6, started_at=None, finished_at=None, trigger="manual", status="succeeded", dry_run=False,
        strategy="optimal", scope={}, profile_snapshots=[], settings_snapshot={}, considered=5,
        assigned=5, unassigned=0, skipped=0, error=None, engine_version="1", params={},
        stats={"candidates": 1200, "evaluate_s": 0.25, "partitions": 5, "solver_status": {"optimal": 5}},
        prefect_flow_run_id=None, report_path=None,
    )  # fmt: skip
    return replace(run, **values)  # type: ignore[arg-type]


def test_the_header_says_dry_run_and_the_solver_status_in_words() -> None:
    markup = run_sections.header(run_info(), "db").markup
    assert "<h1>Scheduler run 6: succeeded</h1>" in markup
    assert "solver status: optimal in 5 partitions" in markup and "{" not in markup.split("</style>")[1]
    assert "candidates 1,200, evaluate 0.25 s, partitions 5" in markup
    dry = run_sections.header(run_info(dry_run=True), "db").markup
    assert "<h1>Scheduler dry run 6: succeeded</h1>" in dry
    mixed = run_sections.stats_text({"solver_status": {"feasible": 1, "optimal": 2}})
    assert mixed == "solver status: feasible at the time limit in 1 partition, optimal in 2 partitions"
