"""Eligibility rules over the candidate frame, each a named function adding ``fail_<code>`` (bool)
and ``facts_<code>`` (JSON text of the compared values, null when the rule passes).

Every rule is evaluated for every candidate (no short-circuit), so an explanation lists all the
reasons a tech was rejected. ``conflict`` and ``daily_cap`` depend on the assignments a run makes,
so here they only prepare their starting values (see ``capacity``); the strategies finish them.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from routing.scheduling.candidates import Prepared

RULES = (
    "inactive",
    "location",
    "skill",
    "tech_hours",
    "profile_hours",
    "time_off",
    "conflict",
    "daily_cap",
    "radius",
    "territory",
    "excluded",
    "required",
)
"""Every rule code, in the order failures are listed. ``location`` is answered by the roster."""

STATIC_RULES = tuple(code for code in RULES if code not in ("location", "conflict", "daily_cap"))


def _json(expr_by_key: dict[str, Any]) -> pl.Expr:
    return pl.struct(**expr_by_key).struct.json_encode()


def with_rule(frame: pl.DataFrame, code: str, fail: pl.Expr, payload: pl.Expr) -> pl.DataFrame:
    """Add ``fail_<code>``, and ``facts_<code>`` (``"code":{...}``) built on the failing rows only."""
    frame = frame.with_columns(fail.fill_null(True).alias(f"fail_{code}"))
    failing = frame.get_column(f"fail_{code}").arg_true()
    fragments = frame.filter(pl.col(f"fail_{code}")).select(
        pl.concat_str([pl.lit(f'"{code}":'), payload]).cast(pl.String)
    )
    facts = pl.Series(f"facts_{code}", [], dtype=pl.String).extend_constant(None, frame.height)
    if len(failing):
        facts = facts.scatter(failing, fragments.to_series())
    return frame.with_columns(facts)


def _profile_names(prepared: Prepared) -> pl.Expr:
    names = {i: p.name for i, p in enumerate(prepared.profiles)}
    return pl.col("profile_idx").replace_strict(names, return_dtype=pl.String)


def rule_inactive(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The tech is not active."""
    return with_rule(cands, "inactive", ~pl.col("active"), pl.lit("{}"))


