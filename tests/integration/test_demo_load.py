"""Loading the demo company on SQLite and PostgreSQL: what `routing demo` reports is what is stored."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text
from typer.testing import CliRunner

from routing.company.demo import build_demo_company, demo_counts, next_monday, run_demo
from routing.company.loader import load_company
from routing.demo_loop import DEMO_SEED, DEMO_SIZE
from routing.scheduling.service import run_schedule

MONDAY = dt.date(2026, 6, 1)

REPORTED_KEYS = {
    "title",
    "size",
    "seed",
    "start",
    "locations",
    "techs",
    "work_order_types",
    "profiles",
    "customers",
    "leads",
    "appointments",
    "unassigned_appointments",
    "booked_appointments",
    "zip_relations",
    "unmapped_customer_zips",
    "seconds",
}


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def stored_counts(engine: Engine) -> dict[str, int]:
    unmapped = (
        "SELECT COUNT(DISTINCT c.zip) FROM customers c "
        "WHERE NOT EXISTS (SELECT 1 FROM zip_relations z WHERE z.zip = c.zip)"
    )
    return {
        "locations": count(engine, "SELECT COUNT(*) FROM locations"),
        "techs": count(engine, "SELECT COUNT(*) FROM technicians"),
        "work_order_types": count(engine, "SELECT COUNT(*) FROM work_order_types"),
        "profiles": count(engine, "SELECT COUNT(*) FROM scheduling_profiles"),
        "customers": count(engine, "SELECT COUNT(*) FROM customers"),
        "leads": count(engine, "SELECT COUNT(*) FROM leads"),
        "appointments": count(engine, "SELECT COUNT(*) FROM appointments"),
        "unassigned_appointments": count(engine, "SELECT COUNT(*) FROM appointments WHERE tech_id IS NULL"),
        "booked_appointments": count(engine, "SELECT COUNT(*) FROM appointments WHERE tech_id IS NOT NULL"),
        "zip_relations": count(engine, "SELECT COUNT(*) FROM zip_relations"),
        "unmapped_customer_zips": count(engine, unmapped),
    }


def test_the_small_demo_loads_and_the_database_holds_what_the_counts_say(engine: Engine) -> None:
    company = build_demo_company("small", 7, MONDAY)
    summary = load_company(engine, company)
    expected = demo_counts(company)
    assert stored_counts(engine) == expected
    assert summary.created["techs"] == expected["techs"]
    assert summary.created["appointments"] == expected["appointments"]
    assert not any(summary.updated.values())


def test_the_zip_mapping_fills_customers_without_an_explicit_location(engine: Engine) -> None:
    company = build_demo_company("small", 7, MONDAY)
    load_company(engine, company)
    explicit = sum(1 for c in company.customers if c.location)
    mapped = {z.zip for z in company.zip_relations}
    by_mapping = sum(1 for c in company.customers if not c.location and c.zip in mapped)
    sources = "SELECT COUNT(*) FROM customers WHERE location_source = '{}'"
    assert count(engine, sources.format("explicit")) == explicit
    assert count(engine, sources.format("zip_mapping")) == by_mapping
    assert count(engine, sources.format("none")) == len(company.customers) - explicit - by_mapping > 0


def test_booked_appointments_are_stored_with_their_technician(engine: Engine) -> None:
    company = build_demo_company("small", 7, MONDAY)
    load_company(engine, company)
    booked = {(a.external_id, a.tech) for a in company.appointments if a.tech}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT a.external_id, t.email FROM appointments a JOIN technicians t ON t.id = a.tech_id")
        ).all()
    assert {(r[0], r[1]) for r in rows} == booked


def test_the_make_demo_company_lets_a_greedy_run_assign_at_least_three_quarters(engine: Engine) -> None:
    """An outcome, not a timing: the roster is hired for its demand, so a first run of `make demo`
    does not look broken; what stays unassigned is capacity, hours, radius, territory or time off."""
    load_company(engine, build_demo_company(DEMO_SIZE, DEMO_SEED, MONDAY))
    result = run_schedule(
        engine,
        date_from=MONDAY,
        date_to=MONDAY + dt.timedelta(days=6),
        now=dt.datetime(2026, 5, 29, 12, tzinfo=dt.UTC),
    )
    assert result.considered == 135
    assert result.assigned >= 0.75 * result.considered, (result.assigned, result.unassigned)
    assert result.unassigned > 0  # the unassigned ones are the interesting part of the demo


def test_run_demo_reports_its_counts_and_a_second_run_changes_nothing(use_database: Engine) -> None:
    first = run_demo("small", 3, MONDAY)
    assert set(first) >= REPORTED_KEYS
    assert first["title"] == "Demo company (small, seed 3)"
    assert first["start"] == "2026-06-01"
    assert {k: first[k] for k in stored_counts(use_database)} == stored_counts(use_database)
    assert first["rows_created"] > 0
    again = run_demo("small", 3, MONDAY)
    assert again["rows_created"] == again["rows_updated"] == 0
    assert again["rows_unchanged"] == first["rows_created"]
    json.dumps(first)  # JSON-able


def test_run_demo_starts_on_the_next_monday_by_default(use_database: Engine) -> None:
    summary = run_demo("small", 7, None)
    assert summary["start"] == next_monday(dt.date.today()).isoformat()
    with use_database.connect() as conn:
        earliest = conn.execute(text("SELECT MIN(date) FROM appointments")).scalar_one()
    assert str(earliest) == summary["start"]


def test_the_demo_command_prints_one_json_document(use_database: Engine) -> None:
    from routing.cli.main import app

    result = CliRunner().invoke(
        app, ["demo", "--size", "small", "--seed", "5", "--start", "2026-06-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= REPORTED_KEYS
    assert document["unassigned_appointments"] == 135


def test_the_demo_command_rejects_an_unknown_size_with_exit_code_2(use_database: Engine) -> None:
    routing = Path(sys.executable).parent / "routing"
    result = subprocess.run(
        [str(routing), "demo", "--size", "huge"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "small, medium, large" in result.stderr
    assert "Traceback" not in result.stderr
    assert count(use_database, "SELECT COUNT(*) FROM technicians") == 0
