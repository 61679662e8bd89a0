"""Per-appointment candidate tables and the "free but unassigned" techs, sized for large runs."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from routing.reports import html as h
from routing.reports import run_shapes as shapes

CANDIDATE_COLUMNS = {
    "rank": "Rank",
    "tech": "Tech",
    "eligible": "Eligible",
    "score_shown": "Score",
    "distance_miles": "Miles",
    "s_distance": "Distance",
    "s_preferred": "Preferred",
    "s_workload": "Workload",
    "s_priority": "Priority",
    "s_skill": "Skill",
    "why": "Failed rules / outcome",
}
COMPACT_COLUMNS = {
    "appointment_id": "Appt",
    "external_id": "External id",
    "seq": "Order decided",
    "date": "Day",
    "slot_start": "Slot",
    "work_order_type": "Type",
    "outcome": "Outcome",
    "tech_name": "Tech",
    "score": "Score",
    "runner_up_name": "Runner-up",
    "margin": "Margin",
}
FREE_COLUMNS = {
    "name": "Tech",
    "tech_id": "Tech id",
    "locations": "Locations",
    "working": "Slots they were working",
    "reasons": "Why they got none of them",
}
FREE_ROW_COLUMNS = {
    "appointment_id": "Appt",
    "external_id": "External id",
    "date": "Day",
    "slot_start": "Slot",
    "location_code": "Location",
    "why": "Why not this tech",
    "tech_name": "Went to",
}
NO_CANDIDATE = "No candidate: no tech in the run's scope works this location."


def failure_text(failed_rules: str | None, facts: str | None, tech: str, names: dict[int, str]) -> str:
    """The failed rules as the scheduler's sentences, from the codes and facts the run stored."""
    from routing.scheduling.messages import sentence

    codes = [c for c in (failed_rules or "").split(" ") if c]
    try:
        values = json.loads(facts) if facts else {}
    except ValueError:
        values = {}
    if not isinstance(values, dict):
        values = {}
    lookup = lambda tech_id: _tech(names, tech_id)  # noqa: E731
    return "; ".join(sentence(code, values.get(code) or {}, tech, lookup) for code in codes)


def tech_label(name: str | None, tech_id: int | None) -> str:
    """``Sharon Mason (tech 2)``: a tech is never labelled ``#2`` (``#`` reads as an order)."""
    if tech_id is None:
        return name or "?"
    return f"{name or '?'} (tech {tech_id})"


def appt_label(appointment_id: Any, external_id: str | None = None) -> str:
    """``appt 53 (DEMO-A000053)``: the appointment id, then the company's own reference."""
    return f"appt {appointment_id} ({external_id})" if external_id else f"appt {appointment_id}"


def _tech(names: dict[int, str], tech_id: int | None) -> str:
    return tech_label(names.get(tech_id, "?") if tech_id is not None else "?", tech_id)


def lost_text(row: dict[str, Any], names: dict[int, str], winner_score: float | None) -> str:
    """Why an (initially) eligible candidate did not get the appointment, from ``lost_*`` columns.

    A lost capacity row that is still eligible is the optimal plan's (it needed the tech
    elsewhere); one that failed the rule is greedy's (an assignment earlier in this run).
    """
    winner = _tech(names, row["lost_to_tech_id"]) if row["lost_to_tech_id"] is not None else "another tech"
    reason = row["lost_reason"]
    other = row["lost_to_appointment_id"]
    if other is not None or reason in ("conflict", "daily_cap"):
        if row.get("eligible"):
            where = "in an overlapping slot" if reason == "conflict" else "that day, up to the daily cap"
            return f"the plan needed this tech elsewhere: it gave them appt {other} {where}"
        return f"capacity went to appt {other}, given to this tech earlier in this run"
    if reason == "tie":
        return f"lost to {winner} on the tie-break"
    if reason == "plan":
        return f"the optimal plan gave it to {winner}"
    if winner_score is not None and row["score"] is not None:
        return f"lost to {winner} by {winner_score - row['score']:.2f} points"
    return f"lost to {winner}"


