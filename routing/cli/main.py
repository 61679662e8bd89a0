"""Entry point: ``routing --help`` lists everything; errors become one sentence and an exit code."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer

from routing.cli import company

app = typer.Typer(
    name="routing",
    help=(
        "Tech Scheduling & Routing: auto-assign technicians to slot appointments with an audit log "
        "that explains every decision, and maintain the zip -> location mapping.\n\n"
        "Database: ROUTING_DATABASE_URL (any SQLAlchemy URL), else a SQLite file in ROUTING_DATA_DIR "
        "(default ./data). Exit codes: 0 ok, 1 validation errors (nothing applied), "
        "2 bad usage or unreadable input, 3 switched off by company settings."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
company.register(app)


def _register_optional() -> None:
    """Attach command groups whose modules exist (they are developed independently)."""
    import importlib

    for module_name in (
        "routing.cli.schedule",
        "routing.cli.zips",
        "routing.cli.leads",
        "routing.cli.report",
        "routing.cli.serve",
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(app)


_register_optional()


def main() -> None:
    """Run the CLI, mapping domain errors to DESIGN.md's exit codes."""
    from routing.errors import RoutingError

    as_json = "--json" in sys.argv
    try:
        # Not standalone: usage errors reach this function, so that with --json they print the JSON
        # error document too (exit 2); without it they print as click prints them.
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # unknown option, missing argument, bad choice...
        show = getattr(exc, "show", None)  # click's exceptions print usage and hint themselves
        if as_json or show is None:
            _fail(exc.format_message(), exc.exit_code, as_json, [])
        show()
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        _fail("Aborted.", 1, as_json, [])
    except RoutingError as exc:
        _fail(exc.message, exc.exit_code, as_json, exc.details, exc.extra)
    except KeyboardInterrupt:
        _fail("Interrupted.", 130, as_json, [])
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            _fail(_database_failure(exc), 2, as_json, [])
        raise
    raise SystemExit(code if isinstance(code, int) else 0)


def _database_failure(exc: Any) -> str:
    """One sentence for an error the database driver raised, with the password masked.

    A missing table or column usually means the schema is older than this version: then the
    sentence is the revision check's ("... run `routing init`."), when it finds a problem.
    """
    from sqlalchemy.exc import ProgrammingError

    from routing.config import get_settings, mask_url, masked_error_line, url_password

    raw_url = get_settings().resolved_database_url
    if exc.orig is not None and str(exc.orig).strip():
        reason = masked_error_line(exc.orig, url_password(raw_url))
    else:
        reason = type(exc).__name__
    if isinstance(exc, ProgrammingError) or reason.startswith(("no such table", "no such column")):
        problem = _schema_problem()
        if problem:
            return f"{problem} Database error: {reason}"
    return f"Cannot use the database {mask_url(raw_url)}: {reason}"


def _schema_problem() -> str | None:
    """The revision check's sentence for the settings' database; None when current or unreadable."""
    try:
        from routing.db import migrate
        from routing.db.session import get_engine

        return migrate.schema_problem(get_engine())
    except Exception:
        return None


def _fail(
    message: str, code: int, as_json: bool, details: list[Any], extra: dict[str, Any] | None = None
) -> NoReturn:
    """Print the error (with --json: the document ``{error, exit_code, errors, **extra}``) and exit."""
    if as_json:
        from routing.cli.output import print_json

        print_json({"error": message, "exit_code": code, "errors": details, **(extra or {})})
    else:
        from routing.cli.output import err_console

        out = err_console()
        out.print(f"[red]Error:[/red] {_escape(message)}", soft_wrap=True)
        for detail in details[:50]:
            out.print(f"  - {_escape(str(detail.get('message', detail)))}", soft_wrap=True)
        if len(details) > 50:
            out.print(f"  ... and {len(details) - 50} more")
    raise SystemExit(code)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


if __name__ == "__main__":
    main()
