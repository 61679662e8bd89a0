"""Shell for lead routing: re-route customers and leads through the zip mapping, assign queue groups,
and maintain the groups. Reads a snapshot, calls the pure rules (``routing.leads.fallback``,
``routing.leads.queues``) and writes the result in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import polars as pl
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Integer, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from routing.company.schema import LeadQueueGroupIn
from routing.company.settings import get_company_settings
from routing.db.company import Customer, Lead, LeadQueueGroup, LeadQueueMembership, Location, ValueSource
from routing.db.zips import ZipRelation
from routing.errors import BadInput, NotFound
from routing.leads.fallback import ROUTED_FIELDS, route_parties, source_column
from routing.leads.queues import LEAD_SCHEMA, QueueGroup, assign_queues

SCOPES = ("unrouted", "all")
CUSTOMERS = cast(Table, Customer.__table__)
LEADS = cast(Table, Lead.__table__)
GROUPS = cast(Table, LeadQueueGroup.__table__)
MEMBERSHIPS = cast(Table, LeadQueueMembership.__table__)
LOCATIONS = cast(Table, Location.__table__)
_PARTY_SCHEMA = {
    "id": pl.Int64,
    "zip": pl.String,
    "location_id": pl.Int64,
    "sales_rep": pl.String,
    "territory": pl.String,
    "location_source": pl.String,
    "sales_rep_source": pl.String,
    "territory_source": pl.String,
}
_CHUNK = 5000


@dataclass(frozen=True)
class RouteSummary:
    """What ``route`` did: parties considered / written, what is still unrouted, queue assignments."""

    scope: str
    customers_considered: int
    customers_updated: int
    leads_considered: int
    leads_updated: int
    still_unrouted: int
    queue_leads: int
    queue_assigned: int
    queue_memberships: int
    non_priority_assign: bool


def route(engine: Engine, *, scope: str = "unrouted") -> RouteSummary:
    """Fill location / sales rep / territory from the zip mapping and assign lead queue groups.

    ``unrouted``: customers and leads whose location source is ``none`` (e.g. after an import), and
    leads without a queue group. ``all``: every customer and lead; values that an earlier routing
    derived from the mapping are derived again, explicit values are always kept.
    """
    if scope not in SCOPES:
        raise BadInput(f"Scope must be one of {', '.join(SCOPES)}, not {scope!r}.")
    with engine.begin() as conn:
        relations = _read_relations(conn)
        customers = _route_table(conn, CUSTOMERS, relations, scope)
        leads = _route_table(conn, LEADS, relations, scope)
        with Session(bind=conn) as session:
            non_priority = get_company_settings(session).lead_queue_non_priority_assign
        target = _queue_targets(conn, leads[0], scope)
        assignments = assign_queues(_read_leads(conn, target), _read_groups(conn), non_priority)
        _write_assignments(conn, target, assignments)
        unrouted = sum(
            conn.execute(
                select(func.count()).select_from(t).where(t.c.location_source == ValueSource.none)
            ).scalar_one()
            for t in (CUSTOMERS, LEADS)
        )
    return RouteSummary(
        scope=scope,
        customers_considered=customers[0].height,
        customers_updated=customers[1],
        leads_considered=leads[0].height,
        leads_updated=leads[1],
        still_unrouted=unrouted,
        queue_leads=len(target),
        queue_assigned=int(assignments["is_primary"].sum()),
        queue_memberships=assignments.height,
        non_priority_assign=non_priority,
    )


def _read_relations(conn: Connection) -> pl.DataFrame:
    columns = [ZipRelation.zip, ZipRelation.location_id, ZipRelation.sales_rep, ZipRelation.territory]
    schema = {"zip": pl.String, "location_id": pl.Int64, "sales_rep": pl.String, "territory": pl.String}
    return pl.DataFrame(conn.execute(select(*columns)).all(), schema=schema, orient="row")


def _route_table(
    conn: Connection, table: Table, relations: pl.DataFrame, scope: str
) -> tuple[pl.DataFrame, int]:
    """Route one party table; returns the parties considered (before) and how many rows changed."""
    query = select(*(table.c[c] for c in _PARTY_SCHEMA))
    if scope == "unrouted":
        query = query.where(table.c.location_source == ValueSource.none)
    rows = [tuple(_plain(v) for v in row) for row in conn.execute(query.order_by(table.c.id))]
    parties = pl.DataFrame(rows, schema=_PARTY_SCHEMA, orient="row")
    routed = route_parties(parties, relations)
    written = [*ROUTED_FIELDS, *(source_column(f) for f in ROUTED_FIELDS)]
    differs = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_before")) for c in written)
    before = parties.select("id", *(pl.col(c).alias(f"{c}_before") for c in written))
    changed = routed.join(before, on="id", how="left").filter(differs).select("id", *written)
    if not changed.is_empty():
        statement = (
            update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in written})
        )
        params = [
            {
                "_id": row["id"],
                **{c: ValueSource(row[c]) if c.endswith("_source") else row[c] for c in written},
            }
            for row in changed.to_dicts()
        ]
        conn.execute(statement, params)
    return parties, changed.height


def _queue_targets(conn: Connection, routed_leads: pl.DataFrame, scope: str) -> list[int]:
    leads = LEADS
    if scope == "all":
        return list(conn.execute(select(leads.c.id).order_by(leads.c.id)).scalars())
    waiting = conn.execute(select(leads.c.id).where(leads.c.queue_group_id.is_(None))).scalars()
    return sorted(set(routed_leads["id"].to_list()) | set(waiting))


def _read_leads(conn: Connection, lead_ids: Sequence[int]) -> pl.DataFrame:
    leads, locations = LEADS, LOCATIONS
    query = select(leads.c.id, leads.c.zip, leads.c.territory, locations.c.code, leads.c.source).outerjoin(
        locations, locations.c.id == leads.c.location_id
    )
    rows = [row for chunk in _chunks(lead_ids) for row in conn.execute(query.where(leads.c.id.in_(chunk)))]
    return pl.DataFrame(rows, schema=LEAD_SCHEMA, orient="row")


def _read_groups(conn: Connection) -> list[QueueGroup]:
    groups = GROUPS
    rows = conn.execute(select(groups.c.id, groups.c.name, groups.c.priority, groups.c.criteria))
    return [QueueGroup.from_criteria(row.id, row.name, row.priority, row.criteria or {}) for row in rows]


def _write_assignments(conn: Connection, lead_ids: Sequence[int], assignments: pl.DataFrame) -> None:
    memberships, leads = MEMBERSHIPS, LEADS
    for chunk in _chunks(lead_ids):
        conn.execute(delete(memberships).where(memberships.c.lead_id.in_(chunk)))
    if not assignments.is_empty():
        conn.execute(insert(memberships), assignments.to_dicts())
    primary = dict(assignments.filter(pl.col("is_primary")).select("lead_id", "group_id").iter_rows())
    if lead_ids:
        statement = (
            update(leads).where(leads.c.id == bindparam("_id")).values(queue_group_id=bindparam("group"))
        )
        conn.execute(statement, [{"_id": lead_id, "group": primary.get(lead_id)} for lead_id in lead_ids])


def list_queue_groups(engine: Engine) -> list[dict[str, Any]]:
    """Groups in routing order (priority, name) with how many leads each routes and holds."""
    groups, memberships = GROUPS, MEMBERSHIPS
    counts = (
        select(
            memberships.c.group_id,
            func.count().label("members"),
            func.sum(memberships.c.is_primary.cast(Integer)).label("primary"),
        )
        .group_by(memberships.c.group_id)
        .subquery()
    )
    query = (
        select(groups, counts.c.members, counts.c.primary)
        .outerjoin(counts, counts.c.group_id == groups.c.id)
        .order_by(groups.c.priority, groups.c.name, groups.c.id)
    )
    with engine.connect() as conn:
        return [
            {
                "id": row.id,
                "name": row.name,
                "priority": row.priority,
                "criteria": row.criteria or {},
                "leads": int(row.primary or 0),
                "members": int(row.members or 0),
            }
            for row in conn.execute(query)
        ]


def set_queue_group(
    engine: Engine,
    name: str,
    *,
    priority: int | None = None,
    criteria: Mapping[str, Any] | None = None,
    replace_criteria: bool = False,
) -> dict[str, Any]:
    """Create or change a group by name; criteria given replace those keys (all if ``replace_criteria``)."""
    groups = GROUPS
    with engine.begin() as conn:
        existing = conn.execute(select(groups).where(groups.c.name == name.strip())).first()
        merged = {} if replace_criteria or existing is None else dict(existing.criteria or {})
        merged |= {k: v for k, v in (criteria or {}).items() if v not in (None, [], ())}
        values = {
            "name": name,
            "priority": priority if priority is not None else (existing.priority if existing else 1),
            "criteria": merged,
        }
        try:
            group = LeadQueueGroupIn.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BadInput(f"Queue group {name!r}: {where}: {first['msg']}.") from None
        stored_criteria: dict[str, Any] = group.criteria.model_dump(exclude_defaults=True)
        if stored_criteria.get("location"):
            from routing.zips.apply import read_locations
            from routing.zips.manager import resolve_location

            location_id = resolve_location(read_locations(conn), stored_criteria["location"])
            code = conn.execute(select(Location.code).where(Location.id == location_id)).scalar_one()
            stored_criteria["location"] = code
        stored = {"priority": group.priority, "criteria": stored_criteria}
        if existing is None:
            conn.execute(insert(groups).values(name=group.name, **stored))
        else:
            conn.execute(update(groups).where(groups.c.id == existing.id).values(**stored))
    return next(g for g in list_queue_groups(engine) if g["name"] == group.name)


def delete_queue_group(engine: Engine, name: str) -> dict[str, Any]:
    """Delete a group by name (its leads lose it); NotFound when there is no such group."""
    found = [g for g in list_queue_groups(engine) if g["name"] == name.strip()]
    if not found:
        raise NotFound(f"There is no lead queue group named {name!r} (see `routing leads queues list`).")
    groups, leads = GROUPS, LEADS
    with engine.begin() as conn:
        conn.execute(
            update(leads).where(leads.c.queue_group_id == found[0]["id"]).values(queue_group_id=None)
        )
        conn.execute(delete(groups).where(groups.c.id == found[0]["id"]))
    return found[0]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, ValueSource) else value


def _chunks(values: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
