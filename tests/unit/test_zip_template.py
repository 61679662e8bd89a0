"""Exports neutralise formulas, keep zips as text, and read back as the same cells."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from routing.errors import BadInput
from routing.zips.parse import parse_bytes
from routing.zips.repair import clean_cells
from routing.zips.template import mapping_sheet, neutralise, template_sheet, write_sheet

ROWS = [
    {
        "zip": "00501",
        "location": "BOS",
        "territory": "-North",
        "sales_rep": "@ann",
        "notes": '=HYPERLINK("x","y")',
    },
    {"zip": "02134", "location": "HFD", "territory": None, "sales_rep": "Zoë", "notes": "<b>VIP</b>\nline 2"},
    {"zip": "06103", "location": "HFD", "work_order_territory": "+1", "notes": "\tindented"},
]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1 555", "'+1 555"),
        ("-north", "'-north"),
        ("@home", "'@home"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("North", "North"),
        ("", ""),
        (None, None),
        (3, 3),
    ],
)
def test_cells_that_would_run_as_formulas_get_a_leading_apostrophe(value: object, written: object) -> None:
    assert neutralise(value) == written


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_exported_mapping_reads_back_as_the_same_cells(tmp_path: Path, suffix: str) -> None:
    path = write_sheet(mapping_sheet(ROWS), tmp_path / f"mapping{suffix}")

    sheet = parse_bytes(path.read_bytes(), file_name=path.name)
    cleaned = clean_cells(sheet.cells, sheet.columns).rows

    fields = ["zip", "location", "territory", "sales_rep", "work_order_territory", "notes"]
    expected = [{f: row.get(f) for f in fields} for row in ROWS]
    assert cleaned.select(fields).to_dicts() == expected
    assert sheet.warnings == ()


def test_the_xlsx_export_stores_formula_like_text_as_text_and_zips_text_formatted(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_sheet(mapping_sheet(ROWS), tmp_path / "mapping.xlsx")
    sheet = load_workbook(path).active
    assert sheet is not None

    assert sheet["A2"].value == "00501" and sheet["A2"].number_format == "@"
    assert sheet["F2"].data_type == "s" and sheet["F2"].value == '\'=HYPERLINK("x","y")'


def test_a_control_character_before_a_formula_does_not_turn_into_an_xlsx_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = [{"zip": "02134", "location": "BOS", "territory": "\x0b@SUM(A1)", "notes": "\x01=1+1"}]
    path = write_sheet(mapping_sheet(rows), tmp_path / "mapping.xlsx")
    sheet = load_workbook(path).active
    assert sheet is not None

    assert (sheet["F2"].data_type, sheet["F2"].value) == ("s", "'=1+1")
    assert (sheet["C2"].data_type, sheet["C2"].value) == ("s", "'@SUM(A1)")


def test_the_unmapped_template_has_the_import_columns_then_information_columns() -> None:
    unmapped = pl.DataFrame({"zip": ["02134"], "customers": [3], "leads": [1]})
    zips = pl.DataFrame({"zip": ["02134"], "city": ["Allston"], "state": ["MA"]})

    template = template_sheet(unmapped, zips)

    assert template.columns == [
        "Zip", "Location", "Territory", "Sales Rep", "Work Order Territory", "Notes",
        "Customers", "Leads", "City", "State",
    ]  # fmt: skip
    assert template.row(0) == ("02134", None, None, None, None, None, 3, 1, "Allston", "MA")


def test_only_csv_and_xlsx_can_be_written(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="extension decides"):
        write_sheet(mapping_sheet(ROWS), tmp_path / "mapping.ods")
