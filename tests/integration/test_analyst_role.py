"""A read-only PostgreSQL role: the report notebooks work as that role, and it cannot write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from routing.reports import analyst, coverage, render_run_report, run_audit, zip_import
from tests.notebooks.report_data import build_company_with_run

pytestmark = pytest.mark.postgres

PASSWORD = "An4lyst-'quoted'-%s"
ROUTING = Path(sys.executable).parent / "routing"


@pytest.fixture
def role(pg_engine: Engine) -> Iterator[str]:
    name = f"analyst_{uuid.uuid4().hex[:10]}"
    yield name
    analyst.drop_analyst_role(pg_engine, name)


def analyst_engine(pg_engine: Engine, role: str) -> Engine:
    from routing.db.session import engine_for

    return engine_for(
        pg_engine.url.set(username=role, password=PASSWORD).render_as_string(hide_password=False)
    )


def test_the_report_data_functions_work_as_the_analyst(pg_engine: Engine, role: str) -> None:
    build_company_with_run(pg_engine)
    analyst.create_analyst_role(pg_engine, role, PASSWORD)
    reader = analyst_engine(pg_engine, role)
    audit = run_audit.load_audit(reader, 1)
    assert audit.appointments.height == 4
    assert run_audit.candidates_of_appointments(reader, 1, [1, 2]).height == 8
    assert run_audit.candidates_of_techs(reader, 1, audit.idle_tech_ids).height == 8
    assert run_audit.load_snapshot(reader, 1) is not None
    assert zip_import.load_import(reader, 1).error_count == 1
    assert coverage.mapped_zips(reader).height == 2
    assert coverage.party_zips(reader).height == 3
    reader.dispose()


@pytest.mark.slow
def test_the_run_audit_notebook_executes_as_the_analyst(pg_engine: Engine, role: str, tmp_path: Path) -> None:
    build_company_with_run(pg_engine)
    analyst.create_analyst_role(pg_engine, role, PASSWORD)
    reader = analyst_engine(pg_engine, role)
    path = render_run_report(reader, 1, tmp_path / "run.html", store_path=False)
    document = path.read_text(encoding="utf-8")
    assert "Appointments and their candidates" in document and f"{role}:***@" in document
    with pytest.raises(DBAPIError, match="read-only transaction"):
        render_run_report(reader, 1, tmp_path / "again.html")  # recording the path is a write
    reader.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO locations (code, name, timezone) VALUES ('X', 'X', 'UTC')",
        "UPDATE appointments SET tech_id = NULL",
        "DELETE FROM zip_relations",
        "CREATE TABLE analyst_scratch (x int)",
    ],
)
def test_the_analyst_cannot_write_even_outside_a_read_only_transaction(
    pg_engine: Engine, role: str, statement: str
) -> None:
    build_company_with_run(pg_engine)
    analyst.create_analyst_role(pg_engine, role, PASSWORD)
    reader = analyst_engine(pg_engine, role)
    with reader.connect() as connection:
        connection.execute(text("SET default_transaction_read_only = off"))
        connection.commit()
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.execute(text(statement))
    reader.dispose()


def test_tables_created_later_by_the_owner_are_readable(pg_engine: Engine, role: str) -> None:
    analyst.create_analyst_role(pg_engine, role, PASSWORD)
    with pg_engine.begin() as connection:
        connection.execute(text("CREATE TABLE later_table (x int)"))
        connection.execute(text("INSERT INTO later_table VALUES (7)"))
    try:
        reader = analyst_engine(pg_engine, role)
        with reader.connect() as connection:
            assert connection.execute(text("SELECT x FROM later_table")).scalar() == 7
        reader.dispose()
    finally:
        with pg_engine.begin() as connection:
            connection.execute(text("DROP TABLE later_table"))


def test_creating_twice_resets_the_role_and_the_password_is_sent_hashed(pg_engine: Engine, role: str) -> None:
    statements: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(pg_engine, "before_cursor_execute", capture)
    try:
        first = analyst.create_analyst_role(pg_engine, role, PASSWORD)
        analyst.create_analyst_role(pg_engine, role, PASSWORD)
    finally:
        event.remove(pg_engine, "before_cursor_execute", capture)
    assert first["url"].startswith(f"postgresql+psycopg://{role}:***@")
    assert not [s for s in statements if "An4lyst" in s]
    with pg_engine.connect() as connection:
        stored = connection.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}
        ).scalar()
        read_only = connection.execute(
            text(
                "SELECT setconfig FROM pg_db_role_setting s "
                "JOIN pg_roles r ON r.oid = s.setrole WHERE rolname = :r"
            ),
            {"r": role},
        ).scalar()
    assert stored.startswith("SCRAM-SHA-256$")
    assert read_only == ["default_transaction_read_only=on"]


def test_the_command_creates_the_role_and_refuses_sqlite(
    pg_engine: Engine, role: str, sqlite_url: str
) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    env = os.environ | {"ROUTING_DATABASE_URL": url, "ROUTING_ANALYST_PASSWORD": PASSWORD}
    done = subprocess.run(
        [str(ROUTING), "analyst-role", "create", role, "--json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["role"] == role and "***" in document["url"] and PASSWORD not in done.stdout
    env["ROUTING_DATABASE_URL"] = sqlite_url
    refused = subprocess.run(
        [str(ROUTING), "analyst-role", "create", role], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "need PostgreSQL" in refused.stderr
