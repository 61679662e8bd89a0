"""The demo company: deterministic, the promised size, real ZIPs, and internally consistent."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from functools import lru_cache

import polars as pl
import pytest

from routing.company.demo import SIZES, build_demo_company, business_days, demo_counts, next_monday
from routing.company.demo_data import ANCHORS, SLOTS
from routing.company.demo_techs import INACTIVE_SHARE, SUBCONTRACTOR_SHARE, allocate
from routing.company.schema import CompanyFile, TechIn
from routing.geo import haversine_miles, zip_table

MONDAY = dt.date(2026, 6, 1)


@lru_cache(maxsize=8)
def built(size: str, seed: int = 7, start: dt.date = MONDAY) -> CompanyFile:
    """The demo company, built once per test session for each (size, seed, start)."""
    return build_demo_company(size, seed, start)


def digest(company: CompanyFile) -> str:
    return hashlib.sha256(company.model_dump_json().encode()).hexdigest()


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def real_zips() -> pl.DataFrame:
    return zip_table().filter(pl.col("active") & (pl.col("zip_type") == "STANDARD"))


def miles_from_anchor(company: CompanyFile, pairs: list[tuple[str, str]]) -> pl.DataFrame:
    """(location, zip, miles) for (location code, zip) pairs: distance from the branch's anchor ZIP."""
    anchors = pl.DataFrame({"location": [a.code for a in ANCHORS], "anchor": [a.zip for a in ANCHORS]})
    centroids = zip_table().select("zip", "lat", "lon")
    return (
        pl.DataFrame(pairs, schema=["location", "zip"], orient="row")
        .join(anchors, on="location")
        .join(centroids, on="zip")
        .join(centroids.rename({"zip": "anchor", "lat": "alat", "lon": "alon"}), on="anchor")
        .with_columns(miles=haversine_miles(pl.col("alat"), pl.col("alon"), pl.col("lat"), pl.col("lon")))
    )


# --- determinism -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "medium"])
def test_the_same_seed_builds_an_identical_company(size: str) -> None:
    first = build_demo_company(size, 11, MONDAY)
    second = build_demo_company(size, 11, MONDAY)
    assert first == second
    assert digest(first) == digest(second)


def test_the_hash_of_a_build_is_stable_across_calls_with_the_cache_bypassed() -> None:
    assert digest(build_demo_company("small", 7, MONDAY)) == digest(built("small"))


def test_the_same_seed_builds_the_same_company_in_another_process_with_another_hash_seed() -> None:
    script = (
        "import datetime, hashlib; from routing.company.demo import build_demo_company; "
        "c = build_demo_company('medium', 7, datetime.date(2026, 6, 1)); "
        "print(hashlib.sha256(c.model_dump_json().encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert digests == {digest(built("medium"))}


def test_a_different_seed_builds_a_different_company() -> None:
    assert digest(built("small", 7)) != digest(built("small", 8))
    assert [t.email for t in built("small", 7).techs] != [t.email for t in built("small", 8).techs]


def test_a_negative_seed_is_accepted_and_differs_from_its_absolute_value() -> None:
    assert digest(built("small", -7)) != digest(built("small", 7))


def test_appointments_fall_on_the_five_weekdays_from_the_start() -> None:
    wednesday = dt.date(2026, 6, 3)
    company = built("small", 7, wednesday)
    assert {a.date for a in company.appointments} <= set(business_days(wednesday, 5))
    assert min(a.date for a in company.appointments) == wednesday
    assert max(a.date for a in company.appointments) == dt.date(2026, 6, 9)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2026, 6, 1), [1, 2, 3, 4, 5]),
        (dt.date(2026, 6, 5), [5, 8, 9, 10, 11]),
        (dt.date(2026, 6, 6), [8, 9, 10, 11, 12]),
    ],
)
def test_business_days_skip_weekends(start: dt.date, expected: list[int]) -> None:
    assert [d.day for d in business_days(start, 5)] == expected


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (dt.date(2026, 6, 1), dt.date(2026, 6, 8)),
        (dt.date(2026, 6, 3), dt.date(2026, 6, 8)),
        (dt.date(2026, 6, 7), dt.date(2026, 6, 8)),
    ],
)
def test_the_default_start_is_the_next_monday_after_today(today: dt.date, monday: dt.date) -> None:
    assert next_monday(today) == monday


def test_an_unknown_size_is_rejected_naming_the_known_sizes() -> None:
    with pytest.raises(ValueError, match="small, medium, large"):
        build_demo_company("huge", 7, MONDAY)


