"""Runner-up and margin of every decision: the best-ranked eligible tech other than the chosen one.

Optimal may choose a tech below rank 1; the runner-up is then better scored and the margin
(chosen score minus runner-up score) is negative. Never the chosen tech herself.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.scheduling.decide import Decisions, decide
from routing.scheduling.inputs import Params
from tests.unit.test_scheduling_properties import Company, companies
from tests.unit.test_scheduling_strategies import myopic_company, outcome


def check_runner_up(decisions: Decisions) -> None:
    cands = decisions.candidates
    for a in decisions.appointments.iter_rows(named=True):
        mine = cands.filter(pl.col("appointment_id") == a["appointment_id"])
        others = mine.filter(pl.col("eligible") & ~pl.col("chosen")).sort("rank")
        if a["outcome"] != "assigned" or others.height == 0:
            assert (a["runner_up_tech_id"], a["margin"]) == (None, None), a
            continue
        assert a["runner_up_tech_id"] != a["tech_id"], a
        best = others.row(0, named=True)
        assert a["runner_up_tech_id"] == best["tech_id"], a
        assert a["margin"] == pytest.approx(a["score"] - best["score"], abs=1e-4), a


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies(), st.sampled_from(["greedy", "optimal"]))
def test_the_runner_up_is_never_the_chosen_tech_and_the_margin_is_against_the_best_other(
    company: Company, strategy: str
) -> None:
    check_runner_up(decide(company.snapshot, Params(strategy=strategy)))


def test_when_the_plan_chooses_a_lower_scored_tech_the_margin_is_negative() -> None:
    decisions = decide(myopic_company().build(), Params(strategy="optimal"))
    first = outcome(decisions, 1)
    assert (first["tech_id"], first["runner_up_tech_id"]) == (2, 1)  # Bea chosen, Ann better scored
    assert first["margin"] == pytest.approx(73.3333 - 80.0, abs=1e-3)
    assert outcome(decisions, 2)["runner_up_tech_id"] is None  # only Ann could take the second job
    check_runner_up(decisions)


def test_greedy_runner_up_is_the_rank_2_tech() -> None:
    decisions = decide(myopic_company().build(), Params(strategy="greedy"))
    first = outcome(decisions, 1)
    assert (first["tech_id"], first["runner_up_tech_id"]) == (1, 2)
    assert first["margin"] == pytest.approx(80.0 - 73.3333, abs=1e-3)
