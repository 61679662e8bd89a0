"""Decide what a company file changes (pure): rows to write, child sets to replace, counts.

Everything is in natural-key form (location code, tech email, ...); ``routing.company.upsert``
turns keys into ids while it writes. Comparing with the snapshot here is what makes a second load
of the same file report everything unchanged and write nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from routing.company.resolve import appointment_rows, customer_fields, lead_fields, route_party_rows
from routing.company.schema import WEEKDAYS, CompanyFile, ProfileIn, SettingsIn, TechIn
from routing.company.snapshot import APPOINTMENT_COLUMNS, SETTING_KEYS, Members, Row, Snapshot
from routing.errors import FieldError

ENTITIES = (
    "settings",
    "locations",
    "work_order_types",
    "techs",
    "profiles",
    "zip_relations",
    "customers",
    "leads",
    "lead_queue_groups",
    "appointments",
)


@dataclass(frozen=True)
class EntityPlan:
    """One entity's changes: ``rows`` (new or changed), child sets to replace, and counts."""

    entity: str
    key: str
    rows: list[Row] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)
    children: dict[str, dict[str, Members]] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class LoadPlan:
    """Every entity's plan, plus the appointment (re)assignments the file states."""

    entities: dict[str, EntityPlan]
    assignments: list[Row] = field(default_factory=list)  # {external_id, tech} for changed bookings
    errors: list[FieldError] = field(default_factory=list)
    zip_changes: list[Row] = field(default_factory=list)  # the zip_imports change record of the load

    def counts(self, kind: str) -> dict[str, int]:
        """``created`` / ``updated`` / ``unchanged`` per entity."""
        return {name: getattr(self.entities[name], kind) for name in ENTITIES}


def plan_load(company: CompanyFile, snapshot: Snapshot) -> LoadPlan:
    """Compare ``company`` with ``snapshot``; errors here are the ones that need routed values."""
    errors: list[FieldError] = []
    zip_relations = [_zip_relation_row(rel) for rel in company.zip_relations]
    mapping = {**snapshot.zip_relations, **{row["zip"]: row for row in zip_relations}}
    customers = route_party_rows(company.customers, snapshot.customers, mapping, customer_fields)
    leads = route_party_rows(company.leads, snapshot.leads, mapping, lead_fields)
    appointments, assignments = appointment_rows(company, snapshot, customers, errors)
    entities = {
        "settings": _settings_plan(company.settings, snapshot.settings),
        "locations": diff(
            "locations",
            "code",
            [{"code": x.code, "name": x.name, "timezone": x.timezone} for x in company.locations],
            snapshot.locations,
        ),
        "work_order_types": diff(
            "work_order_types",
            "code",
            [
                {"code": x.code, "name": x.name, "default_duration_minutes": x.default_duration_minutes}
                for x in company.work_order_types
            ],
            snapshot.work_order_types,
            {
                "work_order_type_skills": (
                    {
                        x.code: frozenset((s.skill, s.min_level) for s in x.required_skills)
                        for x in company.work_order_types
                    },
                    snapshot.work_order_type_skills,
                )
            },
        ),
        "techs": _techs_plan(company.techs, snapshot),
        "profiles": diff("profiles", "name", [_profile_row(p) for p in company.profiles], snapshot.profiles),
        "zip_relations": diff("zip_relations", "zip", zip_relations, snapshot.zip_relations),
        "customers": diff(
            "customers",
            "external_id",
            customers,
            snapshot.customers,
            {
                "customer_excluded": (
                    {c.external_id: frozenset(c.excluded_techs) for c in company.customers},
                    snapshot.customer_excluded,
                )
            },
        ),
        "leads": diff("leads", "external_id", leads, snapshot.leads),
        "lead_queue_groups": diff(
            "lead_queue_groups",
            "name",
            [
                {"name": g.name, "priority": g.priority, "criteria": g.criteria.model_dump(mode="json")}
                for g in company.lead_queue_groups
            ],
            snapshot.lead_queue_groups,
        ),
        "appointments": _appointments_plan(appointments, assignments, snapshot),
    }
    zip_changes = zip_relation_changes(entities["zip_relations"].rows, snapshot.zip_relations)
    return LoadPlan(entities=entities, assignments=assignments, errors=errors, zip_changes=zip_changes)


def zip_relation_changes(rows: Sequence[Row], existing: dict[str, Row]) -> list[Row]:
    """``{zip, action, fields: {field: {old, new}}}`` per new or changed zip relation, as a zip
    import records them: a new zip lists its non-empty values, a changed one what differs."""
    changes = []
    for row in rows:
        old = existing.get(row["zip"])
        fields = {
            column: {"old": None if old is None else old.get(column), "new": value}
            for column, value in row.items()
            if column != "zip" and (value is not None if old is None else _differs(value, old.get(column)))
        }
        changes.append({"zip": row["zip"], "action": "new" if old is None else "updated", "fields": fields})
    return changes


