"""Typed flow parameters: validated by Prefect before a run starts, shown as forms in the UI."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from prefect.input import RunInput
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Parameters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchedulerScope(_Parameters):
    """What one auto-scheduler run looks at: locations, technicians, days, and how it decides."""

    locations: list[str] = Field(
        default_factory=list,
        title="Locations",
        description="Location codes to schedule (e.g. BOS). Empty: every location.",
    )
    techs: list[int] = Field(
        default_factory=list,
        title="Technicians",
        description="Technician ids who may be assigned. Empty: every technician.",
    )
    date_from: dt.date | None = Field(
        default=None,
        title="From",
        description="First appointment day. Empty: today in the company time zone.",
    )
    date_to: dt.date | None = Field(
        default=None,
        title="To",
        description="Last appointment day (inclusive). Empty: the end of the scheduler horizon.",
    )
    strategy: Literal["greedy", "optimal"] = Field(
        default="greedy",
        title="Strategy",
        description="greedy assigns in order, best score first; optimal (OR-Tools) maximises "
        "assignments, then the total score, over the whole scope.",
    )
    dry_run: bool = Field(
        default=False,
        title="Dry run",
        description="Store the reasoning but change no appointment (to try a new profile).",
    )
    render_report: bool = Field(
        default=True,
        title="Render the audit report",
        description="Render the run's HTML audit report and link it (a few seconds; off for quick checks).",
    )

    @model_validator(mode="after")
    def _days_in_order(self) -> SchedulerScope:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self


class ZipImportRequest(_Parameters):
    """A zip-relation import: a file on the machine that runs the flow, or pasted rows."""

    path: str | None = Field(
        default=None,
        title="File path",
        description="A .csv, .txt or .xlsx file on the machine that runs the flow. Leave empty to paste.",
    )
    text: str | None = Field(
        default=None,
        title="Pasted rows",
        description="Rows copied from Excel (tab-separated) or CSV text, header row included.",
        json_schema_extra={"format": "textarea"},
    )
    mode: Literal["preview", "apply", "ask"] = Field(
        default="ask",
        title="Mode",
        description="preview: validate and publish, write nothing. apply: apply when valid. "
        "ask: publish the preview, then wait for a confirmation in the Prefect UI.",
    )
    actor: str | None = Field(
        default=None, title="Who", description="Recorded on the import (default: prefect)."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ZipImportRequest:
        has_path, has_text = bool(self.path and self.path.strip()), bool(self.text and self.text.strip())
        if has_path == has_text:
            raise ValueError("give either a file path or pasted rows (exactly one of path, text)")
        return self


class ImportDecision(RunInput):
    """The admin's answer to a paused zip import."""

    confirm: bool = Field(title="Apply this import?", description="Tick to apply; leave unticked to reject.")
    note: str | None = Field(default=None, title="Note", description="Recorded with the import.")


class UnmappedRequest(_Parameters):
    """Where to write the fill-in template of unmapped zips."""

    template_path: str | None = Field(
        default=None,
        title="Template file",
        description="CSV to write (imports straight back). Empty: reports/unmapped-zips.csv "
        "in the data folder.",
    )


class ReportRequest(_Parameters):
    """Which run's audit report to render, and where."""

    run_id: int = Field(gt=0, title="Run id", description="The scheduler run (routing runs list).")
    out: str | None = Field(
        default=None,
        title="Output file",
        description=(
            "HTML file to write, or an existing folder to write run-N.html in (the folder must exist). "
            "Empty: the reports folder in the data folder."
        ),
    )
