"""Shared fixtures: a migrated database per backend, cleaned between tests.

PostgreSQL: ``ROUTING_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) is the
admin connection; each test session creates and drops its own database. Tests marked
``postgres`` skip when it is unreachable, except when ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

PG_ADMIN_URL = os.environ.get("ROUTING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session writes its SQLite files, reports and Prefect home under a temp folder."""
    data_dir = tmp_path_factory.mktemp("routing-data")
    old = {k: os.environ.get(k) for k in ("ROUTING_DATA_DIR", "ROUTING_DATABASE_URL")}
    os.environ["ROUTING_DATA_DIR"] = str(data_dir)
    os.environ.pop("ROUTING_DATABASE_URL", None)
    from routing.config import get_settings

    get_settings.cache_clear()
    yield data_dir
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


def _truncate_all(engine: Engine) -> None:
    from routing.db.tables import metadata

    names = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
            if conn.execute(text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy (migrating once per session)."""
    from routing.db import migrate

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a fresh migrated SQLite database for this test."""
    path = tmp_path / "routing.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    from routing.db.session import engine_for

    engine = engine_for(sqlite_url)
    yield engine
    engine.dispose()


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(exc).__name__})"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a migrated PostgreSQL database created for this test session (dropped at the end)."""
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    from sqlalchemy.engine import make_url

    from routing.db import migrate
    from routing.db.session import engine_for

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"routing_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(engine_for(url))
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    from routing.db.session import engine_for

    engine = engine_for(pg_url)
    _truncate_all(engine)
    yield engine
    _truncate_all(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A clean migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_engine")
    return request.getfixturevalue("pg_engine")


@pytest.fixture
def use_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point the settings (and so the CLI in-process) at ``engine``'s database."""
    from routing.config import get_settings

    monkeypatch.setenv("ROUTING_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine  # type: ignore[misc]
    get_settings.cache_clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and "postgres" in item.keywords:
        report.outcome = "failed"
        report.longrepr = f"CI=true: PostgreSQL test was skipped: {report.longrepr}"
