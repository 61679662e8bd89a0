"""Render the three reports into the reports folder: the functions the CLI and the flows call."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, select, update

from routing.config import get_settings
from routing.errors import NotFound

log = logging.getLogger(__name__)


def _engine(engine: Engine | None) -> Engine:
    from routing.db.session import get_engine

    return engine if engine is not None else get_engine()


def _url(engine: Engine) -> str:
    """The engine's full URL (SQLite paths made absolute, the kernel may run elsewhere)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).resolve()))
    return url.render_as_string(hide_password=False)


def _target(out: Path | None, default_name: str) -> Path:
    return Path(out) if out is not None else get_settings().reports_dir / default_name


def render_run_report(
    engine: Engine | None, run_id: int, out: Path | None = None, *, store_path: bool = True
) -> Path:
    """Render the audit report of scheduler run ``run_id`` (default ``<reports>/run-<id>.html``).

    Also writes ``run-<id>-appointments.csv`` next to it (every appointment of the run) and, unless
    ``store_path`` is false, records the report path on the run row.
    """
    from routing.db.runlog import ScheduleRun
    from routing.reports import render, run_audit

    engine = _engine(engine)
    with engine.connect() as connection:
        if connection.execute(select(ScheduleRun.id).where(ScheduleRun.id == run_id)).first() is None:
            raise NotFound(f"No scheduler run {run_id} in the database.")
    target = _target(out, f"run-{run_id}.html").resolve()
    companion = target.with_name(f"{target.stem}-appointments.csv")
    run_audit.write_appointments_csv(engine, run_id, companion)
    path = render.render_notebook(
        "run_audit",
        {"run_id": run_id, "appointments_csv": companion.name},
        target,
        database_url=_url(engine),
        title=f"Scheduler run {run_id}",
    )
    if store_path:
        with engine.begin() as connection:
            connection.execute(
                update(ScheduleRun).where(ScheduleRun.id == run_id).values(report_path=str(path))
            )
    return path


def render_import_report(engine: Engine | None, import_id: int, out: Path | None = None) -> Path:
    """Render the report of zip import ``import_id`` (default ``<reports>/zip-import-<id>.html``)."""
    from routing.reports import render
    from routing.reports.zip_import import load_import

    engine = _engine(engine)
    record = load_import(engine, import_id)
    return render.render_notebook(
        "zip_import",
        {"import_id": record.id},
        _target(out, f"zip-import-{record.id}.html"),
        database_url=_url(engine),
        title=f"Zip import {record.id}",
    )


def render_coverage_report(engine: Engine | None, out: Path | None = None) -> Path:
    """Render the zip coverage report (default ``<reports>/zip-coverage.html``)."""
    from routing.reports import render

    engine = _engine(engine)
    return render.render_notebook(
        "zip_coverage", {}, _target(out, "zip-coverage.html"), database_url=_url(engine), title="Zip coverage"
    )
