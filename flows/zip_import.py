"""Flow ``zip-import``: preview an import, publish it, then apply, stop, or ask the admin first.

Modes: ``preview`` publishes and stops; ``apply`` applies a valid import; ``ask`` publishes the
preview and pauses until someone answers in the Prefect UI (confirm, with an optional note).
An invalid or unreadable file ends the run Failed, with its errors published and nothing written
to the mapping (the attempt itself is recorded as an ``invalid`` import).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.states import Completed, Failed, State
from prefect.utilities.annotations import quote

from flows.artifacts import import_summary_markdown, import_table_rows
from flows.database import require_current_database
from flows.parameters import ImportDecision, ZipImportRequest
from routing.words import plural
from routing.zips.service import ImportPreview, ImportSource

T = TypeVar("T")
ASK_TIMEOUT_SECONDS = 24 * 3600  # an admin has a working day to answer
ASK_POLL_SECONDS = 2  # how soon the paused run notices the answer


@task(name="read-import-source", cache_policy=NO_CACHE)
def read_source(request: ZipImportRequest) -> ImportSource:
    """The import's bytes: the file at ``request.path`` or the pasted text."""
    from routing.zips.service import source_from_path, source_from_text

    return source_from_path(request.path) if request.path else source_from_text(request.text or "")


@task(name="preview-import", cache_policy=NO_CACHE)
def preview(source: ImportSource, actor: str | None) -> ImportPreview:
    """Parse, validate and diff against the mapping; the attempt is recorded (previewed or invalid)."""
    from routing.db.session import get_engine
    from routing.zips.service import preview_import

    return preview_import(get_engine(), source, actor=actor or "prefect")


@task(name="apply-import", cache_policy=NO_CACHE)
def apply(import_preview: ImportPreview) -> dict[str, Any]:
    """Apply the previewed rows in one transaction; returns the import's summary."""
    from routing.db.session import get_engine
    from routing.zips.service import apply_import

    summary: dict[str, Any] = apply_import(get_engine(), import_preview).summary()
    return summary


@task(name="reject-import", cache_policy=NO_CACHE)
def reject(import_preview: ImportPreview, note: str | None) -> dict[str, Any]:
    """Record that the admin did not confirm; the mapping is untouched."""
    from routing.db.session import get_engine
    from routing.zips.service import reject_import

    summary: dict[str, Any] = reject_import(get_engine(), import_preview, note=note).summary()
    return summary


@task(name="publish-import", cache_policy=NO_CACHE)
def publish(summary: dict[str, Any], *, mode: str, outcome: str) -> None:
    """A table of errors, warnings and changes, and a markdown summary."""
    rows = import_table_rows(
        summary.get("errors", []), summary.get("warnings", []), summary.get("changes", [])
    )
    if rows:
        create_table_artifact(
            rows, key="zip-import-rows", description=f"Zip import {summary.get('import_id')}: {outcome}"
        )
    create_markdown_artifact(
        import_summary_markdown(summary, mode=mode, outcome=outcome),
        key="zip-import-summary",
        description=f"Zip import {summary.get('import_id')}: {outcome}",
    )


@flow(
    name="zip-import",
    description="Import zip relations from a file or a paste: preview, apply, or ask first.",
)
def zip_import(request: ZipImportRequest) -> State[Any]:
    """Preview the import, publish it, then act on ``request.mode``; Failed when the file is invalid."""
    from routing.errors import RoutingError

    logger = get_run_logger()
    require_current_database()
    try:
        import_preview = preview(read_source(request), request.actor)
    except RoutingError as exc:  # unreadable: nothing to preview
        unreadable = {
            "errors": [{"code": "unreadable", "message": exc.message}],
            "file_name": request.path,
            **exc.extra,  # the record of the attempt: import_id, status
        }
        publish(_whole(unreadable), mode=request.mode, outcome="unreadable")
        return Failed(message=f"Nothing was imported: {exc.message}")
    summary = import_preview.summary()
    if not import_preview.ok:
        publish(_whole(summary), mode=request.mode, outcome="invalid, nothing written")
        return Failed(
            message=f"Import {summary['import_id']} has {plural(len(summary['errors']), 'error')}; "
            "nothing was written."
        )
    if request.mode == "preview":
        publish(_whole(summary), mode=request.mode, outcome="previewed")
        return Completed(message=f"Import {summary['import_id']} previewed; nothing written.", data=summary)
    if request.mode == "ask":
        publish(_whole(summary), mode=request.mode, outcome="waiting for confirmation")
        decision = _ask(logger, summary["import_id"])
        if not decision.confirm:
            rejected = reject(_whole(import_preview), decision.note)
            publish(_whole(rejected), mode=request.mode, outcome="rejected, nothing written")
            return Completed(
                name="Rejected", message=f"Import {summary['import_id']} rejected; nothing written."
            )
    applied = apply(_whole(import_preview))
    publish(_whole(applied), mode=request.mode, outcome="applied")
    counts = f"{applied['new']} new, {applied['updated']} updated, {applied['unchanged']} unchanged"
    return Completed(message=f"Import {applied['import_id']} applied: {counts}.", data=applied)


def _whole(value: T) -> T:
    """Pass ``value`` to a task as it is: Prefect otherwise walks every element of a task's
    parameters (a large import's changes and rows) to track dependencies."""
    return cast(T, quote(value))


def _ask(logger: Any, import_id: int) -> ImportDecision:
    """Pause until someone answers in the Prefect UI; no answer in time counts as a rejection."""
    logger.info("Import %s is waiting for confirmation in the Prefect UI (Resume).", import_id)
    try:
        return pause_flow_run(
            wait_for_input=ImportDecision, timeout=ASK_TIMEOUT_SECONDS, poll_interval=ASK_POLL_SECONDS
        )
    except FlowPauseTimeout:
        return ImportDecision(confirm=False, note=f"No answer within {ASK_TIMEOUT_SECONDS // 3600} hours.")
