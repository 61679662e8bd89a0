"""What a valid row is: the Great Expectations suite, the look-ups it checks, and the issues it yields."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from routing.zips.columns import FIELDS
from routing.zips.enrich import Reference, enrich, location_keys
from routing.zips.issues import ERROR_CODES, WARNING_CODES
from routing.zips.messages import closest_locations
from routing.zips.repair import clean_cells
from routing.zips.validate import Failure, build_suite, outcome_from_failures, validate_rows

LOCATIONS = pl.DataFrame(
    {"id": [1, 2, 3], "code": ["BOS", "HFD", "WOR"], "name": ["Boston", "Hartford", "Worcester"]}
)
ZIPS = pl.DataFrame(
    {
        "zip": ["02134", "06103", "01608", "01195", "09001"],
        "zip_type": ["STANDARD", "STANDARD", "STANDARD", "STANDARD", "MILITARY"],
        "active": [True, True, True, False, True],
        "city": ["Allston", "Hartford", "Worcester", "Springfield", "Apo"],
        "state": ["MA", "CT", "MA", "MA", "AE"],
    }
)
REFERENCE = Reference(LOCATIONS, ZIPS)


def rows(columns: tuple[str, ...], *values: tuple[str | None, ...]) -> pl.DataFrame:
    frame = pl.DataFrame(
        [{"row_no": n, **dict(zip(columns, v, strict=True))} for n, v in enumerate(values, start=2)],
        schema={"row_no": pl.Int64, **dict.fromkeys(columns, pl.String)},
    )
    return clean_cells(frame, columns).rows


def sheet_columns(meta: dict[str, Any]) -> set[str]:
    return {meta["column"]} if "column" in meta else set(meta["columns"])


def test_every_expectation_names_its_issue_code_severity_and_sheet_columns() -> None:
    suite = build_suite(FIELDS)

    metas = [e.meta for e in suite.expectations]
    assert all(m and m["severity"] in ("error", "warning") and sheet_columns(m) <= set(FIELDS) for m in metas)
    codes = {(m["code"], m["severity"]) for m in metas}  # type: ignore[index]
    codes |= {(c, m["severity"]) for m in metas for c in (m.get("codes_by_status") or {}).values()}  # type: ignore[union-attr,index]
    assert {c for c, s in codes if s == "error"} <= set(ERROR_CODES)
    assert {c for c, s in codes if s == "warning"} <= set(WARNING_CODES)
    assert {
        "missing_column",
        "invalid_zip",
        "zip_unknown",
        "unknown_location",
        "ambiguous_location",
        "duplicate_conflict",
    } <= {c for c, _ in codes}


def test_the_suite_only_checks_the_columns_the_header_has() -> None:
    columns = {e.meta["column"] for e in build_suite(("zip", "location")).expectations}  # type: ignore[index]
    assert columns == {"zip", "location"}
    metas = [e.meta or {} for e in build_suite(("zip", "location", "notes")).expectations]
    assert {(m["code"], tuple(m["columns"])) for m in metas if "columns" in m} == {
        ("too_long", ("notes",)),
        ("formula_as_text", ("notes",)),
    }


def test_a_row_breaking_a_text_rule_in_several_fields_has_an_issue_per_field() -> None:
    columns = ("zip", "location", "territory", "sales_rep", "work_order_territory", "notes")
    frame = rows(
        columns,
        ("02134", "BOS", "T" * 121, "=HYPERLINK(1)", "W" * 120, "N" * 1001),
        ("06103", "HFD", "+1", "S" * 121, "@sum", "N" * 1000),
    )

    outcome = validate_rows(frame, columns, 1, REFERENCE)

    assert [(e.row, e.column, e.code, len(e.value or "")) for e in outcome.errors] == [
        (2, "notes", "too_long", 200),  # the value shown is cut at 200 characters
        (2, "territory", "too_long", 121),
        (3, "sales_rep", "too_long", 121),
    ]
    assert [(w.row, w.column, w.code, w.value) for w in outcome.warnings] == [
        (2, "sales_rep", "formula_as_text", "=HYPERLINK(1)"),
        (3, "territory", "formula_as_text", "+1"),
        (3, "work_order_territory", "formula_as_text", "@sum"),
    ]
    assert "121 characters long; at most 120 fit" in outcome.errors[1].message
    assert outcome.valid_rows.is_empty()


def test_great_expectations_flags_each_bad_row_with_its_spreadsheet_row_and_code() -> None:
    columns = ("zip", "location", "territory", "notes")
    frame = rows(
        columns,
        ("02134", "boston", "North", None),  # 2 valid (name, any case)
        ("ABCDE", "BOS", None, None),  # 3 invalid zip
        ("99999", "BOS", None, None),  # 4 not a US ZIP
        ("06103", "Hartfrod", None, None),  # 5 unknown location
        ("01608", "WOR", "A", None),  # 6 conflicts with 7
        ("01608", "WOR", "B", None),  # 7
        ("02134", " Boston ", "North", None),  # 8 identical repeat of 2
        ("01195", "WOR", "T" * 121, "=1+1"),  # 9 retired zip, territory too long, formula
        ("09001", "BOS", None, None),  # 10 military
        (None, "BOS", None, None),  # 11 zip missing
    )

    outcome = validate_rows(frame, columns, 1, REFERENCE)

    assert [(e.row, e.column, e.code) for e in outcome.errors] == [
        (3, "zip", "invalid_zip"),
        (4, "zip", "zip_unknown"),
        (5, "location", "unknown_location"),
        (6, "zip", "duplicate_conflict"),
        (7, "zip", "duplicate_conflict"),
        (9, "territory", "too_long"),
        (11, "zip", "missing_value"),
    ]
    assert [(w.row, w.column, w.code) for w in outcome.warnings] == [
        (8, "zip", "duplicate_identical"),
        (9, "notes", "formula_as_text"),
        (9, "zip", "zip_retired"),
        (10, "zip", "zip_military"),
    ]
    messages = {(e.row, e.code): e.message for e in (*outcome.errors, *outcome.warnings)}
    assert "closest: Hartford (HFD)" in messages[5, "unknown_location"]
    assert "also on row 7" in messages[6, "duplicate_conflict"]
    assert "repeats row 2" in messages[8, "duplicate_identical"]
    assert "(Springfield, MA)" in messages[9, "zip_retired"]
    assert outcome.valid_rows.select("zip", "location_id").rows() == [("02134", 1), ("09001", 1)]
    assert outcome.error_rows == 7


def test_a_missing_required_column_is_one_error_on_the_header_row() -> None:
    outcome = validate_rows(
        rows(("zip", "territory"), ("02134", "North")), ("zip", "territory"), 3, REFERENCE
    )

    assert [(e.row, e.column, e.code) for e in outcome.errors] == [(3, "location", "missing_column")]
    assert outcome.valid_rows.is_empty()


@pytest.mark.parametrize("text", ["BOS", "bos", " B O S ", "Boston", "BOSTON", "bo ston"])
def test_locations_match_by_code_or_name_ignoring_case_and_spaces(text: str) -> None:
    enriched = enrich(rows(("zip", "location"), ("02134", text)), ("zip", "location"), REFERENCE)
    assert enriched["location_id"].to_list() == [1]


def test_a_code_wins_over_another_locations_name_and_a_shared_name_is_ambiguous() -> None:
    locations = pl.DataFrame(
        {"id": [1, 2, 3, 4], "code": ["NORTH", "N1", "S1", "S2"], "name": ["Boston", "North", "Twin", "Twin"]}
    )
    keys = {key: (location_id, matches) for key, location_id, matches in location_keys(locations).iter_rows()}
    assert keys["north"] == (1, 1)
    assert keys["twin"] == (None, 2)


# Named as the demo names them: "City, ST". Two share a city; one's code is another's city.
CITY_LOCATIONS = pl.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "code": ["BOS", "WOR", "PWM", "PDX", "SALEM", "SLM"],
        "name": ["Boston, MA", "Worcester, MA", "Portland, ME", "Portland, OR", "Lynn, MA", "Salem, MA"],
    }
)
CITY_REFERENCE = Reference(CITY_LOCATIONS, ZIPS)


def location_outcome(*cells: str) -> tuple[list[int | None], list[tuple[int | None, str, str]]]:
    """(location_id per cell, (row, code, message) per error) of rows whose location cells are ``cells``."""
    columns = ("zip", "location")
    zips = ["02134", "06103", "01608", "01195", "09001"]
    frame = rows(columns, *((zips[n], cell) for n, cell in enumerate(cells)))
    outcome = validate_rows(frame, columns, 1, CITY_REFERENCE)
    ids = enrich(frame, columns, CITY_REFERENCE)["location_id"].to_list()
    return ids, [(e.row, e.code, e.message) for e in outcome.errors]


@pytest.mark.parametrize("text", ["Boston", "boston", " BOSTON ", "Boston, MA", "boston,ma", "BOS", "b o s"])
def test_a_location_named_city_comma_state_matches_its_city_alone(text: str) -> None:
    ids, errors = location_outcome(text)

    assert (ids, errors) == ([1], [])


def test_a_city_two_locations_share_is_an_ambiguous_location_naming_both() -> None:
    ids, errors = location_outcome("Portland", "portland, me", "Worcester")

    assert ids == [None, 3, 2]
    assert errors == [
        (
            2,
            "ambiguous_location",
            "'Portland' names 2 locations: Portland, OR (PDX), Portland, ME (PWM); use the code.",
        )
    ]


def test_a_code_wins_over_another_locations_city_and_misspellings_are_still_unknown() -> None:
    ids, errors = location_outcome("Salem", "Bostn", "Springfield")

    assert ids == [5, None, None]  # SALEM is Lynn's code: the code wins over Salem, MA's city
    assert [(row, code) for row, code, _ in errors] == [(3, "unknown_location"), (4, "unknown_location")]
    assert errors[0][2] == "No location has the code or name 'Bostn'; closest: Boston, MA (BOS)."


def test_a_full_name_wins_over_another_locations_city() -> None:
    locations = pl.DataFrame({"id": [1, 2], "code": ["BOS", "NB"], "name": ["Boston, MA", "Boston"]})
    keys = {key: location_id for key, location_id, _ in location_keys(locations).iter_rows()}

    assert (keys["boston"], keys["boston,ma"], keys["bos"]) == (2, 1, 1)


def test_unknown_locations_are_told_the_closest_known_names() -> None:
    assert closest_locations("Worchester", LOCATIONS) == "closest: Worcester (WOR)"
    assert closest_locations("zzzz", LOCATIONS).startswith("known locations: Boston (BOS)")


def test_issues_quote_the_cell_as_it_was_in_the_sheet() -> None:
    enriched = enrich(rows(("zip", "location"), ("2134.0", "BOS")), ("zip", "location"), REFERENCE)
    failure = Failure("zip_unknown", "error", "zip", (2,))

    outcome = outcome_from_failures([failure], enriched, ("zip", "location"), 1, REFERENCE)

    (error,) = outcome.errors
    assert (error.value, error.message) == (
        "2134.0",
        "'2134.0' (read as 02134) is not a US ZIP code in the offline ZIP dataset.",
    )
