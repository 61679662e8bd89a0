"""Commands for routing leads and customers through the zip mapping (``routing leads``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from routing.cli.database import initialised_engine
from routing.cli.output import JsonOpt

leads_app = typer.Typer(
    help="Route leads and customers through the zip mapping; lead queue groups.", no_args_is_help=True
)
queues_app = typer.Typer(help="Lead queue groups: priority and matching criteria.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    leads_app.add_typer(queues_app, name="queues")
    app.add_typer(leads_app, name="leads")


@leads_app.command("route")
def route_(
    unrouted: Annotated[
        bool,
        typer.Option(
            "--unrouted/--all",
            help="--unrouted (default): parties with no location yet and leads with no queue; "
            "--all: every customer and lead (explicit values are always kept).",
        ),
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Fill locations (and sales rep / territory) from the zip mapping, then assign lead queue groups."""
    from routing.cli.output import emit, print_kv
    from routing.leads.route import route

    summary = route(initialised_engine(), scope="unrouted" if unrouted else "all")
    emit(summary, as_json, lambda d: print_kv("Routed", _as_dict(d)))


@queues_app.command("list")
def queues_list(as_json: JsonOpt = False) -> None:
    """Lead queue groups in routing order, with how many leads each routes (and holds)."""
    from routing.cli.output import emit
    from routing.leads.route import list_queue_groups

    emit({"groups": list_queue_groups(initialised_engine())}, as_json, _print_groups)


@queues_app.command("set")
def queues_set(
    name: Annotated[str, typer.Argument(help="Group name (created when new).")],
    priority: Annotated[int | None, typer.Option(help="1 routes first (1-9).")] = None,
    zips: Annotated[
        list[str] | None, typer.Option("--zip", help="5-digit zip or 3-digit prefix (repeatable).")
    ] = None,
    territories: Annotated[
        list[str] | None, typer.Option("--territory", help="Territory (repeatable).")
    ] = None,
    location: Annotated[str | None, typer.Option(help="Location code or name.")] = None,
    lead_source: Annotated[str | None, typer.Option("--lead-source", help="Lead source, e.g. web.")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace all criteria instead of merging.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create or change a lead queue group (criteria given replace those criteria)."""
    from routing.cli.output import emit
    from routing.leads.route import set_queue_group

    criteria = {
        "zips": zips or [],
        "territories": territories or [],
        "location": location,
        "lead_source": lead_source,
    }
    group = set_queue_group(
        initialised_engine(), name, priority=priority, criteria=criteria, replace_criteria=replace
    )
    emit(group, as_json, lambda d: _print_groups({"groups": [d]}))


@queues_app.command("delete")
def queues_delete(name: Annotated[str, typer.Argument(help="Group name.")], as_json: JsonOpt = False) -> None:
    """Delete a lead queue group (its leads lose it until the next `routing leads route`)."""
    from routing.cli.output import emit
    from routing.leads.route import delete_queue_group

    emit(delete_queue_group(initialised_engine(), name), as_json, lambda d: _print_groups({"groups": [d]}))


def _as_dict(document: Any) -> dict[str, Any]:
    from routing.cli.output import to_jsonable

    return dict(to_jsonable(document))


def _criteria_text(criteria: dict[str, Any]) -> str:
    """``location BOS · lead_source web · zips 021, 02134`` for the criteria that are set; ``any`` if none."""
    parts = []
    for key, value in criteria.items():
        if value in (None, "", [], {}):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{key} {shown}")
    return " · ".join(parts) or "any"


def _print_groups(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, print_table

    rows = [{**g, "criteria": _criteria_text(g["criteria"] or {})} for g in document["groups"]]
    print_table(
        "Lead queue groups",
        rows,
        [
            Column("priority", "prio", "right", keep=True, wide_header="priority"),
            Column("name", "name"),
            Column("criteria", "criteria"),
            Column("leads", "leads", "right", keep=True),
            Column("members", "members", "right", keep=True),
        ],
    )
