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
    """What applying the rows would do. ``writes`` holds every mapping column (absent ones null)
    and the ``action`` (new / updated) of each zip to write.

    ``records`` holds one row per new or updated zip (zip, action, json), built in polars: a
    Python dict per zip would cost more than the rest of the diff on a national file. An updated
    zip's json is its change record ``{zip, action, fields: {field: {old, new}}}``; a new zip's is
    the JSON array of its values in ``ADDED_COLUMNS`` order, the compact form ``zip_imports.added``
    stores (a third of the size: on a national first import the record is most of what is written).
    ``changes`` expands both into change records only when someone reads them.
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
        """The updated zips' change records as one JSON array (what ``zip_imports.changes`` stores)."""
        return _json_array(self.records.filter(pl.col("action") == "updated")["json"])

    @cached_property
    def added_json(self) -> str | None:
        """The new zips as ``{"columns": ADDED_COLUMNS, "rows": [[values]…]}`` (what
        ``zip_imports.added`` stores), or None when the diff adds nothing."""
        rows = self.records.filter(pl.col("action") == "new")["json"]
        if rows.is_empty():
            return None
        return '{"columns":' + json.dumps(list(ADDED_COLUMNS)) + ',"rows":' + _json_array(rows) + "}"

    @cached_property
    def changes(self) -> tuple[dict[str, Any], ...]:
        """``{zip, action, fields: {field: {old, new}}}`` per updated zip, then per new zip (import order)."""
        added = json.loads(self.added_json) if self.added_json else None
        return tuple(expand_changes(added, json.loads(self.changes_json)))

    def updated_changes(self) -> tuple[dict[str, Any], ...]:
        """The change records of updated zips only (new zips' records just list their values)."""
        return tuple(json.loads(self.changes_json))


# The values a new zip is recorded with, in this order (``zip_imports.added``); locations by code.
ADDED_COLUMNS = ("zip", "location", *OPTIONAL_FIELDS)


def expand_changes(added: dict[str, Any] | None, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The change records of a stored import: the stored update and delete records, then each added
    zip as ``{zip, action: new, fields: {field: {old: None, new}}}`` (its non-empty values).

    Updates come first: they overwrite values someone relies on, and views that cut a long list
    (the Prefect artifact, the report) must not hide them behind thousands of new zips.
    """
    expanded: list[dict[str, Any]] = list(changes)
    if added:
        columns = added["columns"]
        for values in added["rows"]:
            fields = {
                column: {"old": None, "new": value}
                for column, value in zip(columns[1:], values[1:], strict=True)
                if value is not None
            }
            expanded.append({"zip": values[0], "action": "new", "fields": fields})
    return expanded


def compact_changes(changes: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Change records split into their stored form: (added, other records); the inverse of
    ``expand_changes`` for records whose new zips name fields of ``ADDED_COLUMNS``."""
    new = [change for change in changes if change["action"] == "new"]
    rows = [
        [change["zip"], *((change["fields"].get(c) or {}).get("new") for c in ADDED_COLUMNS[1:])]
        for change in new
    ]
    added = {"columns": list(ADDED_COLUMNS), "rows": rows} if rows else None
    return added, [change for change in changes if change["action"] != "new"]


def _json_array(texts: pl.Series) -> str:
    return "[" + texts.str.join(",").item() + "]" if texts.len() else "[]"


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
        pl.col("_action").alias("action"),
    )
    return MappingDiff(
        writes=writes,
        records=_change_records(changed, fields, location_codes),
        unchanged=joined.height - changed.height,
    )


def _change_records(
    changed: pl.DataFrame, fields: tuple[str, ...], location_codes: dict[int, str]
) -> pl.DataFrame:
    """(zip, action, json) per changed zip, new zips first: a new zip's values in ``ADDED_COLUMNS``
    order, an updated zip's change record of the fields that differ; locations are shown by code."""
    if changed.is_empty():
        return pl.DataFrame(schema=NO_CHANGES_SCHEMA)
    codes = pl.DataFrame(
        {"id": list(location_codes), "code": list(location_codes.values())},
        schema={"id": pl.Int64, "code": pl.String},
    )

    def shown(column: str) -> pl.Expr:  # a location by code; an id without a code as the number
        if not column.startswith("location_id"):
            return pl.col(column)
        return pl.col(column).replace_strict(
            codes["id"], codes["code"], default=pl.col(column).cast(pl.String)
        )

    is_new = pl.col("_action") == "new"
    new_values = {"location" if f == "location_id" else f: shown(f) for f in fields}
    added_values = [pl.col("zip"), *(new_values.get(c, pl.lit(None, pl.String)) for c in ADDED_COLUMNS[1:])]
    added = pl.concat_str(
        pl.lit("["), pl.concat_str([_json_value(v) for v in added_values], separator=","), pl.lit("]")
    )
    parts = []
    for field in fields:
        name = "location" if field == "location_id" else field
        fragment = pl.concat_str(
            pl.lit(f'"{name}":{{"old":'),
            _json_value(shown(f"{field}_old")),
            pl.lit(',"new":'),
            _json_value(shown(field)),
            pl.lit("}"),
        )
        parts.append(pl.when(pl.col(field).ne_missing(pl.col(f"{field}_old"))).then(fragment))
    updated = pl.concat_str(
        pl.lit('{"zip":'),
        _json_value(pl.col("zip")),
        pl.lit(',"action":"updated","fields":{'),
        pl.concat_str(parts, separator=",", ignore_nulls=True),
        pl.lit("}}"),
    )
    return pl.concat(
        [
            changed.filter(is_new).select("zip", pl.lit("new").alias("action"), added.alias("json")),
            changed.filter(~is_new).select("zip", pl.lit("updated").alias("action"), updated.alias("json")),
        ]
    )


def _json_value(expr: pl.Expr) -> pl.Expr:
    """A string (or null) column as JSON literals, escaped by polars' JSON encoder."""
    return pl.struct(expr.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")


def empty_mapping() -> pl.DataFrame:
    """A mapping frame with no rows (the schema ``diff_mapping`` expects for ``existing``)."""
    return pl.DataFrame(schema=MAPPING_SCHEMA)


def no_changes() -> MappingDiff:
    """A diff that writes nothing (a rejected import's)."""
    writes = pl.DataFrame(schema=MAPPING_SCHEMA | {"action": pl.String})
    return MappingDiff(writes, pl.DataFrame(schema=NO_CHANGES_SCHEMA), 0)
