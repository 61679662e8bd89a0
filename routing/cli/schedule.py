"""Scheduler commands: schedule run, runs list|show|diff|replay, appointments create (explain is in
``routing.cli.explain``). Heavy imports stay inside the commands (``routing --help`` must be fast)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import typer

from routing.cli import explain
from routing.cli.database import initialised_engine
from routing.cli.output import JsonOpt, number, outcome_mark

schedule_app = typer.Typer(help="Run the tech auto-scheduler.", no_args_is_help=True)
runs_app = typer.Typer(help="The scheduler's run log: list, show, diff, replay.", no_args_is_help=True)
appointments_app = typer.Typer(help="Book appointments.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the scheduler command groups to the main app."""
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(runs_app, name="runs")
    app.add_typer(explain.explain_app, name="explain")
    app.add_typer(appointments_app, name="appointments")


def _date(value: str | None, option: str) -> Any:
    import datetime as dt

    from routing.errors import BadInput

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{option} {value!r} is not a date (YYYY-MM-DD).") from None


@schedule_app.command("run")
def schedule_run(
    location: Annotated[
        list[str] | None,
        typer.Option(
            "--location",
            metavar="CODE",
            help="Location code or name, any case (repeatable); default: every location.",
        ),
    ] = None,
    tech: Annotated[
        list[int] | None,
        typer.Option("--tech", metavar="ID", help="Technician id (repeatable); default: every tech."),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="First day (YYYY-MM-DD); default today.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Last day; default the horizon.")
    ] = None,
    strategy: Annotated[
        Literal["greedy", "optimal"],
        typer.Option(
            help="greedy: each appointment in order to its best tech; optimal (OR-Tools): the most "
            "assignments, then the best total score.",
        ),
    ] = "greedy",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Store the reasoning; change no appointment.")
    ] = False,
    solver_seconds: Annotated[
        float | None,
        typer.Option(
            "--solver-seconds",
            metavar="SECONDS",
            help="optimal: deterministic time limit per partition (default 1).",
        ),
    ] = None,
    report: Annotated[
        bool,
        typer.Option(
            "--report",
            help="Also render the run's audit report (a few seconds; as `routing report run ID`).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Assign unassigned slot appointments in scope; every decision is stored with its reasons.

    Ends with the command that renders the run's audit report; --report renders it at once (JSON:
    "report" is its path, else null; "report_command" is the command).
    """
    from routing.cli.output import emit
    from routing.scheduling.service import run_schedule

    engine = initialised_engine()
    with _progress(not as_json) as progress:
        result = run_schedule(
            engine,
            locations=location or None,
            techs=tech or None,
            date_from=_date(date_from, "--from"),
            date_to=_date(date_to, "--to"),
            strategy=strategy,
            dry_run=dry_run,
            trigger="manual",
            progress=progress,
            solver_seconds=solver_seconds,
        )
    document = result.to_json() | {"report_command": f"routing report run {result.run_id}"}
    if report:
        document["report"] = str(_render_report(engine, result.run_id))
    emit(document, as_json, _print_result)


def _render_report(engine: Any, run_id: int) -> Any:
    """The run's audit report (path); a failure says that the run itself is stored."""
    from routing.cli.output import err_console
    from routing.errors import RoutingError
    from routing.reports.service import render_run_report

    try:
        with err_console().status(f"Rendering the audit report of run {run_id}…"):
            return render_run_report(engine, run_id)
    except Exception as exc:  # the run is committed whatever happens to its report
        from routing.config import mask_secrets

        reason = exc.message if isinstance(exc, RoutingError) else f"{type(exc).__name__}: {exc}"
        error = RoutingError(
            f"Run {run_id} is stored, but its audit report failed: {mask_secrets(reason.strip())} "
            f"Render it again with: routing report run {run_id}",
            extra={"run_id": run_id, "report_command": f"routing report run {run_id}"},
        )
        error.exit_code = exc.exit_code if isinstance(exc, RoutingError) else 1
        raise error from exc


class _progress:
    """A rich progress bar on stderr for the run's phases (snapshot, strategy, persist)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        import sys

        if not self.enabled or not sys.stderr.isatty():
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from routing.cli.output import err_console

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console(),
            transient=True,
        )
        self.bar.start()
        return self.update

    def update(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            label = {"snapshot": "Reading the company", "persist": "Storing the reasoning"}.get(
                phase, f"Deciding ({phase})"
            )
            self.tasks[phase] = self.bar.add_task(label, total=max(total, 1))
        self.bar.update(self.tasks[phase], completed=done, total=max(total, 1))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_result(document: dict[str, Any]) -> None:
    from routing.cli.output import console

    kind = "Dry run" if document["dry_run"] else "Run"
    console().print(
        f"{kind} {document['run_id']} ({document['strategy']}) {document['status']}: "
        f"{document['considered']} considered, {document['assigned']} assigned, "
        f"{document['unassigned']} unassigned, {document['skipped']} skipped.\n"
        f"Why: routing runs show {document['run_id']} · "
        f"routing explain appointment ID --run {document['run_id']}\n"
        f"Report: {document.get('report') or document['report_command']}",
        markup=False,
    )


@runs_app.command("list")
def runs_list(
    limit: Annotated[int, typer.Option(help="How many recent runs.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Recent scheduler runs (newest first); says when and why the scheduler is unavailable."""
    from routing.cli.output import emit
    from routing.scheduling.runs import list_runs

    emit(list_runs(initialised_engine(), limit), as_json, _print_runs)


def _print_runs(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, DayFormat, console, print_table

    if not document["available"]:
        console().print(
            f"The scheduler run log is unavailable: {document['unavailable_reason']}", markup=False
        )
    runs = document["runs"]
    days = DayFormat.of(
        [r["started_at"] for r in runs] + [r["scope"].get(k) for r in runs for k in ("date_from", "date_to")]
    )
    rows = [
        {
            **r,
            "started": days.minute(r["started_at"]),
            "scope": _scope_text(r["scope"], days.short),
            "dry_run": "yes" if r["dry_run"] else "",
        }
        for r in runs
    ]
    print_table(
        days.titled("Scheduler runs"),
        rows,
        [
            Column("run_id", "run", "right", keep=True),
            Column("started", "started", keep=True),
            Column("trigger", "trigger", keep=True),
            Column("status", "status", keep=True),
            Column("dry_run", "dry", keep=True, wide_header="dry run"),
            Column("strategy", "strategy", keep=True, wide=True),
            Column("scope", "scope"),
            Column("considered", "considered", "right", wide=True),
            Column("assigned", "✔", "right", keep=True, wide_header="assigned"),
            Column("unassigned", "✘", "right", keep=True, wide_header="unassigned"),
            Column("skipped", "skip", "right", keep=True, wide_header="skipped"),
        ],
        narrow_caption="✔ assigned, ✘ unassigned.\n"
        "A wider terminal (or --json) adds strategy and considered.",
    )


def _iso(value: Any) -> str:
    return "" if value is None else str(value)


def _scope_text(scope: dict[str, Any], day: Callable[[Any], str] = _iso) -> str:
    """``12-07 to 12-13 BOS,WOR``: days (one when the scope is one day), locations, techs, appointments."""
    first, last = day(scope.get("date_from")), day(scope.get("date_to"))
    parts = [first if first == last else f"{first} to {last}"]
    if scope.get("locations"):
        parts.append(",".join(scope["locations"]))
    if scope.get("techs"):
        parts.append(f"{len(scope['techs'])} techs")
    if scope.get("appointment_ids"):
        ids = scope["appointment_ids"]
        parts.append(f"appointments {','.join(map(str, ids[:5]))}{',…' if len(ids) > 5 else ''}")
    return " ".join(parts)


@runs_app.command("show")
def runs_show(run_id: Annotated[int, typer.Argument(help="Run id.")], as_json: JsonOpt = False) -> None:
    """One run: outcome, every appointment, unassigned ones with blocking rules and a suggested fix."""
    from routing.cli.output import emit
    from routing.scheduling.runs import show_run

    emit(show_run(initialised_engine(), run_id), as_json, _print_run)


def _profile_keys(document: dict[str, Any]) -> dict[str, str]:
    """A letter per profile name (A, B, ... Z, AA, ...) for the narrow appointments table."""
    names = [p["name"] for p in document["profiles"] or []]
    names += sorted({a["profile_name"] for a in document["appointments"] if a["profile_name"]} - set(names))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {name: (letters[i // 26 - 1] if i >= 26 else "") + letters[i % 26] for i, name in enumerate(names)}


def _print_run(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, DayFormat, console, print_kv, print_table, wide_layout_fits

    days = DayFormat.of(a["date"] for a in document["appointments"])
    keys = _profile_keys(document)
    rows = [
        {
            "seq": a["seq"],
            "appointment_id": a["appointment_id"],
            "day": days.day(a["date"]),
            "slot": a["slot"],
            "location": a["location"],
            "profile": a["profile_name"],
            "profile_key": keys.get(a["profile_name"], ""),
            "outcome": outcome_mark(a["outcome"]),
            "tech_id": a["tech_id"],
            "score": number(a["score"]),
            "margin": number(a["margin"]),
            "eligible": f"{a['candidates_eligible']}/{a['candidates_total']}",
        }
        for a in document["appointments"]
    ]
    columns = [
        Column("seq", "seq", "right", keep=True, wide=True),
        Column("appointment_id", "appt", "right", keep=True, wide_header="appointment"),
        Column("day", "date", keep=True),
        Column("slot", "slot", keep=True),
        Column("location", "loc", wide_header="location"),
        Column("profile", "profile", wide=True),
        Column("profile_key", "prof", keep=True, wide=False),
        Column("outcome", "outcome", keep=True),
        Column("tech_id", "tech", "right", keep=True),
        Column("score", "score", "right", keep=True),
        Column("margin", "margin", "right", keep=True),
        Column("eligible", "eligible", "right", keep=True, wide=True),
    ]
    wide = wide_layout_fits(rows, columns)
    profiles = list(keys) if wide else [f"{key} {name}" for name, key in keys.items()]
    print_kv(
        f"Run {document['run_id']}",
        {
            "started_at": _iso(document["started_at"]).replace("T", " ")[:19],
            "trigger": document["trigger"],
            "status": document["status"],
            "dry_run": "yes" if document["dry_run"] else "no",
        }
        | {k: document[k] for k in ("strategy", "considered", "assigned", "unassigned", "skipped")}
        | {"scope": _scope_text(document["scope"]), "profiles": ", ".join(profiles)},
    )
    if document.get("error"):
        console().print(f"Error: {document['error']}", markup=False)
    print_table(
        days.titled("Appointments in decision order"),
        rows,
        columns,
        wide=wide,
        narrow_caption="prof: the profile's letter in profiles above.\n"
        "A wider terminal (or --json) adds seq and eligible candidates.",
    )
    if document["unassigned_appointments"]:
        rows = [
            {
                "appointment_id": u["appointment_id"],
                "blocking": ", ".join(
                    f"{k} {v}" for k, v in sorted(u["blocking"].items(), key=lambda kv: -kv[1])
                ),
                "suggestion": (u["suggestion"] or {}).get("message", ""),
            }
            for u in document["unassigned_appointments"]
        ]
        print_table(
            "Unassigned: techs blocked per rule",
            rows,
            [
                Column("appointment_id", "appt", "right", keep=True, wide_header="appointment"),
                Column("blocking", "blocking"),
                Column("suggestion", "suggestion"),
            ],
        )
    if document["free_but_unassigned"]:
        rows = [
            {
                "tech_id": t["tech_id"],
                "name": t["name"],
                "reasons": ", ".join(f"{k} {v}" for k, v in [*t["rules"].items(), *t["lost"].items()][:6]),
            }
            for t in document["free_but_unassigned"]
        ]
        print_table(
            "Active techs given nothing (free but unassigned)",
            rows,
            [
                Column("tech_id", "tech", "right", keep=True),
                Column("name", "name", keep=True),
                Column("reasons", "reasons"),
            ],
        )


@runs_app.command("diff")
def runs_diff(
    run_a: Annotated[int, typer.Argument(help="Earlier run id.")],
    run_b: Annotated[int, typer.Argument(help="Later run id.")],
    as_json: JsonOpt = False,
) -> None:
    """Which appointments changed hands between two runs, and why."""
    from routing.cli.output import emit
    from routing.scheduling.runs import diff_runs

    emit(diff_runs(initialised_engine(), run_a, run_b), as_json, _print_diff)


def _print_diff(document: dict[str, Any]) -> None:
    from routing.cli.output import Column, console, print_table

    def held(side: dict[str, Any]) -> Any:
        """``✔ Brenda Jones (#3)`` for a tech's appointment, ``✘ unassigned`` otherwise."""
        if side["tech_id"] is None:
            return outcome_mark(side["outcome"])
        text = outcome_mark(side["outcome"], word=False)
        text.append(f" {side['name'] or 'tech'} (#{side['tech_id']})")
        if side["outcome"] != "assigned":
            text.append(f" {side['outcome']}")
        return text

    rows = [
        {"appointment_id": c["appointment_id"], "run_a": held(c["a"]), "run_b": held(c["b"]), "why": c["why"]}
        for c in document["changed"]
    ]
    print_table(
        f"Run {document['run_a']} → run {document['run_b']}",
        rows,
        [
            Column("appointment_id", "appt", "right", keep=True, wide_header="appointment"),
            Column("run_a", f"run {document['run_a']}"),
            Column("run_b", f"run {document['run_b']}"),
            Column("why", "why"),
        ],
    )
    console().print(
        f"{len(document['changed'])} changed, {document['unchanged']} unchanged, "
        f"{len(document['only_in_a'])} only in run {document['run_a']}, "
        f"{len(document['only_in_b'])} only in run {document['run_b']}.",
        markup=False,
    )


@runs_app.command("replay")
def runs_replay(run_id: Annotated[int, typer.Argument(help="Run id.")], as_json: JsonOpt = False) -> None:
    """Re-run the engine on the run's stored inputs and check it reproduces every decision (exit 1 if not)."""
    from dataclasses import asdict

    from routing.cli.output import emit
    from routing.errors import ValidationFailed
    from routing.scheduling.replay import replay

    result = replay(initialised_engine(), run_id)
    if not result.reproduced:
        raise ValidationFailed(
            f"Replaying run {run_id} did not reproduce it ({len(result.differences)} differences).",
            details=[{"message": d} for d in result.differences],
        )
    emit(
        asdict(result),
        as_json,
        lambda d: typer.echo(
            f"Run {d['run_id']} reproduced: {d['appointments']} appointments and "
            f"{d['candidates']} candidate rows match."
        ),
    )


@appointments_app.command("create")
def appointments_create(
    customer: Annotated[str, typer.Option("--customer", help="Customer external id.")],
    work_order_type: Annotated[str, typer.Option("--type", help="Work-order type code.")],
    date: Annotated[str, typer.Option("--date", help="Day (YYYY-MM-DD).")],
    slot: Annotated[str, typer.Option("--slot", help="Slot window, e.g. 08:00-12:00.")],
    external_id: Annotated[str | None, typer.Option("--external-id", help="Default: generated.")] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="Default: the customer's location.")
    ] = None,
    duration: Annotated[int | None, typer.Option("--duration", help="Minutes; default the type's.")] = None,
    zip_code: Annotated[str | None, typer.Option("--zip", help="Default: the customer's zip.")] = None,
    priority: Annotated[int, typer.Option(help="1 (first) to 5.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Book one appointment; with auto_assign_on_create on, the scheduler assigns it at once."""
    from routing.cli.output import emit
    from routing.scheduling.booking import create_appointment

    document = create_appointment(
        initialised_engine(),
        customer=customer,
        work_order_type=work_order_type,
        date=_date(date, "--date"),
        slot=slot,
        external_id=external_id,
        location=location,
        duration=duration,
        zip_code=zip_code,
        priority=priority,
    )
    emit(document, as_json, _print_booking)


def _print_booking(d: dict[str, Any]) -> None:
    from routing.cli.output import console

    text = f"Appointment {d['appointment_id']} ({d['external_id']}) booked for {d['date']} {d['slot']}."
    run = d.get("assignment")
    if run is None:
        text += " It stays unassigned until the next scheduler run (auto_assign_on_create is off)."
    elif d.get("tech_id") is not None:
        text += (
            f" Assigned to tech {d['tech_id']} by run {run['run_id']} "
            f"(routing explain appointment {d['appointment_id']})."
        )
    else:
        text += (
            f" No tech could take it (run {run['run_id']}); "
            f"see routing explain appointment {d['appointment_id']}."
        )
    console().print(text, markup=False)
