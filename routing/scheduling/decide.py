"""``decide(snapshot, params) -> Decisions``: the whole engine as one pure function.

No clock, database, environment or randomness: the same snapshot and params give the same
decisions (``replay`` relies on it). The shell gathers the snapshot and applies the decisions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from routing.scheduling.candidates import Prepared, build_candidates, prepare
from routing.scheduling.capacity import CapacityState, capacity_facts, check_columns, static_capacity
from routing.scheduling.greedy import run_greedy
from routing.scheduling.inputs import Params, Snapshot
from routing.scheduling.record import Record
from routing.scheduling.roster import roster_frame
from routing.scheduling.rules import RULES, assemble, evaluate_static
from routing.scheduling.scoring import static_objectives

Progress = Callable[[str, int, int], None]

CANDIDATE_COLUMNS = (
    "appointment_id",
    "tech_id",
    "eligible",
    "failed_rules",
    "facts",
    "score",
    "s_distance",
    "s_preferred",
    "s_workload",
    "s_priority",
    "s_skill",
    "distance_miles",
    "rank",
    "chosen",
    "lost_to_tech_id",
    "lost_to_appointment_id",
    "lost_reason",
)
CANDIDATE_SCHEMA = pl.Schema(
    {
        "appointment_id": pl.Int64,
        "tech_id": pl.Int64,
        "eligible": pl.Boolean,
        "failed_rules": pl.String,
        "facts": pl.String,
        "score": pl.Float64,
        "s_distance": pl.Float64,
        "s_preferred": pl.Float64,
        "s_workload": pl.Float64,
        "s_priority": pl.Float64,
        "s_skill": pl.Float64,
        "distance_miles": pl.Float64,
        "rank": pl.Int64,
        "chosen": pl.Boolean,
        "lost_to_tech_id": pl.Int64,
        "lost_to_appointment_id": pl.Int64,
        "lost_reason": pl.String,
    }
)
APPOINTMENT_COLUMNS = (
    "appointment_id",
    "seq",
    "profile_name",
    "outcome",
    "tech_id",
    "score",
    "runner_up_tech_id",
    "margin",
    "candidates_total",
    "candidates_eligible",
    "tie_break",
    "detail",
    "location_id",
    "customer_id",
    "date",
    "slot_start",
    "slot_end",
    "duration",
)


@dataclass(frozen=True)
class Decisions:
    """What a run decided: per appointment, per candidate row, the roster, profiles used, stats."""

    appointments: pl.DataFrame
    candidates: pl.DataFrame
    roster: pl.DataFrame
    profiles: list[dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def assigned(self) -> int:
        """Appointments given a tech."""
        return int((self.appointments["outcome"] == "assigned").sum())

    @property
    def unassigned(self) -> int:
        """Appointments no tech could take."""
        return int((self.appointments["outcome"] == "unassigned").sum())


def evaluate(snapshot: Snapshot) -> tuple[Prepared, pl.DataFrame, CapacityState]:
    """The candidate frame with every run-independent rule and objective, and the capacity state."""
    snapshot.check()
    prepared = prepare(snapshot)
    cands = build_candidates(prepared)
    cands = evaluate_static(cands, prepared)
    cands = static_capacity(cands, prepared)
    cands = static_objectives(cands, snapshot.max_search_radius_miles)
    return prepared, cands, CapacityState(cands, prepared)


BATCH_APPOINTMENTS = 12_000
"""Above this many appointments, whole partitions are decided in batches (same result, less memory)."""


def decide(snapshot: Snapshot, params: Params, progress: Progress | None = None) -> Decisions:
    """Run the engine: candidates, rules, scores, then the strategy; returns the full reasoning."""
    if snapshot.appointments["to_schedule"].sum() <= BATCH_APPOINTMENTS:
        return _decide(snapshot, params, progress)
    from routing.scheduling.partition import batches, merge

    parts = [_decide(part, params, progress) for part in batches(snapshot, BATCH_APPOINTMENTS)]
    return merge(snapshot, parts)


def _decide(snapshot: Snapshot, params: Params, progress: Progress | None = None) -> Decisions:
    timings: dict[str, float] = {}
    clock = time.perf_counter  # timing only; never influences a decision
    began = clock()
    prepared, cands, state = evaluate(snapshot)
    timings["evaluate_s"] = round(clock() - began, 3)
    n_appts = prepared.to_schedule.height
    began = clock()
    step: Callable[[int, int], None] | None = None
    if progress is not None:
        report = progress

        def step(done: int, total: int) -> None:
            report(params.strategy, done, total)

    solver: dict[str, Any] = {}
    if params.strategy == "optimal":
        from routing.scheduling.optimal import run_optimal

        record, solver = run_optimal(cands, state, prepared, params, step)
    else:
        record = run_greedy(cands, state, n_appts, step)
    timings["strategy_s"] = round(clock() - began, 3)
    began = clock()
    final = check_columns(state.check(slice(0, cands.height)))
    cands = cands.with_columns(**record.row_columns(), **{k: pl.Series(v) for k, v in final.items()})
    cands = assemble(capacity_facts(cands, prepared))
    appointments = _appointment_frame(prepared, cands, record)
    candidates = (
        cands.select(
            *CANDIDATE_COLUMNS[:11],
            pl.col("miles").round(2).alias("distance_miles"),
            *CANDIDATE_COLUMNS[12:],
        )
        .with_columns(
            pl.col(c).round(4) for c in ("s_distance", "s_preferred", "s_workload", "s_priority", "s_skill")
        )
        .cast(CANDIDATE_SCHEMA)
    )
    roster = roster_frame(prepared, candidates)
    timings["record_s"] = round(clock() - began, 3)
    used = sorted(set(appointments["profile_name"].to_list()))
    profiles = [p.to_json() for p in prepared.profiles if p.name in used]
    stats = {"candidates": candidates.height, "appointments": n_appts, **timings, **solver}
    return Decisions(appointments, candidates, roster, profiles, stats)


def _appointment_frame(prepared: Prepared, cands: pl.DataFrame, record: Record) -> pl.DataFrame:
    # the runner-up: the best-ranked eligible candidate other than the chosen one (optimal may
    # choose below rank 1, so it is not "rank 2"); none when nobody was chosen
    other = pl.col("rank").is_not_null() & ~pl.col("chosen") & pl.col("chosen").any()
    runner_up = other & (pl.col("rank") == pl.col("rank").filter(other).min())
    per_row = cands.group_by("seq").agg(
        candidates_total=pl.len().cast(pl.Int64),
        candidates_eligible=pl.col("eligible").sum().cast(pl.Int64),
        score=pl.col("score").filter(pl.col("chosen")).first(),
        runner_up_tech_id=pl.col("tech_id").filter(runner_up).first(),
        runner_up_score=pl.col("score").filter(runner_up).first(),
        **{f"n_{code}": pl.col(f"fail_{code}").sum() for code in RULES if f"fail_{code}" in cands.columns},
    )
    n_roster = prepared.snapshot.techs.height
    blocking = pl.concat_str(
        [
            pl.when(pl.col(f"n_{code}").fill_null(0) > 0).then(
                pl.format('"{}":{}', pl.lit(code), pl.col(f"n_{code}"))
            )
            for code in RULES
            if f"n_{code}" in per_row.columns
        ],
        separator=",",
        ignore_nulls=True,
    )
    frame = (
        prepared.to_schedule.select(
            "seq",
            "appointment_id",
            "profile_name",
            "location_id",
            "customer_id",
            "date",
            "slot_start",
            "slot_end",
            "duration",
        )
        .with_columns(
            tech_id=pl.Series(record.outcome_tech), tie_break=pl.Series(record.tie_break, dtype=pl.String)
        )
        .join(per_row, on="seq", how="left")
        .with_columns(
            tech_id=pl.when(pl.col("tech_id") >= 0).then(pl.col("tech_id")),
            candidates_total=pl.col("candidates_total").fill_null(0),
            candidates_eligible=pl.col("candidates_eligible").fill_null(0),
        )
        .with_columns(
            outcome=pl.when(pl.col("tech_id").is_not_null())
            .then(pl.lit("assigned"))
            .otherwise(pl.lit("unassigned")),
            margin=(pl.col("score") - pl.col("runner_up_score")).round(4),
            detail=pl.when(pl.col("tech_id").is_null()).then(
                pl.concat_str(
                    [
                        pl.lit('{"blocking":{'),
                        blocking.fill_null(""),
                        pl.lit('},"not_at_location":'),
                        (pl.lit(n_roster) - pl.col("candidates_total")).cast(pl.String),
                        pl.lit("}"),
                    ]
                )
            ),
        )
    )
    return frame.select(APPOINTMENT_COLUMNS).sort("seq")
