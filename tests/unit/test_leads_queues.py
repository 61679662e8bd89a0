"""Lead queue groups: matching criteria, priority, and whether non-priority groups also assign."""

from __future__ import annotations

import polars as pl
import pytest

from routing.leads.queues import LEAD_SCHEMA, QueueGroup, assign_queues, matches


def leads(*rows: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame([{k: row.get(k) for k in LEAD_SCHEMA} for row in rows], schema=LEAD_SCHEMA)


LEAD = {"lead_id": 1, "zip": "02134", "territory": "Boston North", "location": "BOS", "source": "Web"}


@pytest.mark.parametrize(
    ("criteria", "matched"),
    [
        ({}, True),
        ({"zips": ["021"]}, True),
        ({"zips": ["02134"]}, True),
        ({"zips": ["061", "02138"]}, False),
        ({"territories": ["boston north "]}, True),
        ({"territories": ["Boston South"]}, False),
        ({"location": "bos"}, True),
        ({"location": "HFD"}, False),
        ({"lead_source": "web"}, True),
        ({"lead_source": "partner"}, False),
        ({"zips": ["021"], "lead_source": "web", "location": "BOS"}, True),
        ({"zips": ["021"], "lead_source": "partner"}, False),
    ],
)
def test_a_lead_matches_a_group_when_it_meets_every_criterion_the_group_sets(
    criteria: dict[str, object], matched: bool
) -> None:
    group = QueueGroup.from_criteria(1, "G", 1, criteria)
    assert leads(LEAD).select(matches(group)).item() is matched


def test_a_lead_without_the_value_a_criterion_needs_does_not_match() -> None:
    group = QueueGroup.from_criteria(1, "Web", 1, {"lead_source": "web"})
    assert leads({**LEAD, "source": None}).select(matches(group)).item() is False


GROUPS = [
    QueueGroup.from_criteria(10, "Web inbound", 3, {"lead_source": "web"}),
    QueueGroup.from_criteria(11, "Boston metro", 2, {"location": "BOS"}),
    QueueGroup.from_criteria(12, "Partners", 1, {"lead_source": "partner"}),
    QueueGroup.from_criteria(13, "Everyone", 9, {}),
]
MANY = leads(
    LEAD,
    {**LEAD, "lead_id": 2, "source": "partner"},
    {**LEAD, "lead_id": 3, "location": "HFD", "source": "phone"},
)


def test_the_highest_priority_matching_group_routes_the_lead_and_only_it_when_the_setting_is_off() -> None:
    assigned = assign_queues(MANY, GROUPS, non_priority_assign=False)
    assert assigned.rows() == [(1, 11, True), (2, 12, True), (3, 13, True)]


def test_every_matching_group_also_holds_the_lead_when_the_setting_is_on() -> None:
    assigned = assign_queues(MANY, GROUPS, non_priority_assign=True)
    assert assigned.rows() == [
        (1, 11, True),
        (1, 10, False),
        (1, 13, False),
        (2, 12, True),
        (2, 11, False),
        (2, 13, False),
        (3, 13, True),
    ]


def test_equal_priorities_are_broken_by_name_so_routing_is_deterministic() -> None:
    groups = [QueueGroup(2, "Zeta", 1), QueueGroup(1, "Alpha", 1)]
    assert assign_queues(leads(LEAD), groups, non_priority_assign=False).rows() == [(1, 1, True)]


def test_leads_matching_no_group_get_none_and_no_groups_means_no_assignment() -> None:
    only_partners = [QueueGroup.from_criteria(12, "Partners", 1, {"lead_source": "partner"})]
    assert assign_queues(leads(LEAD), only_partners, non_priority_assign=True).is_empty()
    assert assign_queues(leads(LEAD), [], non_priority_assign=True).is_empty()


def test_criteria_round_trip_keeps_only_those_set() -> None:
    group = QueueGroup.from_criteria(1, "G", 1, {"zips": ["021"], "territories": [], "location": None})
    assert group.criteria() == {"zips": ["021"]}
