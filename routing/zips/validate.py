"""What a valid mapping row is: a Great Expectations suite defined in code, and its results as row issues.

``build_suite`` is the single source of truth. Each expectation carries ``meta`` with the issue
``code``, its ``severity`` (error stops the import, warning is reported) and the sheet ``column``.
Look-ups (ZIP dataset, locations, duplicates) are precomputed by ``routing.zips.enrich`` into small
status columns. GX is imported lazily (it costs seconds) and one ephemeral context is reused per
process.
"""

from __future__ import annotations

import gc
import logging
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import polars as pl

from routing.zips.columns import OPTIONAL_FIELDS, REQUIRED_FIELDS
from routing.zips.enrich import TEXT_RULE_COLUMNS, Reference, enrich
from routing.zips.issues import RowIssue, sort_issues
from routing.zips.messages import ROW_ID, Describer, missing_column, shown_value

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite

log = logging.getLogger(__name__)

STATUS_COLUMNS = (
    "zip_status",
    "zip_type",
    "location_status",
    "zip_variants",
    "repeat_of_row",
    *TEXT_RULE_COLUMNS.values(),
)
_GX_LOCK = threading.Lock()  # one validation at a time through the shared context
_CONTEXT_LOCK = threading.Lock()


@dataclass(frozen=True)
class Failure:
    """One failed expectation: its issue code, severity, sheet column and the failing rows (None: table).

    A text rule's failure has no single column (``column`` None): each failing row's status column
    (``TEXT_RULE_COLUMNS``) names the fields that break it, and each is an issue of its own. An
    expectation whose ``meta`` has ``codes_by_status`` reports a failing row by its status's code.
    """

    code: str
    severity: str
    column: str | None
    rows: tuple[int, ...] | None
    status_column: str | None = None  # with codes_by_status: the status column the suite checked
    codes_by_status: tuple[tuple[str, str], ...] = ()  # (status, code): a row with it has that code

    def code_for(self, row: dict[str, Any]) -> str:
        """The issue code of a failing row: its status's code (``codes_by_status``), else ``code``."""
        status = row.get(self.status_column) if self.status_column else None
        return next((code for value, code in self.codes_by_status if value == status), self.code)


@dataclass(frozen=True)
class ValidationOutcome:
    """Rows fit to write (one per zip: zip, location_id, present optional fields) and the issues found."""

    valid_rows: pl.DataFrame
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    error_rows: int


def build_suite(columns: tuple[str, ...]) -> ExpectationSuite:
    """The expectation suite for an import whose header holds ``columns`` (canonical field names).

    Each expectation's ``meta``: the issue ``code``, its ``severity`` and the sheet ``column`` it is
    about, or for the text rules (``too_long``, ``formula_as_text``) the ``columns`` they cover; the
    status column they check names the fields of each failing row that break the rule. The location
    check's ``codes_by_status`` gives the code of a row whose status is not plain unknown.
    """
    _batch_definition()  # suites need an active context
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name="zip_relation_rows")

    def expect(kind: Any, code: str, severity: str, sheet_column: str, **kwargs: Any) -> None:
        meta = {"code": code, "severity": severity, "column": sheet_column}
        suite.add_expectation(kind(**kwargs, meta=meta))

    for field in REQUIRED_FIELDS:
        expect(gxe.ExpectColumnToExist, "missing_column", "error", field, column=field)
    if "zip" in columns:
        expect(gxe.ExpectColumnValuesToNotBeNull, "missing_value", "error", "zip", column="zip")
        expect(
            gxe.ExpectColumnValuesToMatchRegex, "invalid_zip", "error", "zip", column="zip", regex=r"^\d{5}$"
        )
        for code, severity, status in (
            ("zip_unknown", "error", "unknown"),
            ("zip_retired", "warning", "retired"),
        ):
            expect(
                gxe.ExpectColumnValuesToNotBeInSet,
                code,
                severity,
                "zip",
                column="zip_status",
                value_set=[status],
            )
        expect(
            gxe.ExpectColumnValuesToNotBeInSet,
            "zip_military",
            "warning",
            "zip",
            column="zip_type",
            value_set=["MILITARY"],
        )
        expect(
            gxe.ExpectColumnValuesToBeInSet,
            "duplicate_conflict",
            "error",
            "zip",
            column="zip_variants",
            value_set=[1],
        )
        expect(
            gxe.ExpectColumnValuesToBeNull, "duplicate_identical", "warning", "zip", column="repeat_of_row"
        )
    if "location" in columns:
        expect(gxe.ExpectColumnValuesToNotBeNull, "missing_value", "error", "location", column="location")
        # One expectation for both ways a location cell fails (each costs GX ~10 ms on a national
        # file): a cell naming several locations is reported as ambiguous_location instead.
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInSet(
                column="location_status",
                value_set=["known"],
                meta={
                    "code": "unknown_location",
                    "severity": "error",
                    "column": "location",
                    "codes_by_status": {"ambiguous": "ambiguous_location"},
                },
            )
        )
    text_fields = [f for f in OPTIONAL_FIELDS if f in columns]
    if text_fields:  # one expectation per rule; the status column names the fields that break it
        for code, severity in (("too_long", "error"), ("formula_as_text", "warning")):
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeNull(
                    column=TEXT_RULE_COLUMNS[code],
                    meta={"code": code, "severity": severity, "columns": text_fields},
                )
            )
    return suite


@lru_cache(maxsize=32)
def _suite_for(columns: tuple[str, ...]) -> ExpectationSuite:
    """The suite for a header, built once per process (validation does not change it)."""
    return build_suite(columns)


