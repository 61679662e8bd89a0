"""The two rules that depend on a run's own assignments: ``conflict`` and ``daily_cap``.

Conflict model (slot packing): a tech may do several jobs whose slots overlap as long as, for
each of her jobs, its slot can hold its own duration plus, for every other job of hers whose slot
overlaps it, that job's duration and this job's profile travel buffer. With the usual fixed slots
(08:00-12:00, 12:00-16:00) this reads: the jobs in one slot, with a buffer between consecutive
ones, must fit in the slot. Adding a job fails ``conflict`` when its own slot overflows, or when
it would overflow the slot of a job she already has (existing booking or earlier in this run);
the facts name that appointment.

Daily cap: a tech's jobs on one day may not exceed the smallest of her own daily cap and the
``max_daily_jobs`` of the profile of every job she has that day, this one included.

Starting values come from the bookings (vectorised joins); ``CapacityState`` then tracks what a
run adds, per (tech, day), in numpy arrays over the candidate rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from routing.scheduling.candidates import Prepared
from routing.scheduling.profiles import NO_CAP

NO_SLACK_LIMIT = 1_000_000
WORKLOAD_REFERENCE_JOBS = 8
"""Without any daily cap, workload balance is measured against an 8-job day."""


def static_capacity(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """Add the bookings' effect on each candidate row (loads, slack, jobs that day, caps)."""
    bookings = prepared.bookings
    base = cands.select("row", "tech_id", "date", "slot_start", "slot_end", "buffer")
    overlapping = (
        base.join(bookings, on=["tech_id", "date"], how="inner", suffix="_k")
        .filter((pl.col("slot_start_k") < pl.col("slot_end")) & (pl.col("slot_start") < pl.col("slot_end_k")))
        .with_columns(rev=(pl.col("slack") - pl.col("buffer_k")))
        .sort("row", "rev", "appointment_id")
        .group_by("row", maintain_order=True)
        .agg(
            own_extra=(pl.col("duration") + pl.col("buffer")).sum(),
            own_with0=pl.col("appointment_id").sort_by("slot_start_k", "appointment_id").first(),
            rev_min0=pl.col("rev").first(),
            rev_arg0=pl.col("appointment_id").first(),
            rev_len0=pl.col("slot_len").first(),
            rev_buf0=pl.col("buffer_k").first(),
        )
    )
    day = (
        base.join(bookings, on=["tech_id", "date"], how="inner", suffix="_k")
        .sort("row", "pcap", "appointment_id")
        .group_by("row", maintain_order=True)
        .agg(
            day_jobs0=pl.len().cast(pl.Int32),
            day_cap0=pl.col("pcap").first(),
            day_cap_by0=pl.col("profile_idx").first(),
        )
    )
    return (
        cands.join(overlapping, on="row", how="left")
        .join(day, on="row", how="left")
        .sort("row")
        .with_columns(
            own_load0=(pl.col("duration") + pl.col("own_extra").fill_null(0)).cast(pl.Int64),
            own_with0=pl.col("own_with0").fill_null(-1),
            rev_min0=pl.col("rev_min0").fill_null(NO_SLACK_LIMIT).cast(pl.Int64),
            rev_arg0=pl.col("rev_arg0").fill_null(-1),
            rev_len0=pl.col("rev_len0").fill_null(0).cast(pl.Int64),
            rev_buf0=pl.col("rev_buf0").fill_null(0).cast(pl.Int64),
            day_jobs0=pl.col("day_jobs0").fill_null(0).cast(pl.Int64),
            day_cap0=pl.col("day_cap0").fill_null(NO_CAP).cast(pl.Int64),
            day_cap_by0=pl.col("day_cap_by0").fill_null(-1).cast(pl.Int64),
            tech_cap=pl.col("daily_cap").fill_null(NO_CAP).cast(pl.Int64),
        )
        .drop("own_extra")
    )


@dataclass
class Check:
    """Conflict and daily-cap results for a range of rows (what the record stores)."""

    conflict: np.ndarray
    with_id: np.ndarray
    over_id: np.ndarray
    need: np.ndarray
    have: np.ndarray
    buffer: np.ndarray
    in_run: np.ndarray
    cap: np.ndarray
    jobs: np.ndarray
    limit: np.ndarray
    cap_by: np.ndarray  # 0 tech, else 1 + profile_idx whose max_daily_jobs binds
    in_run_jobs: np.ndarray


