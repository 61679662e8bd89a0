"""Explanations answered from a run's stored data alone (never a re-computation).

"Why did X get job Y?" (``explain_appointment``) and "why didn't Y get a job while free?"
(``explain_tech``). Sentences are rendered from the stored codes and facts when read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from routing.db.company import Location
from routing.db.runlog import RunAppointment, RunCandidate, RunRosterEntry, ScheduleRun
from routing.errors import NotFound
from routing.scheduling.messages import sentence
from routing.scheduling.profiles import hhmm
from routing.scheduling.suggest import best_change

OBJECTIVES = ("distance", "preferred", "workload", "priority", "skill")
_CANDIDATE_COLUMNS = (
    RunCandidate.tech_id,
    RunCandidate.eligible,
    RunCandidate.failed_rules,
    RunCandidate.facts,
    RunCandidate.score,
    RunCandidate.s_distance,
    RunCandidate.s_preferred,
    RunCandidate.s_workload,
    RunCandidate.s_priority,
    RunCandidate.s_skill,
    RunCandidate.distance_miles,
    RunCandidate.rank,
    RunCandidate.chosen,
    RunCandidate.lost_to_tech_id,
    RunCandidate.lost_to_appointment_id,
    RunCandidate.lost_reason,
)


@dataclass(frozen=True)
class Roster:
    """The run's techs: id -> (name, active, location codes)."""

    techs: dict[int, tuple[str, bool, list[str]]]

    def name(self, tech_id: int | None) -> str:
        """Display name (falls back to the id)."""
        if tech_id is None:
            return "nobody"
        entry = self.techs.get(int(tech_id))
        return entry[0] if entry else f"tech {tech_id}"

    def label(self, tech_id: int) -> str:
        """``Name (#id)``."""
        return f"{self.name(tech_id)} (#{tech_id})"


def load_roster(conn: Connection, run_id: int) -> Roster:
    """The stored roster of ``run_id``."""
    r = RunRosterEntry
    rows = conn.execute(select(r.tech_id, r.name, r.active, r.location_codes).where(r.run_id == run_id))
    return Roster({t: (n, bool(a), (codes or "").split()) for t, n, a, codes in rows})


def location_codes(conn: Connection) -> dict[int, str]:
    """Location id -> code (labels only; decisions are read from the run)."""
    return {id_: code for id_, code in conn.execute(select(Location.id, Location.code))}


def get_run(conn: Connection, run_id: int) -> Any:
    """The run row, or NotFound."""
    row = conn.execute(select(ScheduleRun).where(ScheduleRun.id == run_id)).first()
    if row is None:
        raise NotFound(f"No scheduler run {run_id}. List runs with: routing runs list")
    return row


def failed_rules(codes: str | None, facts: str | None, tech: str, roster: Roster) -> list[dict[str, Any]]:
    """[{rule, message, facts}] for a stored candidate row."""
    values = json.loads(facts) if facts else {}
    return [
        {
            "rule": code,
            "message": sentence(code, values.get(code) or {}, tech, roster.label),
            "facts": values.get(code),
        }
        for code in (codes or "").split()
    ]


def _slot(row: Any) -> str:
    return f"{row.slot_start:%H:%M}-{row.slot_end:%H:%M}"


def _latest_run_for(conn: Connection, appointment_id: int) -> tuple[int, str]:
    """The run to explain by default, and why it was picked: the latest run that applied its plan
    and considered the appointment; only when none did, the latest dry run that considered it."""
    considered = (
        select(RunAppointment.run_id)
        .join(ScheduleRun, ScheduleRun.id == RunAppointment.run_id)
        .where(RunAppointment.appointment_id == appointment_id)
        .order_by(RunAppointment.run_id.desc())
        .limit(1)
    )
    run_id = conn.execute(considered.where(ScheduleRun.dry_run.is_(False))).scalar()
    if run_id is not None:
        return int(run_id), f"the latest run that considered appointment {appointment_id}"
    run_id = conn.execute(considered).scalar()
    if run_id is None:
        raise NotFound(f"No scheduler run has considered appointment {appointment_id}.")
    return int(run_id), (
        f"the latest dry run that considered appointment {appointment_id}: "
        "no run that applied its plan has considered it"
    )


