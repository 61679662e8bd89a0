"""The Zip Relation Manager's shell: what the CLI and the Prefect flow call.

Each function gathers from the database, calls the pure core (parse -> repair -> validate ->
preview) and writes the outcome. Every import and edit is recorded in ``zip_imports``: imports as
``previewed`` or ``invalid`` when previewed, then ``applied``, ``rejected`` or ``failed`` (the apply
raised; nothing was written, so the record counts nothing as new, updated or unchanged).
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

from routing.config import masked_error_line
from routing.db.base import utcnow
from routing.errors import BadInput, ValidationFailed
from routing.geo import zip_table
from routing.words import plural
from routing.zips import records
from routing.zips.apply import lock_mapping, read_locations, read_mapping, upsert_mapping
from routing.zips.enrich import Reference
from routing.zips.issues import RowIssue
from routing.zips.parse import ParsedSheet, parse_bytes
from routing.zips.plan import ImportPlan, plan_import
from routing.zips.preview import MappingDiff, compared_fields, diff_mapping, no_changes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportSource:
    """An import's bytes and where they came from (a file, or pasted text)."""

    data: bytes
    file_name: str | None = None
    pasted: bool = False


@dataclass(frozen=True)
class ImportPreview:
    """A recorded preview: counts, issues and changes, plus the rows an apply would write."""

    import_id: int | None
    status: str  # previewed | invalid
    kind: str  # import | set
    source: str  # paste | csv | xlsx | cli
    file_name: str | None
    actor: str
    columns: tuple[str, ...]
    rows: int
    new: int
    updated: int
    unchanged: int
    error_rows: int
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    valid_rows: pl.DataFrame = field(repr=False, compare=False)
    diff: MappingDiff = field(repr=False, compare=False)
    mapping_snapshot: pl.DataFrame = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when nothing stops the import from being applied."""
        return not self.errors

    @property
    def changes(self) -> tuple[dict[str, Any], ...]:
        """``{zip, action, fields: {field: {old, new}}}`` per zip the import would add or change."""
        return self.diff.changes

    def summary(self, *, compact: bool = False) -> dict[str, Any]:
        """import_id, status, rows, new, updated, unchanged, errors, warnings, new_zips and ``changes``
        (old -> new per field); ``compact`` (the CLI) lists only updated zips' changes."""
        return _summary(self, compact)


@dataclass(frozen=True)
class ImportResult:
    """What an applied import wrote, or a rejected one: nothing, its counts being the declined preview's."""

    import_id: int
    status: str  # applied | rejected
    kind: str
    source: str
    file_name: str | None
    rows: int
    new: int
    updated: int
    unchanged: int
    error_rows: int
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    diff: MappingDiff = field(repr=False, compare=False)
    note: str | None = None  # why it was rejected (as recorded)

    @property
    def changes(self) -> tuple[dict[str, Any], ...]:
        """``{zip, action, fields: {field: {old, new}}}`` per zip the import added or changed
        (a rejected import's: would have)."""
        return self.diff.changes

    def summary(self, *, compact: bool = False) -> dict[str, Any]:
        """The same document as a preview's."""
        return _summary(self, compact)


def source_from_path(path: str | Path) -> ImportSource:
    """Read an import from a file, or from standard input when ``path`` is ``-`` (a paste)."""
    if str(path) == "-":
        return ImportSource(sys.stdin.buffer.read(), None, pasted=True)
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"{path}: no such file." if not file.exists() else f"{path} is not a file.")
    try:
        return ImportSource(file.read_bytes(), str(path))
    except OSError as exc:
        raise BadInput(f"{path} cannot be read: {exc.strerror}.") from None


def source_from_text(text: str) -> ImportSource:
    """An import from pasted text (tab-separated as Excel copies it, or CSV)."""
    return ImportSource(text.encode("utf-8"), None, pasted=True)


