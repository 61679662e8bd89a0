"""``routing serve``: run the deployments on their schedules on this machine (Ctrl-C stops)."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    port: Annotated[
        int, typer.Option(help="Port of the local Prefect server (when PREFECT_API_URL is not set).")
    ] = 4200,
    host: Annotated[str, typer.Option(help="Address the local Prefect server listens on.")] = "127.0.0.1",
    limit: Annotated[int | None, typer.Option(help="At most this many flow runs at once.")] = None,
) -> None:
    """Serve the flows on their schedules, with a local Prefect server unless PREFECT_API_URL is set.

    The scheduler deployment is served inactive (schedule paused) while the company settings make
    the auto-scheduler unavailable; `routing settings show` says why. Ctrl-C stops everything.
    """
    timezone, reason = _company_schedule_facts()  # first: a missing database creates no Prefect home
    from flows import configure_prefect_environment
    from flows.deployments import DEFAULT_TIMEZONE, deployment_specs, serving_plan
    from routing.cli.output import err_console

    configure_prefect_environment()
    out = err_console()
    plan = serving_plan(deployment_specs(), scheduler_unavailable_reason=reason)

    server = None
    if not os.environ.get("PREFECT_API_URL"):
        from pathlib import Path

        from flows.local_server import ServerStartError, start_local_server
        from routing.errors import BadInput

        out.print(f"Starting a local Prefect server on {host}:{port} (SQLite in PREFECT_HOME)...")
        try:
            server = start_local_server(home=Path(os.environ["PREFECT_HOME"]), host=host, port=port)
        except ServerStartError as exc:
            raise BadInput(str(exc)) from None
        os.environ["PREFECT_API_URL"] = server.api_url
        ui_url = server.ui_url
    else:
        ui_url = os.environ["PREFECT_API_URL"].removesuffix("/").removesuffix("/api")
    try:
        deployments = [_to_deployment(item, timezone or DEFAULT_TIMEZONE) for item in plan]
        out.print(f"Prefect UI: {ui_url}", markup=False)
        for item in plan:
            when = f"cron {item.spec.cron} ({timezone})" if item.spec.cron else "manual runs only"
            state = "active" if item.active else "INACTIVE"
            out.print(f"  {item.spec.full_name}: {when}, {state}", markup=False)
            if item.inactive_reason:
                out.print(f"    why: {item.inactive_reason}", markup=False)
        out.print("Serving; press Ctrl-C to stop.")
        from prefect import serve as prefect_serve

        prefect_serve(*deployments, print_starting_message=False, limit=limit)
    finally:
        if server is not None:
            server.stop()
            out.print("Local Prefect server stopped.")


def _company_schedule_facts() -> tuple[str, str | None]:
    """The company time zone and, when the gate is closed, the reason (None when it is open)."""
    from routing.cli.database import initialised_engine
    from routing.company.settings import get_company_settings, scheduler_availability
    from routing.db.session import session_factory

    with session_factory(initialised_engine()).begin() as session:
        settings = get_company_settings(session)
    return settings.timezone, scheduler_availability(settings).reason


def _to_deployment(item: Any, timezone: str) -> Any:
    """A Prefect runner deployment for one served deployment (module-path entrypoint)."""
    import importlib

    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    module_name, _, flow_attr = item.spec.entrypoint.rpartition(".")
    flow = getattr(importlib.import_module(module_name), flow_attr)
    schedules = [Cron(item.spec.cron, timezone=timezone)] if item.spec.cron else []
    return flow.to_deployment(
        name=item.spec.name,
        schedules=schedules,
        paused=not item.active,
        description=item.spec.description,
        tags=list(item.spec.tags),
        parameters=item.spec.parameters,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
