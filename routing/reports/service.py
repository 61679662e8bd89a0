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


def output_file(out: Path | str | None, default_name: str, option: str = "--out") -> Path:
    """Where to write a file the user asked for, checked before anything is rendered or written.

    None: ``default_name`` in the reports folder (created). An existing folder: ``default_name``
    inside it. Otherwise a file whose folder must exist and be writable. BadInput (exit 2), in one
    sentence naming ``option`` and the path, for a folder that does not exist, a name without an
    extension that is not a folder (``--out reports`` meant a folder), or a place that cannot be
    written. Returns an absolute path.
    """
    from routing.errors import BadInput

    if out is None:
        folder = get_settings().reports_dir.resolve()
        _make_folder(folder, option)
        return folder / default_name
    given = Path(out).expanduser()
    target = given.resolve()
    if target.is_dir():
        target = target / default_name
    elif not target.parent.is_dir():
        problem = "is not a folder" if target.parent.exists() else "does not exist (create it first)"
        raise BadInput(f"{option} {given}: {target.parent} {problem}.")
    elif not target.exists() and not target.suffix:
        raise BadInput(
            f"{option} {given}: no such folder; give an existing folder or a file name with an extension "
            f"(e.g. {given}{Path(default_name).suffix})."
        )
    if target.is_dir():
        raise BadInput(f"{option} {given}: {target} is a folder; give a file name.")
    _check_writable(target.parent, option, given)
    return target


def _make_folder(folder: Path, option: str) -> None:
    from routing.errors import BadInput

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(
            f"Cannot create the reports folder {folder} ({exc.strerror or exc}); use {option}."
        ) from None


def _check_writable(folder: Path, option: str, given: Path) -> None:
    """BadInput unless a file can be created in ``folder`` (tried: permission bits miss read-only mounts)."""
    import tempfile

    from routing.errors import BadInput

    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".routing-write-check-"):
            pass
    except OSError as exc:
        raise BadInput(
            f"{option} {given}: cannot write in the folder {folder} ({exc.strerror or exc})."
        ) from None


def render_run_report(
    engine: Engine | None, run_id: int, out: Path | None = None, *, store_path: bool = True
) -> Path:
    """Render the audit report of scheduler run ``run_id`` (default ``<reports>/run-<id>.html``;
    ``out`` is a file or an existing folder, see ``output_file``).

    Also writes ``run-<id>-appointments.csv`` next to it (every appointment of the run) and, unless
    ``store_path`` is false, records the report path on the run row.
    """
    from routing.db.runlog import ScheduleRun
    from routing.reports import render, run_audit, run_sections

    engine = _engine(engine)
    with engine.connect() as connection:
        found = connection.execute(select(ScheduleRun.dry_run).where(ScheduleRun.id == run_id)).first()
        if found is None:
            raise NotFound(f"No scheduler run {run_id} in the database.")
    target = output_file(out, f"run-{run_id}.html")
    companion = target.with_name(f"{target.stem}-appointments.csv")
    run_audit.write_appointments_csv(engine, run_id, companion)
    path = render.render_notebook(
        "run_audit",
        {"run_id": run_id, "appointments_csv": companion.name},
        target,
        database_url=_url(engine),
        title=run_sections.run_title(run_id, bool(found.dry_run)),
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
        output_file(out, f"zip-import-{record.id}.html"),
        database_url=_url(engine),
        title=f"Zip import {record.id}",
    )


def render_coverage_report(engine: Engine | None, out: Path | None = None) -> Path:
    """Render the zip coverage report (default ``<reports>/zip-coverage.html``)."""
    from routing.reports import render

    engine = _engine(engine)
    target = output_file(out, "zip-coverage.html")
    return render.render_notebook("zip_coverage", {}, target, database_url=_url(engine), title="Zip coverage")
