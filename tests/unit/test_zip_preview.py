"""The preview: new / updated / unchanged, old -> new per field; absent columns untouched, blanks clear."""

from __future__ import annotations

import polars as pl

from routing.zips.preview import MAPPING_SCHEMA, diff_mapping, empty_mapping

CODES = {1: "BOS", 2: "HFD"}


def stored(*rows: dict[str, object]) -> pl.DataFrame:
    full = [{key: row.get(key) for key in MAPPING_SCHEMA} for row in rows]
    return pl.DataFrame(full, schema=MAPPING_SCHEMA)


def incoming(columns: tuple[str, ...], *rows: dict[str, object]) -> pl.DataFrame:
    keep = ["zip", "location_id", *(c for c in columns if c not in ("zip", "location"))]
    return pl.DataFrame(
        [{k: row.get(k) for k in keep} for row in rows], schema={k: MAPPING_SCHEMA[k] for k in keep}
    )


def test_new_updated_and_unchanged_zips_are_counted_and_changes_name_old_and_new_values() -> None:
    columns = ("zip", "location", "territory")
    existing = stored(
        {"zip": "02134", "location_id": 1, "territory": "North"},
        {"zip": "06103", "location_id": 2, "territory": "Central"},
    )
    rows = incoming(
        columns,
        {"zip": "02134", "location_id": 1, "territory": "North"},
        {"zip": "06103", "location_id": 1, "territory": "Central"},
        {"zip": "01608", "location_id": 2, "territory": None},
    )

    diff = diff_mapping(rows, columns, existing, CODES)

    assert (diff.new, diff.updated, diff.unchanged) == (1, 1, 1)
    assert diff.changes == (
        {"zip": "06103", "action": "updated", "fields": {"location": {"old": "HFD", "new": "BOS"}}},
        {"zip": "01608", "action": "new", "fields": {"location": {"old": None, "new": "HFD"}}},
    )
    assert sorted(diff.writes["zip"].to_list()) == ["01608", "06103"]


def test_a_column_absent_from_the_header_leaves_that_field_untouched() -> None:
    existing = stored({"zip": "02134", "location_id": 1, "territory": "North", "notes": "keep me"})
    rows = incoming(("zip", "location"), {"zip": "02134", "location_id": 1})

    diff = diff_mapping(rows, ("zip", "location"), existing, CODES)

    assert (diff.new, diff.updated, diff.unchanged) == (0, 0, 1)
    assert diff.writes.is_empty()


def test_a_blank_cell_in_a_present_optional_column_clears_the_field() -> None:
    columns = ("zip", "location", "notes")
    existing = stored({"zip": "02134", "location_id": 1, "territory": "North", "notes": "old note"})

    diff = diff_mapping(
        incoming(columns, {"zip": "02134", "location_id": 1, "notes": None}), columns, existing, CODES
    )

    assert diff.changes == (
        {"zip": "02134", "action": "updated", "fields": {"notes": {"old": "old note", "new": None}}},
    )
    assert diff.writes.row(0, named=True)["notes"] is None


def test_a_new_zip_lists_only_the_values_it_sets() -> None:
    columns = ("zip", "location", "territory", "notes")
    rows = incoming(columns, {"zip": "02134", "location_id": 2, "territory": None, "notes": "=1+1"})

    diff = diff_mapping(rows, columns, empty_mapping(), CODES)

    assert diff.changes[0]["fields"] == {
        "location": {"old": None, "new": "HFD"},
        "notes": {"old": None, "new": "=1+1"},
    }
    assert diff.new_zips == frozenset({"02134"})
