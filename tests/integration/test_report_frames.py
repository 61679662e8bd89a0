"""The report data functions read what runs and imports stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from routing.errors import NotFound
from routing.reports import coverage, run_audit, run_details, run_sections, run_shapes, zip_import
from tests.notebooks.report_data import DAY, HOSTILE_NOTE, HOSTILE_TECH, build_company_with_run


def test_the_audit_reads_appointments_in_recorded_order_with_tech_names(engine: Engine) -> None:
    built = build_company_with_run(engine)
    audit = run_audit.load_audit(engine, built.run_id)
    assert audit.run.strategy == "greedy" and audit.run.dry_run is True
    rows = audit.appointments.select(
        "seq", "external_id", "outcome", "tech_name", "date", "location_code"
    ).rows()
    assert rows == [
        (1, "A1", "assigned", "Ana Alvarez", DAY, "BOS"),
        (2, "A2", "assigned", HOSTILE_TECH, DAY, "BOS"),
        (3, "A3", "unassigned", None, DAY, "BOS"),
        (4, "A4", "assigned", "Ana Alvarez", DAY, "BOS"),
    ]
    assert audit.appointments.filter(pl.col("seq") == 1)["customer_notes"].item() == HOSTILE_NOTE
    assert audit.idle_tech_ids == [3, 4]


def test_run_zero_means_the_most_recent_run(engine: Engine) -> None:
    build_company_with_run(engine)
    assert run_audit.load_run(engine, 0).id == 1


def test_a_missing_run_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound, match="No scheduler run 42"):
        run_audit.load_run(engine, 42)


def test_candidates_are_read_by_appointment_and_by_tech(engine: Engine) -> None:
    build_company_with_run(engine)
    by_appointment = run_audit.candidates_of_appointments(engine, 1, [3, *range(1000, 6000)])
    assert by_appointment["tech_id"].to_list() == [1, 2, 3, 4]
    assert by_appointment.schema == pl.Schema(run_audit.CANDIDATE_SCHEMA)
    by_tech = run_audit.candidates_of_techs(engine, 1, [4])
    assert by_tech["appointment_id"].to_list() == [1, 2, 3, 4]


def test_the_snapshot_the_run_stored_gives_the_existing_bookings(engine: Engine) -> None:
    build_company_with_run(engine)
    snapshot = run_audit.load_snapshot(engine, 1)
    assert snapshot is not None
    booked = snapshot.appointments.filter(pl.col("tech_id").is_not_null())
    assert booked.select("appointment_id", "tech_id").rows() == [(5, 2)]


def test_sections_built_from_stored_data_escape_names_and_notes(engine: Engine) -> None:
    build_company_with_run(engine)
    audit = run_audit.load_audit(engine, 1)
    rows = run_audit.candidates_of_appointments(engine, 1, audit.appointments["appointment_id"])
    markup = "".join(
        [
            run_sections.header(audit.run, "sqlite:///x.db").markup,
            run_sections.profiles(audit.run).markup,
            run_details.appointment_details(audit.appointments, audit.appointments, rows, audit.names).markup,
        ]
    )
    assert "<img src=x" not in markup and "<script>" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert "&lt;script&gt;document.title=" in markup


def test_free_but_unassigned_techs_come_with_their_reasons(engine: Engine) -> None:
    build_company_with_run(engine)
    audit = run_audit.load_audit(engine, 1)
    rows = run_audit.candidates_of_techs(engine, 1, audit.idle_tech_ids)
    free = run_shapes.free_but_unassigned(audit.roster, rows)
    assert free.select("name", "reasons").rows() == [
        ("Bo $x$ Chen", "skill ×2"),
        ("Idle Ida", "radius ×3, lost to a better candidate ×1"),
    ]


def test_the_companion_csv_has_every_appointment_and_defuses_formulas(engine: Engine, tmp_path: Path) -> None:
    build_company_with_run(engine, tech_name='=HYPERLINK("http://x")')
    folder = tmp_path / "reports"
    path = run_audit.write_appointments_csv(engine, 1, folder / "run-1-appointments.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["appointment_id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[1]["tech_name"] == '\'=HYPERLINK("http://x")'
    assert [p.name for p in folder.iterdir()] == ["run-1-appointments.csv"]  # no temporary file left


def test_zip_import_zero_means_the_latest_and_changes_are_flattened(engine: Engine) -> None:
    build_company_with_run(engine)
    record = zip_import.load_import(engine, 0)
    assert (record.id, record.status, record.error_count) == (1, "invalid", 1)
    assert zip_import.change_rows(record.changes)[1] == {
        "zip": "02135", "action": "updated", "field": "territory", "old": "North", "new": HOSTILE_TECH,
    }  # fmt: skip
    with pytest.raises(NotFound, match="No zip import 9"):
        zip_import.load_import(engine, 9)


def test_coverage_counts_customers_in_unmapped_zips(engine: Engine) -> None:
    build_company_with_run(engine)
    mapped = coverage.mapped_zips(engine)
    parties = coverage.party_zips(engine)
    assert mapped.select("zip", "location_code").rows() == [("02134", "BOS"), ("02135", "BOS")]
    assert parties.rows() == [("02134", 1, 0), ("02135", 1, 0), ("02138", 1, 0)]
    assert coverage.unmapped_zips(mapped, parties).select("zip", "customers").rows() == [("02138", 1)]


def test_a_failed_run_that_decided_nothing_still_renders_every_section(engine: Engine) -> None:
    from sqlalchemy import insert

    from routing.db.runlog import ScheduleRun
    from routing.reports import calendar

    with engine.begin() as connection:
        connection.execute(
            insert(ScheduleRun),
            [{"trigger": "schedule", "status": "failed", "strategy": "greedy", "error": "<b>boom"}],
        )
    audit = run_audit.load_audit(engine, 0)
    counts = run_shapes.blocking_counts(audit.unassigned)
    blockers = run_shapes.main_blockers(audit.unassigned, counts)
    idle = run_audit.candidates_of_techs(engine, audit.run.id, audit.idle_tech_ids)
    parts = [
        run_sections.header(audit.run, "db"),
        run_sections.profiles(audit.run),
        run_sections.outcome_charts(audit.appointments),
        run_sections.blocking_chart(blockers, run_shapes.blocker_summary(blockers, counts)),
        run_sections.workload(run_shapes.jobs_per_tech(audit.roster)),
        calendar.calendars(run_audit.load_snapshot(engine, audit.run.id), audit.appointments),
        run_details.free_techs(
            run_shapes.free_but_unassigned(audit.roster, idle),
            run_shapes.techs_without_candidates(audit.roster, idle),
            idle,
            audit.appointments,
            audit.names,
        ),
        run_details.appointment_details(audit.appointments, audit.appointments, idle, audit.names),
    ]
    markup = "".join(part.markup for part in parts)
    assert "Scheduler run 1: failed" in markup and "&lt;b&gt;boom" in markup
    assert "The run decided no appointment." in markup
    assert "This run stored no input snapshot" in markup
