"""Compare validated rows with the stored mapping: new, updated (old -> new per field), unchanged.

A column absent from the header leaves that field untouched; a blank cell in a present optional
column clears it. Pure: frames in, frozen dataclass out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import polars as pl

from routing.zips.columns import OPTIONAL_FIELDS

MAPPING_SCHEMA = {
    "zip": pl.String,
    "location_id": pl.Int64,
    "territory": pl.String,
    "sales_rep": pl.String,
    "work_order_territory": pl.String,
    "notes": pl.String,
}
DATA_FIELDS = ("location_id", *OPTIONAL_FIELDS)


@dataclass(frozen=True)
class MappingDiff:
    """What applying the rows would do. ``writes`` holds every mapping column (absent ones null).

    ``records`` holds one change record per new or updated zip (zip, action, json), each the JSON
    text of ``{zip, action, fields: {field: {old, new}}}`` built in polars: a Python dict per zip
    would cost more than the rest of the diff on a national file. ``changes`` parses them back to
    dicts only when someone reads them.
    """

    writes: pl.DataFrame
    records: pl.DataFrame
    unchanged: int

    @cached_property
    def new_zips(self) -> frozenset[str]:
        """The zips the mapping does not have yet."""
        return frozenset(self.records.filter(pl.col("action") == "new")["zip"].to_list())

    @property
    def new(self) -> int:
        """How many zips would be added."""
        return int((self.records["action"] == "new").sum())

    @property
    def updated(self) -> int:
        """How many mapped zips would change."""
        return int((self.records["action"] == "updated").sum())

    @cached_property
    def changes_json(self) -> str:
        """Every change record as one JSON array (what ``zip_imports.changes`` stores)."""
        return "[" + self.records["json"].str.join(",").item() + "]" if self.records.height else "[]"

    @cached_property
    def changes(self) -> tuple[dict[str, Any], ...]:
        """``{zip, action, fields: {field: {old, new}}}`` per new or updated zip, in import order."""
        return tuple(json.loads(self.changes_json))

    def updated_changes(self) -> tuple[dict[str, Any], ...]:
        """The change records of updated zips only (new zips' records just list their values)."""
        updated = self.records.filter(pl.col("action") == "updated")["json"]
        return tuple(json.loads(text) for text in updated)


NO_CHANGES_SCHEMA = {"zip": pl.String, "action": pl.String, "json": pl.String}


def compared_fields(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The stored fields an import with these header columns writes (location always)."""
    return ("location_id", *(c for c in OPTIONAL_FIELDS if c in columns))


def diff_mapping(
    incoming: pl.DataFrame,
    columns: tuple[str, ...],
    existing: pl.DataFrame,
    location_codes: dict[int, str],
) -> MappingDiff:
    """Classify ``incoming`` rows (zip, location_id, present fields) against ``existing`` mapping rows."""
    fields = compared_fields(columns)
    incoming = incoming.select(
        pl.col("zip"), *(pl.col(f) if f in incoming.columns else pl.lit(None).alias(f) for f in fields)
    ).cast({f: MAPPING_SCHEMA[f] for f in fields})
    old = existing.select(
        pl.col("zip"), *(pl.col(f).alias(f"{f}_old") for f in DATA_FIELDS), pl.lit(True).alias("_exists")
    )
    joined = incoming.join(old, on="zip", how="left", maintain_order="left")
    differs = pl.any_horizontal(pl.col(f).ne_missing(pl.col(f"{f}_old")) for f in fields)
    joined = joined.with_columns(
        pl.when(pl.col("_exists").is_null())
        .then(pl.lit("new"))
        .when(differs)
        .then(pl.lit("updated"))
        .otherwise(pl.lit("unchanged"))
        .alias("_action")
    )
    changed = joined.filter(pl.col("_action") != "unchanged")
    writes = changed.select(
        pl.col("zip"),
        *(pl.col(f) if f in fields else pl.lit(None, dtype=MAPPING_SCHEMA[f]).alias(f) for f in DATA_FIELDS),
    )
    return MappingDiff(
        writes=writes,
        records=_change_records(changed, fields, location_codes),
        unchanged=joined.height - changed.height,
    )


def _change_records(
    changed: pl.DataFrame, fields: tuple[str, ...], location_codes: dict[int, str]
) -> pl.DataFrame:
    """(zip, action, json) per changed zip: a new zip lists its non-empty fields (old null), an
    updated zip the fields that differ; locations are shown by code."""
    if changed.is_empty():
        return pl.DataFrame(schema=NO_CHANGES_SCHEMA)
    codes = pl.DataFrame(
        {"id": list(location_codes), "code": list(location_codes.values())},
        schema={"id": pl.Int64, "code": pl.String},
    )
    is_new = pl.col("_action") == "new"
    parts = []
    for field in fields:
        new, old = pl.col(field), pl.col(f"{field}_old")
        if field == "location_id":  # shown by code; an id without a code is shown as the number
            new, old = (
                pl.col(column).replace_strict(
                    codes["id"], codes["code"], default=pl.col(column).cast(pl.String)
                )
                for column in (field, f"{field}_old")
            )
        differs = pl.col(field).ne_missing(pl.col(f"{field}_old"))
        shown = pl.when(is_new).then(pl.col(field).is_not_null()).otherwise(differs)
        old_json = pl.when(is_new).then(pl.lit("null")).otherwise(_json_value(old))
        name = "location" if field == "location_id" else field
        fragment = pl.concat_str(
            pl.lit(f'"{name}":{{"old":'), old_json, pl.lit(',"new":'), _json_value(new), pl.lit("}")
        )
        parts.append(pl.when(shown).then(fragment))
    record = pl.concat_str(
        pl.lit('{"zip":'),
        _json_value(pl.col("zip")),
        pl.lit(',"action":"'),
        pl.col("_action"),
        pl.lit('","fields":{'),
        pl.concat_str(parts, separator=",", ignore_nulls=True),
        pl.lit("}}"),
    )
    return changed.select("zip", pl.col("_action").alias("action"), record.alias("json"))


def _json_value(expr: pl.Expr) -> pl.Expr:
    """A string (or null) column as JSON literals, escaped by polars' JSON encoder."""
    return pl.struct(expr.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")


def empty_mapping() -> pl.DataFrame:
    """A mapping frame with no rows (the schema ``diff_mapping`` expects for ``existing``)."""
    return pl.DataFrame(schema=MAPPING_SCHEMA)


def no_changes() -> MappingDiff:
    """A diff that writes nothing (a rejected import's)."""
    writes = pl.DataFrame(schema=MAPPING_SCHEMA)
    return MappingDiff(writes, pl.DataFrame(schema=NO_CHANGES_SCHEMA), 0)
