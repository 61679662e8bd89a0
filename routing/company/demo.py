"""``routing demo``: a realistic synthetic alarm/security installer on real US ZIPs.

``build_demo_company`` is pure (same size, seed and start give the same ``CompanyFile``);
``run_demo`` is the shell that migrates the database and loads the company.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.company.schema import CompanyFile

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSize:
    """How big a demo company is: branches, techs, and appointments over ``days`` weekdays."""

    name: str
    locations: int
    techs: int
    unassigned: int  # exactly this many unassigned appointments
    booked: int  # plus up to this many already booked with a technician
    days: int = 5


SIZES: dict[str, DemoSize] = {
    "small": DemoSize("small", locations=3, techs=15, unassigned=135, booked=18),
    "medium": DemoSize("medium", locations=8, techs=120, unassigned=1_780, booked=220),
    "large": DemoSize("large", locations=25, techs=1_000, unassigned=10_000, booked=1_200),
}

# one independent random stream per section, so a change in one section leaves the others alone
_TECHS, _DEMAND, _BOOKING, _UNMAPPED, _ZIPS, _LEADS = range(1, 7)


def _rng(seed: int, section: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng([seed % 2**63, int(seed < 0), section])


def business_days(start: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` weekdays (Mon-Fri) on or after ``start``."""
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def next_monday(today: dt.date) -> dt.date:
    """The Monday after ``today`` (a week later when today is a Monday)."""
    return today + dt.timedelta(days=7 - today.weekday())


def build_demo_company(size: str, seed: int, start: dt.date) -> CompanyFile:
    """The demo company of ``size`` for ``seed``, with appointments on the 5 weekdays from ``start``."""
    from routing.company import demo_setup as setup
    from routing.company.demo_booking import booked_appointments
    from routing.company.demo_data import ANCHORS
    from routing.company.demo_demand import Book, unassigned_demand
    from routing.company.demo_geo import anchor_rows, service_areas
    from routing.company.demo_techs import allocate, make_techs

    if size not in SIZES:
        raise ValueError(f"demo size must be one of {', '.join(SIZES)}, not {size!r}")
    spec = SIZES[size]
    anchors = ANCHORS[: spec.locations]
    weights = [a.weight for a in anchors]
    codes = [a.code for a in anchors]
    branches = anchor_rows(anchors)
    areas = service_areas(anchors)
    days = business_days(start, spec.days)

    counts = dict(zip(codes, allocate(spec.techs, weights, minimum=2), strict=True))
    techs = make_techs(_rng(seed, _TECHS), counts, areas, branches, days)
    book = Book()
    unassigned_demand(_rng(seed, _DEMAND), book, spec.unassigned, days, branches, weights, areas, techs)
    reserved = setup.reserved_zips(areas, codes[1])
    booked = booked_appointments(
        _rng(seed, _BOOKING), book, spec.booked, techs, areas, days, reserved, setup.TIGHT_ROUTE_MILES
    )
    if booked < spec.booked:
        log.warning(
            "demo %s: booked %d of %d appointments (no more free tech-days)", size, booked, spec.booked
        )
    unmapped = setup.unmapped_zips(_rng(seed, _UNMAPPED), [c["zip"] for c in book.customers])
    lead_count = round(setup.LEAD_SHARE * len(book.customers))
    document: dict[str, Any] = {
        "settings": setup.settings(),
        "locations": setup.locations(branches),
        "work_order_types": setup.work_order_types(),
        "techs": [t.to_record() for t in techs],
        "profiles": setup.profiles(branches, areas, techs),
        "customers": book.customers,
        "leads": setup.leads(_rng(seed, _LEADS), lead_count, areas, unmapped),
        "lead_queue_groups": setup.lead_queue_groups(branches),
        "appointments": book.appointments,
        "zip_relations": setup.zip_relations(_rng(seed, _ZIPS), areas, unmapped),
    }
    return CompanyFile.model_validate(document)


def demo_counts(company: CompanyFile) -> dict[str, int]:
    """What a demo company holds, including the customer zips the mapping leaves out."""
    mapped = {z.zip for z in company.zip_relations}
    booked = sum(1 for a in company.appointments if a.tech is not None)
    return {
        "locations": len(company.locations),
        "techs": len(company.techs),
        "work_order_types": len(company.work_order_types),
        "profiles": len(company.profiles),
        "customers": len(company.customers),
        "leads": len(company.leads),
        "appointments": len(company.appointments),
        "unassigned_appointments": len(company.appointments) - booked,
        "booked_appointments": booked,
        "zip_relations": len(company.zip_relations),
        "unmapped_customer_zips": len({c.zip for c in company.customers} - mapped),
    }


def run_demo(size: str, seed: int, start: dt.date | None = None) -> dict[str, Any]:
    """Migrate the database, build the demo company and load it; returns its counts and timings."""
    from rich.console import Console

    from routing.company.loader import load_company
    from routing.db import migrate
    from routing.db.session import get_engine

    began = time.perf_counter()
    first_day = start or next_monday(dt.date.today())
    engine = get_engine()
    status = Console(stderr=True, highlight=False)
    with status.status(f"Migrating {migrate.describe(engine)}…"):
        migrate.upgrade(engine)
    with status.status(f"Building the {size} demo company (seed {seed})…"):
        company = build_demo_company(size, seed, first_day)
    counts = demo_counts(company)
    with status.status(_loading_message(counts)):
        loaded = load_company(engine, company, name=f"demo company ({size}, seed {seed})")
    return {
        "title": f"Demo company ({size}, seed {seed})",
        "size": size,
        "seed": seed,
        "start": first_day.isoformat(),
        **counts,
        "rows_created": sum(loaded.created.values()),
        "rows_updated": sum(loaded.updated.values()),
        "rows_unchanged": sum(loaded.unchanged.values()),
        "database": migrate.describe(engine),
        "seconds": round(time.perf_counter() - began, 2),
    }


def _loading_message(counts: dict[str, int]) -> str:
    parts: Sequence[str] = [
        f"{counts[k]:,} {k.replace('_', ' ')}" for k in ("techs", "customers", "appointments")
    ]
    return f"Loading {', '.join(parts)}…"