def diff(
    entity: str,
    key: str,
    desired: Sequence[Row],
    existing: dict[str, Row],
    children: dict[str, tuple[dict[str, Members], dict[str, Members]]] | None = None,
) -> EntityPlan:
    """Rows that are new or differ from ``existing``, and child sets that differ, with counts."""
    children = children or {}
    rows: list[Row] = []
    new_keys: list[str] = []
    replaced: dict[str, dict[str, Members]] = {name: {} for name in children}
    updated = unchanged = 0
    for row in desired:
        natural_key = row[key]
        old = existing.get(natural_key)
        changed_children = [
            name
            for name, (wanted, stored) in children.items()
            if old is None or wanted.get(natural_key, frozenset()) != stored.get(natural_key, frozenset())
        ]
        row_changed = old is None or any(_differs(value, old.get(column)) for column, value in row.items())
        if row_changed:
            rows.append(row)
        for name in changed_children:
            replaced[name][natural_key] = children[name][0].get(natural_key, frozenset())
        if old is None:
            new_keys.append(natural_key)
        elif row_changed or changed_children:
            updated += 1
        else:
            unchanged += 1
    return EntityPlan(entity, key, rows, new_keys, replaced, len(new_keys), updated, unchanged)


def _differs(new: Any, old: Any) -> bool:
    if isinstance(new, float) or isinstance(old, float):
        return new is None or old is None or abs(float(new) - float(old)) > 1e-9
    return bool(new != old)


def _settings_plan(settings: SettingsIn | None, stored: Row | None) -> EntityPlan:
    if settings is None:
        return EntityPlan("settings", "id")
    base = stored if stored is not None else SettingsIn().model_dump()
    merged = {**base, **settings.model_dump(exclude_unset=True)}
    row = {"id": 1, **{key: merged[key] for key in SETTING_KEYS}}
    if stored is None:
        return EntityPlan("settings", "id", rows=[row], new_keys=["1"], created=1)
    if any(_differs(row[key], stored.get(key)) for key in SETTING_KEYS):
        return EntityPlan("settings", "id", rows=[row], updated=1)
    return EntityPlan("settings", "id", unchanged=1)


def _techs_plan(techs: Sequence[TechIn], snapshot: Snapshot) -> EntityPlan:
    rows = [
        {
            "email": x.email,
            "name": x.name,
            "active": x.active,
            "home_zip": x.home_zip,
            "service_radius_miles": float(x.service_radius_miles),
            "daily_cap": x.daily_cap,
            "priority": x.priority,
        }
        for x in techs
    ]
    children: dict[str, tuple[dict[str, Members], dict[str, Members]]] = {
        "tech_locations": ({x.email: frozenset(x.locations) for x in techs}, snapshot.tech_locations),
        "tech_skills": (
            {x.email: frozenset((s.skill, s.level) for s in x.skills) for x in techs},
            snapshot.tech_skills,
        ),
        "tech_hours": (
            {x.email: frozenset((WEEKDAYS.index(d), w[0], w[1]) for d, w in x.hours.items()) for x in techs},
            snapshot.tech_hours,
        ),
        "time_off": (
            {x.email: frozenset((o.start, o.end, o.reason, o.approved) for o in x.time_off) for x in techs},
            snapshot.time_off,
        ),
    }
    return diff("techs", "email", rows, snapshot.techs, children)


def _profile_row(profile: ProfileIn) -> Row:
    hours = sorted(profile.working_hours.items(), key=lambda item: WEEKDAYS.index(item[0]))
    return {
        "name": profile.name,
        "location_codes": list(profile.locations),
        "work_order_type_codes": list(profile.work_order_types),
        "working_hours": {
            str(WEEKDAYS.index(day)): [start.strftime("%H:%M"), end.strftime("%H:%M")]
            for day, (start, end) in hours
        },
        "travel_buffer_minutes": profile.travel_buffer_minutes,
        "max_daily_jobs": profile.max_daily_jobs,
        "territory_rules": [rule.model_dump(mode="json") for rule in profile.territory_rules],
        "weights": profile.weights.model_dump(mode="json"),
        "strategy": profile.strategy,
        "active": profile.active,
    }


def _zip_relation_row(relation: Any) -> Row:
    return {
        "zip": relation.zip,
        "location": relation.location,
        "territory": relation.territory,
        "sales_rep": relation.sales_rep,
        "work_order_territory": relation.work_order_territory,
        "notes": relation.notes,
    }


def _appointments_plan(rows: list[Row], assignments: list[Row], snapshot: Snapshot) -> EntityPlan:
    """Like ``diff``, but a changed booking also counts as an update (the tech is never cleared)."""
    stored = {key: {c: row[c] for c in APPOINTMENT_COLUMNS} for key, row in snapshot.appointments.items()}
    plan = diff("appointments", "external_id", rows, stored)
    rebooked = {a["external_id"] for a in assignments} - set(plan.new_keys)
    changed_rows = {row["external_id"] for row in plan.rows}
    extra_updates = len(rebooked - changed_rows)
    return EntityPlan(
        plan.entity,
        plan.key,
        plan.rows,
        plan.new_keys,
        plan.children,
        plan.created,
        plan.updated + extra_updates,
        plan.unchanged - extra_updates,
    )
