"""``routing report ...``: render audit reports to self-contained HTML; ``routing analyst-role ...``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routing.cli.database import initialised_engine
from routing.cli.output import JsonOpt

if TYPE_CHECKING:
    from rich.status import Status

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="FILE|FOLDER",
        help="Write the HTML to this file, or into this existing folder under the report's usual name "
        "(run-ID.html, zip-import-ID.html, zip-coverage.html). Default: the reports folder in the data "
        "dir. A folder that does not exist is refused (exit 2), not created.",
    ),
]

report_app = typer.Typer(
    help="Render audit reports (papermill notebooks exported as self-contained HTML).", no_args_is_help=True
)
analyst_app = typer.Typer(help="Read-only PostgreSQL access for analysts.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(analyst_app, name="analyst-role")


def _emit(path: Path, as_json: bool) -> None:
    from routing.cli.output import emit

    emit({"path": str(path)}, as_json, lambda d: typer.echo(d["path"]))


def _rendering(what: str) -> Status:
    from routing.cli.output import err_console

    return err_console().status(f"Rendering {what}…")


@report_app.command("run")
def report_run(
    run_id: Annotated[
        int, typer.Argument(metavar="RUN_ID", help="The scheduler run (see `routing runs list`).")
    ],
    out: OutOpt = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not store the path on the run (read-only access).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Render the audit report of a scheduler run and record its path on the run.

    Also writes the run's appointments as a CSV next to the HTML (run-ID-appointments.csv, or
    NAME-appointments.csv for --out NAME.html).
    """
    from routing.reports.service import render_run_report

    engine = initialised_engine()
    with _rendering(f"the audit report of run {run_id}"):
        path = render_run_report(engine, run_id, out, store_path=not no_record)
    _emit(path, as_json)


@report_app.command("import")
def report_import(
    import_id: Annotated[
        int, typer.Argument(metavar="IMPORT_ID", help="The zip import (see `routing zips imports`).")
    ],
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Render the report of one zip import: counts, errors, changes old -> new."""
    from routing.reports.service import render_import_report

    engine = initialised_engine()
    with _rendering(f"the report of zip import {import_id}"):
        path = render_import_report(engine, import_id, out)
    _emit(path, as_json)


@report_app.command("coverage")
def report_coverage(out: OutOpt = None, as_json: JsonOpt = False) -> None:
    """Render the zip coverage report: mapped vs unmapped zips, customers per unmapped zip, a map."""
    from routing.reports.service import render_coverage_report

    engine = initialised_engine()
    with _rendering("the zip coverage report"):
        path = render_coverage_report(engine, out)
    _emit(path, as_json)


@analyst_app.command("create")
def analyst_create(
    role: Annotated[
        str, typer.Argument(metavar="ROLE", help="Role name (lower-case letters, digits, _).")
    ] = "routing_analyst",
    password_env: Annotated[
        str,
        typer.Option(
            "--password-env", metavar="VAR", help="Read the password from this environment variable."
        ),
    ] = "ROUTING_ANALYST_PASSWORD",
    as_json: JsonOpt = False,
) -> None:
    """Create (or reset) a read-only PostgreSQL login role that can SELECT every table, now and later."""
    import os

    from routing.cli.output import emit, print_kv
    from routing.reports.analyst import create_analyst_role

    password = os.environ.get(password_env) or typer.prompt(
        f"Password for {role}", hide_input=True, confirmation_prompt=True, err=True
    )
    document = create_analyst_role(initialised_engine(), role, password)
    emit(document, as_json, lambda d: print_kv("Read-only analyst role ready", d))


@analyst_app.command("drop")
def analyst_drop(
    role: Annotated[str, typer.Argument(metavar="ROLE", help="Role name.")] = "routing_analyst",
    as_json: JsonOpt = False,
) -> None:
    """Revoke the analyst role's privileges in this database and drop it."""
    from routing.cli.output import emit, print_kv
    from routing.reports.analyst import drop_analyst_role

    document = {"role": role, "dropped": drop_analyst_role(initialised_engine(), role)}
    emit(document, as_json, lambda d: print_kv(None, d))
