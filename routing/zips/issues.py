"""One problem found in an import: where it is (spreadsheet row, column), what was there, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Codes, by severity. Errors stop the import; warnings are reported and the row is applied.
ERROR_CODES = (
    "unreadable",  # not a table with a header (recorded; the command exits 2)
    "missing_column",  # a required column (Zip, Location) is not in the header
    "duplicate_column",  # two header cells name the same field
    "missing_value",  # a required cell is blank
    "invalid_zip",  # not five digits, even after repairing Excel damage
    "zip_unknown",  # five digits, but not a US ZIP in the offline dataset
    "unknown_location",  # no location has this code, name or city
    "ambiguous_location",  # a city (or name) several locations share: the code is needed
    "duplicate_conflict",  # the same zip on several rows with different values
    "too_long",  # longer than the column holds
    "apply_failed",  # the apply raised and was rolled back (recorded on a failed import; nothing written)
)
WARNING_CODES = (
    "zip_repaired",  # Excel damage repaired: lost leading zero, 2134.0, ZIP+4, spaces
    "zip_retired",  # a real ZIP that the USPS retired
    "zip_military",  # an APO/FPO/DPO ZIP (no field service there)
    "duplicate_identical",  # the same zip repeated with identical values (applied once)
    "formula_as_text",  # a cell that a spreadsheet would run as a formula; stored as plain text
    "ignored_column",  # a header the importer does not know
    "zip_only_row",  # a row with a zip and nothing else (an unfilled template row); skipped
    "control_characters",  # invisible control characters in a text cell: removed
    "extra_sheets",  # a workbook with several sheets: only the first is read
    "extra_cells",  # a row with more cells than the header (an unquoted delimiter?)
)


@dataclass(frozen=True)
class RowIssue:
    """An error or warning: spreadsheet row (header = row 1), column, the cell's value, code, sentence."""

    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form ``{row, column, value, code, message}``."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


def sort_issues(issues: list[RowIssue]) -> list[RowIssue]:
    """Issues in spreadsheet order: by row, then column, then code."""
    return sorted(issues, key=lambda i: (i.row if i.row is not None else 0, i.column or "", i.code))
