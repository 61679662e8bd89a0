"""Auto-assign-on-create: appointments booked through the application are assigned at once by
the same engine (trigger ``on_create``). The company loader calls this after its transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from routing.company.settings import get_company_settings
from routing.db.base import utcnow
from routing.db.company import Appointment
from routing.scheduling.inputs import Params

if TYPE_CHECKING:
    from routing.scheduling.service import RunResult

log = logging.getLogger(__name__)


def assign_on_create(
    engine: Engine, appointment_ids: Sequence[int], *, now: dt.datetime | None = None
) -> RunResult | None:
    """Run the engine on exactly these appointments when auto-assign-on-create is on; else None."""
    from routing.scheduling.service import execute_run, resolve_scope

    ids = sorted(set(int(i) for i in appointment_ids))
    if not ids:
        return None
    now = now or utcnow()
    with Session(engine) as session:
        settings = get_company_settings(session)
        if not (settings.auto_assign_on_create and settings.slot_scheduling_enabled):
            log.info("auto_assign_on_create is off: %d new appointments stay unassigned", len(ids))
            return None
        dates = (
            session.execute(
                select(Appointment.date).where(Appointment.id.in_(ids)).order_by(Appointment.date)
            )
            .scalars()
            .all()
        )
        if not dates:
            return None
        scope = resolve_scope(
            session,
            settings,
            now,
            locations=None,
            techs=None,
            date_from=dates[0],
            date_to=dates[-1],
            appointment_ids=ids,
        )
    return execute_run(
        engine, scope, settings, Params(strategy="greedy"), dry_run=False, trigger="on_create", now=now
    )
