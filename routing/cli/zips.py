"""Commands for the zip -> location mapping (``routing zips``)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from routing.cli.database import initialised_engine
from routing.cli.output import JsonOpt
from routing.words import plural

zips_app = typer.Typer(
    help="Maintain the zip -> location mapping: import spreadsheets, edit rows, find unmapped zips.",
    no_args_is_help=True,
)

_SHOWN_ISSUES = 50
_CHANGES_TITLE = {"applied": "Updated (old -> new)", "previewed": "Would update (old -> new)"}
EMPTY = ""  # how an empty value is shown: blank, as in every table


def register(app: typer.Typer) -> None:
    app.add_typer(zips_app, name="zips")


@zips_app.command("import")
def import_(
    path: Annotated[
        str,
        typer.Argument(
            metavar="PATH|-",
            help="CSV/TSV/semicolon text, an .xlsx workbook, or - to read a paste from stdin.",
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Preview only; write nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import mapping rows: validate, preview, apply on confirmation (exit 1: errors or nothing applied)."""
    from routing.cli.output import emit, err_console
    from routing.zips import service

    engine = initialised_engine()
    source = service.source_from_path(path)
    preview = service.preview_import(engine, source, record=not yes or dry_run)
    if not preview.ok:
        emit(preview.summary(compact=True), as_json, _print_import)
        raise typer.Exit(1)
    if dry_run:
        emit(preview.summary(compact=True), as_json, _print_import)
        return
    confirmed = yes or not (preview.new or preview.updated)
    if not confirmed and path != "-" and sys.stdin.isatty():
        with contextlib.redirect_stdout(sys.stderr):  # the preview's tables too: stdout is the outcome's
            _print_import(preview.summary(compact=True))
        question = f"Apply {preview.new} new and {preview.updated} updated zips?"
        if not typer.confirm(question, default=False, err=True):
            rejected = service.reject_import(engine, preview, note="declined at the prompt")
            emit(rejected.summary(compact=True), as_json, _print_import)
            raise typer.Exit(1)
        confirmed = True
    if not confirmed:
        emit(preview.summary(compact=True), as_json, _print_import)
        err_console().print(
            f"Nothing applied: import {preview.import_id} is previewed. Re-run with --yes to apply it "
            "(--dry-run only previews).",
            markup=False,
        )
        raise typer.Exit(1)
    emit(service.apply_import(engine, preview).summary(compact=True), as_json, _print_import)