def candidate_rows(
    candidates: pl.DataFrame, names: dict[int, str], winner_scores: dict[int, float] | None = None
) -> list[dict[str, Any]]:
    """Display rows for candidates: eligible by rank, then rejected by tech, with why each lost."""
    ordered = candidates.sort(
        ["eligible", "rank", "tech_id"], descending=[True, False, False], nulls_last=True
    )
    if winner_scores is None:
        chosen = candidates.filter(pl.col("chosen"))
        winner_scores = dict(zip(chosen["appointment_id"], chosen["score"], strict=True))
    rows = []
    for c in ordered.iter_rows(named=True):
        tech = _tech(names, c["tech_id"])
        parts = [failure_text(c["failed_rules"], c["facts"], names.get(c["tech_id"], tech), names)]
        if c["chosen"]:
            parts = ["chosen"]
        elif c["lost_to_tech_id"] is not None or c["lost_to_appointment_id"] is not None or c["lost_reason"]:
            parts.append(lost_text(c, names, winner_scores.get(c["appointment_id"])))
        # only eligible candidates are ranked and compared; a rejected one's score is hypothetical
        score = c["score"]
        shown = score if c["eligible"] or score is None else f"(would score {score:.2f})"
        rows.append({**c, "tech": tech, "score_shown": shown, "why": "; ".join(p for p in parts if p)})
    return rows


def candidate_table(candidates: pl.DataFrame, names: dict[int, str], *, max_rejected: int) -> h.Html:
    """Eligible candidates ranked, then up to ``max_rejected`` rejected ones; the rest as counts."""
    rows = candidate_rows(candidates, names)
    eligible = [r for r in rows if r["eligible"]]
    rejected = [r for r in rows if not r["eligible"]]
    shown = eligible + rejected[:max_rejected]
    parts: list[Any] = [h.table(shown, CANDIDATE_COLUMNS, row_class="chosen", empty=NO_CANDIDATE)]
    hidden = len(rejected) - max_rejected
    if hidden > 0:
        codes: dict[str, int] = {}
        for row in rejected[max_rejected:]:
            for code in (row["failed_rules"] or "").split():
                codes[code] = codes.get(code, 0) + 1
        summary = ", ".join(f"{code} ×{n}" for code, n in sorted(codes.items(), key=lambda kv: -kv[1]))
        parts.append(h.note(f"{hidden} more rejected candidates: {summary}."))
    return h.join(parts)


def appointment_summary(appt: dict[str, Any]) -> str:
    """One line: appointment, when, where, what, outcome and the chosen tech."""
    slot = f"{appt['slot_start']:%H:%M}–{appt['slot_end']:%H:%M}" if appt["slot_start"] else ""
    when = f"{appt['date']:%a %Y-%m-%d}" if appt["date"] else ""
    name = appt_label(appt["appointment_id"], appt["external_id"])
    where = f"{appt['location_code']} · {appt['work_order_type']}"
    line = f"{name} · {when} {slot} · {where} · {appt['outcome']}"
    if appt["outcome"] == "assigned":
        line += f" → {tech_label(appt['tech_name'], appt['tech_id'])} (score {_num(appt['score'])}"
        if appt["runner_up_tech_id"] is not None:
            runner_up = tech_label(appt["runner_up_name"], appt["runner_up_tech_id"])
            margin = appt["margin"]
            if isinstance(margin, float) and margin < 0:
                line += f", {_num(-margin)} below {runner_up}, whom the plan needed elsewhere"
            else:
                line += f", {_num(margin)} ahead of {runner_up}"
        line += ")"
    else:
        line += f" ({appt['candidates_eligible']} of {appt['candidates_total']} candidates eligible"
        line += f"; main blocker: {appt['blocker']})" if appt.get("blocker") else ")"
    return line