@pytest.mark.parametrize(
    ("total", "weights", "minimum", "expected"),
    [(15, [1.6, 0.9, 1.1], 2, [6, 4, 5]), (10, [1, 1, 1], 3, [4, 3, 3]), (6, [5, 1], 3, [3, 3])],
)
def test_allocate_splits_a_total_by_weight_keeping_a_minimum(
    total: int, weights: list[float], minimum: int, expected: list[int]
) -> None:
    assert allocate(total, weights, minimum) == expected
    assert sum(allocate(total, weights, minimum)) == total


# --- sizes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "appointments"),
    [("small", (140, 170)), ("medium", (1_900, 2_100)), ("large", (11_000, 11_500))],
)
def test_each_size_has_the_promised_counts(size: str, appointments: tuple[int, int]) -> None:
    spec = SIZES[size]
    counts = demo_counts(built(size))
    assert counts["locations"] == spec.locations
    assert counts["techs"] == spec.techs
    assert counts["unassigned_appointments"] == spec.unassigned
    assert 0.10 * spec.unassigned <= counts["booked_appointments"] <= 0.15 * spec.unassigned
    assert appointments[0] <= counts["appointments"] <= appointments[1]
    assert 0.85 * counts["appointments"] <= counts["customers"] <= counts["appointments"]
    assert 0.08 * counts["customers"] <= counts["leads"] <= 0.12 * counts["customers"]
    assert counts["profiles"] >= 3


def test_the_large_company_has_exactly_ten_thousand_unassigned_appointments_over_five_days() -> None:
    company = built("large")
    unassigned = [a for a in company.appointments if a.tech is None]
    assert len(unassigned) == 10_000
    assert len({a.date for a in unassigned}) == 5


# --- real places -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "large"])
def test_every_zip_in_the_company_is_a_real_active_standard_zip(size: str) -> None:
    company = built(size)
    used = (
        {t.home_zip for t in company.techs}
        | {c.zip for c in company.customers}
        | {lead.zip for lead in company.leads}
        | {a.zip for a in company.appointments if a.zip}
        | {z.zip for z in company.zip_relations}
    )
    assert used - set(real_zips()["zip"].to_list()) == set()


def test_locations_take_the_time_zone_of_their_anchor_zip() -> None:
    company = built("large")
    timezones = {loc.code: loc.timezone for loc in company.locations}
    assert timezones["BOS"] == "America/New_York"
    assert timezones["CHI"] == "America/Chicago"
    assert len({loc.name.rsplit(", ", 1)[1] for loc in company.locations}) >= 8  # states


def test_customers_live_within_their_branchs_radius() -> None:
    company = built("medium")
    customers = {c.external_id: c for c in company.customers}
    pairs = sorted({(a.location or "", customers[a.customer].zip) for a in company.appointments})
    radius = {a.code: a.radius_miles for a in ANCHORS}
    far = miles_from_anchor(company, pairs).filter(
        pl.col("miles") > pl.col("location").replace_strict(radius)
    )
    assert far.is_empty(), far


def test_tech_homes_lie_in_the_area_of_their_first_location() -> None:
    company = built("medium")
    radius = {a.code: a.radius_miles for a in ANCHORS}
    frame = miles_from_anchor(company, [(t.locations[0], t.home_zip) for t in company.techs])
    assert len(frame) == len(company.techs)
    assert frame.filter(pl.col("miles") > pl.col("location").replace_strict(radius)).is_empty()


# --- techs, profiles, customers ----------------------------------------------------------------


def test_techs_are_varied_like_a_real_workforce() -> None:
    techs = built("large").techs
    assert len({t.email for t in techs}) == len(techs)
    assert len({t.name for t in techs}) == len(techs)
    share = lambda pred: sum(1 for t in techs if pred(t)) / len(techs)  # noqa: E731
    assert 0.12 <= share(lambda t: t.priority == 2) <= 0.28
    assert 0.005 <= share(lambda t: not t.active) <= 0.06
    assert 0.08 <= share(lambda t: len(t.locations) == 2) <= 0.3
    assert 0.1 <= share(lambda t: "sat" in t.hours) <= 0.3
    assert 0.1 <= share(lambda t: t.time_off) <= 0.25
    assert 0.1 <= share(lambda t: t.daily_cap is not None) <= 0.4
    assert all(20 <= t.service_radius_miles <= 50 for t in techs)
    levels = Counter(s.level for t in techs for s in t.skills)
    assert set(levels) == {1, 2, 3, 4, 5}
    assert {s.skill for t in techs for s in t.skills} == {"alarm", "fire", "video", "access"}


