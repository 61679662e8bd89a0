"""Explain commands: why a run gave an appointment its tech (or none), and why a tech got what
they got. Read from the run's stored reasoning; heavy imports stay inside the commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from routing.cli.database import initialised_engine
from routing.cli.output import (
    Column,
    DayFormat,
    JsonOpt,
    console,
    emit,
    hanging,
    number,
    outcome_mark,
    print_table,
    rule_counts,
)
from routing.words import plural

explain_app = typer.Typer(
    help="Why a run decided what it did (from the run's stored reasoning).", no_args_is_help=True
)


@explain_app.command("appointment")
def explain_appointment(
    appointment_id: Annotated[int, typer.Argument(help="Appointment id.")],
    run: Annotated[
        int | None,
        typer.Option(
            "--run",
            help="Run id; default the latest run that considered it and applied its plan "
            "(a dry run only when no such run did).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Why the appointment got its tech (or none): every candidate ranked, failed rules, scores, margin."""
    from routing.scheduling.explain import explain_appointment as explain

    emit(explain(initialised_engine(), appointment_id, run), as_json, _print_appointment)


def _run_name(d: dict[str, Any]) -> str:
    """``run 6`` or ``dry run 1``."""
    return f"{'dry run' if d.get('dry_run') else 'run'} {d['run_id']}"


def _print_appointment(d: dict[str, Any]) -> None:
    from rich.text import Text

    out = console()
    head = (
        f"Appointment {d['appointment_id']} ({d['location']}, {d['date']} {d['slot']}, "
        f"profile {d['profile']}) in {_run_name(d)}: "
    )
    would = "would be " if d.get("dry_run") else ""
    runner_up = f"{d['runner_up_name']} (#{d['runner_up_tech_id']})"
    if d["outcome"] == "assigned":
        head += f"{would}assigned to {d['tech_name']} (#{d['tech_id']}) with score {d['score']:.2f}"
        if d["margin"] is not None and d["margin"] >= 0:
            head += f", {d['margin']:.2f} ahead of {runner_up}"
        elif d["margin"] is not None:
            head += f", {-d['margin']:.2f} below {runner_up}"
    else:
        head += would + {"unassigned": "left unassigned"}.get(d["outcome"], d["outcome"])
    out.print(Text(head, style="bold"))
    if d.get("run_selected"):
        out.print(hanging(2, "Run: ", f"{d['run_selected']} (choose another with --run)"))
    if d["margin"] is not None and d["margin"] < 0 and d.get("runner_up_why_not"):
        out.print(hanging(2, f"Why not {runner_up}: ", d["runner_up_why_not"]))
    if d["tie_break"]:
        out.print(hanging(2, "Tie-break: ", str(d["tie_break"])))
    if d["skipped"]:
        out.print(hanging(2, "Skipped at commit: ", str(d["skipped"].get("message"))))
    elsewhere = [c for c in d["candidates"] if any(f["rule"] == "location" for f in c["failed_rules"])]
    for c in d["candidates"]:  # eligible by rank, then the rejected
        if c in elsewhere:
            continue
        mark = "✔" if c["chosen"] else ("·" if c["eligible"] else "✘")
        if c["score"] is None:
            score = ""
        else:  # only eligible candidates are ranked; a rejected one's score is what it would have been
            score = f" {c['score']:.2f}" if c["eligible"] else f" (would score {c['score']:.2f})"
        rank = f" rank {c['rank']}" if c["rank"] else ""
        out.print(hanging(2, f"{mark} ", f"{c['name']} (#{c['tech_id']}){score}{rank}"))
        for f in c["failed_rules"]:
            out.print(hanging(6, f"{f['rule']}: ", f["message"]))
        if c["why_not"]:
            out.print(hanging(6, "", c["why_not"]))
    if elsewhere:
        out.print(hanging(2, "", f"{len(elsewhere)} other techs in scope do not work {d['location']}."))
    if d["blocking"]:
        out.print(
            hanging(
                2,
                "Blocking: ",
                ", ".join(f"{k} ({plural(v, 'tech')})" for k, v in d["blocking"].items()),
            )
        )
    if d["suggestion"]:
        out.print(hanging(2, "Suggestion: ", d["suggestion"]["message"]))


@explain_app.command("tech")
def explain_tech(
    tech_id: Annotated[int, typer.Argument(help="Technician id.")],
    run: Annotated[int, typer.Option("--run", help="Run id.")],
    as_json: JsonOpt = False,
) -> None:
    """Why the tech got (or did not get) each appointment in the run's scope."""
    from routing.scheduling.explain import explain_tech as explain

    emit(explain(initialised_engine(), tech_id, run), as_json, _print_tech)


def _print_tech(d: dict[str, Any]) -> None:
    from rich.text import Text

    out = console()
    jobs = plural(len(d["assigned"]), "job")
    would = "would get " if d.get("dry_run") else ""
    out.print(Text(f"{d['name']} (#{d['tech_id']}) in {_run_name(d)}: {would}{jobs}", style="bold"))
    shown = [
        n for n in d["not_assigned"] if not (n["reason"] == "rule" and n["rules"][0]["rule"] == "location")
    ]
    days = DayFormat.of(a["date"] for a in [*d["assigned"], *shown])
    rows = [
        {
            **a,
            "mark": outcome_mark(a.get("outcome", "assigned"), word=False),
            "day": days.day(a["date"]),
            "result": ("skipped at commit; " if a.get("outcome") == "skipped" else "")
            + f"score {number(a['score'])}",
        }
        for a in d["assigned"]
    ] + [
        {
            **n,
            "mark": outcome_mark("unassigned", word=False),
            "day": days.day(n["date"]),
            "result": n.get("message"),
        }
        for n in shown
    ]
    if rows:
        year = "" if days.year is None else f" ({days.year})"
        print_table(
            f"Appointments in scope{year}: ✔ given to this tech, ✘ not and why",
            rows,
            [
                Column("mark", "", keep=True),
                Column("appointment_id", "appt", "right", keep=True, wide_header="appointment"),
                Column("day", "date", keep=True),
                Column("slot", "slot", keep=True),
                Column("location", "loc", wide_header="location"),
                Column("result", "score or why not"),
            ],
        )
    summary = d["free_but_unassigned"]
    out.print(
        hanging(
            2,
            "Summary: ",
            f"lost to a better-scored tech {summary['lost_to_tech']}, "
            f"capacity taken {summary['lost_capacity']}, "
            f"rules {rule_counts(summary['rules'])}, not at the location {summary['not_at_location']}."
            + (" Free but unassigned." if summary["free"] else ""),
        )
    )
