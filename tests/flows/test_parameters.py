"""Flow parameters are validated before a run starts, with messages that say what to fix."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from flows.parameters import ReportRequest, SchedulerScope, ZipImportRequest

pytestmark = pytest.mark.xdist_group("prefect")


@pytest.mark.parametrize(
    "given",
    [{}, {"path": "zips.csv", "text": "Zip,Location\n02108,BOS\n"}, {"path": "  ", "text": ""}],
    ids=["neither", "both", "blank"],
)
def test_a_zip_import_needs_exactly_one_of_a_file_path_or_pasted_rows(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="exactly one of path, text"):
        ZipImportRequest(**given)


def test_a_zip_import_mode_outside_preview_apply_ask_is_refused() -> None:
    with pytest.raises(ValidationError, match="mode"):
        ZipImportRequest.model_validate({"text": "Zip,Location\n", "mode": "force"})


def test_a_scheduler_scope_ending_before_it_starts_is_refused_naming_both_days() -> None:
    with pytest.raises(ValidationError, match="date_from 2030-01-08 is after date_to 2030-01-07"):
        SchedulerScope(date_from=dt.date(2030, 1, 8), date_to=dt.date(2030, 1, 7))


def test_scheduler_parameters_from_the_ui_are_parsed_from_json_values() -> None:
    scope = SchedulerScope.model_validate(
        {"locations": ["BOS"], "date_from": "2030-01-07", "strategy": "optimal"}
    )
    assert (scope.locations, scope.date_from, scope.strategy) == (["BOS"], dt.date(2030, 1, 7), "optimal")


def test_an_unknown_parameter_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError, match="dryrun"):
        SchedulerScope.model_validate({"dryrun": True})


def test_a_report_needs_a_positive_run_id() -> None:
    with pytest.raises(ValidationError, match="run_id"):
        ReportRequest(run_id=0)
