"""Write mapping rows and fill-in templates as CSV or .xlsx that import straight back.

Cells a spreadsheet would run as formulas (starting with ``= + - @``, tab or CR) get a leading
apostrophe; the importer removes it again, so an exported sheet re-imports unchanged. Zips are
written as text (an .xlsx zip column is text-formatted so Excel keeps leading zeros).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import polars as pl

from routing.errors import BadInput
from routing.zips.columns import DISPLAY_NAMES, FIELDS

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEMPLATE_INFO = ("Customers", "Leads", "City", "State")


def neutralise(value: Any) -> Any:
    """A text cell that cannot run as a formula (``'=HYPERLINK(...)``); other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def mapping_sheet(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Mapping rows ``{zip, location, territory, ...}`` as a sheet with the import's header names."""
    schema = {DISPLAY_NAMES[f]: pl.String for f in FIELDS}
    return pl.DataFrame([[row.get(f) for f in FIELDS] for row in rows], schema=schema, orient="row")


def template_sheet(unmapped: pl.DataFrame, zips: pl.DataFrame) -> pl.DataFrame:
    """The fill-in sheet for unmapped zips: mapping columns left blank, then Customers, Leads, City, State."""
    places = zips.select("zip", pl.col("city").alias("City"), pl.col("state").alias("State"))
    blanks = [pl.lit(None, dtype=pl.String).alias(DISPLAY_NAMES[f]) for f in FIELDS if f != "zip"]
    return unmapped.join(places, on="zip", how="left", maintain_order="left").select(
        pl.col("zip").alias("Zip"),
        *blanks,
        pl.col("customers").alias("Customers"),
        pl.col("leads").alias("Leads"),
        "City",
        "State",
    )


def write_sheet(sheet: pl.DataFrame, path: Path) -> Path:
    """Write ``sheet`` to ``path`` as CSV (UTF-8 with BOM, for Excel) or .xlsx, chosen by extension."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(f"{path}: write a .csv or an .xlsx file (the extension decides the format).")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            _write_csv(sheet, path)
        else:
            _write_xlsx(sheet, path)
    except OSError as exc:
        raise BadInput(f"{path} cannot be written: {exc.strerror}.") from None
    return path


def _write_csv(sheet: pl.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(sheet.columns)
        for row in sheet.iter_rows():
            writer.writerow(["" if value is None else neutralise(value) for value in row])


def _write_xlsx(sheet: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = "Zip mapping"
    worksheet.append(sheet.columns)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    text_columns = [i + 1 for i, name in enumerate(sheet.columns) if name not in ("Customers", "Leads")]
    for row in sheet.iter_rows():
        # Drop the control characters .xlsx cannot hold *before* neutralising: "\x01=cmd" would
        # otherwise become the formula "=cmd" once the \x01 is gone.
        values = [neutralise(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in row]
        worksheet.append(values)
    for column in text_columns:  # text format: Excel keeps leading zeros of zips typed later
        for (cell,) in worksheet.iter_rows(min_col=column, max_col=column, min_row=2):
            cell.number_format = "@"
    worksheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (8, 14, 16, 16, 22, 40), strict=True):
        worksheet.column_dimensions[letter].width = width
    workbook.save(path)