def current_actor() -> str:
    """The operating-system user running this process (who an import is recorded as)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "unknown"


def preview_import(
    engine: Engine, source: ImportSource, *, actor: str | None = None, record: bool = True
) -> ImportPreview:
    """Parse, validate and diff an import; record it as previewed or invalid. BadInput when unreadable.

    ``record=False`` is for a caller that applies straight away (``--yes``): a valid preview is then
    recorded once, by ``apply_import``, instead of written as previewed and rewritten as applied.
    Unreadable and invalid imports are always recorded.
    """
    actor = actor or current_actor()
    try:
        sheet = parse_bytes(source.data, file_name=source.file_name, pasted=source.pasted)
    except BadInput as exc:  # recorded; the error names the record (import_id and status in JSON)
        import_id = _record_unreadable(engine, source, actor, exc.message)
        raise BadInput(
            f"{exc.message} Recorded as import {import_id} (invalid).",
            details=exc.details,
            extra={"import_id": import_id, "status": "invalid"},
        ) from exc
    plan, snapshot = plan_sheet(engine, sheet)
    preview = make_preview(plan, snapshot, sheet, "import", source.file_name, actor)
    if record or not preview.ok:
        with engine.begin() as conn:
            import_id = records.record_import(conn, **record_values(preview))
        preview = dataclasses.replace(preview, import_id=import_id)
    return preview


def apply_import(engine: Engine, preview: ImportPreview, *, actor: str | None = None) -> ImportResult:
    """Apply a valid preview in one transaction, re-diffed if the mapping changed since the preview.

    The mapping is locked before it is read again, so what the preview's diff (or the new one)
    says will be written is exactly what the upsert writes; the counts come from that diff.
    """
    if not preview.ok:
        raise ValidationFailed(
            f"Import {preview.import_id} has {plural(len(preview.errors), 'error')}; nothing was applied.",
            details=[issue.as_dict() for issue in preview.errors],
        )
    try:
        import_id, diff, unchanged = _apply(engine, preview, actor)
    except Exception as exc:  # rolled back: record why in a transaction of its own, then re-raise
        _record_failed(engine, preview, exc)
        raise
    return ImportResult(
        import_id=import_id,
        status="applied",
        kind=preview.kind,
        source=preview.source,
        file_name=preview.file_name,
        rows=preview.rows,
        new=diff.new,
        updated=diff.updated,
        unchanged=unchanged,
        error_rows=0,
        errors=(),
        warnings=preview.warnings,
        diff=diff,
    )


def _apply(engine: Engine, preview: ImportPreview, actor: str | None) -> tuple[int, MappingDiff, int]:
    """The apply transaction: lock, re-read, re-diff if needed, upsert, record. (id, diff, unchanged)."""
    with engine.begin() as conn:
        lock_mapping(conn)
        now = utcnow()  # taken under the lock: applied_at orders imports as they were applied
        current = read_mapping(conn)
        diff = preview.diff
        if not current.equals(preview.mapping_snapshot):  # someone changed the mapping since the preview
            codes = dict(read_locations(conn).select("id", "code").iter_rows())
            diff = diff_mapping(preview.valid_rows, preview.columns, current, codes)
        unchanged = preview.valid_rows.height - diff.new - diff.updated
        values: dict[str, Any] = {
            "new": diff.new,
            "updated": diff.updated,
            "unchanged": unchanged,
            "applied_at": now,
        } | ({"actor": _clip(actor, 120)} if actor else {})
        import_id = preview.import_id
        if import_id is None:  # recorded once, as applied (a failure below rolls the record back too)
            import_id = records.record_import(
                conn, **record_values(preview, diff) | values | {"status": "applied"}
            )
        written = upsert_mapping(conn, diff.writes, compared_fields(preview.columns), import_id, now)
        if written != diff.writes.height:  # cannot happen under the lock; never record a wrong count
            raise RuntimeError(
                f"The mapping upsert wrote {written} rows where {diff.writes.height} differed; rolled back."
            )
        if preview.import_id is not None:
            if diff is not preview.diff:
                values |= records.change_values(diff, conn)
            records.finish_import(conn, import_id, "applied", **values)
    return import_id, diff, unchanged


def _record_failed(engine: Engine, preview: ImportPreview, exc: Exception) -> None:
    """Record that an import's apply failed and wrote nothing; never raises.

    The record's status becomes ``failed`` with new, updated and unchanged 0 and no changes (that
    is what was written); the reason (passwords masked) is its ``note`` and its one error
    (``apply_failed``), whose message also says what the apply attempted. A previewed record is
    updated; without one (``--yes``) the failure is recorded as a new row. A record that is no
    longer previewed (applied or rejected meanwhile, which is why this apply failed) keeps its status.
    """
    try:
        reason = _clip(safe_reason(exc, engine), 500) or type(exc).__name__
        attempted = f"the preview had {preview.diff.new} new and {preview.diff.updated} updated zips"
        message = f"The apply failed and was rolled back, nothing written ({attempted}): {reason}"
        failed = {
            "status": "failed",
            "new": 0,
            "updated": 0,
            "unchanged": 0,
            "note": reason,
            "error_count": 1,
            "errors": [RowIssue(None, None, None, "apply_failed", message).as_dict()],
        }
        with engine.begin() as conn:
            if preview.import_id is None:
                records.record_import(conn, **record_values(preview, no_changes()) | failed)
            else:
                values = failed | records.change_values(no_changes(), conn)
                if not records.fail_import(conn, preview.import_id, **values):
                    log.info("Zip import %s is no longer previewed; its status stands", preview.import_id)
    except Exception:  # the database itself is failing: the original error is what matters
        log.warning("Could not record the failed zip import", exc_info=True)


def safe_reason(exc: BaseException, engine: Engine | None = None) -> str:
    """The first line of ``exc``'s message, fit to store: URLs with credentials masked (``mask_url``),
    ``password=...`` settings and ``engine``'s password replaced by ``***``."""
    return masked_error_line(exc, engine.url.password if engine is not None else None)