def _num(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def detail_text(detail: str | None) -> str:
    """The stored ``run_appointments.detail`` JSON in words (what blocked it, or why it was skipped)."""
    if not detail:
        return ""
    try:
        values = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return str(values)
    if "skipped" in values:
        return f"skipped at commit ({values['skipped']}): {values.get('message') or ''}".rstrip(": ")
    parts = []
    blocking = values.get("blocking") or {}
    if isinstance(blocking, dict) and blocking:
        rules = ", ".join(f"{rule} ({n} tech{'' if n == 1 else 's'})" for rule, n in blocking.items())
        parts.append(f"rejected by {rules}")
    elsewhere = values.get("not_at_location")
    if elsewhere:
        parts.append(f"{elsewhere} tech{' does' if elsewhere == 1 else 's do'} not work the location")
    rest = {k: v for k, v in values.items() if k not in ("blocking", "not_at_location")}
    parts.extend(f"{k.replace('_', ' ')}: {v}" for k, v in rest.items())
    return "; ".join(parts) or "nothing recorded"


def appointment_block(
    appt: dict[str, Any], candidates: pl.DataFrame, names: dict[int, str], *, max_rejected: int
) -> h.Html:
    """A collapsible block: the appointment's facts and its ranked candidate table."""
    facts = {
        "Appointment": appt_label(appt["appointment_id"], appt["external_id"]),
        "Customer": appt["customer_name"],
        "Customer notes": appt["customer_notes"],
        "Zip": appt["zip"],
        "Profile": appt["profile_name"],
        "Duration": f"{appt['duration_minutes']} min" if appt["duration_minutes"] else "",
        "Tie-break": appt["tie_break"],
        "Recorded detail": detail_text(appt["detail"]),
    }
    return h.details(
        appointment_summary(appt),
        h.key_values({k: v for k, v in facts.items() if v not in (None, "")}),
        candidate_table(candidates, names, max_rejected=max_rejected),
    )


def appointment_details(
    selected: pl.DataFrame,
    all_appts: pl.DataFrame,
    candidates: pl.DataFrame,
    names: dict[int, str],
    *,
    max_rejected: int = 15,
    compact_rows: int = 100,
    csv_name: str = "",
    blockers: pl.DataFrame | None = None,
) -> h.Html:
    """Selected appointments with every candidate (unassigned first), then a compact list per location."""
    if blockers is not None:
        selected = selected.join(
            blockers.select("appointment_id", "blocker"), on="appointment_id", how="left"
        )
    by_appt = {key: part for (key,), part in candidates.partition_by("appointment_id", as_dict=True).items()}
    empty = candidates.clear()
    more = f" Every appointment is in {csv_name}." if csv_name else ""
    more += " `routing explain appointment ID --run RUN` explains any one."
    parts: list[Any] = []
    for title, wanted in (("Appointments not assigned", False), ("Appointments assigned", True)):
        chosen = [a for a in selected.iter_rows(named=True) if (a["outcome"] == "assigned") == wanted]
        total = all_appts.filter((pl.col("outcome") == "assigned") == wanted).height
        parts.append(h.heading(title, 3))
        cut = more if len(chosen) < total else ""
        parts.append(h.note(f"{len(chosen):,} of {total:,} shown with their candidates.{cut}"))
        for appt in chosen:
            mine = by_appt.get(appt["appointment_id"], empty)
            parts.append(appointment_block(appt, mine, names, max_rejected=max_rejected))
    parts.append(h.heading("Every appointment, by location", 3))
    ordered = all_appts.sort("location_code", "seq", nulls_last=True)
    for (code,), part in ordered.group_by("location_code", maintain_order=True):
        assigned = part.filter(pl.col("outcome") == "assigned").height
        label = f"{code}: {part.height:,} appointments, {assigned:,} assigned"
        parts.append(h.details(label, h.table(part, COMPACT_COLUMNS, max_rows=compact_rows)))
    return h.section("Appointments and their candidates", *parts)


def free_techs(
    free: pl.DataFrame,
    idle_without: pl.DataFrame,
    tech_rows: pl.DataFrame,
    appts: pl.DataFrame,
    names: dict[int, str],
    *,
    max_techs: int = 50,
    max_rows: int = 25,
) -> h.Html:
    """Techs who had open time yet got nothing, with the reasons appointment by appointment."""
    parts: list[Any] = [
        h.table(free, FREE_COLUMNS, max_rows=max_techs, empty="Every active tech with open time got a job.")
    ]
    info = appts.select(
        "appointment_id", "external_id", "date", "slot_start", "location_code", "outcome", "tech_name"
    )
    winners = appts.filter(pl.col("outcome") == "assigned")
    winner_scores = dict(zip(winners["appointment_id"], winners["score"], strict=True))
    working = shapes.rule_lists(tech_rows).filter(
        ~pl.col("rules").list.eval(pl.element().is_in(list(shapes.OPEN_TIME_RULES))).list.any()
    )
    for tech in free.head(max_techs).iter_rows(named=True):
        mine = working.filter(pl.col("tech_id") == tech["tech_id"])
        rows = candidate_rows(mine, names, winner_scores)
        table = (
            pl.DataFrame(rows, infer_schema_length=None).join(info, on="appointment_id", how="left")
            if rows
            else pl.DataFrame()
        )
        label = f"{tech_label(tech['name'], tech['tech_id'])}: {tech['reasons']}"
        parts.append(h.details(label, h.table(table, FREE_ROW_COLUMNS, max_rows=max_rows)))
    if idle_without.height:
        listed = ", ".join(
            f"{tech_label(r['name'], r['tech_id'])}, {r['locations']}"
            for r in idle_without.head(100).iter_rows(named=True)
        )
        count = idle_without.height
        parts.append(
            h.note(f"{count} active techs had no appointment to consider in their locations: {listed}")
        )
    intro = "Active techs who were working at a slot they were considered for, yet got no job from this run."
    return h.section("Free but unassigned techs", h.note(intro), *parts)
