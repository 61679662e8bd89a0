"""Tidy raw cells and repair the damage spreadsheets do to zips, with a warning per repaired row.

Repairs: surrounding spaces (incl. non-breaking), a zip that lost its leading zeros (``2134`` ->
``02134``, ``501`` -> ``00501``), a number format (``2134.0``), ZIP+4 (``06103-3402`` or
``061033402`` -> ``06103``). A text cell that starts with an apostrophe before ``= + - @`` (how
our exports neutralise formulas) loses the apostrophe, so an exported sheet imports back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from routing.zips.columns import DISPLAY_NAMES, OPTIONAL_FIELDS
from routing.zips.issues import RowIssue

_TRIM = " \t\r\n\u00a0\u2007\u202f\u200b\ufeff"
_ZIP_CORE = r"^(\d{3,5})(?:\.0+|-\d{4})?$"
_ZIP_NINE = r"^(\d{5})\d{4}$"
_NEUTRALISED = r"^'[=+\-@\t\r]"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # C0 controls and DEL; tab and line breaks stay


@dataclass(frozen=True)
class CleanRows:
    """``row_no``, ``zip`` (repaired), ``zip_raw`` (as in the sheet) and the other present fields, trimmed."""

    rows: pl.DataFrame
    warnings: tuple[RowIssue, ...]


def clean_cells(
    cells: pl.DataFrame, columns: tuple[str, ...], *, skip_zip_only_rows: bool = True
) -> CleanRows:
    """Trim every cell (blank -> null), repair zips and (optionally) skip rows that hold only a zip."""
    text_columns = [c for c in columns if c != "zip"]
    control_warnings = _control_warnings(cells, text_columns)
    controlled = {issue.column for issue in control_warnings}
    frame = cells.with_columns(_tidy(pl.col(c), c in controlled).alias(c) for c in text_columns)
    if "zip" in columns:
        trimmed = _blank_to_null(pl.col("zip").str.strip_chars(_TRIM))
        repaired = pl.coalesce(
            trimmed.str.extract(_ZIP_CORE, 1).str.zfill(5), trimmed.str.extract(_ZIP_NINE, 1), trimmed
        )
        frame = frame.with_columns(pl.col("zip").alias("zip_raw"), repaired.alias("zip"))
    warnings = [*control_warnings, *(_repair_warnings(frame) if "zip" in columns else [])]
    if skip_zip_only_rows and "zip" in columns and "location" in columns:
        others = [c for c in text_columns if c in ("location", *OPTIONAL_FIELDS)]
        zip_only = pl.col("zip").is_not_null() & pl.all_horizontal(pl.col(c).is_null() for c in others)
        for row in frame.filter(zip_only).select("row_no", "zip_raw").iter_rows():
            warnings.append(
                RowIssue(
                    row[0],
                    "zip",
                    row[1],
                    "zip_only_row",
                    f"Row {row[0]} has a zip and nothing else (an unfilled template row?); skipped.",
                )
            )
        frame = frame.filter(~zip_only)
    return CleanRows(frame, tuple(warnings))


def _tidy(cell: pl.Expr, has_control_characters: bool) -> pl.Expr:
    readable = cell.str.replace_all("\r\n?", "\n")
    if has_control_characters:
        readable = readable.str.replace_all(_CONTROL, "")
    trimmed = _blank_to_null(readable.str.strip_chars(_TRIM))
    return pl.when(trimmed.str.contains(_NEUTRALISED)).then(trimmed.str.slice(1)).otherwise(trimmed)


def _control_warnings(cells: pl.DataFrame, text_columns: list[str]) -> list[RowIssue]:
    """A warning per cell holding control characters (copied from another system; they are removed)."""
    warnings: list[RowIssue] = []
    if not text_columns:
        return warnings
    flagged = cells.select(pl.col(c).str.contains(_CONTROL).any() for c in text_columns).row(0)
    for column in (c for c, found in zip(text_columns, flagged, strict=True) if found):
        found = cells.filter(pl.col(column).str.contains(_CONTROL)).select("row_no", column)
        for row_no, value in found.iter_rows():
            shown = re.sub(_CONTROL, "\N{REPLACEMENT CHARACTER}", value)
            shown = shown if len(shown) <= 200 else shown[:199] + "…"
            warnings.append(
                RowIssue(
                    row_no,
                    column,
                    shown,
                    "control_characters",
                    f"{DISPLAY_NAMES[column]} holds invisible control characters "
                    "(shown as \N{REPLACEMENT CHARACTER}); they were removed.",
                )
            )
    return warnings


def _blank_to_null(cell: pl.Expr) -> pl.Expr:
    return pl.when(cell == "").then(None).otherwise(cell)


def _repair_warnings(frame: pl.DataFrame) -> list[RowIssue]:
    changed = frame.filter(pl.col("zip").is_not_null() & (pl.col("zip") != pl.col("zip_raw")))
    return [
        RowIssue(
            row_no,
            "zip",
            raw,
            "zip_repaired",
            f"Zip {raw!r} read as {repaired} ({'; '.join(repair_reasons(raw, repaired))}).",
        )
        for row_no, raw, repaired in changed.select("row_no", "zip_raw", "zip").iter_rows()
    ]


def repair_reasons(raw: str, repaired: str) -> list[str]:
    """What was repaired to turn the cell ``raw`` into ``repaired``, in words."""
    reasons = []
    core = raw.strip(_TRIM)
    if core != raw:
        reasons.append("surrounding spaces removed")
    if re.match(r"^\d+\.0+$", core):
        reasons.append("number format '.0' removed")
        core = core.split(".")[0]
    if re.match(r"^\d+-?\d{4}$", core) and len(core.replace("-", "")) > 5:
        reasons.append("ZIP+4 cut to 5 digits")
        core = core.split("-")[0] if "-" in core else core[:5]
    if len(core) < 5 and repaired.endswith(core):
        zeros = 5 - len(core)
        reasons.append(f"{'a' if zeros == 1 else zeros} lost leading zero{'s' if zeros > 1 else ''} restored")
    return reasons or ["tidied"]
