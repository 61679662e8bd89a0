"""The preview: new / updated / unchanged, old -> new per field; absent columns untouched, blanks clear."""

from __future__ import annotations

import json

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.zips.preview import (
    ADDED_COLUMNS,
    MAPPING_SCHEMA,
    compact_changes,
    diff_mapping,
    empty_mapping,
    expand_changes,
)

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
    assert diff.changes == (  # updates first
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


FIELD_VALUES = st.one_of(
    st.none(), st.sampled_from(["", "North", 'say "hi"', "back\\slash", "é\n\t", "\x01"])
)
OPTIONAL = ("territory", "sales_rep", "work_order_territory", "notes")


@st.composite
def mapping_cases(draw: st.DrawFn) -> tuple[tuple[str, ...], pl.DataFrame, pl.DataFrame]:
    """A header, incoming rows (one per zip) and a stored mapping sharing some of the zips."""
    present = tuple(f for f in OPTIONAL if draw(st.booleans()))
    columns = ("zip", "location", *present)
    zips = draw(st.lists(st.sampled_from([f"0{n:04d}" for n in range(12)]), unique=True, max_size=10))
    location = st.sampled_from([1, 2, 3])  # 3 has no code: shown as the number

    def row(zip_code: str, fields: tuple[str, ...]) -> dict[str, object]:
        return {"zip": zip_code, "location_id": draw(location), **{f: draw(FIELD_VALUES) for f in fields}}

    new_rows = incoming(columns, *(row(z, present) for z in zips))
    old_zips = draw(st.lists(st.sampled_from([f"0{n:04d}" for n in range(12)]), unique=True, max_size=10))
    return columns, new_rows, stored(*(row(z, OPTIONAL) for z in old_zips))


@settings(max_examples=200, deadline=None)
@given(mapping_cases())
def test_the_change_record_built_in_polars_matches_a_plain_python_reading(
    case: tuple[tuple[str, ...], pl.DataFrame, pl.DataFrame],
) -> None:
    columns, rows, existing = case
    diff = diff_mapping(rows, columns, existing, CODES)
    assert diff.changes == expected_changes(rows, columns, existing)
    assert diff.new_zips == {c["zip"] for c in diff.changes if c["action"] == "new"}
    assert diff.updated_changes() == tuple(c for c in diff.changes if c["action"] == "updated")
    assert diff.unchanged == rows.height - len(diff.changes)
    stored_added = json.loads(diff.added_json) if diff.added_json else None
    assert expand_changes(stored_added, json.loads(diff.changes_json)) == list(diff.changes)
    assert compact_changes(list(diff.changes)) == (stored_added, json.loads(diff.changes_json))


def test_new_zips_are_stored_as_one_compact_table_and_updates_as_change_records() -> None:
    columns = ("zip", "location", "notes")
    existing = stored({"zip": "06103", "location_id": 2, "notes": "old"})
    rows = incoming(
        columns,
        {"zip": "02134", "location_id": 1, "notes": 'say "hi"'},
        {"zip": "06103", "location_id": 2, "notes": None},
        {"zip": "01608", "location_id": 3, "notes": None},
    )

    diff = diff_mapping(rows, columns, existing, CODES)

    assert json.loads(diff.added_json or "null") == {
        "columns": list(ADDED_COLUMNS),
        "rows": [
            ["02134", "BOS", None, None, None, 'say "hi"'],
            ["01608", "3", None, None, None, None],  # a location without a code: its id
        ],
    }
    assert json.loads(diff.changes_json) == [
        {"zip": "06103", "action": "updated", "fields": {"notes": {"old": "old", "new": None}}}
    ]


def test_a_diff_that_adds_nothing_stores_no_added_table() -> None:
    existing = stored({"zip": "06103", "location_id": 2})
    rows = incoming(("zip", "location"), {"zip": "06103", "location_id": 1})

    diff = diff_mapping(rows, ("zip", "location"), existing, CODES)

    assert diff.added_json is None
    assert expand_changes(None, json.loads(diff.changes_json)) == list(diff.changes)


def expected_changes(
    rows: pl.DataFrame, columns: tuple[str, ...], existing: pl.DataFrame
) -> tuple[dict[str, object], ...]:
    """The oracle: row by row in Python, as the change record is documented in docs/zips.md
    (updated zips first, then new ones, each in import order)."""
    fields = ("location_id", *(c for c in OPTIONAL if c in columns))
    stored_rows = {row["zip"]: row for row in existing.to_dicts()}
    added, changes = [], []
    for row in rows.to_dicts():
        old = stored_rows.get(row["zip"])
        values = {}
        for field in fields:
            before = None if old is None else old[field]
            after = row.get(field)
            if (old is None and after is None) or (old is not None and before == after):
                continue
            if field == "location_id":
                before, after = (
                    None if v is None else CODES.get(v, str(v))  # type: ignore[call-overload]
                    for v in (before, after)
                )
            values["location" if field == "location_id" else field] = {"old": before, "new": after}
        if old is None:
            added.append({"zip": row["zip"], "action": "new", "fields": values})
        elif values:
            changes.append({"zip": row["zip"], "action": "updated", "fields": values})
    return (*changes, *added)
