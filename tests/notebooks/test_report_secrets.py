"""No database password reaches a report, its companion CSV, an error message or a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine

from routing.reports import render, render_run_report
from tests.notebooks.report_data import build_company_with_run

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PASSWORD = "Sup3r-Secret-Pa55"  # PostgreSQL here trusts local connections, so any password logs in


@pytest.fixture
def engine_with_password(pg_engine: Engine) -> Engine:
    from routing.db.session import engine_for

    return engine_for(pg_engine.url.set(password=PASSWORD).render_as_string(hide_password=False))


def test_a_report_shows_the_database_with_the_password_masked(
    engine_with_password: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    build_company_with_run(engine_with_password)
    caplog.set_level(logging.DEBUG)
    path = render_run_report(engine_with_password, 1, tmp_path / "run.html")
    document = path.read_text(encoding="utf-8")
    assert PASSWORD not in document
    assert f"{engine_with_password.url.username}:***@" in document
    assert PASSWORD not in (tmp_path / "run-appointments.csv").read_text(encoding="utf-8")
    assert PASSWORD not in caplog.text


def test_a_failing_report_does_not_leak_the_password_in_its_error(
    engine_with_password: Engine, tmp_path: Path
) -> None:
    url = engine_with_password.url.set(database="no_such_database").render_as_string(hide_password=False)
    with pytest.raises(render.ReportFailed) as failure:
        render.render_notebook("zip_coverage", {}, tmp_path / "x.html", database_url=url, title="x")
    assert "failed in cell 3" in failure.value.message
    assert PASSWORD not in failure.value.message
    assert not (tmp_path / "x.html").exists()
