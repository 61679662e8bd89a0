"""Greedy strategy: appointments in the recorded order, each to its best eligible tech.

The candidate frame is computed once, vectorised; the loop only re-checks the two rules that an
earlier assignment in this run can change (conflict, daily cap), re-scores workload for the rows of
one appointment, picks the best and records the assignment. Assignments only update rows decided
later, so after the loop every row still holds the values it was decided with: eligibility,
scores, ranks and losses are then recorded for all rows at once. A tech who was eligible at the
start but lost her capacity to an earlier assignment records that appointment.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from routing.scheduling.capacity import CapacityState, workload_scores
from routing.scheduling.record import LOST_REASONS, Record, appointment_bounds
from routing.scheduling.scoring import tie_break_note, total_scores

Progress = Callable[[int, int], None]

_SCORE = LOST_REASONS.index("score")
_TIE = LOST_REASONS.index("tie")
_TIP_REASON = np.array([0, LOST_REASONS.index("conflict"), LOST_REASONS.index("daily_cap")], np.int8)


def run_greedy(
    cands: pl.DataFrame, state: CapacityState, n_appointments: int, progress: Progress | None = None
) -> Record:
    """Decide every appointment in order; returns what was decided and why, per row."""
    record = Record(cands.height, n_appointments)
    bounds = appointment_bounds(cands["seq"].to_numpy(), n_appointments)
    static_ok = ~cands["static_fail"].to_numpy()
    static_part = cands["static_part"].to_numpy()
    w_workload = cands["w_workload"].to_numpy()
    w_total = cands["w_total"].to_numpy()
    tech = cands["tech_id"].to_numpy()

    everything = slice(0, cands.height)
    conflict, cap, _jobs, _limit = state.quick(everything)
    record.initially_eligible[:] = static_ok & ~conflict & ~cap
    step = max(1, n_appointments // 100)
    for k in range(n_appointments):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        if progress is not None and k % step == 0:
            progress(k, n_appointments)
        if lo == hi:
            continue
        rows = slice(lo, hi)
        conflict, cap, jobs, limit = state.quick(rows)
        eligible = static_ok[rows] & ~conflict & ~cap
        if not eligible.any():
            continue
        scores = total_scores(
            static_part[rows], w_workload[rows], w_total[rows], workload_scores(jobs, limit)
        )
        best = lo + int(np.argmax(np.where(eligible, scores, -1.0)))  # rows are in tech-id order
        record.outcome_tech[k] = tech[best]
        record.outcome_row[k] = best
        state.assign(best, hi)
    if progress is not None:
        progress(n_appointments, n_appointments)
    _record(record, cands, state, static_ok, bounds)
    return record


def _record(
    record: Record, cands: pl.DataFrame, state: CapacityState, static_ok: np.ndarray, bounds: np.ndarray
) -> None:
    """Eligibility, scores, ranks and losses of every row, as of its appointment's decision."""
    everything = slice(0, cands.height)
    conflict, cap, jobs, limit = state.quick(everything)
    record.eligible[:] = static_ok & ~conflict & ~cap
    record.s_workload[:] = workload_scores(jobs, limit)
    record.score[:] = total_scores(
        cands["static_part"].to_numpy(),
        cands["w_workload"].to_numpy(),
        cands["w_total"].to_numpy(),
        record.s_workload,
    )
    chosen_rows = record.outcome_row[record.outcome_row >= 0]
    record.chosen[chosen_rows] = True
    lost = record.initially_eligible & ~record.eligible
    record.lost_to_appointment[lost] = state.tip[lost]
    record.lost_reason[lost] = _TIP_REASON[state.tip_reason[lost]]
    seq = cands["seq"].to_numpy()
    tech = cands["tech_id"].to_numpy()
    eligible_rows = np.flatnonzero(record.eligible)
    order = eligible_rows[np.lexsort((tech[eligible_rows], -record.score[eligible_rows], seq[eligible_rows]))]
    group = seq[order]
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    record.rank[order] = np.arange(len(order)) - first + 1
    winner = order[first]
    losers = order != winner
    loser_rows, winner_rows = order[losers], winner[losers]
    record.lost_to_tech[loser_rows] = tech[winner_rows]
    record.lost_reason[loser_rows] = np.where(
        record.score[loser_rows] == record.score[winner_rows], _TIE, _SCORE
    )
    tied = starts[(starts + 1 < len(order)) & np.isin(starts + 1, starts, invert=True)]
    for start in tied:
        best, second = order[start], order[start + 1]
        if record.score[best] == record.score[second]:
            k = int(seq[best]) - 1
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            local = np.flatnonzero(record.eligible[lo:hi])
            local_order = local[np.lexsort((tech[lo:hi][local], -record.score[lo:hi][local]))]
            record.tie_break[k] = tie_break_note(record.score[lo:hi], tech[lo:hi], local_order)
