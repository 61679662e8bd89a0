"""Commands for the company as a whole: init, load, demo, settings, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from routing.cli.database import initialised_engine
from routing.cli.output import JsonOpt

settings_app = typer.Typer(help="Show or change company settings.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("load")(load)
    app.command("demo")(demo)
    app.command("schema")(schema)
    app.add_typer(settings_app, name="settings")


def init(as_json: JsonOpt = False) -> None:
    """Create or migrate the database to the newest schema (safe to repeat)."""
    from routing.cli.output import emit
    from routing.db import migrate
    from routing.db.session import get_engine

    engine = get_engine()
    revision = migrate.upgrade(engine)
    document = {"database": migrate.describe(engine), "revision": revision}
    emit(
        document,
        as_json,
        lambda d: typer.echo(f"Database ready: {d['database']} (revision {d['revision']})"),
    )


def load(
    path: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Company file (.yaml, .yml or .json); see docs/company-file.md."),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate a company file and load it in one transaction (loading it again changes nothing)."""
    from routing.cli.output import emit
    from routing.company.loader import load_company_path

    summary = load_company_path(path, dry_run=dry_run)
    emit(summary, as_json, _print_load)


def demo(
    size: Annotated[
        str,
        typer.Option(
            metavar="SIZE", help="small (3 locations, 15 techs), medium (8, 120) or large (25, 1000)."
        ),
    ] = "small",
    seed: Annotated[int, typer.Option(metavar="N", help="Same seed, same company.")] = 7,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", metavar="DATE", help="First appointment day (YYYY-MM-DD); default: next Monday."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a realistic synthetic company on real US ZIPs (migrates the database first)."""
    import datetime as dt

    from routing.cli.output import emit
    from routing.company.demo import SIZES, run_demo
    from routing.errors import BadInput

    if size not in SIZES:
        raise BadInput(f"--size must be one of {', '.join(SIZES)}, not {size!r}.")
    first_day = None
    if start is not None:
        try:
            first_day = dt.date.fromisoformat(start)
        except ValueError:
            raise BadInput(f"--start {start!r} is not a date (YYYY-MM-DD).") from None
    summary = run_demo(size=size, seed=seed, start=first_day)
    emit(summary, as_json, _print_counts)


def schema(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE|FOLDER",
            help="Write to this file (or company-schema.json in this existing folder) instead of stdout.",
        ),
    ] = None,
) -> None:
    """Print the company file's JSON Schema."""
    import json

    from routing.company.schema import json_schema
    from routing.reports.service import output_file

    text = json.dumps(json_schema(), indent=2)
    if out:
        output_file(out, "company-schema.json").write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@settings_app.command("show")
def settings_show(as_json: JsonOpt = False) -> None:
    """Show the company settings and whether the auto-scheduler is available."""
    from routing.company.settings import get_company_settings
    from routing.db.session import session_factory

    with session_factory(initialised_engine()).begin() as session:
        settings = get_company_settings(session)
    _emit_settings(settings, as_json)


@settings_app.command("set")
def settings_set(
    key: Annotated[str, typer.Argument(metavar="KEY", help="Setting name, e.g. auto_assign_on_create.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="New value: true/false, a number or text.")],
    as_json: JsonOpt = False,
) -> None:
    """Change one company setting (validated; nothing changes on a bad value)."""
    from routing.company.settings import set_company_setting
    from routing.db.session import session_factory

    with session_factory(initialised_engine()).begin() as session:
        settings = set_company_setting(session, key, value)
    _emit_settings(settings, as_json)


def _emit_settings(settings: Any, as_json: bool) -> None:
    """The settings document (with whether the auto-scheduler is available), as JSON or lines."""
    from routing.cli.output import emit
    from routing.company.settings import scheduler_availability

    availability = scheduler_availability(settings)
    document = {
        "settings": settings.model_dump(),
        "scheduler_available": availability.available,
        "scheduler_unavailable_reason": availability.reason,
    }
    emit(document, as_json, _print_settings)


def _print_settings(document: dict[str, Any]) -> None:
    from routing.cli.output import console, print_kv

    print_kv("Company settings", document["settings"])
    if document["scheduler_available"]:
        console().print("Auto-scheduler: available")
    else:
        console().print(
            f"Auto-scheduler: unavailable. {document['scheduler_unavailable_reason']}", markup=False
        )


def _print_load(document: dict[str, Any]) -> None:
    from rich.text import Text

    from routing.cli.output import console, print_table

    rows = [
        {
            "entity": entity,
            "created": document["created"][entity],
            "updated": document["updated"][entity],
            "unchanged": document["unchanged"][entity],
        }
        for entity in document["created"]
        if document["created"][entity] or document["updated"][entity] or document["unchanged"][entity]
    ]
    print_table(document["title"], rows, ["entity", "created", "updated", "unchanged"])
    changed = any(r["created"] or r["updated"] for r in rows)
    if document["dry_run"]:
        console().print(Text("Dry run: nothing was written."))
    elif not changed:
        console().print(Text("Nothing changed: the database already matches the file."))


def _print_counts(document: dict[str, Any]) -> None:
    from routing.cli.output import print_kv

    print_kv(document.get("title", "Done"), {k: v for k, v in document.items() if k != "title"})
