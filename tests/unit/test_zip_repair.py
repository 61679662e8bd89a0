"""Tidying cells and repairing the damage spreadsheets do to zips."""

from __future__ import annotations

import polars as pl
import pytest

from routing.zips.repair import clean_cells


def sheet(rows: list[dict[str, str | None]], columns: tuple[str, ...] = ("zip", "location")) -> pl.DataFrame:
    return pl.DataFrame(
        [{"row_no": n, **row} for n, row in enumerate(rows, start=2)],
        schema={"row_no": pl.Int64, **dict.fromkeys(columns, pl.String)},
    )


@pytest.mark.parametrize(
    ("raw", "zip_code", "reason"),
    [
        ("02134", "02134", None),
        ("2134", "02134", "a lost leading zero restored"),
        ("501", "00501", "2 lost leading zeros restored"),
        ("2134.0", "02134", "number format '.0' removed"),
        ("06103-3402", "06103", "ZIP+4 cut to 5 digits"),
        ("6103-3402", "06103", "ZIP+4 cut to 5 digits"),
        ("061033402", "06103", "ZIP+4 cut to 5 digits"),
        (" 02134 ", "02134", "surrounding spaces removed"),
        ("\u00a006103\u00a0", "06103", "surrounding spaces removed"),
        ("ABCDE", "ABCDE", None),
        ("12", "12", None),
        ("123456", "123456", None),
    ],
)
def test_excel_damage_to_zips_is_repaired_with_a_warning_naming_the_repair(
    raw: str, zip_code: str, reason: str | None
) -> None:
    cleaned = clean_cells(sheet([{"zip": raw, "location": "BOS"}]), ("zip", "location"))

    assert cleaned.rows["zip"].to_list() == [zip_code]
    assert cleaned.rows["zip_raw"].to_list() == [raw]
    if reason is None:
        assert cleaned.warnings == ()
    else:
        (warning,) = cleaned.warnings
        assert (warning.row, warning.column, warning.value, warning.code) == (2, "zip", raw, "zip_repaired")
        assert reason in warning.message


def test_cells_are_trimmed_and_blank_cells_become_null() -> None:
    columns = ("zip", "location", "territory", "notes")
    rows = [{"zip": "02134", "location": "  BOS ", "territory": "   ", "notes": " two\r\nlines "}]

    cleaned = clean_cells(sheet(rows, columns), columns)

    assert cleaned.rows.select("location", "territory", "notes").row(0) == ("BOS", None, "two\nlines")


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ('\'=HYPERLINK("x")', '=HYPERLINK("x")'),
        ("'+1 555", "+1 555"),
        ("'-north", "-north"),
        ("'@home", "@home"),
        ("'Tis the season", "'Tis the season"),
        ("=1+1", "=1+1"),
    ],
)
def test_the_apostrophe_our_exports_add_before_a_formula_is_removed_on_import(cell: str, stored: str) -> None:
    columns = ("zip", "location", "notes")
    cleaned = clean_cells(sheet([{"zip": "02134", "location": "BOS", "notes": cell}], columns), columns)
    assert cleaned.rows["notes"].to_list() == [stored]


def test_rows_with_only_a_zip_are_skipped_with_a_warning() -> None:
    columns = ("zip", "location", "territory")
    rows = [
        {"zip": "02134", "location": "BOS", "territory": None},
        {"zip": "06103", "location": None, "territory": None},
        {"zip": "01608", "location": None, "territory": "North"},
    ]

    cleaned = clean_cells(sheet(rows, columns), columns)

    assert cleaned.rows["zip"].to_list() == ["02134", "01608"]
    assert [(w.row, w.code) for w in cleaned.warnings] == [(3, "zip_only_row")]


def test_zip_only_rows_are_kept_when_skipping_is_off_or_the_location_column_is_missing() -> None:
    rows = [{"zip": "06103", "location": None}]
    assert clean_cells(sheet(rows), ("zip", "location"), skip_zip_only_rows=False).rows.height == 1
    assert clean_cells(sheet([{"zip": "06103"}], ("zip",)), ("zip",)).rows.height == 1


def test_control_characters_in_text_cells_are_removed_with_a_warning_per_cell() -> None:
    columns = ("zip", "location", "notes")
    rows = [
        {"zip": "02134", "location": "BOS", "notes": "Gate\x07 code\x1b[31m 1234\x7f"},
        {"zip": "06103", "location": "H\x00FD", "notes": "line one\r\nline\ttwo"},
    ]

    cleaned = clean_cells(sheet(rows, columns), columns)

    assert cleaned.rows["notes"].to_list() == ["Gate code[31m 1234", "line one\nline\ttwo"]
    assert cleaned.rows["location"].to_list() == ["BOS", "HFD"]
    assert [(w.row, w.column, w.code, w.value) for w in cleaned.warnings] == [
        (3, "location", "control_characters", "H\ufffdFD"),
        (2, "notes", "control_characters", "Gate\ufffd code\ufffd[31m 1234\ufffd"),
    ]
