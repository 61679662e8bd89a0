"""The run's roster: every tech in scope as the run saw her.

It answers the (appointment, tech) pairs that have no candidate row: a tech who does not work
the appointment's location fails ``location`` (and ``inactive`` when she is inactive).
"""

from __future__ import annotations

import json

import polars as pl

from routing.scheduling.candidates import Prepared
from routing.scheduling.profiles import hhmm

ROSTER_COLUMNS = ("tech_id", "name", "active", "location_codes", "assigned_in_run", "snapshot")


def roster_frame(prepared: Prepared, candidates: pl.DataFrame) -> pl.DataFrame:
    """One row per tech in scope: name, active, location codes, jobs given in this run, snapshot."""
    snapshot = prepared.snapshot
    codes = dict(snapshot.locations.select("location_id", "code").iter_rows())
    locations: dict[int, list[str]] = {}
    for tech_id, location_id in snapshot.tech_locations.sort("location_id").iter_rows():
        locations.setdefault(tech_id, []).append(codes.get(location_id, str(location_id)))
    skills: dict[int, dict[str, int]] = {}
    for tech_id, skill, level in snapshot.tech_skills.sort("skill").iter_rows():
        skills.setdefault(tech_id, {})[skill] = level
    hours: dict[int, dict[str, list[str]]] = {}
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for tech_id, weekday, start, end in snapshot.tech_hours.sort("weekday").iter_rows():
        hours.setdefault(tech_id, {})[days[weekday]] = [hhmm(start), hhmm(end)]
    assigned = dict(candidates.filter(pl.col("chosen")).group_by("tech_id").agg(pl.len()).iter_rows())
    rows = []
    for tech in snapshot.techs.sort("tech_id").iter_rows(named=True):
        tech_id = tech["tech_id"]
        detail = {
            "email": tech["email"],
            "home_zip": tech["home_zip"],
            "service_radius_miles": tech["radius"],
            "daily_cap": tech["daily_cap"],
            "priority": tech["priority"],
            "skills": skills.get(tech_id, {}),
            "hours": hours.get(tech_id, {}),
        }
        rows.append(
            (
                tech_id,
                tech["name"],
                tech["active"],
                " ".join(sorted(set(locations.get(tech_id, [])))),
                int(assigned.get(tech_id, 0)),
                json.dumps(detail, sort_keys=True),
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "tech_id": pl.Int64,
            "name": pl.String,
            "active": pl.Boolean,
            "location_codes": pl.String,
            "assigned_in_run": pl.Int64,
            "snapshot": pl.String,
        },
        orient="row",
    )