def qualified(tech: TechIn, required: dict[str, int]) -> bool:
    levels = {s.skill: s.level for s in tech.skills}
    return all(levels.get(skill, 0) >= level for skill, level in required.items())


@pytest.mark.parametrize("size", ["small", "medium", "large"])
@pytest.mark.parametrize("seed", [7, 8])
def test_every_branch_has_active_techs_qualified_for_every_work_order_type_in_its_demand(
    size: str, seed: int
) -> None:
    company = built(size, seed)
    required = {w.code: {r.skill: r.min_level for r in w.required_skills} for w in company.work_order_types}
    demand: defaultdict[str, set[str]] = defaultdict(set)
    for a in company.appointments:
        demand[a.location or ""].add(a.work_order_type)
    assert set(demand) == {loc.code for loc in company.locations}
    for location, types in demand.items():
        staff = [t for t in company.techs if t.active and location in t.locations]
        for code in types:
            holders = [t.email for t in staff if qualified(t, required[code])]
            assert len(holders) >= 2, (size, seed, location, code, holders)  # one absence stops nothing
    # the Fire inspections profile's skill rule: a qualified tech wherever its inspections are
    rule = next(r for p in company.profiles for r in p.territory_rules if r.kind == "skill")
    customers = {c.external_id: c for c in company.customers}
    ruled = {
        a.location
        for a in company.appointments
        if a.work_order_type == "inspection"
        and any(customers[a.customer].zip.startswith(z) for z in rule.zips)
    }
    assert ruled
    for location in ruled:
        staff = [t for t in company.techs if t.active and location in t.locations]
        assert any(qualified(t, {rule.skill or "": rule.min_level}) for t in staff), (size, seed, location)


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_training_for_the_demand_does_not_make_everyone_a_senior(size: str) -> None:
    company = built(size)
    required = [{r.skill: r.min_level for r in w.required_skills} for w in company.work_order_types]
    all_round = [t for t in company.techs if all(qualified(t, r) for r in required)]
    assert len(all_round) <= 0.2 * len(company.techs)
    basic = [t for t in company.techs if not any(s.skill in ("fire", "access") for s in t.skills)]
    assert len(basic) >= 0.2 * len(company.techs)


@pytest.mark.parametrize(("size", "inactive"), [("small", 0), ("medium", 1), ("large", 29)])
@pytest.mark.parametrize("seed", [7, 8])
def test_each_branch_has_its_share_of_inactive_techs_and_subcontractors_whatever_the_seed(
    size: str, inactive: int, seed: int
) -> None:
    techs = built(size, seed).techs
    staff = Counter(t.locations[0] for t in techs)
    idle = Counter(t.locations[0] for t in techs if not t.active)
    subcontractors = Counter(t.locations[0] for t in techs if t.priority == 2)
    for location, count in staff.items():
        assert idle[location] == round(count * INACTIVE_SHARE), location
        assert subcontractors[location] == round(count * SUBCONTRACTOR_SHARE), location
    assert sum(idle.values()) == inactive


def test_seniors_have_more_and_higher_skills_than_juniors() -> None:
    techs = built("large").techs
    alarm = lambda t: next((s.level for s in t.skills if s.skill == "alarm"), 0)  # noqa: E731
    juniors = [t for t in techs if alarm(t) <= 2 and not any(s.skill == "fire" for s in t.skills)]
    seniors = [t for t in techs if alarm(t) >= 4]
    assert juniors and seniors
    assert sum(len(t.skills) for t in seniors) / len(seniors) > sum(len(t.skills) for t in juniors) / len(
        juniors
    )


def test_some_time_off_is_a_partial_day_and_some_is_not_approved() -> None:
    offs = [o for t in built("large").techs for o in t.time_off]
    assert any(o.reason == "doctor" and o.start.hour == 10 and o.end.hour == 14 for o in offs)
    assert any(o.reason == "vacation" and (o.end - o.start) >= dt.timedelta(days=1) for o in offs)
    assert any(not o.approved for o in offs)