def workload_scores(jobs: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Workload balance 0-100: 100 with no jobs that day, 0 at the cap (or 8 jobs without one)."""
    reference = np.where(limit >= NO_CAP, WORKLOAD_REFERENCE_JOBS, np.maximum(limit, 1))
    return 100.0 * np.clip(1.0 - jobs / reference, 0.0, 1.0)


class CapacityState:
    """Per-row starting values plus what this run has added, updated on every assignment."""

    def __init__(self, cands: pl.DataFrame, prepared: Prepared) -> None:
        frame = cands.select([pl.col(name).cast(pl.Int64) for name in _COLUMNS])
        col = {name: frame[name].to_numpy(writable=True) for name in _COLUMNS}
        self.appt = col["appointment_id"]
        self.tech = col["tech_id"]
        self.day = col["day"]
        self.start = col["slot_start"]
        self.end = col["slot_end"]
        self.slot_len = col["slot_len"]
        self.dur = col["duration"]
        self.buf = col["buffer"]
        self.pcap = col["pcap"]
        self.pidx = col["profile_idx"]
        self.tech_cap = col["tech_cap"]
        self.own_load0 = col["own_load0"]
        self.own_with0 = col["own_with0"]
        self.day_jobs0 = col["day_jobs0"]
        n = len(self.appt)
        self.inrun_load = np.zeros(n, np.int64)
        self.inrun_with = np.full(n, -1, np.int64)
        self.inrun_count = np.zeros(n, np.int64)
        self.rev_min = col["rev_min0"]
        self.rev_arg = col["rev_arg0"]
        self.rev_len = col["rev_len0"]
        self.rev_buf = col["rev_buf0"]
        self.rev_in_run = np.zeros(n, bool)
        self.daycap = col["day_cap0"]
        self.daycap_by = col["day_cap_by0"]
        self.tip = np.full(n, -1, np.int64)
        self.tip_reason = np.zeros(n, np.int8)  # 1 conflict, 2 daily_cap
        self.rows_by_key = _rows_by_key(cands)
        conflict, cap = self._conflict_cap(slice(0, n))
        self.failed_at_start = conflict | cap
        self.jobs_by_key = _jobs_by_key(prepared.bookings, self.rows_by_key)

    def _conflict_cap(self, rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        conflict, cap, _jobs, _limit = self.quick(rows)
        return conflict, cap

    def quick(self, rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(conflict fails, cap fails, jobs that day, effective cap) for ``rows`` right now."""
        conflict = (self.own_load0[rows] + self.inrun_load[rows] > self.slot_len[rows]) | (
            self.rev_min[rows] < self.dur[rows]
        )
        jobs = self.day_jobs0[rows] + self.inrun_count[rows]
        limit = np.minimum(np.minimum(self.tech_cap[rows], self.pcap[rows]), self.daycap[rows])
        return conflict, jobs >= limit, jobs, limit

    def check(self, rows: slice | np.ndarray) -> Check:
        """Conflict and daily cap for ``rows`` with the facts to store.

        Assignments only update rows decided later (``assign(..., after)``), so after a greedy run
        every row still holds the values it had when its appointment was decided.
        """
        own_need = self.own_load0[rows] + self.inrun_load[rows]
        slot_len = self.slot_len[rows]
        own_fail = own_need > slot_len
        rev_fail = (self.rev_min[rows] < self.dur[rows]) & ~own_fail
        static_own = self.own_load0[rows] > slot_len
        with_id = np.where(
            own_fail, np.where(static_own, self.own_with0[rows], self.inrun_with[rows]), self.rev_arg[rows]
        )
        over_id = np.where(own_fail, self.appt[rows], self.rev_arg[rows])
        need = np.where(own_fail, own_need, self.rev_len[rows] - self.rev_min[rows] + self.dur[rows])
        have = np.where(own_fail, slot_len, self.rev_len[rows])
        buffer = np.where(own_fail, self.buf[rows], self.rev_buf[rows])
        in_run = np.where(own_fail, ~static_own, self.rev_in_run[rows])
        jobs = self.day_jobs0[rows] + self.inrun_count[rows]
        tech_cap, pcap, daycap = self.tech_cap[rows], self.pcap[rows], self.daycap[rows]
        limit = np.minimum(np.minimum(tech_cap, pcap), daycap)
        cap_by = np.where(
            tech_cap <= np.minimum(pcap, daycap),
            0,
            np.where(pcap <= daycap, self.pidx[rows], self.daycap_by[rows]) + 1,
        )
        return Check(
            conflict=own_fail | rev_fail,
            with_id=with_id,
            over_id=over_id,
            need=need,
            have=have,
            buffer=buffer,
            in_run=in_run,
            cap=jobs >= limit,
            jobs=jobs,
            limit=limit,
            cap_by=cap_by,
            in_run_jobs=self.inrun_count[rows].copy(),
        )

    def assign(self, row: int, after: int) -> None:
        """Record that candidate ``row``'s appointment went to its tech; update rows from ``after`` on."""
        key = (int(self.tech[row]), int(self.day[row]))
        every = self.rows_by_key[key]
        rows = every[np.searchsorted(every, after) :]
        appt, start, end = int(self.appt[row]), int(self.start[row]), int(self.end[row])
        others = self.appt[rows] != appt
        overlap = rows[(self.start[rows] < end) & (start < self.end[rows]) & others]
        self.inrun_load[overlap] += int(self.dur[row]) + self.buf[overlap]
        fresh = overlap[self.inrun_with[overlap] < 0]
        self.inrun_with[fresh] = appt
        self.inrun_count[rows] += 1
        lower = rows[self.pcap[row] < self.daycap[rows]]
        self.daycap[lower] = self.pcap[row]
        self.daycap_by[lower] = self.pidx[row]
        slack = int(self.slot_len[row] - self.own_load0[row] - self.inrun_load[row])
        jobs = self.jobs_by_key.setdefault(key, [])
        changed = []
        for job in jobs:  # [id, start, end, len, buffer, slack]
            if job[1] < end and start < job[2]:
                job[5] -= int(self.dur[row]) + job[4]
                changed.append(job)
        new_job = [appt, start, end, int(self.slot_len[row]), int(self.buf[row]), slack]
        jobs.append(new_job)
        changed.append(new_job)
        for job_id, job_start, job_end, job_len, job_buf, job_slack in changed:
            value = job_slack - job_buf
            hit = rows[
                (self.start[rows] < job_end)
                & (job_start < self.end[rows])
                & (self.appt[rows] != job_id)
                & (value < self.rev_min[rows])
            ]
            self.rev_min[hit] = value
            self.rev_arg[hit] = job_id
            self.rev_len[hit] = job_len
            self.rev_buf[hit] = job_buf
            self.rev_in_run[hit] = True
        # a row passing until now has no tip yet: if it fails now, this assignment tipped it
        conflict, cap = self._conflict_cap(rows)
        newly = (conflict | cap) & (self.tip[rows] < 0) & ~self.failed_at_start[rows]
        self.tip[rows[newly]] = appt
        self.tip_reason[rows[newly]] = np.where(conflict[newly], 1, 2)


_COLUMNS = (
    "appointment_id",
    "tech_id",
    "day",
    "slot_start",
    "slot_end",
    "slot_len",
    "duration",
    "buffer",
    "pcap",
    "profile_idx",
    "tech_cap",
    "own_load0",
    "own_with0",
    "rev_min0",
    "rev_arg0",
    "rev_len0",
    "rev_buf0",
    "day_jobs0",
    "day_cap0",
    "day_cap_by0",
)


def _rows_by_key(cands: pl.DataFrame) -> dict[tuple[int, int], np.ndarray]:
    grouped = cands.group_by("tech_id", "day").agg(pl.col("row").sort()).iter_rows()
    return {(int(t), int(d)): np.asarray(rows, dtype=np.int64) for t, d, rows in grouped}


def _jobs_by_key(
    bookings: pl.DataFrame, rows_by_key: dict[tuple[int, int], np.ndarray]
) -> dict[tuple[int, int], list[list[int]]]:
    jobs: dict[tuple[int, int], list[list[int]]] = {}
    frame = bookings.with_columns(day=pl.col("date").cast(pl.Int64)).select(
        "tech_id", "day", "appointment_id", "slot_start", "slot_end", "slot_len", "buffer", "slack"
    )
    for tech, day, appt, start, end, length, buffer, slack in frame.iter_rows():
        key = (int(tech), int(day))
        if key in rows_by_key:
            jobs.setdefault(key, []).append(
                [int(appt), int(start), int(end), int(length), int(buffer), int(slack)]
            )
    return jobs


def capacity_facts(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """``fail_/facts_`` columns for conflict and daily_cap from the recorded ``cc_*`` columns."""
    names = {i + 1: p.name for i, p in enumerate(prepared.profiles)}
    conflict_fields: dict[str, Any] = {
        "with": pl.col("cc_with"),
        "over": pl.col("cc_over"),
        "slot": pl.when(pl.col("cc_over") == pl.col("appointment_id"))
        .then(pl.lit("own"))
        .otherwise(pl.lit("other")),
        "need": pl.col("cc_need"),
        "have": pl.col("cc_have"),
        "buffer": pl.col("cc_buffer"),
        "in_run": pl.col("cc_in_run"),
    }
    conflict = pl.struct(**conflict_fields).struct.json_encode()
    cap = pl.struct(
        jobs=pl.col("cc_jobs"),
        cap=pl.col("cc_limit"),
        by=pl.when(pl.col("cc_cap_by") == 0).then(pl.lit("tech")).otherwise(pl.lit("profile")),
        profile=pl.col("cc_cap_by").replace_strict(names, default=None, return_dtype=pl.String),
        day=pl.col("date").cast(pl.String),
        in_run=pl.col("cc_in_run_jobs"),
    ).struct.json_encode()
    from routing.scheduling.rules import with_rule

    frame = with_rule(cands, "conflict", pl.col("cc_conflict"), conflict)
    return with_rule(frame, "daily_cap", pl.col("cc_cap"), cap)


def check_columns(check: Check) -> dict[str, np.ndarray]:
    """A Check as the ``cc_*`` columns ``capacity_facts`` reads."""
    return {
        "cc_conflict": check.conflict,
        "cc_with": check.with_id,
        "cc_over": check.over_id,
        "cc_need": check.need,
        "cc_have": check.have,
        "cc_buffer": check.buffer,
        "cc_in_run": check.in_run,
        "cc_cap": check.cap,
        "cc_jobs": check.jobs,
        "cc_limit": check.limit,
        "cc_cap_by": check.cap_by,
        "cc_in_run_jobs": check.in_run_jobs,
    }
