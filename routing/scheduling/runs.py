"""The run log, read side: list runs, show one run, and diff two runs (stored data only)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from routing.company.settings import get_company_settings, scheduler_availability
from routing.db.runlog import RunAppointment, RunCandidate, RunRosterEntry, ScheduleRun
from routing.scheduling.explain import failed_rules, get_run, load_roster, location_codes
from routing.scheduling.suggest import RELAXABLE, best_change

RUN_FIELDS = (
    "id",
    "started_at",
    "finished_at",
    "trigger",
    "status",
    "dry_run",
    "strategy",
    "scope",
    "considered",
    "assigned",
    "unassigned",
    "skipped",
    "error",
    "engine_version",
    "prefect_flow_run_id",
    "report_path",
)


def _run_json(run: Any) -> dict[str, Any]:
    return {("run_id" if name == "id" else name): getattr(run, name) for name in RUN_FIELDS}


def list_runs(engine: Engine, limit: int = 50) -> dict[str, Any]:
    """Recent runs, newest first, and whether the scheduler is available (and if not, why)."""
    with Session(engine) as session:
        availability = scheduler_availability(get_company_settings(session))
        runs = session.execute(
            select(*(getattr(ScheduleRun, f) for f in RUN_FIELDS))
            .order_by(ScheduleRun.id.desc())
            .limit(limit)
        ).all()
    return {
        "available": availability.available,
        "unavailable_reason": availability.reason,
        "setting": availability.setting,
        "runs": [_run_json(r) for r in runs],
    }


def show_run(engine: Engine, run_id: int) -> dict[str, Any]:
    """One run: its fields, profiles, every appointment's outcome, unassigned reasons, idle techs."""
    with engine.connect() as conn:
        run = get_run(conn, run_id)
        roster = load_roster(conn, run_id)
        codes = location_codes(conn)
        ra = RunAppointment
        appointments = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    ra.appointment_id,
                    ra.seq,
                    ra.outcome,
                    ra.tech_id,
                    ra.score,
                    ra.margin,
                    ra.runner_up_tech_id,
                    ra.profile_name,
                    ra.location_id,
                    ra.date,
                    ra.slot_start,
                    ra.slot_end,
                    ra.candidates_total,
                    ra.candidates_eligible,
                    ra.tie_break,
                    ra.detail,
                )
                .where(ra.run_id == run_id)
                .order_by(ra.seq)
            )
        ]
        relaxable: dict[int, list[tuple[int, str, str | None, str | None]]] = defaultdict(list)
        rc = RunCandidate
        for appointment_id, tech_id, rules, facts in conn.execute(
            select(rc.appointment_id, rc.tech_id, rc.failed_rules, rc.facts).where(
                rc.run_id == run_id, rc.eligible.is_(False), rc.failed_rules.in_(RELAXABLE)
            )
        ):
            relaxable[appointment_id].append((tech_id, roster.name(tech_id), rules, facts))
        idle = _idle_techs(conn, run_id)
    unassigned = []
    for a in appointments:
        a["location"] = codes.get(a.pop("location_id"), None)
        a["slot"] = f"{a.pop('slot_start'):%H:%M}-{a.pop('slot_end'):%H:%M}"
        detail = json.loads(a.pop("detail")) if a.get("detail") else None
        a["detail"] = detail
        if a["outcome"] == "unassigned":
            change = best_change(relaxable.get(a["appointment_id"], []))
            unassigned.append(
                {
                    "appointment_id": a["appointment_id"],
                    "blocking": (detail or {}).get("blocking", {}),
                    "not_at_location": (detail or {}).get("not_at_location"),
                    "suggestion": change.to_json() if change else None,
                }
            )
    return {
        **_run_json(run),
        "settings": run.settings_snapshot,
        "profiles": run.profile_snapshots,
        "params": run.params,
        "stats": run.stats,
        "appointments": appointments,
        "unassigned_appointments": unassigned,
        "free_but_unassigned": [{**t, "name": roster.name(t["tech_id"])} for t in idle],
    }