def reject_import(engine: Engine, preview: ImportPreview, *, note: str | None = None) -> ImportResult:
    """Record that a previewed import was not confirmed; nothing is written to the mapping.

    The result, like the record, keeps the declined preview's counts and changes (what it would
    have written), and its ``note``.
    """
    if preview.import_id is None:
        raise BadInput("This preview was never recorded, so there is nothing to reject.")
    with engine.begin() as conn:
        records.finish_import(conn, preview.import_id, "rejected", note=note)
    return ImportResult(
        import_id=preview.import_id,
        status="rejected",
        kind=preview.kind,
        source=preview.source,
        file_name=preview.file_name,
        rows=preview.rows,
        new=preview.new,
        updated=preview.updated,
        unchanged=preview.unchanged,
        error_rows=preview.error_rows,
        errors=preview.errors,
        warnings=preview.warnings,
        diff=preview.diff,
        note=note,
    )


def plan_sheet(
    engine: Engine, sheet: ParsedSheet, *, skip_zip_only_rows: bool = True
) -> tuple[ImportPlan, pl.DataFrame]:
    """Plan a parsed sheet against the database (locations, ZIP data, mapping); returns the plan
    and the mapping it was diffed against (the snapshot an apply compares with)."""
    with engine.connect() as conn:
        reference = Reference(read_locations(conn), zip_table())
        existing = read_mapping(conn)
    return plan_import(sheet, reference, existing, skip_zip_only_rows=skip_zip_only_rows), existing


def make_preview(
    plan: ImportPlan, snapshot: pl.DataFrame, sheet: ParsedSheet, kind: str, file_name: str | None, actor: str
) -> ImportPreview:
    """An unrecorded preview of ``plan`` (``import_id`` None)."""
    return ImportPreview(
        import_id=None,
        status="invalid" if plan.errors else "previewed",
        kind=kind,
        source=sheet.source,
        file_name=file_name,
        actor=actor,
        columns=plan.columns,
        rows=plan.rows,
        new=plan.diff.new,
        updated=plan.diff.updated,
        unchanged=plan.diff.unchanged,
        error_rows=plan.error_rows,
        errors=plan.errors,
        warnings=plan.warnings,
        valid_rows=plan.valid_rows,
        diff=plan.diff,
        mapping_snapshot=snapshot,
    )


def record_values(preview: ImportPreview, diff: MappingDiff | None = None) -> dict[str, Any]:
    """The ``zip_imports`` columns of a preview; the change record (``diff``, by default the
    preview's) as encoded JSON (``changes`` and ``added``)."""
    return {
        "kind": preview.kind,
        "source": preview.source,
        "file_name": _clip(preview.file_name, 400),
        "actor": _clip(preview.actor, 120),
        "status": preview.status,
        "rows": preview.rows,
        "new": preview.new,
        "updated": preview.updated,
        "unchanged": preview.unchanged,
        "error_count": len(preview.errors),
        "errors": [issue.as_dict() for issue in preview.errors],
        "warnings": [issue.as_dict() for issue in preview.warnings],
    } | records.change_values(diff or preview.diff)


def _record_unreadable(engine: Engine, source: ImportSource, actor: str, message: str) -> int:
    issue = RowIssue(None, None, None, "unreadable", message)
    kind = "paste" if source.pasted else "xlsx" if source.data.startswith(b"PK") else "csv"
    with engine.begin() as conn:
        return records.record_import(
            conn,
            kind="import",
            source=kind,
            file_name=_clip(source.file_name, 400),
            actor=_clip(actor, 120),
            status="invalid",
            error_count=1,
            errors=[issue.as_dict()],
        )


def rejected_message(document: dict[str, Any]) -> str:
    """'Import 52 rejected: nothing written (the preview had 0 new, 1 updated, 3 unchanged).'"""
    counts = f"{document['new']} new, {document['updated']} updated, {document['unchanged']} unchanged"
    return f"Import {document['import_id']} rejected: nothing written (the preview had {counts})."


def _summary(report: ImportPreview | ImportResult, compact: bool) -> dict[str, Any]:
    document = {
        "import_id": report.import_id,
        "status": report.status,
        "kind": report.kind,
        "source": report.source,
        "file_name": report.file_name,
        "rows": report.rows,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_rows": report.error_rows,
        "errors": [issue.as_dict() for issue in report.errors],
        "warnings": [issue.as_dict() for issue in report.warnings],
        "new_zips": sorted(report.diff.new_zips),
        "changes": list(report.diff.updated_changes() if compact else report.diff.changes),
    }
    if report.status == "rejected":  # its counts are the declined preview's: say nothing was written
        document |= {"note": getattr(report, "note", None), "message": rejected_message(document)}
    return document


def _clip(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"
