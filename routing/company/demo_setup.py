"""The demo company's configuration: branches, work-order types, profiles, zip relations, leads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import polars as pl

from routing.company.demo_data import COMPANY_NAME, FIRST_NAMES, LAST_NAMES, WORK_ORDER_TYPES, ZIP_NOTES
from routing.company.demo_geo import miles_between
from routing.company.demo_parties import party_fields, pick
from routing.company.demo_techs import FIRE_RULE_LEVEL, DemoTech

UNMAPPED_SHARE = 0.07  # customer zips left out of the mapping on purpose
LEAD_SHARE = 0.10  # leads per customer
LEAD_SOURCES = ("web", "phone", "partner")
LEAD_SOURCE_SHARES = (0.5, 0.3, 0.2)
ZIP_NOTE_SHARE = 0.03
TIGHT_ROUTE_MILES = 25.0  # the branch profile's max_distance rule; bookings respect it everywhere
WEEKDAY_HOURS = {day: "07:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def settings() -> dict[str, Any]:
    """Company-wide switches: slot scheduling on, the auto-scheduler runs in batches."""
    return {
        "company_name": COMPANY_NAME,
        "timezone": "America/New_York",
        "slot_scheduling_enabled": True,
        "auto_assign_on_create": False,
        "scheduler_horizon_days": 7,
        "max_search_radius_miles": 60.0,
        "lead_queue_non_priority_assign": False,
    }


def locations(branches: pl.DataFrame) -> list[dict[str, Any]]:
    """One location per branch, named after its city, in its anchor ZIP's time zone."""
    return [
        {
            "code": row["location"],
            "name": f"{row['anchor_city']}, {row['anchor_state']}",
            "timezone": row["anchor_timezone"],
        }
        for row in branches.iter_rows(named=True)
    ]


def work_order_types() -> list[dict[str, Any]]:
    """Install, service, inspection, takeover, camera and access installs, fire service."""
    return [
        {
            "code": code,
            "name": name,
            "default_duration_minutes": duration,
            "required_skills": [{"skill": skill, "min_level": level} for skill, level in skills],
        }
        for code, name, duration, skills, _ in WORK_ORDER_TYPES
    ]


def reserved_zips(areas: pl.DataFrame, location: str) -> list[str]:
    """The two farthest zips of ``location``: only named technicians go there (a zips rule)."""
    area = areas.filter(pl.col("location") == location, pl.col("in_area"))
    return sorted(area.sort(["miles", "zip"], descending=[True, False])["zip"].head(2).to_list())


def profiles(branches: pl.DataFrame, areas: pl.DataFrame, techs: Sequence[DemoTech]) -> list[dict[str, Any]]:
    """Standard for everyone, a tight-routes branch profile, fire inspections, an optimal one."""
    codes = branches["location"].to_list()
    cities = branches["anchor_city"].to_list()
    first_prefix = branches["anchor_zip"][0][:3]
    reserved = reserved_zips(areas, codes[1])
    keepers = _nearest_techs(areas.filter(pl.col("zip").is_in(reserved)), techs, codes[1], 2)
    return [
        {
            "name": "Standard",
            "working_hours": {**WEEKDAY_HOURS, "sat": "08:00-13:00"},
            "travel_buffer_minutes": 15,
        },
        {
            "name": f"{cities[1]} tight routes",
            "locations": [codes[1]],
            "working_hours": WEEKDAY_HOURS,
            "travel_buffer_minutes": 30,
            "max_daily_jobs": 4,
            "territory_rules": [
                {"kind": "max_distance", "miles": TIGHT_ROUTE_MILES},
                {"kind": "zips", "zips": reserved, "techs": [t.email for t in keepers]},
            ],
            "weights": {"distance": 60, "preferred": 15, "workload": 15, "priority": 5, "skill": 5},
        },
        {
            "name": "Fire inspections",
            "work_order_types": ["inspection"],
            "working_hours": WEEKDAY_HOURS,
            "travel_buffer_minutes": 15,
            "territory_rules": [
                {"kind": "skill", "skill": "fire", "min_level": FIRE_RULE_LEVEL, "zips": [first_prefix]}
            ],
            "weights": {"distance": 30, "preferred": 10, "workload": 20, "priority": 10, "skill": 30},
        },
        {
            "name": f"{cities[2]} commercial projects",
            "locations": [codes[2]],
            "work_order_types": ["install", "camera_install", "access_install"],
            "working_hours": WEEKDAY_HOURS,
            "travel_buffer_minutes": 20,
            "weights": {"distance": 30, "preferred": 20, "workload": 35, "priority": 10, "skill": 5},
            "strategy": "optimal",
        },
    ]