def test_profiles_cover_a_standard_a_branch_a_work_order_type_and_the_optimal_strategy() -> None:
    company = built("small")
    by_name = {p.name: p for p in company.profiles}
    standard = by_name["Standard"]
    assert standard.locations == [] and standard.work_order_types == []
    branch = next(p for p in company.profiles if p.locations and not p.work_order_types)
    assert branch.travel_buffer_minutes == 30 and branch.max_daily_jobs == 4
    assert {r.kind for r in branch.territory_rules} == {"max_distance", "zips"}
    fire = by_name["Fire inspections"]
    assert fire.work_order_types == ["inspection"]
    assert fire.territory_rules[0].skill == "fire" and fire.territory_rules[0].min_level == 3
    assert any(p.strategy == "optimal" for p in company.profiles)
    assert len({p.weights for p in company.profiles}) == len(company.profiles)


def test_zip_rule_techs_work_the_branch_the_rule_is_for() -> None:
    company = built("medium")
    techs = {t.email: t for t in company.techs}
    for profile in company.profiles:
        for rule in profile.territory_rules:
            for email in rule.techs:
                assert set(profile.locations) <= set(techs[email].locations)


def test_customer_wishes_name_techs_of_the_customers_branch() -> None:
    company = built("large")
    techs = {t.email: t for t in company.techs}
    branch = {a.customer: a.location for a in company.appointments}
    customers = company.customers
    preferred = [c for c in customers if c.preferred_tech]
    excluded = [c for c in customers if c.excluded_techs]
    required = [c for c in customers if c.required_tech]
    assert 0.12 <= len(preferred) / len(customers) <= 0.2
    assert 0.03 <= len(excluded) / len(customers) <= 0.07
    assert 0 < len(required) <= 0.02 * len(customers)
    for c in customers:
        for email in [c.preferred_tech, c.required_tech, *c.excluded_techs]:
            if email:
                assert branch[c.external_id] in techs[email].locations
        assert c.preferred_tech not in c.excluded_techs or c.preferred_tech is None


def test_about_a_tenth_of_customers_carry_their_location_explicitly() -> None:
    customers = built("large").customers
    explicit = sum(1 for c in customers if c.location) / len(customers)
    assert 0.07 <= explicit <= 0.13
    assert {c.category for c in customers} == {"residential", "commercial"}
    states = dict(zip_table().select("zip", "state").iter_rows())
    assert all(c.address and c.address.endswith(f", {states[c.zip]}") for c in customers)


# --- zip mapping and leads ---------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_a_few_customer_zips_are_left_unmapped_on_purpose(size: str) -> None:
    company = built(size)
    customer_zips = {c.zip for c in company.customers}
    unmapped = demo_counts(company)["unmapped_customer_zips"]
    assert 0.04 * len(customer_zips) <= unmapped <= 0.1 * len(customer_zips)
    assert unmapped >= 1


def test_zip_relations_name_territories_sales_reps_and_work_order_territories() -> None:
    relations = built("medium").zip_relations
    assert len({z.zip for z in relations}) == len(relations)
    assert all(z.territory and z.sales_rep and z.work_order_territory for z in relations)
    assert {"Boston Central", "Boston North", "Worcester West"} <= {z.territory for z in relations}
    assert any(z.notes for z in relations)


def test_some_leads_sit_in_unmapped_zips_and_come_from_several_sources() -> None:
    company = built("medium")
    mapped = {z.zip for z in company.zip_relations}
    leads = company.leads
    unmapped = [lead for lead in leads if lead.zip not in mapped]
    assert 0.1 * len(leads) <= len(unmapped) <= 0.4 * len(leads)
    assert {lead.source for lead in leads} == {"web", "phone", "partner"}
    assert len({lead.external_id for lead in leads}) == len(leads)
    assert 2 <= len(company.lead_queue_groups) <= 4
    assert len({g.priority for g in company.lead_queue_groups}) == len(company.lead_queue_groups)


# --- appointments ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "large"])
def test_appointments_fit_their_slots_and_use_the_standard_windows(size: str) -> None:
    company = built(size)
    durations = {w.code: w.default_duration_minutes for w in company.work_order_types}
    windows = {(minutes(a.slot[0]), minutes(a.slot[1])) for a in company.appointments}
    assert windows == set(SLOTS)
    for a in company.appointments:
        length = minutes(a.slot[1]) - minutes(a.slot[0])
        assert (a.duration_minutes or durations[a.work_order_type]) <= length
        assert a.location is not None
    assert Counter(a.priority for a in company.appointments).most_common(1)[0][0] == 3


def test_some_customers_have_two_appointments() -> None:
    per_customer = Counter(a.customer for a in built("medium").appointments)
    assert 0.02 <= sum(1 for n in per_customer.values() if n > 1) / len(per_customer) <= 0.15


