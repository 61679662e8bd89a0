"""The main job (``make demo``): demo company -> zip-import flow -> scheduler flow -> audit report.

Runs on the embedded default (SQLite in the data folder) with Prefect's temporary local server,
offline. Safe to run again: the demo load and the sample import change nothing the second time,
and the scheduler run picks up whatever is still unassigned.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Any

SAMPLE_ZIPS = Path(__file__).resolve().parents[1] / "examples" / "zip-relations-sample.csv"
DEMO_SIZE, DEMO_SEED = "small", 7


def run_loop(start: dt.date | None = None, sample: Path = SAMPLE_ZIPS) -> dict[str, Any]:
    """Demo company, sample zip import (apply), scheduler run with its report; returns what happened."""
    from flows import configure_prefect_environment

    configure_prefect_environment()
    from flows._prefect_env import in_process_settings
    from flows.parameters import SchedulerScope, ZipImportRequest
    from flows.tech_scheduler import tech_scheduler
    from flows.zip_import import zip_import
    from routing.company.demo import run_demo

    demo = _existing_company() or run_demo(size=DEMO_SIZE, seed=DEMO_SEED, start=start)
    first_day = dt.date.fromisoformat(demo["start"])
    with in_process_settings():
        imported = zip_import(
            ZipImportRequest(path=str(sample), mode="apply", actor="demo"), return_state=True
        )
        scope = SchedulerScope(date_from=first_day, date_to=first_day + dt.timedelta(days=6))
        scheduled = tech_scheduler(scope, return_state=True)
    return {
        "demo": demo,
        "zip_import": _outcome(imported),
        "scheduler": _outcome(scheduled),
    }


def _existing_company() -> dict[str, Any] | None:
    """What the database already holds (a second run reuses it), or None when it has no company."""
    from sqlalchemy import func, select

    from routing.db import migrate
    from routing.db.session import get_engine
    from routing.db.tables import Appointment, Location, Technician

    engine = get_engine()
    if not migrate.is_initialised(engine):
        return None
    migrate.upgrade(engine)  # a database an older version migrated is brought to the newest revision
    with engine.connect() as conn:
        locations = conn.execute(select(func.count()).select_from(Location)).scalar_one()
        techs = conn.execute(select(func.count()).select_from(Technician)).scalar_one()
        appointments, first_day = conn.execute(select(func.count(), func.min(Appointment.date))).one()
    if not locations or not appointments:
        return None
    return {
        "locations": locations,
        "techs": techs,
        "appointments": appointments,
        "start": first_day.isoformat() if isinstance(first_day, dt.date) else str(first_day),
        "database": migrate.describe(engine),
        "reused": True,
    }


def _outcome(state: Any) -> dict[str, Any]:
    data = state.result(raise_on_failure=False) if state.is_completed() else None
    return {
        "ok": bool(state.is_completed()),
        "state": state.name,
        "message": state.message,
        "result": data if isinstance(data, dict) else None,
    }


def _print(outcome: dict[str, Any], ui_url: str) -> None:
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    demo = outcome["demo"]
    kind = "Company already in the database (reused)" if demo.get("reused") else "Demo company"
    out.print(
        f"{kind}: {demo['locations']} locations, {demo['techs']} techs, {demo['appointments']} "
        f"appointments from {demo['start']} ({demo['database']})",
        markup=False,
    )
    for name in ("zip_import", "scheduler"):
        step = outcome[name]
        out.print(f"{name.replace('_', ' ').capitalize()}: {step['state']}. {step['message']}", markup=False)
    report = (outcome["scheduler"]["result"] or {}).get("report")
    if report:
        out.print(f"Audit report: {report}", markup=False)
    out.print(
        f"Prefect UI: run `routing serve`, then open {ui_url} (flow runs tech-scheduler and zip-import).",
        markup=False,
    )


def main() -> int:
    """Run the loop and print where the report and the Prefect UI are; exit 1 when a step failed."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)  # also for libraries that set their own loggers to INFO (GX)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    from flows.local_server import DEFAULT_HOST, DEFAULT_PORT
    from routing.errors import RoutingError

    try:
        outcome = run_loop()
    except RoutingError as exc:  # e.g. a database a newer version migrated: one sentence, its exit code
        print(f"Error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    _print(outcome, f"http://{DEFAULT_HOST}:{DEFAULT_PORT}")
    return 0 if outcome["zip_import"]["ok"] and outcome["scheduler"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