def validate_rows(
    rows: pl.DataFrame, columns: tuple[str, ...], header_row: int, reference: Reference
) -> ValidationOutcome:
    """Run the suite over cleaned rows (routing.zips.repair) and sort out what may be written."""
    enriched = enrich(rows, columns, reference)
    failures = run_suite(enriched, columns)
    return outcome_from_failures(failures, enriched, columns, header_row, reference)


def run_suite(enriched: pl.DataFrame, columns: tuple[str, ...]) -> list[Failure]:
    """Validate the enriched rows with Great Expectations (pandas) and list the failed expectations."""
    batch_definition = _batch_definition()
    # Only what the suite reads: the required cells and the status columns (not the free text).
    checked = [*(c for c in columns if c in REQUIRED_FIELDS), *STATUS_COLUMNS]
    frame = enriched.select(c for c in checked if c in enriched.columns).to_pandas()
    # The spreadsheet row numbers as the frame's (unnamed) index: GX then reports failing rows as
    # that index directly. Naming it, or asking for ``unexpected_index_column_names``, makes GX
    # look every failing row up one by one (a third of the suite's time on 42,789 rows).
    frame.index = enriched[ROW_ID].to_numpy()
    result_format = {"result_format": "COMPLETE"}
    with _GX_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suite = _suite_for(columns)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(suite, result_format=result_format)
    failures = []
    for result in validation.results:
        config = result.expectation_config
        meta = (config.meta if config else None) or {}
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise RuntimeError(f"Expectation {meta.get('code')} could not run: {result.exception_info}")
        if result.success:
            continue
        unexpected = result.result.get("unexpected_index_list")
        rows = None if unexpected is None else tuple(int(row_no) for row_no in unexpected)
        by_status = tuple((meta.get("codes_by_status") or {}).items())
        status_column = config.kwargs.get("column") if config and by_status else None
        failures.append(
            Failure(meta["code"], meta["severity"], meta.get("column"), rows, status_column, by_status)
        )
    return failures


def outcome_from_failures(
    failures: list[Failure],
    enriched: pl.DataFrame,
    columns: tuple[str, ...],
    header_row: int,
    reference: Reference,
) -> ValidationOutcome:
    """Turn failed expectations into row issues and keep the rows without errors (repeats once)."""
    failing_rows = {row for failure in failures for row in failure.rows or ()}
    cells = {row[ROW_ID]: row for row in enriched.filter(pl.col(ROW_ID).is_in(list(failing_rows))).to_dicts()}
    errors: list[RowIssue] = []
    found: list[RowIssue] = []
    conflicts: dict[str, list[int]] = {}
    for failure in failures:
        if failure.code == "duplicate_conflict":
            for row_no in failure.rows or ():
                conflicts.setdefault(cells[row_no]["zip"], []).append(row_no)
    describe = Describer(reference, conflicts)
    for failure in failures:
        found_in = errors if failure.severity == "error" else found
        if failure.rows is None:
            column = failure.column or ""
            found_in.append(RowIssue(header_row, column, None, failure.code, missing_column(column)))
            continue
        for row_no in failure.rows:
            row = cells[row_no]
            for column in _issue_columns(failure, row):
                value = row.get("zip_raw") if column == "zip" else row.get(column)
                code = failure.code_for(row)
                issue = RowIssue(row_no, column, shown_value(value), code, describe(code, column, row))
                found_in.append(issue)
    error_rows = {issue.row for issue in errors if issue.row is not None and issue.row != header_row}
    has_table_error = any(f.rows is None and f.severity == "error" for f in failures)
    keep = {
        "zip": pl.String,
        "location_id": pl.Int64,
        **{c: pl.String for c in OPTIONAL_FIELDS if c in columns},
    }
    if has_table_error:
        valid_rows = pl.DataFrame(schema=keep)
    else:
        valid = enriched.filter(~pl.col(ROW_ID).is_in(list(error_rows)) & pl.col("repeat_of_row").is_null())
        valid_rows = valid.select(*keep).cast(keep)  # type: ignore[arg-type]
    return ValidationOutcome(
        valid_rows, tuple(sort_issues(errors)), tuple(sort_issues(found)), len(error_rows)
    )


def _issue_columns(failure: Failure, row: dict[str, Any]) -> list[str]:
    """The sheet columns a failing row is reported on: the failure's, or a text rule's listed fields."""
    if failure.column is not None:
        return [failure.column]
    listed = row.get(TEXT_RULE_COLUMNS[failure.code]) or ""
    return [field for field in listed.split(",") if field]


def _batch_definition() -> Any:
    """One ephemeral GX context (in memory, no docs site) with a pandas dataframe asset, once per process."""
    with _CONTEXT_LOCK:
        return _create_batch_definition()


@lru_cache(maxsize=1)
def _create_batch_definition() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        _quiet_gx_logging()
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("zip_import").add_dataframe_asset("rows")
        definition = asset.add_batch_definition_whole_dataframe("all_rows")
    # Importing GX leaves a few million long-lived objects behind. Freezing them (once, here)
    # keeps every later full garbage collection, which an import's own allocations trigger, from
    # walking them all: each such pass cost 0.1-0.2 s in the middle of an import. The young
    # generations are collected first so that garbage of the moment is not frozen with them
    # (a full collection would cost as much as the passes this saves).
    gc.collect(1)
    gc.freeze()
    return definition


def _quiet_gx_logging() -> None:
    for name in list(logging.root.manager.loggerDict):
        if name == "great_expectations" or name.startswith("great_expectations."):
            logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
