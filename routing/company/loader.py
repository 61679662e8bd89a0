"""``routing load FILE``: read, validate, check references, plan and write a company in one transaction.

read (``reader``) -> parse (``validation``) -> snapshot the database (``snapshot``) -> check
references (``references``) and plan (``plan``, pure) -> apply (``upsert``, one transaction).
Any problem raises before the first write: ``BadInput`` for an unreadable file (exit 2),
``ValidationFailed`` listing every problem for invalid content (exit 1).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from routing.company.plan import ENTITIES, LoadPlan, plan_load
from routing.company.reader import read_company_data
from routing.company.references import KnownKeys, check_references
from routing.company.schema import CompanyFile
from routing.company.snapshot import Snapshot, read_snapshot
from routing.company.upsert import apply_plan
from routing.company.validation import LenientParse, parse_company_lenient, raise_field_errors
from routing.db.base import utcnow
from routing.zips.apply import lock_mapping

log = logging.getLogger(__name__)

ASSIGN_ON_CREATE_MODULE = "routing.scheduling.on_create"


@dataclass(frozen=True)
class LoadSummary:
    """What a load created, updated and left unchanged, per entity (settings, locations, ...)."""

    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    dry_run: bool = False
    new_appointment_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the load created or updated anything."""
        return any(self.created.values()) or any(self.updated.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able counts: ``{dry_run, created: {entity: n}, updated, unchanged, new_appointments}``."""
        return {
            "dry_run": self.dry_run,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "new_appointments": len(self.new_appointment_ids),
        }


def load_company_path(path: Path, *, dry_run: bool = False) -> dict[str, Any]:
    """Load the company file at ``path`` into the settings' database; returns a JSON-able summary."""
    from routing.db.session import get_engine

    path = Path(path)
    data = read_company_data(path)
    parsed = parse_company_lenient(data)
    summary = _load(get_engine(), parsed, dry_run=dry_run, name=str(path))
    return {
        "title": f"{'Checked' if dry_run else 'Loaded'} {path.name}",
        "file": str(path),
        **summary.to_dict(),
    }


def load_company(
    engine: Engine, company: CompanyFile, *, dry_run: bool = False, name: str = "company file"
) -> LoadSummary:
    """Validate ``company`` against itself and the database, then write it in one transaction."""
    return _load(engine, LenientParse(company), dry_run=dry_run, name=name)


def _load(engine: Engine, parsed: LenientParse, *, dry_run: bool, name: str) -> LoadSummary:
    """Check everything (raising with every problem), migrate if needed, write, run the hook.

    A database never initialised, or at an older revision, is migrated to the newest one first
    (as ``routing init`` would); a dry run migrates nothing.
    """
    from routing.db import migrate

    revision = migrate.current_revision(engine)
    if revision is None:
        plan = check_and_plan(parsed, Snapshot(), name=name)
        if dry_run:
            return _summary(plan, dry_run=True)
        log.info("Database %s is not initialised; migrating it first", migrate.describe(engine))
        migrate.upgrade(engine)
    elif revision != migrate.HEAD_REVISION and not dry_run:
        log.info(
            "Database %s is at revision %s; migrating it to %s first",
            migrate.describe(engine),
            revision,
            migrate.HEAD_REVISION,
        )
        migrate.upgrade(engine)  # BadInput for a revision newer than this version knows
    with engine.begin() as conn:
        if not dry_run:
            # The zip mapping's write lock first: the snapshot (and the old values the zip import
            # log records) must be what this transaction overwrites, not what a concurrent zip
            # import replaced in between. On SQLite this opens the (single) write transaction.
            lock_mapping(conn)
        plan = check_and_plan(parsed, read_snapshot(conn), name=name)
        if dry_run:
            return _summary(plan, dry_run=True)
        new_ids = apply_plan(conn, plan, utcnow(), file_name=name)
    summary = _summary(plan, dry_run=False, new_appointment_ids=new_ids)
    log.info("Loaded %s: created %s, updated %s", name, summary.created, summary.updated)
    assign_on_create_hook(engine, summary)
    return summary


def check_and_plan(parsed: LenientParse, snapshot: Snapshot, *, name: str = "company file") -> LoadPlan:
    """All reference checks and the plan; raises ValidationFailed with every problem found.

    ``parsed`` may come from a lenient parse that left invalid items out: their schema errors are
    reported with the rest, their keys count as known, and later paths point into the original file.
    """
    from routing.geo import zip_table

    unparsed = parsed.unparsed_keys
    none: frozenset[str] = frozenset()
    known = KnownKeys(
        locations=frozenset(snapshot.locations) | unparsed.get("locations", none),
        work_order_types=frozenset(snapshot.work_order_types) | unparsed.get("work_order_types", none),
        techs=frozenset(snapshot.techs) | unparsed.get("techs", none),
        customers=frozenset(snapshot.customers) | unparsed.get("customers", none),
        us_zips=frozenset(zip_table()["zip"].to_list()),
    )
    errors = check_references(parsed.company, known)
    plan = plan_load(parsed.company, snapshot)
    raise_field_errors(name, [*parsed.errors, *parsed.renumber([*errors, *plan.errors])])
    return plan


def assign_on_create_hook(engine: Engine, summary: LoadSummary) -> None:
    """With ``auto_assign_on_create`` on, hand the new appointments to the scheduler.

    Calls ``routing.scheduling.on_create.assign_on_create(engine, appointment_ids)`` (imported
    lazily); in an installation without the scheduler the appointments stay unassigned, with a warning.
    """
    if not summary.new_appointment_ids:
        return
    from routing.company.settings import get_company_settings
    from routing.db.session import session_factory

    with session_factory(engine)() as session:
        settings = get_company_settings(session)
    if not settings.auto_assign_on_create:
        return
    try:
        module = importlib.import_module(ASSIGN_ON_CREATE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ASSIGN_ON_CREATE_MODULE:
            raise
        log.warning(
            "auto_assign_on_create is on but %s is not available: %d new appointments stay unassigned",
            ASSIGN_ON_CREATE_MODULE,
            len(summary.new_appointment_ids),
        )
        return
    module.assign_on_create(engine, list(summary.new_appointment_ids))


def _summary(plan: LoadPlan, *, dry_run: bool, new_appointment_ids: list[int] | None = None) -> LoadSummary:
    return LoadSummary(
        created=plan.counts("created"),
        updated=plan.counts("updated"),
        unchanged=plan.counts("unchanged"),
        dry_run=dry_run,
        new_appointment_ids=list(new_appointment_ids or []),
    )


__all__ = [
    "ENTITIES",
    "LoadSummary",
    "assign_on_create_hook",
    "check_and_plan",
    "load_company",
    "load_company_path",
]