def _idle_techs(conn: Any, run_id: int) -> list[dict[str, Any]]:
    """Active techs given nothing in this run, with how often each reason kept them out."""
    r, rc = RunRosterEntry, RunCandidate
    idle = [
        t
        for (t,) in conn.execute(
            select(r.tech_id)
            .where(r.run_id == run_id, r.active.is_(True), r.assigned_in_run == 0)
            .order_by(r.tech_id)
        )
    ]
    if not idle:
        return []
    rules: dict[int, dict[str, int]] = {t: defaultdict(int) for t in idle}
    lost: dict[int, dict[str, int]] = {t: defaultdict(int) for t in idle}
    for start in range(0, len(idle), 500):
        chunk = idle[start : start + 500]
        query = (
            select(rc.tech_id, rc.failed_rules, rc.lost_reason, func.count())
            .where(rc.run_id == run_id, rc.tech_id.in_(chunk))
            .group_by(rc.tech_id, rc.failed_rules, rc.lost_reason)
        )
        for tech_id, codes, reason, count in conn.execute(query):
            if reason is not None:
                lost[tech_id][reason] += count
            for rule in (codes or "").split():
                rules[tech_id][rule] += count
    return [
        {
            "tech_id": t,
            "rules": dict(sorted(rules[t].items(), key=lambda kv: -kv[1])),
            "lost": dict(sorted(lost[t].items(), key=lambda kv: -kv[1])),
        }
        for t in idle
        if rules[t] or lost[t]
    ]


def diff_runs(engine: Engine, run_a: int, run_b: int) -> dict[str, Any]:
    """Which appointments changed hands between two runs, and why (from run B's stored reasoning)."""
    with engine.connect() as conn:
        get_run(conn, run_a)
        get_run(conn, run_b)
        ra = RunAppointment
        query = select(ra.appointment_id, ra.outcome, ra.tech_id, ra.score)
        a = {r.appointment_id: r for r in conn.execute(query.where(ra.run_id == run_a))}
        b = {r.appointment_id: r for r in conn.execute(query.where(ra.run_id == run_b))}
        both = sorted(set(a) & set(b))
        changed_ids = [i for i in both if (a[i].outcome, a[i].tech_id) != (b[i].outcome, b[i].tech_id)]
        roster_b = load_roster(conn, run_b)
        roster_a = load_roster(conn, run_a)
        rc = RunCandidate
        rows_b: dict[tuple[int, int], dict[str, Any]] = {}
        for start in range(0, len(changed_ids), 500):
            chunk = changed_ids[start : start + 500]
            for r in conn.execute(
                select(
                    rc.appointment_id,
                    rc.tech_id,
                    rc.eligible,
                    rc.failed_rules,
                    rc.facts,
                    rc.score,
                    rc.lost_reason,
                    rc.lost_to_tech_id,
                    rc.lost_to_appointment_id,
                ).where(rc.run_id == run_b, rc.appointment_id.in_(chunk))
            ):
                rows_b[(r.appointment_id, r.tech_id)] = dict(r._mapping)
    changed = []
    for i in changed_ids:
        before, after = a[i], b[i]
        changed.append(
            {
                "appointment_id": i,
                "a": {
                    "outcome": before.outcome,
                    "tech_id": before.tech_id,
                    "name": roster_a.name(before.tech_id) if before.tech_id else None,
                    "score": before.score,
                },
                "b": {
                    "outcome": after.outcome,
                    "tech_id": after.tech_id,
                    "name": roster_b.name(after.tech_id) if after.tech_id else None,
                    "score": after.score,
                },
                "why": _why_changed(before, after, rows_b, roster_b),
            }
        )
    return {
        "run_a": run_a,
        "run_b": run_b,
        "changed": changed,
        "unchanged": len(both) - len(changed),
        "only_in_a": sorted(set(a) - set(b)),
        "only_in_b": sorted(set(b) - set(a)),
    }


def _why_changed(before: Any, after: Any, rows_b: dict[tuple[int, int], dict[str, Any]], roster: Any) -> str:
    if after.outcome == "skipped":
        return "run B planned it but it was assigned meanwhile or its tech was booked (skipped)"
    if before.tech_id is None:
        return (
            f"run B found {roster.label(after.tech_id)} eligible (score {after.score:.2f})"
            if after.tech_id
            else "unassigned in both"
        )
    old = rows_b.get((before.appointment_id, before.tech_id))
    name = roster.label(before.tech_id)
    if old is None:
        return f"{name} was not a candidate in run B (not in its scope or not at the location)"
    if not old["eligible"]:
        rules = "; ".join(
            f["message"]
            for f in failed_rules(old["failed_rules"], old["facts"], roster.name(before.tech_id), roster)
        )
        return f"in run B {name} was rejected: {rules}"
    if old["lost_to_appointment_id"] is not None:
        return f"in run B {name}'s capacity went to appointment {old['lost_to_appointment_id']}"
    if after.tech_id is not None and after.score is not None and old["score"] is not None:
        margin = after.score - old["score"]
        return f"in run B {roster.label(after.tech_id)} scored {margin:.2f} points more than {name}"
    return f"in run B {name} was eligible but not chosen ({old['lost_reason']})"
