"""Fallback, not override: the zip mapping fills only what no other signal set.

``route_parties`` is pure: frames in, frame out; the caller reads and writes the database.

**parties** (customers or leads; one row each, any extra columns are passed through untouched):

==================== ======= =====================================================================
column               dtype   meaning
==================== ======= =====================================================================
``zip``              String  the address's 5-digit zip
``location_id``      Int64   location set by another signal (file, integration, user); null = none
``sales_rep``        String  sales rep set by another signal; null or blank = none
``territory``        String  territory set by another signal; null or blank = none
``*_source``         String  optional, per value: ``explicit`` / ``zip_mapping`` / ``none``. When
                             present, only values marked ``explicit`` are kept; values that an
                             earlier routing filled (``zip_mapping``) are derived again. Without the
                             column every non-null value counts as explicit.
==================== ======= =====================================================================

**zip_relations** (one row per zip; other columns are ignored): ``zip`` String,
``location_id`` Int64, ``sales_rep`` String, ``territory`` String.

**Result**: the parties in the same order and columns, with ``location_id``, ``sales_rep`` and
``territory`` routed and ``location_source``, ``sales_rep_source``, ``territory_source`` (String,
values of ``routing.db.company.ValueSource``) saying where each came from.

The rule:

* an explicit location is kept, whatever the mapping says; otherwise the mapping's location for
  the zip is used (source ``zip_mapping``), or none (source ``none``) when the zip is unmapped;
* an explicit sales rep / territory is kept; an empty one is filled from the zip's mapping row when
  that row points at the party's (final) location: a mapping row of another office does not
  describe a party that was explicitly routed elsewhere.
"""

from __future__ import annotations

import polars as pl

from routing.db.company import ValueSource

ROUTED_FIELDS = ("location_id", "sales_rep", "territory")
PARTY_SCHEMA: dict[str, type[pl.DataType]] = {
    "zip": pl.String,
    "location_id": pl.Int64,
    "sales_rep": pl.String,
    "territory": pl.String,
}
ZIP_RELATION_SCHEMA: dict[str, type[pl.DataType]] = dict(PARTY_SCHEMA)

EXPLICIT = ValueSource.explicit.value
ZIP_MAPPING = ValueSource.zip_mapping.value
NONE = ValueSource.none.value


def source_column(field: str) -> str:
    """``location_id`` -> ``location_source``; ``sales_rep`` -> ``sales_rep_source``."""
    return f"{field.removesuffix('_id')}_source"


def route_parties(parties: pl.DataFrame, zip_relations: pl.DataFrame) -> pl.DataFrame:
    """Fill location, sales rep and territory from the zip mapping where nothing explicit set them."""
    _check_columns("parties", parties, PARTY_SCHEMA)
    _check_columns("zip_relations", zip_relations, ZIP_RELATION_SCHEMA)
    mapping = zip_relations.select(
        pl.col("zip").cast(pl.String),
        pl.col("location_id").cast(pl.Int64).alias("_map_location_id"),
        _blank_to_null(pl.col("sales_rep")).alias("_map_sales_rep"),
        _blank_to_null(pl.col("territory")).alias("_map_territory"),
    )
    duplicated = mapping.filter(pl.col("zip").is_duplicated())["zip"].unique().sort()
    if len(duplicated):
        raise ValueError(f"zip_relations has more than one row for zip {duplicated[0]!r}")

    columns = list(parties.columns)
    for field in ROUTED_FIELDS:
        if source_column(field) not in columns:
            columns.append(source_column(field))

    explicit = {field: _explicit_value(parties, field).alias(f"_explicit_{field}") for field in ROUTED_FIELDS}
    routed = (
        parties.with_columns(pl.col("zip").cast(pl.String), *explicit.values())
        .join(mapping, on="zip", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_explicit_location_id", "_map_location_id").alias("location_id"),
            _source(pl.col("_explicit_location_id"), pl.col("_map_location_id")).alias("location_source"),
        )
    )
    same_office = pl.col("_map_location_id").is_not_null() & (
        pl.col("_map_location_id") == pl.col("location_id")
    )
    for field in ("sales_rep", "territory"):
        mapped = pl.when(same_office).then(pl.col(f"_map_{field}")).otherwise(None)
        routed = routed.with_columns(
            pl.coalesce(f"_explicit_{field}", mapped).alias(field),
            _source(pl.col(f"_explicit_{field}"), mapped).alias(source_column(field)),
        )
    return routed.select(columns)


def _explicit_value(parties: pl.DataFrame, field: str) -> pl.Expr:
    value = pl.col(field).cast(PARTY_SCHEMA[field])
    if PARTY_SCHEMA[field] == pl.String:
        value = _blank_to_null(value)
    source = source_column(field)
    if source in parties.columns:
        value = pl.when(pl.col(source).is_null() | (pl.col(source) == EXPLICIT)).then(value).otherwise(None)
    return value


def _source(explicit: pl.Expr, mapped: pl.Expr) -> pl.Expr:
    return (
        pl.when(explicit.is_not_null())
        .then(pl.lit(EXPLICIT))
        .when(mapped.is_not_null())
        .then(pl.lit(ZIP_MAPPING))
        .otherwise(pl.lit(NONE))
    )


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String)
    return pl.when(text.str.strip_chars() == "").then(None).otherwise(text)


def _check_columns(name: str, frame: pl.DataFrame, schema: dict[str, type[pl.DataType]]) -> None:
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)} (see routing.leads.fallback)")
    for column, dtype in schema.items():
        actual = frame.schema[column]
        if actual != dtype and actual != pl.Null and not (dtype == pl.Int64 and actual.is_integer()):
            raise ValueError(f"{name}.{column} is {actual}, expected {dtype}")