@zips_app.command("set")
def set_(
    zip_code: Annotated[str, typer.Argument(metavar="ZIP", help="5-digit zip.")],
    location: Annotated[
        str | None,
        typer.Option(
            "--location",
            "-l",
            help="Location code, name or city. Needed for a new zip; a mapped zip keeps its location.",
        ),
    ] = None,
    territory: Annotated[str | None, typer.Option(help="Territory ('' clears it).")] = None,
    sales_rep: Annotated[str | None, typer.Option("--sales-rep", help="Sales rep ('' clears it).")] = None,
    work_order_territory: Annotated[
        str | None, typer.Option("--work-order-territory", help="Work-order territory ('' clears it).")
    ] = None,
    notes: Annotated[str | None, typer.Option(help="Notes ('' clears them).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or change one zip's row (validated like an import row; options left out stay as they are,
    the location too for a zip already mapped)."""
    from routing.cli.output import emit
    from routing.zips import manager

    given = {
        "territory": territory,
        "sales_rep": sales_rep,
        "work_order_territory": work_order_territory,
        "notes": notes,
    }
    values = {key: value for key, value in given.items() if value is not None}
    row = manager.set_zip(initialised_engine(), zip_code, location, values)
    emit(row, as_json, lambda d: _print_row(f"Zip {d['zip']} {d['action']} (import {d['import_id']})", d))


@zips_app.command("delete")
def delete(
    zip_code: Annotated[str, typer.Argument(metavar="ZIP", help="5-digit zip.")],
    as_json: JsonOpt = False,
) -> None:
    """Delete one zip's row (recorded)."""
    from routing.cli.output import emit
    from routing.zips import manager

    row = manager.delete_zip(initialised_engine(), zip_code)
    emit(row, as_json, lambda d: _print_row(f"Zip {d['zip']} deleted (import {d['import_id']})", d))


@zips_app.command("list")
def list_(
    location: Annotated[
        str | None, typer.Option("--location", "-l", help="Only this location (code or name).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the rows to a .csv or .xlsx file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List mapping rows in zip order."""
    from routing.cli.output import emit
    from routing.zips import manager

    engine = initialised_engine()
    rows = manager.list_zips(engine, location)
    document: dict[str, Any] = {"rows": rows}
    if out is not None:
        manager.export_mapping(engine, out, location)
        document["file"] = str(out)
    emit(document, as_json, _print_rows)


@zips_app.command("unmapped")
def unmapped(
    template: Annotated[
        Path | None,
        typer.Option("--template", help="Write a fill-in sheet (.csv or .xlsx) that imports back."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Zips that customers and leads use but the mapping lacks, most customers and leads first."""
    from routing.cli.output import emit
    from routing.zips import manager

    engine = initialised_engine()
    frame = manager.write_unmapped_template(engine, template) if template else manager.unmapped_zips(engine)
    document: dict[str, Any] = {"rows": frame.to_dicts()}
    if template is not None:
        document["template"] = str(template)
    emit(document, as_json, _print_unmapped)


@zips_app.command("imports")
def imports(
    import_id: Annotated[
        int | None, typer.Argument(help="Show this import with its errors and changes.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many recent imports to list.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List recorded imports and edits (newest first), or show one."""
    from routing.cli.output import emit
    from routing.zips import manager

    engine = initialised_engine()
    if import_id is not None:
        emit(manager.get_import(engine, import_id), as_json, _print_import)
        return
    emit({"imports": manager.list_imports(engine, limit)}, as_json, _print_imports)


def _print_imports(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, DayFormat, print_table

    days = DayFormat.of(i["created_at"] for i in document["imports"])
    rows = [
        {**i, "when": days.minute(i["created_at"]), "file": i["file_name"] and Path(i["file_name"]).name}
        for i in document["imports"]
    ]
    print_table(
        days.titled("Zip imports"),
        rows,
        [
            Column("import_id", "id", "right", keep=True),
            Column("when", "when", keep=True, wide_header="created"),
            Column("kind", "kind", keep=True),
            Column("status", "status", keep=True),
            Column("file_name", "file", wide=True),
            Column("file", "file", wide=False),
            Column("actor", "actor", wide=True),
            Column("rows", "rows", "right", keep=True),
            Column("new", "new", "right", keep=True),
            Column("updated", "upd", "right", keep=True, wide_header="updated"),
            Column("error_count", "err", "right", keep=True, wide_header="errors"),
        ],
        narrow_caption="upd: updated, err: errors (routing zips imports ID shows them).\n"
        "file: its name; a wider terminal (or --json) adds its path and the actor.",
    )


def _print_import(document: dict[str, Any]) -> None:
    from rich.text import Text

    from routing.cli.output import Column, console, print_table
    from routing.zips.service import rejected_message

    out = console()
    errors, warnings = document.get("errors") or [], document.get("warnings") or []
    counted = f"{plural(len(errors), 'error')}, {plural(len(warnings), 'warning')}"
    if document["status"] == "rejected":  # its counts are the declined preview's
        note = f" Note: {document['note']}." if document.get("note") else ""
        headline = f"{rejected_message(document)} {plural(document['rows'], 'row')}, {counted}.{note}"
    else:
        headline = (
            f"Import {document['import_id']} ({document.get('kind', 'import')}): {document['status']} — "
            f"{plural(document['rows'], 'row')}: {document['new']} new, {document['updated']} updated, "
            f"{document['unchanged']} unchanged, {counted}"
        )
    out.print(Text(headline, style="bold"))
    for title, issues in (("Errors", errors), ("Warnings", warnings)):
        if issues:
            print_table(
                title,
                issues[:_SHOWN_ISSUES],
                [
                    Column("row", "row", "right", keep=True),
                    Column("column", "column"),
                    Column("value", "value"),
                    Column("code", "code", keep=True),
                    Column("message", "message"),
                ],
            )
            if len(issues) > _SHOWN_ISSUES:
                out.print(f"... and {len(issues) - _SHOWN_ISSUES} more (use --json for all)", markup=False)
    changed = [
        {"zip": c["zip"], "field": f, "old": v.get("old"), "new": v.get("new")}
        for c in document.get("changes") or []
        if c.get("action") == "updated"
        for f, v in c["fields"].items()
    ]
    if changed:
        print_table(
            _CHANGES_TITLE.get(document["status"], "Not written (old -> new)"),
            changed[:_SHOWN_ISSUES],
            [
                Column("zip", "zip", keep=True),
                Column("field", "field"),
                Column("old", "old"),
                Column("new", "new"),
            ],
        )
        if len(changed) > _SHOWN_ISSUES:
            out.print(f"... and {len(changed) - _SHOWN_ISSUES} more field changes (use --json)", markup=False)


def _print_row(title: str, document: dict[str, Any]) -> None:
    from routing.cli.output import print_kv

    keys = ("zip", "location", "territory", "sales_rep", "work_order_territory", "notes")
    print_kv(title, {k: _shown(document.get(k)) for k in keys})
    for warning in document.get("warnings") or []:
        typer.echo(f"warning: {warning['message']}", err=True)


def _shown(value: Any) -> Any:
    """A value for the human output: an empty one (None) as blank, never 'None'."""
    return EMPTY if value is None else value


def _print_rows(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, console, print_table

    rows = document["rows"]
    columns = [
        Column("zip", "zip", keep=True),
        Column("location", "loc", keep=True, wide_header="location"),
        Column("territory", "territory"),
        Column("sales_rep", "sales rep"),
        Column("work_order_territory", "wo territory", wide_header="work-order territory"),
        Column("notes", "notes"),
    ]
    print_table(f"Zip mapping ({len(rows)} rows)", rows[:500], columns)
    if len(rows) > 500:
        console().print(f"... and {len(rows) - 500} more (use --json or --out FILE)", markup=False)
    if document.get("file"):
        console().print(f"Written to {document['file']}", markup=False)


def _print_unmapped(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, console, print_table

    rows = document["rows"]
    print_table(
        f"Unmapped zips in use ({len(rows)})",
        rows[:200],
        [
            Column("zip", "zip", keep=True),
            Column("customers", "customers", "right", keep=True),
            Column("leads", "leads", "right", keep=True),
        ],
    )
    if len(rows) > 200:
        console().print(f"... and {len(rows) - 200} more (use --json)", markup=False)
    if document.get("template"):
        console().print(f"Fill-in template written to {document['template']}", markup=False)
