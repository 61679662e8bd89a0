"""What a strategy records per candidate row and per appointment, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

LOST_REASONS = ("", "score", "tie", "conflict", "daily_cap", "plan")
"""Why an eligible (or initially eligible) tech did not get the appointment:
score/tie: a better-ranked tech got it (lost_to_tech_id); conflict/daily_cap: an appointment given
earlier in this run (greedy) or by the plan (optimal) used her capacity (lost_to_appointment_id);
plan: the optimal plan chose a lower-scored tech although she was free (solver time limit)."""


@dataclass
class Record:
    """Per-row and per-appointment results; -1 stands for null in id/rank arrays."""

    n_rows: int
    n_appointments: int
    eligible: np.ndarray = field(init=False)
    initially_eligible: np.ndarray = field(init=False)
    score: np.ndarray = field(init=False)
    s_workload: np.ndarray = field(init=False)
    rank: np.ndarray = field(init=False)
    chosen: np.ndarray = field(init=False)
    lost_to_tech: np.ndarray = field(init=False)
    lost_to_appointment: np.ndarray = field(init=False)
    lost_reason: np.ndarray = field(init=False)
    outcome_tech: np.ndarray = field(init=False)
    outcome_row: np.ndarray = field(init=False)
    tie_break: list[str | None] = field(init=False)

    def __post_init__(self) -> None:
        n = self.n_rows
        self.eligible = np.zeros(n, bool)
        self.initially_eligible = np.zeros(n, bool)
        self.score = np.zeros(n, np.float64)
        self.s_workload = np.zeros(n, np.float64)
        self.rank = np.full(n, -1, np.int64)
        self.chosen = np.zeros(n, bool)
        self.lost_to_tech = np.full(n, -1, np.int64)
        self.lost_to_appointment = np.full(n, -1, np.int64)
        self.lost_reason = np.zeros(n, np.int8)
        self.outcome_tech = np.full(self.n_appointments, -1, np.int64)
        self.outcome_row = np.full(self.n_appointments, -1, np.int64)
        self.tie_break = [None] * self.n_appointments

    def row_columns(self) -> dict[str, pl.Series]:
        """The per-row results as polars columns (nulls restored)."""
        reasons = np.asarray(LOST_REASONS, dtype=object)[self.lost_reason]
        columns = {
            "eligible": pl.Series(self.eligible),
            "initially_eligible": pl.Series(self.initially_eligible),
            "score": pl.Series(self.score),
            "s_workload": pl.Series(self.s_workload),
            "rank": _nullable(self.rank),
            "chosen": pl.Series(self.chosen),
            "lost_to_tech_id": _nullable(self.lost_to_tech),
            "lost_to_appointment_id": _nullable(self.lost_to_appointment),
            "lost_reason": pl.Series(reasons, dtype=pl.String).replace("", None),
        }
        return columns


def _nullable(values: np.ndarray) -> pl.Series:
    series = pl.Series(values)
    return pl.select(pl.when(series >= 0).then(series)).to_series()


def appointment_bounds(seq: np.ndarray, n_appointments: int) -> np.ndarray:
    """Row offsets: rows of appointment k (seq k+1) are ``bounds[k]:bounds[k+1]``."""
    return np.searchsorted(seq, np.arange(1, n_appointments + 2), side="left")
