"""Flow ``render-report``: (re)render the HTML audit report of one scheduler run."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_link_artifact

from flows.database import require_current_database
from flows.parameters import ReportRequest


@task(name="render-run-report")
def render_run_report(run_id: int, out: str | None) -> str:
    """Execute the run-audit notebook and export it as HTML; returns the file's absolute path."""
    from routing.reports import render_run_report as render

    return str(render(None, run_id, Path(out) if out else None))


@task(name="publish-report-link")
def publish_report_link(run_id: int, report_path: str) -> None:
    """A link artifact to the report file, keyed by the run id."""
    create_link_artifact(
        key=f"run-{run_id}-report",
        link=Path(report_path).as_uri(),
        link_text=f"Audit report of scheduler run {run_id}",
        description=f"HTML audit report of scheduler run {run_id}: {report_path}",
    )


@flow(name="render-report", description="Render (again) the HTML audit report of one scheduler run.")
def render_report(request: ReportRequest) -> str:
    """Render run ``request.run_id``'s audit report and publish a link to it; returns its path."""
    require_current_database()
    report_path = render_run_report(request.run_id, request.out)
    publish_report_link(request.run_id, report_path)
    return report_path
