"""Read-time pieces that need no database: sentences, the suggested setting change, the commit re-check."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from routing.scheduling.messages import sentence
from routing.scheduling.recheck import Job, fits, recheck
from routing.scheduling.suggest import best_change

DAY = dt.date(2026, 5, 12)  # a Tuesday

SENTENCES = [
    ("inactive", {}, "Dana is inactive"),
    ("location", {"location": "N", "works": ["S", "E"]}, "Dana does not work location N (works S, E)"),
    (
        "skill",
        {"missing": [{"skill": "alarm", "need": 3, "has": 1}, {"skill": "fire", "need": 2, "has": None}]},
        "Dana lacks alarm level 3 (has 1); fire level 2 (has none)",
    ),
    ("tech_hours", {"day": 1, "hours": None, "slot": [480, 720]}, "Dana does not work on Tuesdays"),
    (
        "tech_hours",
        {"day": 1, "hours": [780, 1020], "slot": [480, 720]},
        "Dana works 13:00–17:00 on Tuesdays; the slot is 08:00–12:00",
    ),
    (
        "profile_hours",
        {"profile": "North", "day": 5, "hours": None, "slot": [480, 720]},
        "profile North does not schedule on Saturdays",
    ),
    (
        "time_off",
        {"from": "2026-05-12T10:00", "to": "2026-05-12T14:00", "reason": "vacation"},
        "Dana is off 10:00–14:00 on Tue 12 May (vacation)",
    ),
    (
        "time_off",
        {"from": "2026-05-11T08:00", "to": "2026-05-15T18:00", "reason": "training"},
        "Dana is off from Mon 11 May 08:00 to Fri 15 May 18:00 (training)",
    ),
    (
        "conflict",
        {"with": 812, "over": 9, "slot": "own", "need": 270, "have": 240, "buffer": 30, "in_run": True},
        "Dana already has appointment 812 in an overlapping slot (given earlier in this run): "
        "this slot would need 270 min incl. 30-min travel buffers but holds 240",
    ),
    (
        "conflict",
        {"with": 50, "over": 50, "slot": "other", "need": 120, "have": 60, "buffer": 0, "in_run": False},
        "this job would overflow the slot of Dana's appointment 50, which would need 120 min but holds 60",
    ),
    (
        "daily_cap",
        {"jobs": 4, "cap": 4, "by": "profile", "profile": "North", "day": "2026-05-12", "in_run": 0},
        "Dana already has 4 jobs on Tue 12 May, cap 4 in profile North",
    ),
    (
        "daily_cap",
        {"jobs": 2, "cap": 2, "by": "tech", "profile": None, "day": "2026-05-12", "in_run": 1},
        "Dana already has 2 jobs on Tue 12 May (1 given in this run), cap 2 set for Dana",
    ),
    (
        "radius",
        {"miles": 23.4, "radius": 20.0, "by": "tech", "zip": None},
        "Dana lives 23.4 mi from the customer, beyond their 20-mi service radius",
    ),
    (
        "radius",
        {"miles": 71.0, "radius": 60.0, "by": "company", "zip": None},
        "Dana lives 71 mi from the customer, beyond the company's 60-mi search radius",
    ),
    (
        "radius",
        {"miles": None, "radius": 30.0, "by": "tech", "zip": "00000"},
        "the distance is unknown: zip 00000 has no known location",
    ),
    (
        "territory",
        {"failed": [{"profile": "North", "rule": 1, "kind": "max_distance", "miles": 12.5, "limit": 10.0}]},
        "rule 1 of profile North needs techs within 10 mi (Dana is 12.5 mi away)",
    ),
    (
        "territory",
        {"failed": [{"profile": "North", "rule": 2, "kind": "zips", "zip": "02108"}]},
        "rule 2 of profile North reserves zip 02108 for other techs",
    ),
    ("excluded", {}, "the customer excludes Dana"),
    ("required", {"required": 7}, "the customer requires Bob (#7)"),
]


@pytest.mark.parametrize(
    ("code", "facts", "expected"), SENTENCES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(SENTENCES)]
)
def test_each_rule_reads_as_a_sentence_a_dispatcher_understands(
    code: str, facts: dict[str, object], expected: str
) -> None:
    assert sentence(code, facts, "Dana", lambda tech_id: f"Bob (#{tech_id})") == expected


def test_unreadable_facts_still_give_a_sentence() -> None:
    assert sentence("daily_cap", {"jobs": 1}, "Dana").startswith("daily cap reached")


def row(
    tech_id: int, code: str, facts: dict[str, object], name: str | None = None
) -> tuple[int, str, str, str]:
    return (tech_id, name or f"T{tech_id}", code, json.dumps({code: facts}))


CAP = {"by": "profile", "profile": "North", "day": "2026-05-12", "in_run": 0}


def test_the_suggestion_is_the_change_that_makes_the_most_techs_eligible() -> None:
    rows = [
        row(1, "daily_cap", {"jobs": 4, "cap": 4, **CAP}),
        row(2, "daily_cap", {"jobs": 4, "cap": 4, **CAP}),
        row(3, "daily_cap", {"jobs": 4, "cap": 4, **CAP}),
        row(4, "radius", {"miles": 31.2, "radius": 30.0, "by": "tech"}),
        (5, "T5", "daily_cap radius", json.dumps({"daily_cap": {"jobs": 9, "cap": 4, **CAP}, "radius": {}})),
    ]
    change = best_change(rows)
    assert change is not None
    assert change.message == "max daily jobs in profile North 4 → 5 makes 3 techs eligible"
    assert (change.scope, change.setting, change.current, change.proposed, change.techs) == (
        "profile",
        "max_daily_jobs",
        4,
        5,
        3,
    )


def test_a_company_wide_change_wins_a_tie_and_names_the_command() -> None:
    rows = [
        row(1, "radius", {"miles": 64.2, "radius": 60.0, "by": "company"}),
        row(2, "daily_cap", {"jobs": 2, "cap": 2, "by": "tech", "day": "2026-05-12", "in_run": 0}),
    ]
    change = best_change(rows)
    assert change is not None and change.scope == "company"
    assert change.message.endswith("(routing settings set max_search_radius_miles 65)")


def test_territory_and_hours_changes_are_suggested_in_their_own_words() -> None:
    distance = best_change(
        [
            row(
                1,
                "territory",
                {
                    "failed": [
                        {"profile": "N", "rule": 1, "kind": "max_distance", "miles": 28.9, "limit": 25.0}
                    ]
                },
            )
        ]
    )
    zips = best_change(
        [
            row(
                i,
                "territory",
                {"failed": [{"profile": "N", "rule": 2, "kind": "zips", "zip": "02108"}]},
                name,
            )
            for i, name in ((1, "Ann"), (2, "Bea"))
        ]
    )
    hours = best_change(
        [row(1, "profile_hours", {"profile": "N", "day": 1, "hours": [480, 720], "slot": [720, 960]})]
    )
    assert (
        distance
        and distance.message
        == "max distance of territory rule 1 in profile N 25 → 29 mi makes 1 tech eligible"
    )
    assert zips and zips.message == "adding Ann, Bea to territory rule 2 in profile N makes 2 techs eligible"
    assert (
        hours
        and hours.message
        == "working hours on tue in profile N 08:00-12:00 → 08:00-16:00 makes 1 tech eligible"
    )


def test_no_suggestion_when_no_single_setting_helps() -> None:
    assert best_change([row(1, "skill", {"missing": []}), row(2, "conflict", {"with": 1})]) is None


def job(appointment_id: int, start: int = 480, end: int = 720, duration: int = 240, cap: int = 10**6) -> Job:
    return Job(appointment_id, 1, DAY, start, end, duration, 0, cap)


def test_a_planned_job_still_fits_when_the_bookings_did_not_change() -> None:
    seen = {(9, 1, DAY, 480, 720, 240)}
    assert recheck([job(1)], {1: None}, [job(9)], seen, {1: None}) == {}


def test_a_planned_job_assigned_meanwhile_or_clashing_with_a_new_booking_is_skipped() -> None:
    skips = recheck([job(1), job(2, 720, 960)], {1: 5, 2: None}, [job(9, 720, 960)], set(), {1: None})
    assert skips[1].reason == "assigned_meanwhile" and skips[1].other_tech_id == 5
    assert skips[2].reason == "conflict" and skips[2].other_appointment_id == 9


def test_the_daily_cap_counts_jobs_booked_meanwhile() -> None:
    assert fits([job(9, 480, 600, 60)], job(1, 720, 960, 60), tech_cap=1) is not None
    assert fits([job(9, 480, 600, 60)], job(1, 720, 960, 60), tech_cap=2) is None
