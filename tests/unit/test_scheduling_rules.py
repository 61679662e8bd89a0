"""One tiny scenario per rule and per objective: the exact outcome and the exact reason code.

Every scenario starts from the same base: location N, a 60-minute install, Ann (tech 1) who
passes every rule, Bea (tech 2) whom the scenario changes, one appointment 08:00-12:00 on
Monday 11 May 2026 two miles north of the base point. Both strategies must agree.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import pytest

from routing.scheduling.builder import MONDAY, SnapshotBuilder
from routing.scheduling.decide import Decisions, decide
from routing.scheduling.inputs import Params
from routing.scheduling.profiles import Profile, TerritoryRule, Weights

ANN, BEA = 1, 2


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Callable[[SnapshotBuilder], None]
    winner: int | None
    bea_rules: str | None = None  # Bea's failed_rules; None = eligible
    bea_facts: dict[str, object] = field(default_factory=dict)  # expected subset of her facts
    bea_home: float = 3.0
    bea: dict[str, object] = field(default_factory=dict)


def _bea(**attrs: object) -> dict[str, object]:
    return attrs


def build(scenario: Scenario) -> SnapshotBuilder:
    b = SnapshotBuilder()
    b.location("N")
    b.work_type("install", 60, {"alarm": 1})
    b.tech("Ann", skills={"alarm": 3}, home_miles=4)
    bea_attrs: dict[str, object] = {"skills": {"alarm": 3}, "home_miles": scenario.bea_home, **scenario.bea}
    b.tech("Bea", **bea_attrs)  # type: ignore[arg-type]
    scenario.setup(b)
    if not any(row["to_schedule"] for row in b.rows["appointments"]):
        b.appointment(miles_north=2, appointment_id=100)
    return b


def one_appointment(**kwargs: object) -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        b.appointment(miles_north=2, appointment_id=100, **kwargs)  # type: ignore[arg-type]

    return setup


def nothing(b: SnapshotBuilder) -> None:
    return None


def with_profile(**kwargs: object) -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        b.profile(Profile("North", location_codes=("N",), **kwargs))  # type: ignore[arg-type]

    return setup


def all_of(*setups: Callable[[SnapshotBuilder], None]) -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        for step in setups:
            step(b)

    return setup


def bea_booked(
    slot: tuple[int, int], duration: int, appointment_id: int = 50
) -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        b.appointment(slot=slot, duration=duration, tech_id=BEA, appointment_id=appointment_id, miles_north=2)

    return setup


def ann_booked_twice(b: SnapshotBuilder) -> None:
    b.appointment(slot=(12 * 60, 16 * 60), tech_id=ANN, appointment_id=51)
    b.appointment(slot=(16 * 60, 19 * 60), tech_id=ANN, appointment_id=52)


def customer(**kwargs: object) -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        cid = b.customer(**kwargs)  # type: ignore[arg-type]
        b.appointment(miles_north=2, appointment_id=100, customer=cid)

    return setup


def needs_skill(skill: str, level: int) -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        b.work_type("fire_inspection", 60, {skill: level})
        b.appointment(miles_north=2, appointment_id=100, work_type="fire_inspection")

    return setup


def bea_off(start: int, end: int, reason: str = "vacation") -> Callable[[SnapshotBuilder], None]:
    def setup(b: SnapshotBuilder) -> None:
        b.time_off(BEA, dt.datetime(2026, 5, 11, start), dt.datetime(2026, 5, 11, end), reason)

    return setup


def ann_is_a_subcontractor(b: SnapshotBuilder) -> None:
    b.rows["techs"][0]["priority"] = 5


ONLY = {name: 0.0 for name in ("distance", "preferred", "workload", "priority", "skill")}


def weights(**kwargs: float) -> Weights:
    return Weights(**{**ONLY, **kwargs})


RULE_SCENARIOS = [
    Scenario("inactive tech is rejected", nothing, ANN, "inactive", bea=_bea(active=False)),
    Scenario(
        "tech below the skill level is rejected",
        needs_skill("fire", 2),
        None,
        "skill",
        {"skill": {"missing": [{"skill": "fire", "need": 2, "has": None}]}},
    ),
    Scenario(
        "tech with too low a level is rejected with both levels",
        nothing,
        ANN,
        "skill",
        {"skill": {"missing": [{"skill": "alarm", "need": 1, "has": None}]}},
        bea=_bea(skills={}),
    ),
    Scenario(
        "tech whose hours start after the slot is rejected",
        nothing,
        ANN,
        "tech_hours",
        {"tech_hours": {"day": 0, "hours": [780, 1020], "slot": [480, 720]}},
        bea=_bea(hours={0: (13 * 60, 17 * 60)}),
    ),
    Scenario(
        "tech who does not work that weekday is rejected",
        nothing,
        ANN,
        "tech_hours",
        {"tech_hours": {"day": 0, "hours": None}},
        bea=_bea(hours={1: (8 * 60, 17 * 60)}),
    ),
    Scenario(
        "slot outside the profile's hours rejects everyone",
        with_profile(working_hours=((0, 13 * 60, 17 * 60),)),
        None,
        "profile_hours",
        {"profile_hours": {"profile": "North", "hours": [780, 1020]}},
    ),
    Scenario(
        "tech on time off during the slot is rejected with the overlap named",
        bea_off(10, 14),
        ANN,
        "time_off",
        {"time_off": {"from": "2026-05-11T10:00", "to": "2026-05-11T14:00", "reason": "vacation"}},
        bea_home=1,
    ),
    Scenario("time off after the slot does not reject", bea_off(12, 14), BEA, None, bea_home=1),
    Scenario(
        "tech already booked for the whole slot is rejected naming the booking",
        bea_booked((8 * 60, 12 * 60), 240),
        ANN,
        "conflict",
        {"conflict": {"with": 50, "over": 100, "slot": "own", "need": 300, "have": 240, "in_run": False}},
        bea_home=1,
    ),
    Scenario(
        "two jobs that fit in one slot are not a conflict",
        bea_booked((8 * 60, 12 * 60), 120),
        ANN,  # Bea is eligible; Ann wins on workload
        None,
        bea_home=1,
    ),
    Scenario(
        "the travel buffer makes two jobs overflow the slot",
        all_of(with_profile(travel_buffer_minutes=90), bea_booked((8 * 60, 12 * 60), 120)),
        ANN,
        "conflict",
        {"conflict": {"with": 50, "need": 270, "have": 240, "buffer": 90}},
        bea_home=1,
    ),
    Scenario(
        "a job that would overflow an overlapping booking's slot is a conflict on that booking",
        bea_booked((10 * 60, 11 * 60), 60),
        ANN,
        "conflict",
        {"conflict": {"with": 50, "over": 50, "slot": "other", "need": 120, "have": 60}},
        bea_home=1,
    ),
    Scenario(
        "tech at her own daily cap is rejected",
        bea_booked((13 * 60, 17 * 60), 60),
        ANN,
        "daily_cap",
        {"daily_cap": {"jobs": 1, "cap": 1, "by": "tech", "day": "2026-05-11"}},
        bea_home=1,
        bea=_bea(daily_cap=1),
    ),
    Scenario(
        "tech at the profile's max daily jobs is rejected naming the profile",
        all_of(with_profile(max_daily_jobs=1), bea_booked((13 * 60, 17 * 60), 60)),
        ANN,
        "daily_cap",
        {"daily_cap": {"jobs": 1, "cap": 1, "by": "profile", "profile": "North"}},
        bea_home=1,
    ),
    Scenario(
        "customer outside the tech's radius rejects her",
        nothing,
        ANN,
        "radius",
        {"radius": {"radius": 10.0, "by": "tech"}},
        bea_home=20,
        bea=_bea(radius=10.0),
    ),
    Scenario(
        "the company's search radius caps a wider tech radius",
        nothing,
        ANN,
        "radius",
        {"radius": {"by": "company"}},
        bea_home=70,
        bea=_bea(radius=100.0),
    ),
    Scenario(
        "a max-distance territory rule rejects a far tech",
        with_profile(territory_rules=(TerritoryRule("max_distance", miles=5.0),)),
        ANN,
        "territory",
        {"territory": {"failed": [{"profile": "North", "rule": 1, "kind": "max_distance", "limit": 5.0}]}},
        bea_home=10,
    ),
    Scenario(
        "a zips territory rule reserves the area for listed techs",
        with_profile(territory_rules=(TerritoryRule("zips", zips=("000",), techs=("ann@example.com",)),)),
        ANN,
        "territory",
        {"territory": {"failed": [{"kind": "zips", "zip": "00020"}]}},
        bea_home=1,
    ),
    Scenario(
        "a zips territory rule for other zips does not apply",
        with_profile(territory_rules=(TerritoryRule("zips", zips=("99999",), techs=("ann@example.com",)),)),
        BEA,
        None,
        bea_home=1,
    ),
    Scenario(
        "a skill territory rule needs the skill in the area",
        with_profile(territory_rules=(TerritoryRule("skill", skill="alarm", min_level=4),)),
        None,
        "territory",
        {"territory": {"failed": [{"kind": "skill", "skill": "alarm", "need": 4, "has": 3}]}},
    ),
    Scenario(
        "a tech the customer excludes is rejected", customer(excluded=(BEA,)), ANN, "excluded", bea_home=1
    ),
    Scenario(
        "a customer who requires another tech rejects the rest",
        customer(required=ANN),
        ANN,
        "required",
        {"required": {"required": ANN}},
        bea_home=1,
    ),
]

OBJECTIVE_SCENARIOS = [
    Scenario("the nearer tech wins on distance", with_profile(weights=weights(distance=1)), BEA, bea_home=2),
    Scenario(
        "the preferred tech wins on preference",
        all_of(with_profile(weights=weights(preferred=1)), customer(preferred=BEA)),
        BEA,
        bea_home=9,
    ),
    Scenario(
        "the tech with fewer jobs that day wins on workload",
        all_of(with_profile(weights=weights(workload=1)), ann_booked_twice),
        BEA,
        bea_home=9,
    ),
    Scenario(
        "the higher-priority tech wins on priority",
        all_of(with_profile(weights=weights(priority=1)), ann_is_a_subcontractor),
        BEA,
        bea_home=9,
    ),
    Scenario(
        "the more skilled tech wins on skill level",
        with_profile(weights=weights(skill=1)),
        BEA,
        bea_home=9,
        bea=_bea(skills={"alarm": 5}),
    ),
    Scenario("an exact tie goes to the lower tech id", with_profile(weights=weights()), ANN, bea_home=9),
]


def run(scenario: Scenario, strategy: str) -> Decisions:
    return decide(build(scenario).build(), Params(strategy=strategy))


def candidate(decisions: Decisions, tech_id: int, appointment_id: int = 100) -> dict[str, object]:
    rows = decisions.candidates.filter(
        (pl.col("tech_id") == tech_id) & (pl.col("appointment_id") == appointment_id)
    ).to_dicts()
    assert len(rows) == 1
    return rows[0]


def assert_subset(expected: object, actual: object) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), actual
        for key, value in expected.items():
            assert key in actual, f"{key} missing from {actual}"
            assert_subset(value, actual[key])
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), actual
        for e, a in zip(expected, actual, strict=True):
            assert_subset(e, a)
    else:
        assert expected == actual, f"{expected!r} != {actual!r}"


@pytest.mark.parametrize("strategy", ["greedy", "optimal"])
@pytest.mark.parametrize("scenario", RULE_SCENARIOS, ids=lambda s: s.name)
def test_each_rule_rejects_with_its_code_and_facts(scenario: Scenario, strategy: str) -> None:
    decisions = run(scenario, strategy)
    outcome = decisions.appointments.row(0, named=True)
    assert outcome["tech_id"] == scenario.winner
    assert outcome["outcome"] == ("assigned" if scenario.winner else "unassigned")
    bea = candidate(decisions, BEA)
    assert bea["failed_rules"] == scenario.bea_rules
    assert bea["eligible"] is (scenario.bea_rules is None)
    if scenario.bea_rules:
        assert_subset(scenario.bea_facts, json.loads(str(bea["facts"])))
        assert bea["rank"] is None


@pytest.mark.parametrize("strategy", ["greedy", "optimal"])
@pytest.mark.parametrize("scenario", OBJECTIVE_SCENARIOS, ids=lambda s: s.name)
def test_each_objective_decides_between_two_eligible_techs(scenario: Scenario, strategy: str) -> None:
    decisions = run(scenario, strategy)
    outcome = decisions.appointments.row(0, named=True)
    loser = ANN if scenario.winner == BEA else BEA
    assert outcome["tech_id"] == scenario.winner
    assert outcome["runner_up_tech_id"] == loser
    lost = candidate(decisions, loser)
    assert lost["lost_to_tech_id"] == scenario.winner
    assert lost["rank"] == 2
    if scenario.name.startswith("an exact tie"):
        assert outcome["margin"] == 0
        assert lost["lost_reason"] == "tie"
        assert "(1) wins" in outcome["tie_break"] and "lowest tech id" in outcome["tie_break"]
    else:
        assert outcome["margin"] > 0
        assert lost["lost_reason"] == "score"
        assert outcome["tie_break"] is None


def test_a_rejected_tech_shows_every_rule_that_rejected_her() -> None:
    scenario = Scenario(
        "many", all_of(bea_off(9, 10), customer(excluded=(BEA,))), ANN, bea=_bea(active=False, radius=1.0)
    )
    bea = candidate(run(scenario, "greedy"), BEA)
    assert bea["failed_rules"] == "inactive time_off radius excluded"
    assert set(json.loads(str(bea["facts"]))) == {"inactive", "time_off", "radius", "excluded"}


def test_each_objective_is_stored_in_the_breakdown_between_0_and_100() -> None:
    decisions = run(Scenario("base", customer(preferred=BEA), BEA, bea_home=1), "greedy")
    bea = candidate(decisions, BEA)
    assert bea["s_preferred"] == 100.0
    assert bea["s_priority"] == 100.0
    assert bea["s_workload"] == 100.0
    assert bea["s_skill"] == 60.0
    assert bea["s_distance"] == pytest.approx(100 * (1 - 1 / 60), abs=0.01)
    assert bea["score"] == pytest.approx(
        (40 * bea["s_distance"] + 20 * 100 + 20 * 100 + 10 * 100 + 10 * 60) / 100, abs=1e-3
    )


def test_techs_who_do_not_work_the_location_have_no_candidate_row() -> None:
    scenario = Scenario("elsewhere", nothing, ANN)
    b = build(scenario)
    b.tech("Cyd", locations=("S",), skills={"alarm": 5})
    decisions = decide(b.build(), Params())
    assert sorted(decisions.candidates["tech_id"].to_list()) == [ANN, BEA]
    assert decisions.roster.filter(pl.col("tech_id") == 3)["location_codes"].item() == "S"
    assert (
        json.loads(decisions.appointments["detail"][0] or "{}") == {}
        or decisions.appointments["outcome"][0] == "assigned"
    )


def test_an_unassigned_appointment_counts_the_techs_each_rule_blocked() -> None:
    b = build(Scenario("x", nothing, None, bea=_bea(active=False)))
    b.tech("Cyd", locations=("S",))
    b.rows["techs"][0]["radius"] = 0.5  # Ann out of radius
    decisions = decide(b.build(), Params())
    detail = json.loads(decisions.appointments["detail"][0])
    assert decisions.appointments["outcome"][0] == "unassigned"
    assert detail == {"blocking": {"inactive": 1, "radius": 1}, "not_at_location": 1}


def test_appointments_are_decided_by_slot_start_then_priority_then_creation_then_id() -> None:
    b = SnapshotBuilder()
    b.work_type("install", 60)
    b.tech("Ann")
    b.appointment(appointment_id=1, slot=(12 * 60, 16 * 60))
    b.appointment(appointment_id=2, slot=(8 * 60, 12 * 60), priority=3)
    b.appointment(appointment_id=3, slot=(8 * 60, 12 * 60), priority=1)
    b.appointment(appointment_id=4, slot=(8 * 60, 12 * 60), priority=1, day=MONDAY - dt.timedelta(days=7))
    decisions = decide(b.build(), Params())
    assert decisions.appointments["appointment_id"].to_list() == [4, 3, 2, 1]
    assert decisions.appointments["seq"].to_list() == [1, 2, 3, 4]
