"""What the flows publish, shaped from core results (pure: no Prefect server needed)."""

from __future__ import annotations

from typing import Any

import pytest

from flows.artifacts import import_summary_markdown, import_table_rows, run_summary_markdown, unassigned_rows

pytestmark = pytest.mark.xdist_group("prefect")

TITLES = {
    "location": "does not work the location",
    "skill": "missing skill or level",
    "radius": "outside radius",
}


def _run(blocking: dict[str, int], not_at_location: int | None = None) -> dict[str, Any]:
    return {
        "appointments": [
            {
                "appointment_id": 7,
                "date": "2030-01-07",
                "slot": "08:00-12:00",
                "location": "BOS",
                "profile_name": "Standard",
                "candidates_total": 5,
                "candidates_eligible": 0,
            }
        ],
        "unassigned_appointments": [
            {
                "appointment_id": 7,
                "blocking": blocking,
                "not_at_location": not_at_location,
                "suggestion": None,
            }
        ],
    }


def test_the_blocking_rule_is_the_one_that_kept_out_the_most_technicians() -> None:
    (row,) = unassigned_rows(_run({"radius": 2, "skill": 4}), TITLES)
    assert row["blocking_rule"] == "skill: missing skill or level"
    assert row["all_blocking"] == "skill x4, radius x2"
    assert (row["date"], row["slot"], row["location"], row["eligible"]) == (
        "2030-01-07",
        "08:00-12:00",
        "BOS",
        "0 of 5",
    )


def test_a_tie_between_blocking_rules_goes_to_the_rule_listed_first() -> None:
    (row,) = unassigned_rows(_run({"radius": 3, "skill": 3}), TITLES)
    assert row["blocking_rule"].startswith("skill:")


def test_technicians_who_do_not_work_the_location_count_as_a_blocking_rule() -> None:
    (row,) = unassigned_rows(_run({"skill": 1}, not_at_location=9), TITLES)
    assert row["blocking_rule"] == "location: does not work the location"


def test_an_appointment_nobody_could_even_be_considered_for_says_so() -> None:
    (row,) = unassigned_rows(_run({}), TITLES)
    assert row["blocking_rule"] == "no technician in scope"


def test_the_import_table_lists_errors_warnings_and_changes_with_old_and_new_values() -> None:
    rows = import_table_rows(
        errors=[
            {"row": 3, "column": "Location", "value": "NOWHERE", "code": "unknown_location", "message": "x"}
        ],
        warnings=[{"row": 2, "column": "Zip", "value": "2134", "code": "zip_repaired", "message": "y"}],
        changes=[{"zip": "02108", "action": "updated", "fields": {"territory": {"old": "A", "new": "B"}}}],
    )
    assert [(r["kind"], r["code"]) for r in rows] == [
        ("error", "unknown_location"),
        ("warning", "zip_repaired"),
        ("updated", "updated"),
    ]
    assert rows[2]["value"] == "02108" and rows[2]["message"] == "territory: A -> B"


def test_the_import_summary_names_the_first_errors_and_escapes_markdown() -> None:
    summary = {
        "import_id": 4,
        "file_name": "zips|v2.csv",
        "rows": 2,
        "errors": [{"row": 3, "column": "Zip", "message": "9999 is not a zip"}],
    }
    text = import_summary_markdown(summary, mode="apply", outcome="invalid, nothing written")
    assert text.startswith("# Zip import 4: invalid, nothing written")
    assert "zips\\|v2.csv" in text and "row 3, Zip: 9999 is not a zip" in text


def test_the_run_summary_names_the_run_scope_profiles_and_outcome() -> None:
    run = {"run_id": 12, "status": "succeeded", "trigger": "schedule", "strategy": "greedy", "assigned": 5}
    scope = {"locations": ["BOS"], "techs": None, "date_from": "2030-01-07", "date_to": "2030-01-13"}
    text = run_summary_markdown(run, scope=scope, profiles=["Standard"], report_path="/r/run-12.html")
    assert "# Scheduler run 12: succeeded" in text
    assert "locations BOS; technicians all; days 2030-01-07 to 2030-01-13" in text
    assert "Profiles in effect:** Standard" in text and "Assigned:** 5" in text and "/r/run-12.html" in text