def _ids(values: list[int]) -> str:
    return ("appointment " if len(values) == 1 else "appointments ") + ", ".join(map(str, values))


def _lost_sentence(
    row: dict[str, Any],
    chosen_score: float | None,
    roster: Roster,
    strategy: str,
    plan_jobs: list[int] | None = None,
) -> str | None:
    """Why an (initially) eligible tech did not get the appointment, naming the tech (never "her").

    Greedy: an appointment given to the tech earlier in this run took the capacity. Optimal: the
    plan needed the tech elsewhere (``plan_jobs``: what the plan gave the tech that day).
    """
    reason = row["lost_reason"]
    if reason is None:
        return None
    tech = roster.name(row["tech_id"])
    other = row["lost_to_appointment_id"]
    jobs = [j for j in plan_jobs or [] if j != row.get("appointment_id")]
    if reason in ("conflict", "daily_cap") and strategy == "optimal":
        if reason == "conflict":
            return (
                f"the plan needed {tech} elsewhere: it gave {tech} appointment {other} in an "
                "overlapping slot, which leaves no room for this one"
            )
        given = _ids(jobs) if jobs else f"appointment {other}"
        return f"the plan needed {tech} elsewhere: it gave {tech} {given} that day, up to the daily cap"
    if reason in ("conflict", "daily_cap"):
        if reason == "daily_cap":
            return (
                f"{tech} was free for it at the start of the run; appointment {other}, given to {tech} "
                "earlier in this run, reached the daily cap"
            )
        facts = (json.loads(row["facts"]) if row.get("facts") else {}).get("conflict") or {}
        also = [
            int(i)
            for i in dict.fromkeys([facts.get("with"), facts.get("over")])
            if i is not None and i not in (other, row.get("appointment_id"))
        ]
        there = f" ({_ids(also)} {'was' if len(also) == 1 else 'were'} already there)" if also else ""
        return (
            f"{tech} was free for it at the start of the run; appointment {other}, given to {tech} "
            f"earlier in this run, took the last room in the slot{there}"
        )
    winner = roster.label(row["lost_to_tech_id"]) if row["lost_to_tech_id"] is not None else "another tech"
    if reason == "tie":
        return f"tied with {winner} at {row['score']:.2f}; the tie-break chose {winner}"
    if reason == "plan":
        given = f"; the plan gave {tech} {_ids(jobs)} that day" if jobs else ""
        return (
            f"the plan gave it to {winner} although {tech} had room for it "
            f"(the solver stopped at its time limit){given}"
        )
    margin = (chosen_score or 0) - (row["score"] or 0)
    return f"{winner} scored {margin:.2f} points higher"


def _plan_jobs(conn: Connection, run_id: int, day: Any, tech_ids: list[int]) -> dict[int, list[int]]:
    """tech -> the appointments the run gave the tech on ``day`` (skipped ones too: the plan's)."""
    if not tech_ids:
        return {}
    ra = RunAppointment
    rows = conn.execute(
        select(ra.tech_id, ra.appointment_id)
        .where(ra.run_id == run_id, ra.date == day, ra.tech_id.in_(tech_ids), ra.outcome != "unassigned")
        .order_by(ra.appointment_id)
    )
    jobs: dict[int, list[int]] = {}
    for tech_id, appointment_id in rows:
        if tech_id is not None:
            jobs.setdefault(int(tech_id), []).append(int(appointment_id))
    return jobs


