"""Partitions (day x group of locations sharing techs): a split run decides exactly like a whole one."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.scheduling.builder import MONDAY, SnapshotBuilder
from routing.scheduling.decide import decide
from routing.scheduling.inputs import Params
from routing.scheduling.partition import PartitionKey, location_groups, merge, partition_keys, split
from tests.unit.test_scheduling_properties import Company, companies


def test_locations_that_share_a_tech_form_one_group() -> None:
    links = pl.DataFrame({"tech_id": [1, 1, 2, 3], "location_id": [10, 20, 20, 30]})
    assert location_groups(links, [10, 20, 30, 40]) == {10: 10, 20: 10, 30: 30, 40: 40}


def test_partitions_are_days_times_location_groups_with_work_to_do() -> None:
    b = SnapshotBuilder()
    b.work_type("install", 60)
    b.tech("Ann", ("N", "E"))
    b.tech("Bea", ("S",))
    b.appointment(location="N")
    b.appointment(location="E", day=MONDAY + dt.timedelta(days=1))
    b.appointment(location="S")
    b.location("W")
    assert partition_keys(b.build()) == [
        PartitionKey(MONDAY, 1),
        PartitionKey(MONDAY, 3),
        PartitionKey(MONDAY + dt.timedelta(days=1), 1),
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies(), st.sampled_from(["greedy", "optimal"]))
def test_deciding_partition_by_partition_gives_the_same_run(company: Company, strategy: str) -> None:
    params = Params(strategy=strategy)
    whole = decide(company.snapshot, params)
    parts = [decide(part, params) for _key, part in split(company.snapshot)]
    merged = merge(company.snapshot, parts)
    assert merged.appointments.equals(whole.appointments)
    assert merged.candidates.equals(whole.candidates)
    assert merged.roster.equals(whole.roster)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies(), st.integers(1, 4))
def test_deciding_in_batches_of_whole_partitions_gives_the_same_run(company: Company, limit: int) -> None:
    from routing.scheduling.partition import batches

    whole = decide(company.snapshot, Params())
    parts = [decide(part, Params()) for part in batches(company.snapshot, limit)]
    merged = merge(company.snapshot, parts)
    assert merged.appointments.equals(whole.appointments)
    assert merged.candidates.equals(whole.candidates)
    assert merged.roster.equals(whole.roster)