def rule_skill(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The tech lacks a skill the work-order type requires, or its minimum level."""
    snapshot = prepared.snapshot
    pairs = cands.select("tech_id", "work_order_type_id").unique()
    needs = (
        pairs.join(snapshot.work_order_type_skills, on="work_order_type_id", how="inner")
        .join(snapshot.tech_skills, on=["tech_id", "skill"], how="left")
        .with_columns(short=pl.col("level").is_null() | (pl.col("level") < pl.col("min_level")))
        .sort("skill")
        .group_by("tech_id", "work_order_type_id")
        .agg(
            skill_fail=pl.col("short").any(),
            missing=pl.struct(skill="skill", need="min_level", has="level").filter(pl.col("short")),
            s_skill=(pl.col("level").fill_null(0).clip(0, 5).mean() * 20.0),
        )
    )
    joined = cands.join(needs, on=["tech_id", "work_order_type_id"], how="left")
    fail = pl.col("skill_fail").fill_null(False)
    return (
        with_rule(joined, "skill", fail, _json({"missing": pl.col("missing")}))
        .with_columns(pl.col("s_skill").fill_null(100.0))
        .drop("skill_fail", "missing")
    )


def rule_tech_hours(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The slot is outside the tech's working hours that weekday (no hours = not working)."""
    hours = prepared.snapshot.tech_hours.select("tech_id", "weekday", h_start="start", h_end="end").unique(
        ["tech_id", "weekday"]
    )
    joined = cands.join(hours, on=["tech_id", "weekday"], how="left")
    fail = (
        pl.col("h_start").is_null()
        | (pl.col("slot_start") < pl.col("h_start"))
        | (pl.col("slot_end") > pl.col("h_end"))
    )
    payload = _json(
        {
            "day": pl.col("weekday"),
            "hours": pl.when(pl.col("h_start").is_not_null()).then(pl.concat_list("h_start", "h_end")),
            "slot": pl.concat_list("slot_start", "slot_end"),
        }
    )
    return with_rule(joined, "tech_hours", fail, payload).drop("h_start", "h_end")


def rule_profile_hours(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The profile sets working hours and the slot is outside them that weekday."""
    rows = [
        (idx, weekday, start, end)
        for idx, profile in enumerate(prepared.profiles)
        for weekday, start, end in profile.working_hours
    ]
    limited = [idx for idx, profile in enumerate(prepared.profiles) if profile.working_hours]
    hours = pl.DataFrame(
        rows,
        schema={"profile_idx": pl.Int32, "weekday": pl.Int32, "p_start": pl.Int32, "p_end": pl.Int32},
        orient="row",
    )
    joined = cands.join(hours, on=["profile_idx", "weekday"], how="left")
    fail = pl.col("profile_idx").is_in(limited) & (
        pl.col("p_start").is_null()
        | (pl.col("slot_start") < pl.col("p_start"))
        | (pl.col("slot_end") > pl.col("p_end"))
    )
    payload = _json(
        {
            "profile": _profile_names(prepared),
            "day": pl.col("weekday"),
            "hours": pl.when(pl.col("p_start").is_not_null()).then(pl.concat_list("p_start", "p_end")),
            "slot": pl.concat_list("slot_start", "slot_end"),
        }
    )
    return with_rule(joined, "profile_hours", fail, payload).drop("p_start", "p_end")


def rule_time_off(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """Approved time off overlaps the slot (the earliest overlapping entry is named)."""
    off = prepared.snapshot.time_off.with_columns(
        off_start=pl.col("starts_at").dt.epoch("s") // 60,
        off_end=pl.col("ends_at").dt.epoch("s") // 60,
    )
    hits = (
        cands.select("row", "tech_id", "abs_start", "abs_end")
        .join(off, on="tech_id", how="inner")
        .filter((pl.col("off_start") < pl.col("abs_end")) & (pl.col("abs_start") < pl.col("off_end")))
        .sort("row", "starts_at", "ends_at")
        .group_by("row", maintain_order=True)
        .agg(
            off_facts=_json(
                {
                    "from": pl.col("starts_at").dt.strftime("%Y-%m-%dT%H:%M"),
                    "to": pl.col("ends_at").dt.strftime("%Y-%m-%dT%H:%M"),
                    "reason": pl.col("reason"),
                }
            ).first()
        )
    )
    joined = cands.join(hits, on="row", how="left")
    fail = pl.col("off_facts").is_not_null()
    return with_rule(joined, "time_off", fail, pl.col("off_facts")).drop("off_facts")


def rule_radius(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The customer is farther from the tech's home than her radius (capped company-wide)."""
    company = prepared.snapshot.max_search_radius_miles
    limit = pl.min_horizontal(pl.col("radius"), pl.lit(company))
    fail = pl.col("miles").is_null() | (pl.col("miles") > limit)
    payload = _json(
        {
            "miles": pl.col("miles").round(1),
            "radius": limit,
            "by": pl.when(pl.col("radius") <= company).then(pl.lit("tech")).otherwise(pl.lit("company")),
            "zip": pl.when(pl.col("appt_lat").is_null()).then(pl.col("zip")),
        }
    )
    return with_rule(cands, "radius", fail, payload)


def _zip_matches(zips: tuple[str, ...]) -> pl.Expr:
    if not zips:
        return pl.lit(True)
    full = [z for z in zips if len(z) == 5]
    prefixes = [z for z in zips if len(z) == 3]
    match = pl.col("zip").is_in(full) if full else pl.lit(False)
    if prefixes:
        match = match | pl.col("zip").str.slice(0, 3).is_in(prefixes)
    return match


def rule_territory(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The profile's territory rules (distance, zips -> techs, skill) exclude the tech."""
    parts: list[pl.Expr] = []
    fails: list[pl.Expr] = []
    skills = prepared.snapshot.tech_skills
    frame = cands
    for idx, profile in enumerate(prepared.profiles):
        for number, rule in enumerate(profile.territory_rules, start=1):
            applies = (pl.col("profile_idx") == idx) & _zip_matches(rule.zips)
            base = {"profile": pl.lit(profile.name), "rule": pl.lit(number), "kind": pl.lit(rule.kind)}
            if rule.kind == "max_distance":
                fail = applies & (pl.col("miles").is_null() | (pl.col("miles") > (rule.miles or 0.0)))
                payload = _json({**base, "miles": pl.col("miles").round(1), "limit": pl.lit(rule.miles)})
            elif rule.kind == "zips":
                fail = applies & ~pl.col("email").is_in(list(rule.techs))
                payload = _json({**base, "zip": pl.col("zip")})
            else:
                column = f"_terr_level_{idx}_{number}"
                levels = skills.filter(pl.col("skill") == rule.skill).select(
                    "tech_id", pl.col("level").alias(column)
                )
                frame = frame.join(levels, on="tech_id", how="left")
                fail = applies & (pl.col(column).is_null() | (pl.col(column) < rule.min_level))
                payload = _json(
                    {
                        **base,
                        "skill": pl.lit(rule.skill),
                        "need": pl.lit(rule.min_level),
                        "has": pl.col(column),
                    }
                )
            flag = f"_terr_fail_{idx}_{number}"
            frame = frame.with_columns(fail.fill_null(True).alias(flag))
            fails.append(pl.col(flag))
            parts.append(pl.when(pl.col(flag)).then(payload))
    if not fails:
        return frame.with_columns(fail_territory=pl.lit(False), facts_territory=pl.lit(None, dtype=pl.String))
    listed = pl.concat_str(
        [pl.lit('{"failed":['), pl.concat_str(parts, separator=",", ignore_nulls=True), pl.lit("]}")]
    )
    frame = with_rule(frame, "territory", pl.any_horizontal(fails), listed)
    return frame.drop([c for c in frame.columns if c.startswith("_terr_")])


def rule_excluded(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The customer excludes the tech."""
    excluded = prepared.snapshot.excluded_techs.unique().with_columns(_excluded=pl.lit(True))
    joined = cands.join(excluded, on=["customer_id", "tech_id"], how="left")
    fail = pl.col("_excluded").fill_null(False)
    return with_rule(joined, "excluded", fail, pl.lit("{}")).drop("_excluded")


def rule_required(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """The customer requires another tech."""
    fail = pl.col("required_tech_id").is_not_null() & (pl.col("required_tech_id") != pl.col("tech_id"))
    return with_rule(cands, "required", fail, _json({"required": pl.col("required_tech_id")}))


def evaluate_static(cands: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """Apply every rule that does not depend on the run's own assignments."""
    return (
        cands.pipe(rule_inactive, prepared)
        .pipe(rule_skill, prepared)
        .pipe(rule_tech_hours, prepared)
        .pipe(rule_profile_hours, prepared)
        .pipe(rule_time_off, prepared)
        .pipe(rule_radius, prepared)
        .pipe(rule_territory, prepared)
        .pipe(rule_excluded, prepared)
        .pipe(rule_required, prepared)
        .sort("row")
        .with_columns(static_fail=pl.any_horizontal([pl.col(f"fail_{code}") for code in STATIC_RULES]))
    )


def assemble(cands: pl.DataFrame) -> pl.DataFrame:
    """``failed_rules`` (space-separated codes in RULES order) and ``facts`` (one JSON object)."""
    present = [code for code in RULES if f"fail_{code}" in cands.columns]
    frame = cands.with_columns(
        _mask=pl.sum_horizontal(
            [pl.col(f"fail_{code}").cast(pl.Int64) * (1 << bit) for bit, code in enumerate(present)]
        )
    )
    names = {
        int(m): " ".join(code for bit, code in enumerate(present) if int(m) >> bit & 1) or None
        for m in frame.get_column("_mask").unique().to_list()
    }
    facts = pl.concat_str([pl.col(f"facts_{code}") for code in present], separator=",", ignore_nulls=True)
    return frame.with_columns(
        failed_rules=pl.col("_mask").replace_strict(names, default=None, return_dtype=pl.String),
        facts=pl.when(pl.col("_mask") > 0).then(pl.concat_str([pl.lit("{"), facts, pl.lit("}")])),
    ).drop("_mask")
