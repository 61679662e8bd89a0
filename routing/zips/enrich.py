"""Look-ups the expectation suite checks: the ZIP dataset, known locations, duplicate zips and the
rules every optional text cell follows.

Pure polars: the validation step turns each look-up into a small status column so that Great
Expectations checks them with tiny value sets (a 42,789-value set makes GX serialise it hundreds
of times). The text rules (length within the column's limit, no formula start) are one status
column each, naming the fields of the row that break the rule: one expectation per rule instead
of one per rule and column, since each expectation costs Great Expectations about 8 ms whatever
the row count.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from routing.zips.columns import OPTIONAL_FIELDS, max_lengths

LOCATION_SCHEMA = {"id": pl.Int64, "code": pl.String, "name": pl.String}
FORMULA_START = r"^[=+@]"  # a cell a spreadsheet would run as a formula
# Issue code -> the status column listing the row's text fields that break the rule (null: none).
TEXT_RULE_COLUMNS = {"too_long": "too_long_fields", "formula_as_text": "formula_fields"}


@dataclass(frozen=True)
class Reference:
    """What a row is checked against: ``locations`` (id, code, name) and ``zips`` (routing.geo.zip_table)."""

    locations: pl.DataFrame
    zips: pl.DataFrame


def location_key(expr: pl.Expr) -> pl.Expr:
    """Case- and space-insensitive form of a location code or name."""
    return expr.str.replace_all(r"\s+", "").str.to_lowercase()


def location_keys(locations: pl.DataFrame) -> pl.DataFrame:
    """(key, location_id): every code and every unambiguous name; a code wins over another's name."""
    codes = locations.select(location_key(pl.col("code")).alias("key"), pl.col("id").alias("location_id"))
    names = (
        locations.select(location_key(pl.col("name")).alias("key"), pl.col("id").alias("location_id"))
        .filter(pl.col("location_id").n_unique().over("key") == 1)
        .unique("key")
        .join(codes, on="key", how="anti")
    )
    return pl.concat([codes.unique("key", keep="first"), names])


def enrich(rows: pl.DataFrame, columns: tuple[str, ...], reference: Reference) -> pl.DataFrame:
    """Add the derived columns the suite checks: zip_status, zip_type, location_id, location_status,
    zip_variants (distinct value sets per zip), repeat_of_row (first row of an identical repeat) and,
    when the header has optional fields, too_long_fields and formula_fields (see ``text_rules``)."""
    frame = rows.with_columns(text_rules(columns))
    if "zip" in columns:
        extra = [c for c in ("city", "state") if c in reference.zips.columns]
        dataset = reference.zips.select("zip", "zip_type", "active", *extra)
        frame = frame.join(dataset, on="zip", how="left", maintain_order="left").with_columns(
            pl.when(~pl.col("zip").str.contains(r"^\d{5}$").fill_null(False))
            .then(None)
            .when(pl.col("zip_type").is_null())
            .then(pl.lit("unknown"))
            .when(~pl.col("active"))
            .then(pl.lit("retired"))
            .otherwise(pl.lit("active"))
            .alias("zip_status")
        )
    if "location" in columns:
        keys = location_keys(reference.locations)
        frame = (
            frame.with_columns(location_key(pl.col("location")).alias("_key"))
            .join(keys, left_on="_key", right_on="key", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("location").is_null())
                .then(None)
                .when(pl.col("location_id").is_null())
                .then(pl.lit("unknown"))
                .otherwise(pl.lit("known"))
                .alias("location_status")
            )
        )
    if "zip" in columns:
        frame = _duplicates(frame, columns)
    return frame.drop("_key", strict=False)


def text_rules(columns: tuple[str, ...]) -> list[pl.Expr]:
    """``too_long_fields``: the row's optional fields longer than their column holds (characters);
    ``formula_fields``: those starting with ``= + @``. Comma-separated in header order, null when none."""
    present = [f for f in OPTIONAL_FIELDS if f in columns]
    if not present:
        return []
    limits = max_lengths()
    breaks = {
        "too_long_fields": [pl.col(f).str.len_chars() > limits[f] for f in present],
        "formula_fields": [pl.col(f).str.contains(FORMULA_START) for f in present],
    }
    return [_field_list(present, tests).alias(name) for name, tests in breaks.items()]


def _field_list(fields: list[str], tests: list[pl.Expr]) -> pl.Expr:
    named = [pl.when(test).then(pl.lit(field)) for field, test in zip(fields, tests, strict=True)]
    listed = pl.concat_str(named, separator=",", ignore_nulls=True)
    return pl.when(listed != "").then(listed)


def _duplicates(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    if not frame["zip"].drop_nulls().is_duplicated().any():  # the usual sheet: one row per zip
        return frame.with_columns(
            pl.when(pl.col("zip").is_not_null()).then(pl.lit(1, dtype=pl.UInt32)).alias("zip_variants"),
            pl.lit(None, dtype=pl.Int64).alias("repeat_of_row"),
        )
    parts = [pl.col("zip")]
    if "location" in columns:
        parts.append(pl.coalesce(pl.col("location_id").cast(pl.String), pl.lit("?") + pl.col("_key")))
    parts += [pl.col(c) for c in OPTIONAL_FIELDS if c in columns]
    signature = pl.concat_str([p.fill_null("\x00") for p in parts], separator="\x1f")
    has_zip = pl.col("zip").is_not_null()
    return (
        frame.with_columns(signature.alias("_signature"))
        .with_columns(
            pl.when(has_zip).then(pl.col("_signature").n_unique().over("zip")).alias("zip_variants"),
            pl.when(
                has_zip
                & (pl.col("_signature").n_unique().over("zip") == 1)
                & (pl.int_range(pl.len()).over("zip") > 0)
            )
            .then(pl.col("row_no").first().over("zip"))
            .alias("repeat_of_row"),
        )
        .drop("_signature")
    )
