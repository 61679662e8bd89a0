"""Property tests: on random small companies, both strategies keep the scheduler's invariants.

An independent oracle (plain Python, no polars) re-evaluates every rule for every candidate and
re-checks the final bookings; the engine must agree with it exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.scheduling.builder import MONDAY, SnapshotBuilder
from routing.scheduling.decide import Decisions, decide
from routing.scheduling.inputs import Params, Snapshot, snapshot_from_bytes, snapshot_to_bytes
from routing.scheduling.profiles import Profile

SLOTS = ((480, 720), (720, 960), (600, 840), (480, 600))
DYNAMIC = {"conflict", "daily_cap"}


@dataclass(frozen=True)
class Company:
    snapshot: Snapshot
    buffer: int
    profile_cap: int | None
    profile_hours: dict[int, tuple[int, int]] | None


@st.composite
def companies(draw: st.DrawFn) -> Company:
    b = SnapshotBuilder(max_search_radius_miles=draw(st.sampled_from([20.0, 40.0, 60.0])))
    locations = ["N", "S"][: draw(st.integers(1, 2))]
    b.work_type("install", 60, {})
    b.work_type("alarm", 90, {"alarm": draw(st.integers(1, 3))})
    n_techs = draw(st.integers(1, 5))
    for i in range(n_techs):
        hours = {
            day: draw(st.sampled_from([(420, 1140), (480, 960), (720, 1080)]))
            for day in (0, 1)
            if draw(st.booleans()) or day == 0
        }
        level = draw(st.integers(0, 5))
        b.tech(
            f"T{i}",
            tuple(draw(st.lists(st.sampled_from(locations), min_size=1, max_size=2, unique=True))),
            skills={"alarm": level} if level else {},
            hours=hours,
            home_miles=draw(st.floats(0, 40)),
            radius=draw(st.sampled_from([5.0, 15.0, 40.0])),
            daily_cap=draw(st.one_of(st.none(), st.integers(1, 3))),
            priority=draw(st.integers(1, 9)),
            active=draw(st.integers(0, 9)) > 0,
        )
    tech_ids = list(range(1, n_techs + 1))
    for _ in range(draw(st.integers(0, 2))):
        day = MONDAY + dt.timedelta(days=draw(st.integers(0, 1)))
        start = draw(st.integers(6, 15))
        b.time_off(
            draw(st.sampled_from(tech_ids)),
            dt.datetime.combine(day, dt.time(start)),
            dt.datetime.combine(day, dt.time(start + draw(st.integers(1, 6)))),
        )
    buffer = draw(st.sampled_from([0, 30, 60]))
    profile_cap = draw(st.one_of(st.none(), st.integers(1, 3)))
    profile_hours = draw(st.one_of(st.none(), st.just({0: (480, 960)})))
    if buffer or profile_cap or profile_hours:
        b.profile(
            Profile(
                "P",
                travel_buffer_minutes=buffer,
                max_daily_jobs=profile_cap,
                working_hours=tuple((d, s, e) for d, (s, e) in (profile_hours or {}).items()),
            )
        )
    appointment_id = 0
    for booked in (True, False):
        for _ in range(draw(st.integers(0, 4) if booked else st.integers(1, 8))):
            appointment_id += 1
            slot = draw(st.sampled_from(SLOTS))
            customer = b.customer(
                preferred=draw(st.one_of(st.none(), st.sampled_from(tech_ids))),
                required=draw(st.one_of(st.none(), st.sampled_from(tech_ids)))
                if draw(st.integers(0, 4)) == 0
                else None,
                excluded=tuple(draw(st.lists(st.sampled_from(tech_ids), max_size=1))),
            )
            b.appointment(
                appointment_id=appointment_id,
                location=draw(st.sampled_from(locations)),
                work_type=draw(st.sampled_from(["install", "alarm"])),
                day=MONDAY + dt.timedelta(days=draw(st.integers(0, 1))),
                slot=slot,
                duration=draw(st.sampled_from([30, 60, 120, slot[1] - slot[0]])),
                miles_north=draw(st.floats(0, 30)),
                customer=customer,
                priority=draw(st.integers(1, 5)),
                tech_id=draw(st.sampled_from(tech_ids)) if booked else None,
            )
    return Company(b.build(), buffer, profile_cap, profile_hours)


def _miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    rad = math.pi / 180
    a = (
        math.sin((lat2 - lat1) * rad / 2) ** 2
        + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin((lon2 - lon1) * rad / 2) ** 2
    )
    return 2 * 3958.7613 * math.asin(math.sqrt(a))


def oracle_static_rules(company: Company) -> dict[tuple[int, int], set[str]]:
    """Every run-independent rule for every (appointment to schedule, tech at its location)."""
    s = company.snapshot
    techs = {t["tech_id"]: t for t in s.techs.to_dicts()}
    where = {(r["tech_id"], r["location_id"]) for r in s.tech_locations.to_dicts()}
    skills = {(r["tech_id"], r["skill"]): r["level"] for r in s.tech_skills.to_dicts()}
    needs: dict[int, list[tuple[str, int]]] = {}
    for r in s.work_order_type_skills.to_dicts():
        needs.setdefault(r["work_order_type_id"], []).append((r["skill"], r["min_level"]))
    hours = {(r["tech_id"], r["weekday"]): (r["start"], r["end"]) for r in s.tech_hours.to_dicts()}
    coords = {r["zip"]: (r["lat"], r["lon"]) for r in s.zips.to_dicts()}
    customers = {c["customer_id"]: c for c in s.customers.to_dicts()}
    excluded = {(r["customer_id"], r["tech_id"]) for r in s.excluded_techs.to_dicts()}
    result: dict[tuple[int, int], set[str]] = {}
    for a in s.appointments.filter(pl.col("to_schedule")).to_dicts():
        start = dt.datetime.combine(a["date"], dt.time()) + dt.timedelta(minutes=a["slot_start"])
        end = dt.datetime.combine(a["date"], dt.time()) + dt.timedelta(minutes=a["slot_end"])
        weekday = a["date"].weekday()
        for tech_id, t in techs.items():
            if (tech_id, a["location_id"]) not in where:
                continue
            failed = set()
            if not t["active"]:
                failed.add("inactive")
            if any(
                skills.get((tech_id, skill), 0) < level
                for skill, level in needs.get(a["work_order_type_id"], [])
            ):
                failed.add("skill")
            window = hours.get((tech_id, weekday))
            if window is None or a["slot_start"] < window[0] or a["slot_end"] > window[1]:
                failed.add("tech_hours")
            if company.profile_hours is not None:
                p = company.profile_hours.get(weekday)
                if p is None or a["slot_start"] < p[0] or a["slot_end"] > p[1]:
                    failed.add("profile_hours")
            for off in s.time_off.filter(pl.col("tech_id") == tech_id).to_dicts():
                if off["starts_at"] < end and start < off["ends_at"]:
                    failed.add("time_off")
            miles = _miles(*coords[t["home_zip"]], *coords[a["zip"]])
            if miles > min(t["radius"], s.max_search_radius_miles):
                failed.add("radius")
            if (a["customer_id"], tech_id) in excluded:
                failed.add("excluded")
            required = customers[a["customer_id"]]["required_tech_id"]
            if required is not None and required != tech_id:
                failed.add("required")
            result[(a["appointment_id"], tech_id)] = failed
    return result


def assert_no_tech_overbooked(company: Company, decisions: Decisions) -> None:
    """Final jobs per tech and day respect slot packing (with buffers) and every daily cap."""
    s = company.snapshot
    caps = {t["tech_id"]: t["daily_cap"] for t in s.techs.to_dicts()}
    booked = s.appointments.filter(~pl.col("to_schedule")).select(
        "appointment_id", "tech_id", "date", "slot_start", "slot_end", "duration"
    )
    given = decisions.appointments.filter(pl.col("outcome") == "assigned").select(
        "appointment_id", "tech_id", "date", "slot_start", "slot_end", "duration"
    )
    assert given["appointment_id"].n_unique() == given.height
    new_ids = set(given["appointment_id"].to_list())
    jobs = pl.concat([booked, given]).to_dicts()
    for job in jobs:
        if job["appointment_id"] not in new_ids:
            continue
        same_day = [k for k in jobs if k["tech_id"] == job["tech_id"] and k["date"] == job["date"]]
        limit = (
            min(c for c in (caps[job["tech_id"]], company.profile_cap) if c is not None)
            if (caps[job["tech_id"]] is not None or company.profile_cap is not None)
            else None
        )
        assert limit is None or len(same_day) <= limit, f"daily cap broken by {job}"
        touched = [job] + [
            k
            for k in same_day
            if k["appointment_id"] not in new_ids
            and k["slot_start"] < job["slot_end"]
            and job["slot_start"] < k["slot_end"]
        ]
        for x in touched:
            load = x["duration"] + sum(
                k["duration"] + company.buffer
                for k in same_day
                if k is not x and k["slot_start"] < x["slot_end"] and x["slot_start"] < k["slot_end"]
            )
            assert load <= x["slot_end"] - x["slot_start"], (
                f"slot of {x['appointment_id']} overbooked by {job}"
            )


def check_invariants(company: Company, decisions: Decisions) -> None:
    expected = oracle_static_rules(company)
    rows = decisions.candidates.to_dicts()
    assert {(r["appointment_id"], r["tech_id"]) for r in rows} == set(expected)
    for r in rows:
        codes = set((r["failed_rules"] or "").split()) - {""}
        assert codes - DYNAMIC == expected[(r["appointment_id"], r["tech_id"])], r
        if r["eligible"]:
            assert r["failed_rules"] is None and r["rank"] is not None
        else:
            assert codes, f"rejected without a rule: {r}"
            assert set(json.loads(r["facts"])) == codes
        if r["chosen"]:
            assert r["eligible"] and r["rank"] is not None
        elif r["eligible"]:
            assert r["lost_reason"] is not None, f"eligible loser without a reason: {r}"
        if r["lost_to_appointment_id"] is not None:
            assert r["lost_reason"] in ("conflict", "daily_cap")
    assigned = decisions.appointments.filter(pl.col("outcome") == "assigned")
    chosen = decisions.candidates.filter(pl.col("chosen"))
    assert sorted(zip(assigned["appointment_id"], assigned["tech_id"], strict=True)) == sorted(
        zip(chosen["appointment_id"], chosen["tech_id"], strict=True)
    )
    assert_no_tech_overbooked(company, decisions)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(companies())
def test_greedy_never_overbooks_and_every_decision_has_its_reasons(company: Company) -> None:
    check_invariants(company, decide(company.snapshot, Params(strategy="greedy")))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies())
def test_optimal_never_overbooks_and_assigns_at_least_as_many_as_greedy(company: Company) -> None:
    optimal = decide(company.snapshot, Params(strategy="optimal"))
    check_invariants(company, optimal)
    assert optimal.assigned >= decide(company.snapshot, Params(strategy="greedy")).assigned


def _same(a: Decisions, b: Decisions) -> list[str]:
    return [
        name
        for name in ("appointments", "candidates", "roster")
        if not getattr(a, name).equals(getattr(b, name))
    ]


@PROPERTY
@given(companies(), st.sampled_from(["greedy", "optimal"]))
def test_replaying_the_stored_inputs_reproduces_every_decision(company: Company, strategy: str) -> None:
    params = Params(strategy=strategy)
    first = decide(company.snapshot, params)
    stored, stored_params, _version = snapshot_from_bytes(snapshot_to_bytes(company.snapshot, params))
    assert stored_params == params
    assert _same(first, decide(stored, stored_params)) == []


def _facts(decisions: Decisions) -> list[dict[str, Any]]:
    return [json.loads(f) for f in decisions.candidates["facts"].drop_nulls()]


def test_the_overbooking_oracle_catches_two_full_slot_jobs_for_one_tech() -> None:
    import pytest

    b = SnapshotBuilder()
    b.work_type("install", 240)
    b.tech("Ann")
    b.appointment(appointment_id=1)
    b.appointment(appointment_id=2)
    company = Company(b.build(), 0, None, None)
    decisions = decide(company.snapshot, Params())
    forced = decisions.appointments.with_columns(outcome=pl.lit("assigned"), tech_id=pl.lit(1, pl.Int64))
    with pytest.raises(AssertionError, match="overbooked"):
        assert_no_tech_overbooked(company, Decisions(forced, decisions.candidates, decisions.roster, []))
