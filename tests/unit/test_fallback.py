"""Fallback, not override: the zip mapping fills only what no other signal set."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.leads.fallback import route_parties

PARTY_SCHEMA = {
    "id": pl.Int64,
    "zip": pl.String,
    "location_id": pl.Int64,
    "sales_rep": pl.String,
    "territory": pl.String,
}
MAPPING_SCHEMA = {"zip": pl.String, "location_id": pl.Int64, "sales_rep": pl.String, "territory": pl.String}

BOSTON, HARTFORD = 1, 2
MAPPING = [
    {"zip": "02134", "location_id": BOSTON, "sales_rep": "Jordan", "territory": "Allston"},
    {"zip": "06103", "location_id": HARTFORD, "sales_rep": "Dana", "territory": None},
]


def parties(*rows: dict[str, Any]) -> pl.DataFrame:
    full = [
        {"id": i, "location_id": None, "sales_rep": None, "territory": None, **row}
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=PARTY_SCHEMA)


def mapping(rows: list[dict[str, Any]] = MAPPING) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=MAPPING_SCHEMA)


def routed(frame: pl.DataFrame, relations: pl.DataFrame | None = None) -> list[dict[str, Any]]:
    columns = [
        "location_id",
        "location_source",
        "sales_rep",
        "sales_rep_source",
        "territory",
        "territory_source",
    ]
    return route_parties(frame, mapping() if relations is None else relations).select(columns).to_dicts()


def test_a_party_with_nothing_set_gets_location_rep_and_territory_from_the_mapping() -> None:
    assert routed(parties({"zip": "02134"})) == [
        {"location_id": BOSTON, "location_source": "zip_mapping", "sales_rep": "Jordan",
         "sales_rep_source": "zip_mapping", "territory": "Allston", "territory_source": "zip_mapping"}
    ]  # fmt: skip


def test_an_explicit_location_is_kept_even_where_the_mapping_says_otherwise() -> None:
    [row] = routed(parties({"zip": "02134", "location_id": HARTFORD}))
    assert (row["location_id"], row["location_source"]) == (HARTFORD, "explicit")
    # the zip's mapping row belongs to the Boston office: its rep does not describe a Hartford party
    assert (row["sales_rep"], row["sales_rep_source"]) == (None, "none")


def test_an_explicit_location_that_agrees_with_the_mapping_still_gets_the_rep_filled() -> None:
    [row] = routed(parties({"zip": "02134", "location_id": BOSTON}))
    assert (row["location_source"], row["sales_rep"], row["sales_rep_source"]) == (
        "explicit",
        "Jordan",
        "zip_mapping",
    )


def test_an_explicit_sales_rep_is_kept_and_only_the_empty_territory_is_filled() -> None:
    [row] = routed(parties({"zip": "02134", "sales_rep": "Morgan"}))
    assert (row["sales_rep"], row["sales_rep_source"]) == ("Morgan", "explicit")
    assert (row["territory"], row["territory_source"]) == ("Allston", "zip_mapping")


def test_an_unmapped_zip_leaves_everything_empty_with_source_none() -> None:
    assert routed(parties({"zip": "99501"})) == [
        {"location_id": None, "location_source": "none", "sales_rep": None, "sales_rep_source": "none",
         "territory": None, "territory_source": "none"}
    ]  # fmt: skip


def test_a_mapping_row_without_a_territory_fills_none() -> None:
    [row] = routed(parties({"zip": "06103"}))
    assert (row["sales_rep"], row["territory"], row["territory_source"]) == ("Dana", None, "none")


def test_blank_text_counts_as_not_set() -> None:
    [row] = routed(parties({"zip": "02134", "sales_rep": "  ", "territory": ""}))
    assert (row["sales_rep"], row["sales_rep_source"]) == ("Jordan", "zip_mapping")
    assert (row["territory"], row["territory_source"]) == ("Allston", "zip_mapping")


def test_values_an_earlier_routing_filled_are_routed_again_but_explicit_ones_stay() -> None:
    before = route_parties(parties({"zip": "02134"}, {"zip": "02134", "location_id": HARTFORD}), mapping())
    moved = mapping([{"zip": "02134", "location_id": HARTFORD, "sales_rep": "Dana", "territory": "Moved"}])
    after = route_parties(before, moved)
    assert after.select("location_id", "location_source", "sales_rep").to_dicts() == [
        {"location_id": HARTFORD, "location_source": "zip_mapping", "sales_rep": "Dana"},
        {"location_id": HARTFORD, "location_source": "explicit", "sales_rep": "Dana"},
    ]


def test_extra_columns_and_row_order_pass_through() -> None:
    frame = parties({"zip": "99501"}, {"zip": "02134"}, {"zip": "06103"}).with_columns(
        pl.lit("x").alias("name")
    )
    result = route_parties(frame, mapping())
    assert result["id"].to_list() == [0, 1, 2]
    assert result.columns[: len(frame.columns)] == frame.columns
    assert result["name"].to_list() == ["x", "x", "x"]


def test_no_parties_gives_an_empty_frame_with_the_source_columns() -> None:
    result = route_parties(parties().head(0), mapping())
    assert result.height == 0
    assert {"location_source", "sales_rep_source", "territory_source"} <= set(result.columns)


def test_a_missing_column_or_a_zip_mapped_twice_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="parties lacks the column"):
        route_parties(parties({"zip": "02134"}).drop("territory"), mapping())
    with pytest.raises(ValueError, match="more than one row for zip '02134'"):
        route_parties(parties({"zip": "02134"}), mapping([*MAPPING, MAPPING[0]]))


# --- properties -----------------------------------------------------------------------------

ZIPS = ["01608", "01609", "02134", "06103", "99501"]
maybe_location = st.one_of(st.none(), st.integers(1, 4))
maybe_text = st.one_of(st.none(), st.sampled_from(["", "Ana", "Ben", "North", "South"]))
party_rows = st.lists(
    st.fixed_dictionaries(
        {
            "zip": st.sampled_from(ZIPS),
            "location_id": maybe_location,
            "sales_rep": maybe_text,
            "territory": maybe_text,
        }
    ),
    max_size=20,
)
mapping_rows = st.lists(
    st.fixed_dictionaries(
        {
            "zip": st.sampled_from(ZIPS),
            "location_id": st.integers(1, 4),
            "sales_rep": maybe_text,
            "territory": maybe_text,
        }
    ),
    max_size=5,
    unique_by=lambda row: row["zip"],
)


@given(party_rows, mapping_rows)
def test_an_explicit_value_is_never_overridden(
    rows: list[dict[str, Any]], relations: list[dict[str, Any]]
) -> None:
    result = route_parties(parties(*rows), mapping(relations)).to_dicts()
    for given_row, out in zip(rows, result, strict=True):
        if given_row["location_id"] is not None:
            assert (out["location_id"], out["location_source"]) == (given_row["location_id"], "explicit")
        for field in ("sales_rep", "territory"):
            if (given_row[field] or "").strip():
                assert (out[field], out[f"{field}_source"]) == (given_row[field], "explicit")


@given(party_rows, mapping_rows)
def test_a_filled_value_is_the_mapping_row_of_the_partys_zip_and_location(
    rows: list[dict[str, Any]], relations: list[dict[str, Any]]
) -> None:
    by_zip = {row["zip"]: row for row in relations}
    result = route_parties(parties(*rows), mapping(relations)).to_dicts()
    for out in result:
        for field in ("location_id", "sales_rep", "territory"):
            source = out[f"{field.removesuffix('_id')}_source"]
            assert (out[field] is None) == (source == "none")
            if source == "zip_mapping":
                relation = by_zip[out["zip"]]
                assert out[field] == relation[field]
                assert relation["location_id"] == out["location_id"]


@given(party_rows, mapping_rows)
def test_routing_twice_gives_the_same_result(
    rows: list[dict[str, Any]], relations: list[dict[str, Any]]
) -> None:
    once = route_parties(parties(*rows), mapping(relations))
    assert route_parties(once, mapping(relations)).equals(once)
