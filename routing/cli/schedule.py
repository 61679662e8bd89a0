"""Scheduler commands: schedule run, runs list|show|diff|replay, explain appointment|tech,
appointments create. Heavy imports stay inside the commands (``routing --help`` must be fast)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from routing.cli.database import initialised_engine

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

schedule_app = typer.Typer(help="Run the tech auto-scheduler.", no_args_is_help=True)
runs_app = typer.Typer(help="The scheduler's run log: list, show, diff, replay.", no_args_is_help=True)
explain_app = typer.Typer(
    help="Why a run decided what it did (from the run's stored reasoning).", no_args_is_help=True
)
appointments_app = typer.Typer(help="Book appointments.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the scheduler command groups to the main app."""
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(runs_app, name="runs")
    app.add_typer(explain_app, name="explain")
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
        list[str] | None, typer.Option("--location", help="Location code (repeatable).")
    ] = None,
    tech: Annotated[list[int] | None, typer.Option("--tech", help="Technician id (repeatable).")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default today.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day; default the horizon.")] = None,
    strategy: Annotated[str, typer.Option(help="greedy (default) or optimal (OR-Tools).")] = "greedy",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Store the reasoning; change no appointment.")
    ] = False,
    solver_seconds: Annotated[
        float | None,
        typer.Option("--solver-seconds", help="optimal: deterministic time limit per partition (default 1)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Assign unassigned slot appointments in scope; every decision is stored with its reasons."""
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
    emit(result.to_json(), as_json, _print_result)


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
        f"routing explain appointment ID --run {document['run_id']}",
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
    from routing.cli.output import console, print_table

    if not document["available"]:
        console().print(
            f"The scheduler run log is unavailable: {document['unavailable_reason']}", markup=False
        )
    rows = [
        {**r, "scope": _scope_text(r["scope"]), "dry_run": "yes" if r["dry_run"] else ""}
        for r in document["runs"]
    ]
    print_table(
        "Scheduler runs",
        rows,
        [
            "run_id",
            "started_at",
            "trigger",
            "status",
            "dry_run",
            "strategy",
            "scope",
            "considered",
            "assigned",
            "unassigned",
            "skipped",
        ],
    )


def _scope_text(scope: dict[str, Any]) -> str:
    parts = [f"{scope.get('date_from')}..{scope.get('date_to')}"]
    if scope.get("locations"):
        parts.append(",".join(scope["locations"]))
    if scope.get("techs"):
        parts.append(f"{len(scope['techs'])} techs")
    if scope.get("appointment_ids"):
        parts.append(f"appointments {','.join(map(str, scope['appointment_ids'][:5]))}")
    return " ".join(parts)


@runs_app.command("show")
def runs_show(run_id: Annotated[int, typer.Argument(help="Run id.")], as_json: JsonOpt = False) -> None:
    """One run: outcome, every appointment, unassigned ones with blocking rules and a suggested fix."""
    from routing.cli.output import emit
    from routing.scheduling.runs import show_run

    emit(show_run(initialised_engine(), run_id), as_json, _print_run)


def _print_run(document: dict[str, Any]) -> None:
    from routing.cli.output import console, print_kv, print_table

    print_kv(
        f"Run {document['run_id']}",
        {
            k: document[k]
            for k in (
                "started_at",
                "trigger",
                "status",
                "dry_run",
                "strategy",
                "considered",
                "assigned",
                "unassigned",
                "skipped",
            )
        }
        | {
            "scope": _scope_text(document["scope"]),
            "profiles": ", ".join(p["name"] for p in document["profiles"] or []),
        },
    )
    if document.get("error"):
        console().print(f"Error: {document['error']}", markup=False)
    print_table(
        "Appointments",
        document["appointments"],
        [
            "seq",
            "appointment_id",
            "date",
            "slot",
            "location",
            "profile_name",
            "outcome",
            "tech_id",
            "score",
            "margin",
        ],
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
        print_table("Unassigned: techs blocked per rule", rows, ["appointment_id", "blocking", "suggestion"])
    if document["free_but_unassigned"]:
        rows = [
            {
                "tech_id": t["tech_id"],
                "name": t["name"],
                "reasons": ", ".join(f"{k} {v}" for k, v in [*t["rules"].items(), *t["lost"].items()][:6]),
            }
            for t in document["free_but_unassigned"]
        ]
        print_table("Active techs given nothing (free but unassigned)", rows, ["tech_id", "name", "reasons"])


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
    from routing.cli.output import console, print_table

    rows = [
        {
            "appointment_id": c["appointment_id"],
            "run_a": f"{c['a']['outcome']} {c['a']['name'] or ''}",
            "run_b": f"{c['b']['outcome']} {c['b']['name'] or ''}",
            "why": c["why"],
        }
        for c in document["changed"]
    ]
    print_table(
        f"Run {document['run_a']} → run {document['run_b']}",
        rows,
        ["appointment_id", "run_a", "run_b", "why"],
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


@explain_app.command("appointment")
def explain_appointment(
    appointment_id: Annotated[int, typer.Argument(help="Appointment id.")],
    run: Annotated[
        int | None, typer.Option("--run", help="Run id; default the latest run that considered it.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Why the appointment got its tech (or none): every candidate ranked, failed rules, scores, margin."""
    from routing.cli.output import emit
    from routing.scheduling.explain import explain_appointment as explain

    emit(explain(initialised_engine(), appointment_id, run), as_json, _print_appointment)


def _print_appointment(d: dict[str, Any]) -> None:
    from rich.text import Text

    from routing.cli.output import console

    out = console()
    head = (
        f"Appointment {d['appointment_id']} ({d['location']}, {d['date']} {d['slot']}, "
        f"profile {d['profile']}) in run {d['run_id']}: "
    )
    if d["outcome"] == "assigned":
        head += f"assigned to {d['tech_name']} (#{d['tech_id']}) with score {d['score']:.2f}"
        if d["margin"] is not None:
            head += f", {d['margin']:.2f} ahead of #{d['runner_up_tech_id']}"
    else:
        head += d["outcome"]
    out.print(Text(head, style="bold"))
    if d["tie_break"]:
        out.print(Text(f"  Tie-break: {d['tie_break']}"))
    if d["skipped"]:
        out.print(Text(f"  Skipped at commit: {d['skipped'].get('message')}"))
    elsewhere = [c for c in d["candidates"] if any(f["rule"] == "location" for f in c["failed_rules"])]
    for c in d["candidates"]:
        if c in elsewhere:
            continue
        mark = "✔" if c["chosen"] else ("·" if c["eligible"] else "✘")
        score = "" if c["score"] is None else f" {c['score']:.2f}"
        rank = f" rank {c['rank']}" if c["rank"] else ""
        out.print(Text(f"  {mark} {c['name']} (#{c['tech_id']}){score}{rank}"))
        for f in c["failed_rules"]:
            out.print(Text(f"      {f['rule']}: {f['message']}"))
        if c["why_not"]:
            out.print(Text(f"      {c['why_not']}"))
    if elsewhere:
        out.print(Text(f"  {len(elsewhere)} other techs in scope do not work {d['location']}."))
    if d["blocking"]:
        out.print(
            Text(
                "  Blocking: "
                + ", ".join(f"{k} ({v} tech{'' if v == 1 else 's'})" for k, v in d["blocking"].items())
            )
        )
    if d["suggestion"]:
        out.print(Text(f"  Suggestion: {d['suggestion']['message']}"))


@explain_app.command("tech")
def explain_tech(
    tech_id: Annotated[int, typer.Argument(help="Technician id.")],
    run: Annotated[int, typer.Option("--run", help="Run id.")],
    as_json: JsonOpt = False,
) -> None:
    """Why the tech got (or did not get) each appointment in the run's scope."""
    from routing.cli.output import emit
    from routing.scheduling.explain import explain_tech as explain

    emit(explain(initialised_engine(), tech_id, run), as_json, _print_tech)


def _print_tech(d: dict[str, Any]) -> None:
    from rich.text import Text

    from routing.cli.output import console

    out = console()
    out.print(
        Text(f"{d['name']} (#{d['tech_id']}) in run {d['run_id']}: {len(d['assigned'])} jobs", style="bold")
    )
    for a in d["assigned"]:
        out.print(
            Text(
                f"  ✔ appointment {a['appointment_id']} {a['date']} {a['slot']} {a['location']} "
                f"score {a['score']:.2f}"
            )
        )
    shown = [
        n for n in d["not_assigned"] if not (n["reason"] == "rule" and n["rules"][0]["rule"] == "location")
    ]
    for n in shown:
        out.print(
            Text(
                f"  ✘ appointment {n['appointment_id']} {n['date']} {n['slot']} {n['location']}: "
                f"{n.get('message')}"
            )
        )
    summary = d["free_but_unassigned"]
    out.print(
        Text(
            f"  Summary: lost to a better-scored tech {summary['lost_to_tech']}, "
            f"capacity taken {summary['lost_capacity']}, "
            f"rules {summary['rules']}, not at the location {summary['not_at_location']}."
            + (" Free but unassigned." if summary["free"] else "")
        )
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