def _nearest_techs(
    places: pl.DataFrame, techs: Sequence[DemoTech], location: str, count: int
) -> list[DemoTech]:
    staff = [t for t in techs if t.active and location in t.locations]
    lats, lons = places["lat"].to_numpy(), places["lon"].to_numpy()
    miles = [float(miles_between(t.home_lat, t.home_lon, lats, lons).min()) for t in staff]
    order = sorted(range(len(staff)), key=lambda i: (miles[i], staff[i].email))
    return [staff[i] for i in order[:count]]


def unmapped_zips(rng: np.random.Generator, customer_zips: Collection[str]) -> list[str]:
    """About ``UNMAPPED_SHARE`` of the distinct customer zips (at least one), sorted."""
    distinct = sorted(set(customer_zips))
    size = max(1, round(UNMAPPED_SHARE * len(distinct)))
    return sorted(str(z) for z in rng.choice(distinct, size=size, replace=False))


def zip_relations(
    rng: np.random.Generator, areas: pl.DataFrame, unmapped: Collection[str]
) -> list[dict[str, Any]]:
    """Every zip inside a service area except ``unmapped``: territory, sales rep, work-order territory."""
    mapped = areas.filter(pl.col("in_area"), ~pl.col("zip").is_in(list(unmapped)))
    reps = {
        territory: f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
        for territory in mapped["territory"].unique(maintain_order=True).to_list()
    }
    return [
        {
            "zip": zip_code,
            "location": location,
            "territory": territory,
            "sales_rep": reps[territory],
            "work_order_territory": f"{location}-{territory.rsplit(' ', 1)[1].upper()}",
            "notes": pick(rng, ZIP_NOTES) if rng.random() < ZIP_NOTE_SHARE else None,
        }
        for location, zip_code, territory in mapped.select("location", "zip", "territory").rows()
    ]


def leads(
    rng: np.random.Generator, count: int, areas: pl.DataFrame, unmapped: Collection[str]
) -> list[dict[str, Any]]:
    """``count`` leads: most in mapped zips, some in deliberately unmapped ones or just outside."""
    pools = [
        areas.filter(pl.col("in_area"), ~pl.col("zip").is_in(list(unmapped))),
        areas.filter(pl.col("zip").is_in(list(unmapped))),
        areas.filter(~pl.col("in_area")),
    ]
    rows = [pool.select("zip", "city", "state", "location").rows() for pool in pools]
    records = []
    for n in range(count):
        pool = int(rng.choice(3, p=[0.72, 0.12, 0.16]))
        if not rows[pool]:
            pool = 0
        zip_code, city, state, location = rows[pool][int(rng.integers(len(rows[pool])))]
        source = LEAD_SOURCES[int(rng.choice(3, p=LEAD_SOURCE_SHARES))]
        records.append(
            {
                "external_id": f"DEMO-L{n + 1:05d}",
                **party_fields(rng, city, state),
                "zip": zip_code,
                "location": location if source == "partner" and rng.random() < 0.5 else None,
                "source": source,
            }
        )
    return records


def lead_queue_groups(branches: pl.DataFrame) -> list[dict[str, Any]]:
    """Partner referrals first, then the first branch, web leads, and the second branch's north/west."""
    codes = branches["location"].to_list()
    cities = branches["anchor_city"].to_list()
    groups: list[dict[str, Any]] = [
        {"name": "Partner referrals", "priority": 1, "criteria": {"lead_source": "partner"}},
        {"name": f"{cities[0]} metro", "priority": 2, "criteria": {"location": codes[0]}},
        {"name": "Web inbound", "priority": 3, "criteria": {"lead_source": "web"}},
    ]
    if len(codes) > 3:
        territories = [f"{cities[1]} North", f"{cities[1]} West"]
        groups.append(
            {"name": f"{cities[1]} outskirts", "priority": 4, "criteria": {"territories": territories}}
        )
    return groups
