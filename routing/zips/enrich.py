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
CITY_STATE = r"^\s*(.*?\S)\s*,\s*[A-Za-z]{2}\s*$"  # "Boston, MA": the city is "Boston"
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
    """(key, location_id, matches): what a location cell may say, and the location it names.

    A key is a code, a full name, or the city of a name of the form "City, ST" (``Boston`` for
    "Boston, MA"), in that order of precedence: a key that is some location's code names that
    location whatever the names say, and a full name wins over another location's city. ``matches``
    is how many locations share the key at its level; when more than one (two "Portland, ..."
    locations and the cell ``Portland``) the key is ambiguous and ``location_id`` is null.
    """
    ids = pl.col("location_id").unique(maintain_order=True)
    return (
        _best_level(_keys_by_level(locations))
        .group_by("key", maintain_order=True)
        .agg(ids.first().alias("location_id"), ids.len().cast(pl.UInt32).alias("matches"))
        .with_columns(pl.when(pl.col("matches") == 1).then(pl.col("location_id")).alias("location_id"))
    )


def location_candidates(locations: pl.DataFrame, text: str) -> pl.DataFrame:
    """The locations (id, code, name) the cell ``text`` names: one, several (ambiguous) or none."""
    key = pl.select(location_key(pl.lit(text, dtype=pl.String))).item()
    found = _best_level(_keys_by_level(locations).filter(pl.col("key") == key))
    return locations.filter(pl.col("id").is_in(found["location_id"].implode()))


def _keys_by_level(locations: pl.DataFrame) -> pl.DataFrame:
    """(key, location_id, level): level 0 a code, 1 a full name, 2 the city of a "City, ST" name."""
    levels = [
        location_key(pl.col("code")),
        location_key(pl.col("name")),
        location_key(pl.col("name").str.extract(CITY_STATE, 1)),
    ]
    return pl.concat(
        [
            locations.select(
                key.alias("key"), pl.col("id").alias("location_id"), pl.lit(level, pl.UInt8).alias("level")
            )
            for level, key in enumerate(levels)
        ]
    ).filter(pl.col("key").is_not_null() & (pl.col("key") != ""))


def _best_level(keys: pl.DataFrame) -> pl.DataFrame:
    """Each key's rows at its most precise level (a code before a name before a city)."""
    return keys.filter(pl.col("level") == pl.col("level").min().over("key"))


def enrich(rows: pl.DataFrame, columns: tuple[str, ...], reference: Reference) -> pl.DataFrame:
    """Add the derived columns the suite checks: zip_status, zip_type, location_id, location_status
    (known / unknown / ambiguous: see ``location_keys``), zip_variants (distinct value sets per zip),
    repeat_of_row (first row of an identical repeat) and, when the header has optional fields,
    too_long_fields and formula_fields (see ``text_rules``)."""
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
        keys = location_keys(reference.locations).rename({"matches": "_matches"})
        frame = (
            frame.with_columns(location_key(pl.col("location")).alias("_key"))
            .join(keys, left_on="_key", right_on="key", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("location").is_null())
                .then(None)
                .when(pl.col("_matches").is_null())
                .then(pl.lit("unknown"))
                .when(pl.col("_matches") > 1)
                .then(pl.lit("ambiguous"))
                .otherwise(pl.lit("known"))
                .alias("location_status")
            )
        )
    if "zip" in columns:
        frame = _duplicates(frame, columns)
    return frame.drop("_key", "_matches", strict=False)


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
