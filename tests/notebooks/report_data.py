"""Builders for report tests: a tiny company, one recorded scheduler run and one zip import.

Written with Core inserts so the reports can be tested on exactly the rows a test needs (hostile
names included). The scheduler's own runs are exercised in the notebook tests on the demo.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert

HOSTILE_TECH = "<img src=x onerror=alert(1)>"
HOSTILE_NOTE = "<script>document.title='pwned';document.body.append('PWNED')</script> gate code 1234"
DAY = dt.date(2030, 6, 3)  # a Monday
BLOCKING = json.dumps(
    {
        "blocking": {"time_off": 1, "skill": 1, "conflict": 2, "daily_cap": 1, "radius": 1},
        "not_at_location": 0,
    }
)


@dataclass(frozen=True)
class Built:
    """Ids of what the builder wrote."""

    run_id: int
    import_id: int


def _candidate(appointment_id: int, tech_id: int, **values: Any) -> dict[str, Any]:
    row = {
        "run_id": 1,
        "appointment_id": appointment_id,
        "tech_id": tech_id,
        "eligible": False,
        "failed_rules": None,
        "facts": None,
        "score": None,
        "s_distance": None,
        "s_preferred": None,
        "s_workload": None,
        "s_priority": None,
        "s_skill": None,
        "distance_miles": None,
        "rank": None,
        "chosen": False,
        "lost_to_tech_id": None,
        "lost_to_appointment_id": None,
        "lost_reason": None,
    }
    row.update(values)
    return row


def _scored(score: float, rank: int, miles: float) -> dict[str, Any]:
    return {
        "eligible": True,
        "score": score,
        "rank": rank,
        "distance_miles": miles,
        "s_distance": 80.0,
        "s_preferred": 0.0,
        "s_workload": 100.0,
        "s_priority": 100.0,
        "s_skill": 60.0,
    }


def build_company_with_run(
    engine: Engine, *, tech_name: str = HOSTILE_TECH, note: str = HOSTILE_NOTE
) -> Built:
    """Two locations, four techs (one named ``tech_name``), a customer whose note is ``note``,
    one run deciding four appointments (three assigned, one not), and one zip import."""
    from routing.db import tables as t

    with engine.begin() as c:
        c.execute(
            insert(t.Location),
            [
                {"id": 1, "code": "BOS", "name": "Boston"},
                {"id": 2, "code": "PVD", "name": "Providence"},
            ],
        )
        techs = [
            (1, "Ana Alvarez"),
            (2, tech_name),
            (3, "Bo $x$ Chen"),
            (4, "Idle Ida"),
        ]
        c.execute(
            insert(t.Technician),
            [{"id": i, "email": f"t{i}@example.com", "name": n, "home_zip": "02134"} for i, n in techs],
        )
        c.execute(insert(t.TechnicianLocation), [{"tech_id": i, "location_id": 1} for i, _ in techs])
        c.execute(
            insert(t.WorkOrderType),
            [{"id": 1, "code": "install", "name": "Install", "default_duration_minutes": 120}],
        )
        c.execute(
            insert(t.Customer),
            [
                {"id": 1, "external_id": "C1", "name": "Carla <b>bold</b>", "zip": "02134", "notes": note},
                {"id": 2, "external_id": "C2", "name": "Dan", "zip": "02135", "notes": None},
                {"id": 3, "external_id": "C3", "name": "Eve", "zip": "02138", "notes": None},
            ],
        )
        c.execute(
            insert(t.ZipRelation), [{"zip": "02134", "location_id": 1}, {"zip": "02135", "location_id": 1}]
        )
        slots = {1: (8, 12), 2: (8, 12), 3: (13, 17), 4: (13, 17), 5: (8, 12)}
        c.execute(
            insert(t.Appointment),
            [
                {
                    "id": a,
                    "external_id": f"A{a}",
                    "customer_id": 1 if a == 1 else 2,
                    "work_order_type_id": 1,
                    "location_id": 1,
                    "date": DAY,
                    "slot_start": dt.time(s),
                    "slot_end": dt.time(e),
                    "duration_minutes": 90,
                    "tech_id": 2 if a == 5 else None,
                    "zip": "02134",
                }
                for a, (s, e) in slots.items()
            ],
        )
        run = {
            "id": 1,
            "trigger": "manual",
            "status": "succeeded",
            "strategy": "greedy",
            "dry_run": True,
            "scope": {"locations": ["BOS"], "techs": [], "from": DAY.isoformat(), "to": DAY.isoformat()},
            "profile_snapshots": [
                {
                    "name": f"Boston {tech_name}",
                    "locations": ["BOS"],
                    "work_order_types": [],
                    "working_hours": {"mon": ["08:00", "17:00"]},
                    "travel_buffer_minutes": 15,
                    "max_daily_jobs": 4,
                    "weights": {"distance": 40},
                    "strategy": "greedy",
                }
            ],
            "considered": 4,
            "assigned": 3,
            "unassigned": 1,
            "skipped": 0,
            "started_at": dt.datetime(2030, 6, 1, 6, 0, tzinfo=dt.UTC),
            "finished_at": dt.datetime(2030, 6, 1, 6, 0, 2, tzinfo=dt.UTC),
            "inputs": _snapshot_bytes(techs),
        }
        c.execute(insert(t.ScheduleRun), [run])
        decided = [
            (1, 1, "assigned", 1, 91.0, 2, 4.5),
            (2, 2, "assigned", 2, 88.0, 1, 2.0),
            (3, 3, "unassigned", None, None, None, None),
            (4, 4, "assigned", 1, 85.0, None, None),
        ]
        c.execute(
            insert(t.RunAppointment),
            [
                {
                    "run_id": 1,
                    "seq": s,
                    "appointment_id": a,
                    "outcome": o,
                    "tech_id": tech,
                    "score": sc,
                    "runner_up_tech_id": ru,
                    "margin": m,
                    "candidates_total": 4,
                    "profile_name": "Boston",
                    "candidates_eligible": 0 if o == "unassigned" else 2,
                    "location_id": 1,
                    "customer_id": 1 if a == 1 else 2,
                    "date": DAY,
                    "slot_start": dt.time(slots[a][0]),
                    "slot_end": dt.time(slots[a][1]),
                    "duration_minutes": 90,
                    "detail": BLOCKING if o == "unassigned" else None,
                }
                for s, a, o, tech, sc, ru, m in decided
            ],
        )
        time_off = json.dumps(
            {"time_off": {"from": "2030-06-03T12:00", "to": "2030-06-03T18:00", "reason": tech_name}}
        )
        c.execute(
            insert(t.RunCandidate),
            [
                _candidate(1, 1, **_scored(91.0, 1, 3.2), chosen=True),
                _candidate(1, 2, **_scored(86.5, 2, 5.0), lost_to_tech_id=1),
                _candidate(
                    1, 3, failed_rules="skill", facts=json.dumps({"skill": {"missing": [{"skill": "alarm"}]}})
                ),
                _candidate(
                    1, 4, failed_rules="radius", facts=json.dumps({"radius": {"miles": 41.2, "radius": 30.0}})
                ),
                _candidate(2, 2, **_scored(88.0, 1, 4.0), chosen=True),
                _candidate(2, 1, failed_rules="conflict", lost_to_appointment_id=1, lost_to_tech_id=1),
                _candidate(2, 3, failed_rules="skill"),
                _candidate(2, 4, **_scored(86.0, 2, 9.0), lost_to_tech_id=2),
                _candidate(3, 1, failed_rules="conflict daily_cap"),
                _candidate(3, 2, failed_rules="conflict"),
                _candidate(3, 3, failed_rules="time_off skill", facts=time_off),
                _candidate(3, 4, failed_rules="radius"),
                _candidate(4, 1, **_scored(85.0, 1, 3.2), chosen=True),
                _candidate(4, 2, failed_rules="conflict"),
                _candidate(4, 3, failed_rules="time_off", facts=time_off),
                _candidate(4, 4, failed_rules="radius"),
            ],
        )
        c.execute(
            insert(t.RunRosterEntry),
            [
                {
                    "run_id": 1,
                    "tech_id": i,
                    "name": n,
                    "active": True,
                    "location_codes": "BOS",
                    "assigned_in_run": {1: 2, 2: 1}.get(i, 0),
                }
                for i, n in techs
            ],
        )
        c.execute(
            insert(t.ZipImport),
            [
                {
                    "id": 1,
                    "kind": "import",
                    "source": "csv",
                    "file_name": f"zips {tech_name}.csv",
                    "actor": tech_name,
                    "status": "invalid",
                    "rows": 3,
                    "new": 1,
                    "updated": 1,
                    "unchanged": 0,
                    "error_count": 1,
                    "errors": [
                        {
                            "row": 3,
                            "column": "Location",
                            "value": HOSTILE_NOTE,
                            "code": "unknown_location",
                            "message": f"Unknown location {HOSTILE_NOTE!r}",
                        }
                    ],
                    "warnings": [
                        {
                            "row": 2,
                            "column": "Zip",
                            "value": "2134",
                            "code": "zip_repaired",
                            "message": "2134 lost its leading zero; read as 02134",
                        }
                    ],
                    "changes": [
                        {
                            "zip": "02134",
                            "action": "new",
                            "fields": {"location": {"old": None, "new": "BOS"}},
                        },
                        {
                            "zip": "02135",
                            "action": "updated",
                            "fields": {"territory": {"old": "North", "new": tech_name}},
                        },
                    ],
                }
            ],
        )
    return Built(run_id=1, import_id=1)


def _snapshot_bytes(techs: list[tuple[int, str]]) -> bytes:
    """The input snapshot the run would have stored: one existing booking, hours and time off."""
    from routing.scheduling import schemas
    from routing.scheduling.inputs import Params, Snapshot, snapshot_to_bytes

    created = dt.datetime(2030, 5, 1)
    appointments = [
        (a, 1, 1, 1, DAY, s * 60, e * 60, 90, "02134", 3, created, None, True)
        for a, s, e in ((1, 8, 12), (2, 8, 12), (3, 13, 17), (4, 13, 17))
    ] + [(5, 2, 1, 1, DAY, 8 * 60, 12 * 60, 90, "02134", 3, created, 2, False)]
    frames = {name: schemas.empty(name) for name in schemas.FRAME_NAMES}
    frames.update(
        appointments=schemas.from_rows("appointments", appointments),
        techs=schemas.from_rows(
            "techs", [(i, f"t{i}@example.com", n, True, "02134", 30.0, None, 1) for i, n in techs]
        ),
        tech_locations=schemas.from_rows("tech_locations", [(i, 1) for i, _ in techs]),
        tech_hours=schemas.from_rows("tech_hours", [(i, 0, 8 * 60, 17 * 60) for i, _ in techs]),
        time_off=schemas.from_rows(
            "time_off", [(3, dt.datetime(2030, 6, 3, 12), dt.datetime(2030, 6, 3, 18), "x")]
        ),
        locations=schemas.from_rows("locations", [(1, "BOS", "Boston"), (2, "PVD", "Providence")]),
    )
    return snapshot_to_bytes(Snapshot(**frames), Params())