def explain_appointment(engine: Engine, appointment_id: int, run_id: int | None = None) -> dict[str, Any]:
    """Why the appointment went to whom it went (or to nobody), with every candidate ranked."""
    with engine.connect() as conn:
        run_selected = None
        if run_id is None:
            run_id, run_selected = _latest_run_for(conn, appointment_id)
        run = get_run(conn, run_id)
        decided = conn.execute(
            select(RunAppointment).where(
                RunAppointment.run_id == run_id, RunAppointment.appointment_id == appointment_id
            )
        ).first()
        if decided is None:
            raise NotFound(f"Run {run_id} did not consider appointment {appointment_id}.")
        roster = load_roster(conn, run_id)
        codes = location_codes(conn)
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(RunCandidate.appointment_id, *_CANDIDATE_COLUMNS).where(
                    RunCandidate.run_id == run_id, RunCandidate.appointment_id == appointment_id
                )
            )
        ]
        better = [r["tech_id"] for r in rows if r["lost_reason"] in ("daily_cap", "plan")]
        plan_jobs = _plan_jobs(conn, run_id, decided.date, better) if run.strategy == "optimal" else {}
    chosen = next((r for r in rows if r["chosen"]), None)
    chosen_score = chosen["score"] if chosen else None
    candidates = []
    # eligible candidates by rank (optimal may choose below rank 1), then the rejected by tech id
    for r in sorted(rows, key=lambda r: (not r["eligible"], r["rank"] or 0, r["tech_id"])):
        tech = roster.name(r["tech_id"])
        candidates.append(
            {
                "tech_id": r["tech_id"],
                "name": tech,
                "eligible": bool(r["eligible"]),
                "failed_rules": failed_rules(r["failed_rules"], r["facts"], tech, roster),
                "score": r["score"],
                "breakdown": {o: r[f"s_{o}"] for o in OBJECTIVES},
                "distance_miles": r["distance_miles"],
                "rank": r["rank"],
                "chosen": bool(r["chosen"]),
                "lost_to_tech_id": r["lost_to_tech_id"],
                "lost_to_appointment_id": r["lost_to_appointment_id"],
                "lost_reason": r["lost_reason"],
                "margin_to_chosen": None
                if chosen_score is None or r["score"] is None or r["chosen"]
                else round(chosen_score - r["score"], 4),
                "why_not": _lost_sentence(r, chosen_score, roster, run.strategy, plan_jobs.get(r["tech_id"])),
            }
        )
    runner_up = next((c for c in candidates if c["tech_id"] == decided.runner_up_tech_id), None)
    location = codes.get(decided.location_id, str(decided.location_id))
    listed = {r["tech_id"] for r in rows}
    for tech_id in sorted(set(roster.techs) - listed):
        name, active, works = roster.techs[tech_id]
        facts = {"location": location, "works": works}
        rules = [] if active else [{"rule": "inactive", "message": f"{name} is inactive", "facts": {}}]
        rules.append({"rule": "location", "message": sentence("location", facts, name), "facts": facts})
        candidates.append(
            {
                "tech_id": tech_id,
                "name": name,
                "eligible": False,
                "failed_rules": rules,
                "score": None,
                "breakdown": None,
                "distance_miles": None,
                "rank": None,
                "chosen": False,
                "lost_to_tech_id": None,
                "lost_to_appointment_id": None,
                "lost_reason": None,
                "margin_to_chosen": None,
                "why_not": None,
            }
        )
    detail = json.loads(decided.detail) if decided.detail else {}
    suggestion = None
    if decided.outcome == "unassigned":
        change = best_change(
            [(r["tech_id"], roster.name(r["tech_id"]), r["failed_rules"], r["facts"]) for r in rows]
        )
        suggestion = change.to_json() if change else None
    return {
        "run_id": run_id,
        "run_started_at": run.started_at,
        "dry_run": bool(run.dry_run),
        "run_selected": run_selected,
        "strategy": run.strategy,
        "appointment_id": appointment_id,
        "location": location,
        "date": decided.date,
        "slot": _slot(decided),
        "profile": decided.profile_name,
        "outcome": decided.outcome,
        "tech_id": decided.tech_id,
        "tech_name": roster.name(decided.tech_id) if decided.tech_id is not None else None,
        "score": decided.score,
        "runner_up_tech_id": decided.runner_up_tech_id,
        "runner_up_name": runner_up["name"] if runner_up else None,
        "runner_up_why_not": runner_up["why_not"] if runner_up else None,
        "margin": decided.margin,
        "tie_break": decided.tie_break,
        "candidates_total": len(candidates),
        "candidates_eligible": decided.candidates_eligible,
        "blocking": detail.get("blocking"),
        "skipped": detail if decided.outcome == "skipped" else None,
        "suggestion": suggestion,
        "candidates": candidates,
    }


