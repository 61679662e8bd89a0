"""The import decision as one call: cleaned and validated rows, their issues and the diff to apply."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from routing.zips.enrich import Reference
from routing.zips.issues import RowIssue, sort_issues
from routing.zips.parse import ParsedSheet
from routing.zips.preview import MappingDiff, diff_mapping
from routing.zips.repair import clean_cells
from routing.zips.validate import validate_rows


@dataclass(frozen=True)
class ImportPlan:
    """What an import holds and would do. ``valid_rows``: one row per zip, fit to write."""

    columns: tuple[str, ...]
    rows: int
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    error_rows: int
    valid_rows: pl.DataFrame
    diff: MappingDiff


def plan_import(
    sheet: ParsedSheet,
    reference: Reference,
    existing: pl.DataFrame,
    *,
    skip_zip_only_rows: bool = True,
) -> ImportPlan:
    """Clean, validate (Great Expectations) and diff a parsed sheet against the stored mapping."""
    cleaned = clean_cells(sheet.cells, sheet.columns, skip_zip_only_rows=skip_zip_only_rows)
    outcome = validate_rows(cleaned.rows, sheet.columns, sheet.header_row, reference)
    codes = dict(reference.locations.select("id", "code").iter_rows())
    diff = diff_mapping(outcome.valid_rows, sheet.columns, existing, codes)
    errors = sort_issues([*sheet.errors, *outcome.errors])
    warnings = sort_issues([*sheet.warnings, *cleaned.warnings, *outcome.warnings])
    return ImportPlan(
        columns=sheet.columns,
        rows=sheet.cells.height,
        errors=tuple(errors),
        warnings=tuple(warnings),
        error_rows=outcome.error_rows,
        valid_rows=outcome.valid_rows,
        diff=diff,
    )
