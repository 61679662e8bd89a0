"""Pure shaping of a run's audit frames into what the report shows (no database, no HTML)."""

from __future__ import annotations

import json

import polars as pl

OUTCOMES = ("assigned", "unassigned", "skipped")
NO_CANDIDATE = "location"  # no tech in scope works the appointment's location (the roster answers)
NOT_CHOSEN = "eligible, not chosen"
SKIPPED = "skipped"  # assigned by someone else between the decision and the commit
OPEN_TIME_RULES = ("inactive", "tech_hours", "profile_hours", "time_off")
"""A candidate row failing none of these means the tech was working at that slot."""


def rule_order() -> tuple[str, ...]:
    """Rule codes in the scheduler's order (failures are listed in it)."""
    from routing.scheduling.rules import RULES

    return tuple(RULES)


def outcome_counts(appts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Appointments per group and outcome: ``by`` columns, assigned, unassigned, skipped, total."""
    counted = appts.group_by(by).agg(
        *[(pl.col("outcome") == outcome).sum().cast(pl.Int64).alias(outcome) for outcome in OUTCOMES],
        pl.len().cast(pl.Int64).alias("total"),
    )
    return counted.sort(by, nulls_last=True)


def rule_lists(candidates: pl.DataFrame) -> pl.DataFrame:
    """Candidates with ``rules``: the failed rule codes as a list (empty when eligible)."""
    return candidates.with_columns(
        rules=pl.col("failed_rules")
        .fill_null("")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def blocking_counts(unassigned: pl.DataFrame) -> pl.DataFrame:
    """The run's stored ``detail.blocking`` of each unassigned appointment as rows:
    appointment_id, rule, rejected (how many candidates that rule rejected)."""
    rows: list[tuple[int, str, int]] = []
    for appointment_id, detail in unassigned.select("appointment_id", "detail").iter_rows():
        try:
            blocking = (json.loads(detail) or {}).get("blocking") or {} if detail else {}
        except (ValueError, AttributeError):
            blocking = {}
        rows.extend((appointment_id, str(rule), int(n)) for rule, n in blocking.items() if n)
    schema = {"appointment_id": pl.Int64, "rule": pl.String, "rejected": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def main_blockers(unassigned: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """For each appointment the run did not assign, the rule that rejected the most candidates.

    From the counts the run stored (``blocking_counts``); ties go to the earlier rule in the
    scheduler's order. No candidate at all -> ``location``; skipped at commit -> ``skipped``;
    an eligible candidate that was not chosen -> ``eligible, not chosen``.
    Columns: appointment_id, blocker, rejected, candidates.
    """
    order = {code: i for i, code in enumerate(rule_order())}
    top = (
        counts.with_columns(
            order=pl.col("rule").replace_strict(order, default=len(order), return_dtype=pl.Int64)
        )
        .sort(["appointment_id", "rejected", "order"], descending=[False, True, False])
        .group_by("appointment_id", maintain_order=True)
        .first()
        .select("appointment_id", blocker="rule", rejected="rejected")
    )
    return (
        unassigned.select("appointment_id", "outcome", "candidates_total", "candidates_eligible")
        .join(top, on="appointment_id", how="left")
        .with_columns(
            blocker=pl.when(pl.col("outcome") == "skipped")
            .then(pl.lit(SKIPPED))
            .when(pl.col("candidates_total").fill_null(0) == 0)
            .then(pl.lit(NO_CANDIDATE))
            .when(pl.col("candidates_eligible").fill_null(0) > 0)
            .then(pl.lit(NOT_CHOSEN))
            .otherwise(pl.col("blocker").fill_null("unknown")),
            rejected=pl.col("rejected").fill_null(0),
            candidates=pl.col("candidates_total").fill_null(0).cast(pl.Int64),
        )
        .select("appointment_id", "blocker", "rejected", "candidates")
    )


def blocker_summary(blockers: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """Per rule: appointments it mainly blocked, and appointments where it rejected anyone at all."""
    order = {code: i for i, code in enumerate((*rule_order(), NOT_CHOSEN, SKIPPED))}
    anywhere = counts.group_by("rule").agg(
        pl.col("appointment_id").n_unique().cast(pl.Int64).alias("rejected_someone")
    )
    main = blockers.group_by(rule="blocker").agg(pl.len().cast(pl.Int64).alias("appointments"))
    return (
        main.join(anywhere, on="rule", how="full", coalesce=True)
        .with_columns(pl.col("appointments").fill_null(0), pl.col("rejected_someone").fill_null(0))
        .with_columns(order=pl.col("rule").replace_strict(order, default=len(order), return_dtype=pl.Int64))
        .sort(["appointments", "order"], descending=[True, False])
        .drop("order")
    )


def jobs_per_tech(roster: pl.DataFrame) -> pl.DataFrame:
    """Jobs this run gave each tech in scope (0 included), most first: tech_id, name, locations, jobs."""
    return roster.select(
        "tech_id", "name", locations="location_codes", jobs=pl.col("assigned_in_run").fill_null(0)
    ).sort(["jobs", "name", "tech_id"], descending=[True, False, False])


def free_but_unassigned(roster: pl.DataFrame, tech_candidates: pl.DataFrame) -> pl.DataFrame:
    """Active techs with no job from this run who were working at a slot they were considered for.

    Columns: tech_id, name, locations, considered (candidate rows), working (rows where the tech
    was working), and the reasons they got none of those: one count column per reason.
    """
    idle = roster.filter(pl.col("active") & (pl.col("assigned_in_run").fill_null(0) == 0))
    rows = rule_lists(tech_candidates.join(idle.select("tech_id"), on="tech_id", how="semi")).with_columns(
        working=~pl.col("rules").list.eval(pl.element().is_in(list(OPEN_TIME_RULES))).list.any()
    )
    working = rows.filter(pl.col("working"))
    stats = rows.group_by("tech_id").agg(
        considered=pl.len().cast(pl.Int64), working=pl.col("working").sum().cast(pl.Int64)
    )
    return (
        idle.join(stats, on="tech_id", how="inner")
        .filter(pl.col("working") > 0)
        .join(reason_counts(working), on="tech_id", how="left")
        .select(
            "tech_id",
            "name",
            locations="location_codes",
            considered="considered",
            working="working",
            reasons="reasons",
        )
        .sort("name", "tech_id")
    )


def reason_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per tech, a text like ``conflict 4, radius 2, lost 1`` summarising why each row did not win."""
    labelled = rows.with_columns(
        reason=pl.when(pl.col("eligible").fill_null(False))
        .then(pl.lit("lost to a better candidate"))
        .otherwise(pl.col("rules").list.join("+"))
    )
    counted = (
        labelled.group_by("tech_id", "reason")
        .agg(pl.len().alias("n"))
        .sort(["tech_id", "n", "reason"], descending=[False, True, False])
    )
    return counted.group_by("tech_id", maintain_order=True).agg(
        reasons=pl.concat_str(pl.col("reason"), pl.lit(" ×"), pl.col("n").cast(pl.String)).str.join(", ")
    )


def techs_without_candidates(roster: pl.DataFrame, tech_candidates: pl.DataFrame) -> pl.DataFrame:
    """Active techs with no job and no candidate row: nothing to schedule in their locations."""
    idle = roster.filter(pl.col("active") & (pl.col("assigned_in_run").fill_null(0) == 0))
    return idle.join(tech_candidates.select("tech_id").unique(), on="tech_id", how="anti").select(
        "tech_id", "name", locations="location_codes"
    )


def detail_selection(appts: pl.DataFrame, limit: int, per_location: int) -> pl.DataFrame:
    """Which appointments get a full candidate table: all when they fit in ``limit``; otherwise every
    unassigned one first (up to ``limit``), then up to ``per_location`` assigned per location, taken
    round-robin across locations so that every location is sampled."""
    if appts.height <= limit:
        return appts
    unassigned = appts.filter(pl.col("outcome") != "assigned").head(limit)
    room = max(limit - unassigned.height, 0)
    assigned = (
        appts.filter(pl.col("outcome") == "assigned")
        .with_columns(_k=pl.int_range(pl.len()).over("location_code"))
        .filter(pl.col("_k") < per_location)
        .sort("_k", "seq")
        .head(room)
        .drop("_k")
    )
    return pl.concat([unassigned, assigned]).sort("seq")
