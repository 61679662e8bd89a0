"""What the flows publish as Prefect artifacts: markdown and table rows, shaped from core results.

Pure functions (no Prefect, no database), so the wording is tested without a server. Artifact
keys use lowercase letters, digits and dashes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_TABLE_ROWS = 500  # the UI pages tables; past this the report or the CLI has the full list


def _fmt(value: Any) -> str:
    return "" if value is None else str(value)


def _md(text: Any) -> str:
    """Text safe inside a markdown table cell or sentence (no pipes, no line breaks)."""
    return _fmt(text).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def import_table_rows(
    errors: Iterable[Mapping[str, Any]],
    warnings: Iterable[Mapping[str, Any]],
    changes: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One row per error, warning and change: kind, spreadsheet row, column, value/zip, code, what."""
    rows: list[dict[str, Any]] = []
    for kind, issues in (("error", errors), ("warning", warnings)):
        rows.extend(
            {
                "kind": kind,
                "row": issue.get("row"),
                "column": _fmt(issue.get("column")),
                "value": _fmt(issue.get("value")),
                "code": issue.get("code"),
                "message": issue.get("message"),
            }
            for issue in issues
        )
    for change in changes:
        fields = change.get("fields", {})
        described = "; ".join(
            f"{name}: {_fmt(v.get('old'))} -> {_fmt(v.get('new'))}" for name, v in fields.items()
        )
        rows.append(
            {
                "kind": change.get("action"),
                "row": None,
                "column": "",
                "value": change.get("zip"),
                "code": change.get("action"),
                "message": described,
            }
        )
    return rows[:MAX_TABLE_ROWS]


def import_summary_markdown(summary: Mapping[str, Any], *, mode: str, outcome: str) -> str:
    """A markdown summary of a zip import: source, counts, and what happens next."""
    source = summary.get("file_name") or f"pasted rows ({summary.get('source')})"
    lines = [
        f"# Zip import {summary.get('import_id') or '(not recorded)'}: {outcome}",
        "",
        f"- **Source:** {_md(source)}",
        f"- **Mode:** {mode}",
        f"- **Rows:** {summary.get('rows', 0)}",
        f"- **New zips:** {summary.get('new', 0)}",
        f"- **Updated zips:** {summary.get('updated', 0)}",
        f"- **Unchanged zips:** {summary.get('unchanged', 0)}",
        f"- **Errors:** {len(summary.get('errors', []))} (rows with errors: {summary.get('error_rows', 0)})",
        f"- **Warnings:** {len(summary.get('warnings', []))}",
    ]
    errors = list(summary.get("errors", []))
    if errors:
        lines += ["", "Nothing was written. The first problems:", ""]
        lines += [
            f"- row {_fmt(e.get('row')) or '-'}, {_md(e.get('column'))}: {_md(e.get('message'))}"
            for e in errors[:10]
        ]
    return "\n".join(lines) + "\n"


def run_summary_markdown(
    run: Mapping[str, Any],
    *,
    scope: Mapping[str, Any],
    profiles: Sequence[str],
    report_path: str | None,
) -> str:
    """A markdown summary of a scheduler run: run id, scope, profiles in effect, outcome."""
    locations = ", ".join(scope.get("locations") or []) or "all"
    techs = ", ".join(str(t) for t in scope.get("techs") or []) or "all"
    days = f"{_fmt(scope.get('date_from'))} to {_fmt(scope.get('date_to'))}"
    dry_run = " (dry run: no appointment changed)" if run.get("dry_run") else ""
    lines = [
        f"# Scheduler run {run['run_id']}: {run['status']}",
        "",
        f"- **Run id:** {run['run_id']} (`routing runs show {run['run_id']}`)",
        f"- **Trigger:** {_fmt(run.get('trigger'))}{dry_run}",
        f"- **Scope:** locations {_md(locations)}; technicians {_md(techs)}; days {days}",
        f"- **Strategy:** {_fmt(run.get('strategy'))}",
        f"- **Profiles in effect:** {_md(', '.join(profiles)) or 'none'}",
        f"- **Considered:** {run.get('considered', 0)}",
        f"- **Assigned:** {run.get('assigned', 0)}",
        f"- **Unassigned:** {run.get('unassigned', 0)}",
        f"- **Skipped (assigned meanwhile):** {run.get('skipped', 0)}",
    ]
    if report_path:
        lines.append(f"- **Audit report:** {_md(report_path)}")
    return "\n".join(lines) + "\n"


def gate_markdown(reason: str) -> str:
    """Why a scheduled run did nothing."""
    return f"# Auto-scheduler unavailable\n\nNo run was recorded. {_md(reason)}\n"


def unassigned_rows(run: Mapping[str, Any], rule_titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per unassigned appointment of ``routing runs show``: when, where, and what blocked it.

    ``blocking_rule`` is the rule that kept out the most technicians (ties: the rule listed first
    in ``rule_titles``); ``all_blocking`` lists every rule with how many technicians it kept out.
    """
    order = {code: position for position, code in enumerate(rule_titles)}
    by_id = {a["appointment_id"]: a for a in run.get("appointments", [])}
    rows = []
    for item in run.get("unassigned_appointments", []):
        appointment = by_id.get(item["appointment_id"], {})
        blocking = dict(item.get("blocking") or {})
        if item.get("not_at_location"):
            blocking.setdefault("location", item["not_at_location"])
        ranked = sorted(blocking.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)), kv[0]))
        top = ranked[0][0] if ranked else None
        suggestion = item.get("suggestion") or {}
        rows.append(
            {
                "appointment_id": item["appointment_id"],
                "date": _fmt(appointment.get("date")),
                "slot": appointment.get("slot"),
                "location": appointment.get("location"),
                "profile": appointment.get("profile_name"),
                "eligible": _eligible(appointment),
                "blocking_rule": f"{top}: {rule_titles.get(top, top)}" if top else "no technician in scope",
                "all_blocking": ", ".join(f"{code} x{count}" for code, count in ranked),
                "suggestion": suggestion.get("message", ""),
            }
        )
    return rows[:MAX_TABLE_ROWS]


def _eligible(appointment: Mapping[str, Any]) -> str:
    return f"{appointment.get('candidates_eligible', 0)} of {appointment.get('candidates_total', 0)}"