def explain_tech(engine: Engine, tech_id: int, run_id: int) -> dict[str, Any]:
    """Every appointment in the run's scope: assigned to the tech, or why not (rule or what it lost to)."""
    with engine.connect() as conn:
        run = get_run(conn, run_id)
        roster = load_roster(conn, run_id)
        if tech_id not in roster.techs:
            raise NotFound(f"Tech {tech_id} was not in the scope of run {run_id}.")
        codes = location_codes(conn)
        ra = RunAppointment
        appointments = {
            r.appointment_id: r
            for r in conn.execute(
                select(
                    ra.appointment_id,
                    ra.seq,
                    ra.outcome,
                    ra.tech_id,
                    ra.score,
                    ra.margin,
                    ra.location_id,
                    ra.date,
                    ra.slot_start,
                    ra.slot_end,
                )
                .where(ra.run_id == run_id)
                .order_by(ra.seq)
            )
        }
        rows = {
            r.appointment_id: dict(r._mapping)
            for r in conn.execute(
                select(RunCandidate.appointment_id, *_CANDIDATE_COLUMNS).where(
                    RunCandidate.run_id == run_id, RunCandidate.tech_id == tech_id
                )
            )
        }
    name, active, works = roster.techs[tech_id]
    mine_by_day: dict[Any, list[int]] = {}  # what the run (the plan) gave this tech, per day
    for a in appointments.values():
        if a.tech_id == tech_id and a.outcome != "unassigned":
            mine_by_day.setdefault(a.date, []).append(a.appointment_id)
    assigned: list[dict[str, Any]] = []
    not_assigned: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"rules": {}, "lost_to_tech": 0, "lost_capacity": 0, "not_at_location": 0}
    for appointment_id, a in appointments.items():
        base = {
            "appointment_id": appointment_id,
            "date": a.date,
            "slot": _slot(a),
            "location": codes.get(a.location_id, str(a.location_id)),
        }
        row = rows.get(appointment_id)
        if row is None:
            facts = {"location": base["location"], "works": works}
            not_assigned.append(
                {
                    **base,
                    "reason": "rule",
                    "rule": "location",
                    "rules": [{"rule": "location", "message": sentence("location", facts, name)}],
                }
            )
            summary["not_at_location"] += 1
            continue
        if row["chosen"]:
            outcome = "skipped" if a.outcome == "skipped" else "assigned"
            assigned.append(
                {**base, "outcome": outcome, "score": row["score"], "rank": row["rank"], "margin": a.margin}
            )
            continue
        entry: dict[str, Any] = {**base, "outcome": a.outcome, "score": row["score"]}
        if row["lost_to_appointment_id"] is not None:
            entry.update(
                reason="lost_to_appointment",
                lost_to={"appointment_id": row["lost_to_appointment_id"], "reason": row["lost_reason"]},
            )
            summary["lost_capacity"] += 1
        elif row["eligible"]:
            margin = None if a.score is None or row["score"] is None else round(a.score - row["score"], 4)
            entry.update(
                reason="lost_to_tech",
                lost_to={
                    "tech_id": row["lost_to_tech_id"],
                    "name": roster.name(row["lost_to_tech_id"]),
                    "margin": margin,
                    "reason": row["lost_reason"],
                },
            )
            summary["lost_to_tech"] += 1
        else:
            entry["reason"] = "rule"
            for rule in (row["failed_rules"] or "").split():
                summary["rules"][rule] = summary["rules"].get(rule, 0) + 1
        entry["rules"] = [
            {"rule": f["rule"], "message": f["message"]}
            for f in failed_rules(row["failed_rules"], row["facts"], name, roster)
        ]
        # the main failing rule (the first, in the rules' order); None when no rule failed
        entry["rule"] = entry["rules"][0]["rule"] if entry["rules"] else None
        entry["message"] = (
            _lost_sentence(row, a.score, roster, run.strategy, sorted(mine_by_day.get(a.date, [])))
            if entry["reason"] != "rule"
            else "; ".join(f["message"] for f in entry["rules"])
        )
        not_assigned.append(entry)
    free = active and not assigned
    return {
        "run_id": run_id,
        "run_started_at": run.started_at,
        "dry_run": bool(run.dry_run),
        "strategy": run.strategy,
        "tech_id": tech_id,
        "name": name,
        "active": active,
        "locations": works,
        "assigned": assigned,
        "not_assigned": not_assigned,
        "free_but_unassigned": {"free": free, "jobs_in_run": len(assigned), **summary},
    }


def minutes_label(minutes: int) -> str:
    """``HH:MM`` (re-exported for renderers)."""
    return hhmm(minutes)