def test_demand_differs_between_branches_per_tech() -> None:
    company = built("medium")
    jobs = Counter(a.location for a in company.appointments)
    staff = Counter(t.locations[0] for t in company.techs)
    load = sorted(jobs[code] / staff[code] for code in staff)
    assert load[-1] > 1.25 * load[0]


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_booked_appointments_are_consistent_with_their_tech(size: str) -> None:
    company = built(size)
    techs: dict[str, TechIn] = {t.email: t for t in company.techs}
    wot = {w.code: w for w in company.work_order_types}
    customers = {c.external_id: c for c in company.customers}
    weekdays = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    per_tech_day: defaultdict[tuple[str, dt.date], list[tuple[int, int]]] = defaultdict(list)
    booked = [a for a in company.appointments if a.tech]
    for a in booked:
        assert a.tech is not None
        tech = techs[a.tech]
        assert tech.active
        assert a.location in tech.locations
        start, end = minutes(a.slot[0]), minutes(a.slot[1])
        hours = tech.hours[weekdays[a.date.weekday()]]  # KeyError = booked on a day off
        assert minutes(hours[0]) <= start and end <= minutes(hours[1])
        slot_start = dt.datetime.combine(a.date, a.slot[0])
        slot_end = dt.datetime.combine(a.date, a.slot[1])
        assert all(off.end <= slot_start or slot_end <= off.start for off in tech.time_off)
        levels = {s.skill: s.level for s in tech.skills}
        assert all(levels.get(r.skill, 0) >= r.min_level for r in wot[a.work_order_type].required_skills)
        customer = customers[a.customer]
        assert a.tech not in customer.excluded_techs
        assert customer.required_tech in (None, a.tech)
        per_tech_day[(a.tech, a.date)].append((start, end))
    for windows in per_tech_day.values():
        windows.sort()
        assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(windows))
        assert len(windows) <= 1  # one booking per tech and day leaves room for any travel buffer


def test_booked_customers_are_within_the_techs_service_radius() -> None:
    company = built("medium")
    techs = {t.email: t for t in company.techs}
    centroids = zip_table().select("zip", "lat", "lon")
    pairs = pl.DataFrame(
        [
            (techs[a.tech].home_zip, a.zip, techs[a.tech].service_radius_miles)
            for a in company.appointments
            if a.tech and a.zip
        ],
        schema=["home", "zip", "radius"],
        orient="row",
    )
    miles = (
        pairs.join(centroids, on="zip")
        .join(centroids.rename({"zip": "home", "lat": "hlat", "lon": "hlon"}), on="home")
        .with_columns(miles=haversine_miles(pl.col("hlat"), pl.col("hlon"), pl.col("lat"), pl.col("lon")))
    )
    assert len(miles) == len(pairs) > 0
    assert miles.filter(pl.col("miles") > pl.col("radius")).is_empty()
    tight = min(
        r.miles or 500.0 for p in company.profiles for r in p.territory_rules if r.kind == "max_distance"
    )
    assert miles["miles"].max() <= tight  # the strictest profile distance rule holds everywhere


def test_booked_appointments_respect_the_territory_rules_of_their_profiles() -> None:
    company = built("large")
    techs = {t.email: t for t in company.techs}
    where = {z: (lat, lon) for z, lat, lon in zip_table().select("zip", "lat", "lon").iter_rows()}
    checked = Counter[str]()
    for profile in company.profiles:
        for a in company.appointments:
            if not a.tech or not a.zip:
                continue
            if (profile.locations and a.location not in profile.locations) or (
                profile.work_order_types and a.work_order_type not in profile.work_order_types
            ):
                continue
            tech = techs[a.tech]
            for rule in profile.territory_rules:
                if rule.zips and not any(a.zip.startswith(z) for z in rule.zips):
                    continue
                if rule.kind == "zips":
                    assert a.tech in rule.techs
                elif rule.kind == "skill":
                    levels = {s.skill: s.level for s in tech.skills}
                    assert levels.get(rule.skill or "", 0) >= rule.min_level
                else:
                    assert rule.miles is not None
                    assert miles(where[tech.home_zip], where[a.zip]) <= rule.miles
                checked[rule.kind] += 1
    assert checked["max_distance"] > 0


def miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle miles between two (lat, lon) points, independent of the code under test."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 3958.7613 * math.asin(math.sqrt(h))


# --- validity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "medium"])
def test_the_company_round_trips_through_json_validation(size: str) -> None:
    company = built(size)
    again = CompanyFile.model_validate_json(company.model_dump_json())
    assert again == company
