"""Optimal strategy: OR-Tools CP-SAT per partition maximises the number assigned, then the score.

Candidates are those eligible against the bookings before the run (every rule passes); the model
adds the joint constraints (conflict with slot packing, daily caps) over the run's own choices.
Scores use the workload before the run. The solver runs single-threaded with a fixed seed and a
deterministic time limit, so the same inputs give the same plan; the greedy plan is the hint.
For every better-scored eligible tech who was not chosen, the record names the appointment the
plan gave her instead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from routing.scheduling.candidates import Prepared
from routing.scheduling.capacity import CapacityState, workload_scores
from routing.scheduling.greedy import run_greedy
from routing.scheduling.inputs import Params
from routing.scheduling.partition import group_expr
from routing.scheduling.profiles import NO_CAP
from routing.scheduling.recheck import Job, fits
from routing.scheduling.record import LOST_REASONS, Record, appointment_bounds
from routing.scheduling.scoring import SCORE_DECIMALS, rank_order, total_scores

SCORE_UNITS = 10**SCORE_DECIMALS
_EPOCH = dt.date(1970, 1, 1)  # Job.date is unused here: jobs are already grouped per day
_REASON = {name: LOST_REASONS.index(name) for name in LOST_REASONS if name}


def run_optimal(
    cands: pl.DataFrame,
    state: CapacityState,
    prepared: Prepared,
    params: Params,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Record, dict[str, Any]]:
    """Solve each partition; returns the record and solver statistics."""
    n_appts = prepared.to_schedule.height
    hint = run_greedy(cands, CapacityState(cands, prepared), n_appts)
    record = Record(cands.height, n_appts)
    everything = slice(0, cands.height)
    check = state.check(everything)
    static_fail = cands["static_fail"].to_numpy()
    eligible = ~static_fail & ~check.conflict & ~check.cap
    record.eligible[:] = eligible
    record.initially_eligible[:] = eligible
    record.s_workload[:] = workload_scores(check.jobs, check.limit)
    record.score[:] = total_scores(
        cands["static_part"].to_numpy(),
        cands["w_workload"].to_numpy(),
        cands["w_total"].to_numpy(),
        record.s_workload,
    )
    groups = cands.select(group=group_expr(prepared.snapshot))["group"].to_numpy()
    parts: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in np.flatnonzero(eligible):
        parts[(int(state.day[row]), int(groups[row]))].append(int(row))
    chosen_rows: list[int] = []
    statuses: dict[str, int] = defaultdict(int)
    bookings = _bookings_by_key(prepared)
    for done, key in enumerate(sorted(parts)):
        if progress is not None:
            progress(done, len(parts))
        rows = np.asarray(parts[key], dtype=np.int64)
        picked, status = _solve(rows, state, record.score, hint.chosen, bookings, params)
        statuses[status] += 1
        chosen_rows.extend(picked)
    if progress is not None:
        progress(len(parts), len(parts))
    bounds = appointment_bounds(cands["seq"].to_numpy(), n_appts)
    chosen_rows = _prefer_lower_ids(chosen_rows, record, state, prepared, bounds)
    _finish(record, cands, state, np.asarray(sorted(chosen_rows), dtype=np.int64), n_appts)
    return record, {"partitions": len(parts), "solver_status": dict(sorted(statuses.items()))}


def _bookings_by_key(prepared: Prepared) -> dict[tuple[int, int], list[tuple[int, int, int, int]]]:
    """(tech, day) -> [(slot_start, slot_end, buffer, slack)] of existing jobs."""
    result: dict[tuple[int, int], list[tuple[int, int, int, int]]] = defaultdict(list)
    frame = prepared.bookings.select(
        "tech_id", pl.col("date").cast(pl.Int64), "slot_start", "slot_end", "buffer", "slack"
    )
    for tech, day, start, end, buffer, slack in frame.iter_rows():
        result[(int(tech), int(day))].append((int(start), int(end), int(buffer), int(slack)))
    return result


def _solve(
    rows: np.ndarray,
    state: CapacityState,
    scores: np.ndarray,
    hint: np.ndarray,
    bookings: dict[tuple[int, int], list[tuple[int, int, int, int]]],
    params: Params,
) -> tuple[list[int], str]:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = {int(r): model.new_bool_var(f"x{r}") for r in rows}
    by_appt: dict[int, list[int]] = defaultdict(list)
    by_tech: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        by_appt[int(state.appt[r])].append(int(r))
        by_tech[int(state.tech[r])].append(int(r))
    for members in by_appt.values():
        if len(members) > 1:
            model.add_at_most_one(x[r] for r in members)
    for tech, members in by_tech.items():
        _tech_constraints(
            model, x, np.asarray(members), state, bookings.get((tech, int(state.day[members[0]])), [])
        )
    variables = [x[r] for r in x]
    for r in x:
        model.add_hint(x[r], bool(hint[r]))
    # phase 1: as many assignments as possible; phase 2: the best total score with that many
    model.maximize(sum(variables))
    first = _solver(params, params.solver_deterministic_seconds / 3)
    status = first.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [r for r in x if hint[r]], "hint_only"
    best = round(first.objective_value)
    model.clear_hints()
    for r in x:
        model.add_hint(x[r], first.boolean_value(x[r]))
    model.add(sum(variables) >= best)
    model.maximize(sum(x[r] * round(scores[r] * SCORE_UNITS) for r in x))
    second = _solver(params, params.solver_deterministic_seconds * 2 / 3)
    status_two = second.solve(model)
    if status_two not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [r for r in x if first.boolean_value(x[r])], first.status_name(status).lower()
    optimal = status == cp_model.OPTIMAL and status_two == cp_model.OPTIMAL
    return [r for r in x if second.boolean_value(x[r])], "optimal" if optimal else "feasible"


def _solver(params: Params, deterministic_seconds: float) -> Any:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = deterministic_seconds
    solver.parameters.max_time_in_seconds = params.solver_max_seconds
    return solver


def _tech_constraints(
    model: Any,
    x: dict[int, Any],
    members: np.ndarray,
    state: CapacityState,
    booked: list[tuple[int, int, int, int]],
) -> None:
    start, end = state.start[members], state.end[members]
    dur = state.dur[members]
    packed = _same_window_knapsacks(model, x, members, state)
    for i, r in enumerate(members):  # each job's own slot must hold the overlapping jobs
        if int(r) in packed:
            continue
        overlap = (start < end[i]) & (start[i] < end) & (state.appt[members] != state.appt[r])
        if not overlap.any():
            continue
        room = int(state.slot_len[r] - state.own_load0[r])
        coefficients = dur[overlap] + state.buf[r]
        if int(coefficients.sum()) > room:
            terms = [x[int(o)] * int(c) for o, c in zip(members[overlap], coefficients, strict=True)]
            model.add(sum(terms) <= room).only_enforce_if(x[int(r)])
    for job_start, job_end, job_buffer, job_slack in booked:  # existing jobs' slots too
        overlap = (start < job_end) & (job_start < end)
        coefficients = dur[overlap] + job_buffer
        if overlap.any() and int(coefficients.sum()) > job_slack:
            model.add(
                sum(x[int(o)] * int(c) for o, c in zip(members[overlap], coefficients, strict=True))
                <= job_slack
            )
    limits = np.minimum(np.minimum(state.tech_cap[members], state.pcap[members]), state.daycap[members])
    room_by_limit = limits - state.day_jobs0[members]
    for room in sorted(set(room_by_limit.tolist())):
        if room >= len(members):
            continue
        bound = [x[int(r)] for r in members[room_by_limit == room]]
        everyone = [x[int(r)] for r in members]
        if len(bound) == len(members):
            model.add(sum(everyone) <= room)
        else:
            flag = model.new_bool_var("")
            for var in bound:
                model.add_implication(var, flag)
            model.add(sum(everyone) <= room).only_enforce_if(flag)


def _same_window_knapsacks(
    model: Any, x: dict[int, Any], members: np.ndarray, state: CapacityState
) -> set[int]:
    """One knapsack per slot window whose jobs share the window, buffer and bookings (the usual
    fixed slots): sum(duration + buffer) <= slot + buffer - booked load. It is exactly the per-job
    rule there, and much tighter for the solver. Returns the rows it covers."""
    start, end = state.start[members], state.end[members]
    windows: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(len(members)):
        windows[(int(start[i]), int(end[i]))].append(i)
    covered: set[int] = set()
    for (w_start, w_end), positions in windows.items():
        idx = np.asarray(positions)
        rows = members[idx]
        same = (start == w_start) & (end == w_end)
        partial = (start < w_end) & (w_start < end) & ~same
        buffers = set(state.buf[rows].tolist())
        booked = set((state.own_load0[rows] - state.dur[rows]).tolist())
        if partial.any() or len(buffers) > 1 or len(booked) > 1:
            continue
        buffer = buffers.pop()
        room = w_end - w_start - booked.pop() + buffer
        coefficients = state.dur[rows] + buffer
        if int(coefficients.sum()) > room:
            model.add(sum(x[int(r)] * int(c) for r, c in zip(rows, coefficients, strict=True)) <= room)
        covered.update(int(r) for r in rows)
    return covered


def _prefer_lower_ids(
    chosen: list[int], record: Record, state: CapacityState, prepared: Prepared, bounds: np.ndarray
) -> list[int]:
    """The recorded tie-break for the plan: where a tech with a lower id and the same score is free
    to take an appointment instead (same rules, given the rest of the plan), she takes it."""

    def job(row: int) -> Job:
        return Job(
            int(state.appt[row]),
            int(state.tech[row]),
            _EPOCH,
            int(state.start[row]),
            int(state.end[row]),
            int(state.dur[row]),
            int(state.buf[row]),
            int(state.pcap[row]),
        )

    days: dict[tuple[int, int], list[Job]] = defaultdict(list)
    booked = prepared.bookings.select(
        "appointment_id",
        "tech_id",
        pl.col("date").cast(pl.Int64),
        "slot_start",
        "slot_end",
        "duration",
        "buffer",
        "pcap",
    )
    for appt, tech, day, start, end, duration, buffer, cap in booked.iter_rows():
        days[(tech, day)].append(Job(appt, tech, _EPOCH, start, end, duration, buffer, cap))
    plan = {int(state.appt[r]): int(r) for r in chosen}
    for r in chosen:
        days[(int(state.tech[r]), int(state.day[r]))].append(job(int(r)))
    for k in range(len(bounds) - 1):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        if hi == lo or int(state.appt[lo]) not in plan:
            continue
        current = plan[int(state.appt[lo])]
        rivals = [
            r
            for r in range(lo, hi)
            if record.eligible[r]
            and record.score[r] == record.score[current]
            and state.tech[r] < state.tech[current]
        ]
        for r in sorted(rivals, key=lambda row: int(state.tech[row])):
            key = (int(state.tech[r]), int(state.day[r]))
            cap = int(state.tech_cap[r])
            if fits(days[key], job(r), None if cap >= NO_CAP else cap) is None:
                old_key = (int(state.tech[current]), int(state.day[current]))
                days[old_key] = [j for j in days[old_key] if j.appointment_id != int(state.appt[current])]
                days[key].append(job(r))
                plan[int(state.appt[lo])] = r
                break
    return sorted(plan.values())


def _finish(
    record: Record, cands: pl.DataFrame, state: CapacityState, chosen: np.ndarray, n_appts: int
) -> None:
    """Ranks, choices and, for every eligible tech not chosen, whom or what she lost to."""
    record.chosen[chosen] = True
    tech = state.tech
    plan_by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in chosen:
        plan_by_key[(int(tech[r]), int(state.day[r]))].append(int(r))
    bounds = appointment_bounds(cands["seq"].to_numpy(), n_appts)
    for k in range(n_appts):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        idx = np.flatnonzero(record.eligible[lo:hi])
        if idx.size == 0:
            continue
        order = idx[rank_order(record.score[lo:hi][idx], tech[lo:hi][idx])] + lo
        record.rank[order] = np.arange(1, order.size + 1)
        winners = order[record.chosen[order]]
        best = int(winners[0]) if winners.size else -1
        if best >= 0:
            record.outcome_tech[k] = tech[best]
            record.outcome_row[k] = best
            tied = [int(tech[r]) for r in order if record.score[r] == record.score[best] and r != best]
            if tied:
                record.tie_break[k] = (
                    f"tie at {record.score[best]:.4f} with techs {', '.join(map(str, tied))}: the lowest "
                    f"tech id free to take it in the plan ({int(tech[best])}) wins"
                )
        for r in order:
            if r == best:
                continue
            if best >= 0:
                record.lost_to_tech[r] = tech[best]
            if best >= 0 and record.score[r] <= record.score[best]:
                record.lost_reason[r] = _REASON["tie" if record.score[r] == record.score[best] else "score"]
                continue
            _blocker(record, state, int(r), plan_by_key.get((int(tech[r]), int(state.day[r])), []))


def _blocker(record: Record, state: CapacityState, r: int, plan: list[int]) -> None:
    """Name the plan's appointment that took this better-scored tech's capacity."""

    def overlapping(row: int, jobs: list[int]) -> list[int]:
        return [
            o
            for o in jobs
            if o != row and state.start[o] < state.end[row] and state.start[row] < state.end[o]
        ]

    mine = overlapping(r, plan)
    own = state.own_load0[r] + sum(int(state.dur[o] + state.buf[r]) for o in mine)
    overflowing = [
        o
        for o in mine
        if state.own_load0[o] + sum(int(state.dur[p] + state.buf[o]) for p in overlapping(o, [*plan, r]))
        > state.slot_len[o]
    ]
    if mine and (own > state.slot_len[r] or overflowing):
        record.lost_to_appointment[r] = state.appt[(overflowing or mine)[0]]
        record.lost_reason[r] = _REASON["conflict"]
        return
    limit = min(state.tech_cap[r], state.pcap[r], state.daycap[r], *(state.pcap[o] for o in plan))
    if plan and state.day_jobs0[r] + len(plan) >= limit:
        record.lost_to_appointment[r] = state.appt[plan[0]]
        record.lost_reason[r] = _REASON["daily_cap"]
        return
    record.lost_reason[r] = _REASON["plan"]
