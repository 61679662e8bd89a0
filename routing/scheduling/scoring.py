"""Objectives, each normalised to 0-100, and the weighted score of a candidate.

- distance: 100 at the customer's door, 0 at the company's maximum search radius (home ZIP
  centroid to customer ZIP centroid, great-circle miles).
- preferred: 100 when the customer prefers this tech, else 0.
- workload: 100 with no job that day, falling linearly to 0 at the tech's effective daily cap
  (8 jobs when no cap applies); counts bookings and, for greedy, this run's earlier assignments.
- priority: tech priority 1 -> 100 ... 9 -> 0.
- skill: mean level in the work-order type's required skills x 20 (100 when none are required).

score = sum(weight x objective) / sum(weights), rounded to 4 decimals; ties go to the lower tech id.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SCORE_DECIMALS = 4
OBJECTIVES = ("distance", "preferred", "workload", "priority", "skill")


def static_objectives(cands: pl.DataFrame, max_search_radius_miles: float) -> pl.DataFrame:
    """Add s_distance, s_preferred, s_priority (s_skill comes from the skill rule) and the weighted
    part of the score that does not depend on the run (``static_part``) plus ``w_total``."""
    frame = cands.with_columns(
        s_distance=(100.0 * (1.0 - pl.col("miles") / max_search_radius_miles).clip(0.0, 1.0)).fill_null(0.0),
        s_preferred=pl.when(pl.col("preferred_tech_id") == pl.col("tech_id"))
        .then(pl.lit(100.0))
        .otherwise(pl.lit(0.0)),
        s_priority=(100.0 * (9 - pl.col("tech_priority").clip(1, 9)) / 8.0).cast(pl.Float64),
    )
    return frame.with_columns(
        static_part=pl.col("w_distance") * pl.col("s_distance")
        + pl.col("w_preferred") * pl.col("s_preferred")
        + pl.col("w_priority") * pl.col("s_priority")
        + pl.col("w_skill") * pl.col("s_skill"),
        w_total=pl.col("w_distance")
        + pl.col("w_preferred")
        + pl.col("w_workload")
        + pl.col("w_priority")
        + pl.col("w_skill"),
    )


def total_scores(
    static_part: np.ndarray, w_workload: np.ndarray, w_total: np.ndarray, s_workload: np.ndarray
) -> np.ndarray:
    """The weighted score 0-100 (0 when every weight is 0), rounded to SCORE_DECIMALS."""
    weighted = static_part + w_workload * s_workload
    safe = np.where(w_total > 0, w_total, 1.0)
    return np.round(np.where(w_total > 0, weighted / safe, 0.0), SCORE_DECIMALS)


def rank_order(scores: np.ndarray, tech_ids: np.ndarray) -> np.ndarray:
    """Indices sorted best first: higher score, then lower tech id (the recorded tie-break)."""
    return np.lexsort((tech_ids, -scores))


def tie_break_note(scores: np.ndarray, tech_ids: np.ndarray, order: np.ndarray) -> str | None:
    """A sentence when the best score is shared, naming who won the tie and why."""
    if len(order) < 2 or scores[order[0]] != scores[order[1]]:
        return None
    tied = [int(tech_ids[i]) for i in order if scores[i] == scores[order[0]]]
    return (
        f"tie at {scores[order[0]]:.4f} between techs {', '.join(map(str, tied))}: "
        f"the lowest tech id ({tied[0]}) wins"
    )
