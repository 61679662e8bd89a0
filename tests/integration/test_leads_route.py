"""Re-routing customers and leads after an import, and lead queue groups, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from routing.company.settings import set_company_setting
from routing.db.tables import Customer, Lead, LeadQueueGroup, LeadQueueMembership
from routing.errors import BadInput, NotFound
from routing.leads.route import delete_queue_group, list_queue_groups, route, set_queue_group
from routing.zips import service
from tests.integration.zip_builders import add_locations, add_party


def map_zips(engine: Engine, text: str) -> None:
    service.apply_import(engine, service.preview_import(engine, service.ImportSource(text.encode(), "z.csv")))


def party(engine: Engine, table: type, external_id: str) -> dict[str, object]:
    columns = (
        "location_id",
        "location_source",
        "sales_rep",
        "sales_rep_source",
        "territory",
        "territory_source",
    )
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.external_id == external_id)).one()  # type: ignore[attr-defined]
    values = dict(row._mapping)
    return {c: getattr(values[c], "value", values[c]) for c in columns}


def add_groups(engine: Engine, *groups: tuple[str, int, dict[str, object]]) -> dict[str, int]:
    table = LeadQueueGroup.__table__
    with engine.begin() as conn:
        conn.execute(insert(table), [{"name": n, "priority": p, "criteria": c} for n, p, c in groups])
        return {name: group_id for group_id, name in conn.execute(select(table.c.id, table.c.name))}


def memberships(engine: Engine) -> set[tuple[str, int, bool]]:
    m, lead = LeadQueueMembership.__table__, Lead.__table__
    query = select(lead.c.external_id, m.c.group_id, m.c.is_primary).join(lead, lead.c.id == m.c.lead_id)
    with engine.connect() as conn:
        return {(e, g, bool(p)) for e, g, p in conn.execute(query)}


def test_routing_after_an_import_fills_unrouted_parties_and_keeps_explicit_values(engine: Engine) -> None:
    ids = add_locations(engine)
    add_party(engine, "customer", "C-unrouted", "02134")
    add_party(engine, "customer", "C-explicit", "02134", location_id=ids["PVD"], location_source="explicit")
    add_party(engine, "lead", "L-rep", "06103", sales_rep="Own Rep", sales_rep_source="explicit")
    add_party(engine, "lead", "L-unmapped", "01608")
    map_zips(engine, "Zip,Location,Territory,Sales Rep\n02134,BOS,North,Ann\n06103,HFD,Central,Bo\n")

    summary = route(engine)

    assert party(engine, Customer, "C-unrouted") == {
        "location_id": ids["BOS"], "location_source": "zip_mapping",
        "sales_rep": "Ann", "sales_rep_source": "zip_mapping",
        "territory": "North", "territory_source": "zip_mapping",
    }  # fmt: skip
    assert party(engine, Customer, "C-explicit")["location_id"] == ids["PVD"]
    assert party(engine, Lead, "L-rep") == {
        "location_id": ids["HFD"], "location_source": "zip_mapping",
        "sales_rep": "Own Rep", "sales_rep_source": "explicit",
        "territory": "Central", "territory_source": "zip_mapping",
    }  # fmt: skip
    assert party(engine, Lead, "L-unmapped")["location_source"] == "none"
    assert (summary.customers_considered, summary.customers_updated) == (1, 1)
    assert (summary.leads_considered, summary.leads_updated, summary.still_unrouted) == (2, 1, 1)
    assert route(engine).customers_updated == 0  # nothing left to do for the routed ones


def test_routing_all_parties_follows_a_changed_mapping_but_never_overrides_explicit_values(
    engine: Engine,
) -> None:
    ids = add_locations(engine)
    map_zips(engine, "Zip,Location\n02134,BOS\n")
    add_party(engine, "customer", "C1", "02134")
    add_party(engine, "customer", "C2", "02134", location_id=ids["PVD"], location_source="explicit")
    route(engine)
    map_zips(engine, "Zip,Location\n02134,WOR\n")

    assert route(engine, scope="unrouted").customers_updated == 0
    summary = route(engine, scope="all")

    assert party(engine, Customer, "C1")["location_id"] == ids["WOR"]
    assert party(engine, Customer, "C2")["location_id"] == ids["PVD"]
    assert (summary.customers_considered, summary.customers_updated) == (2, 1)
    with pytest.raises(BadInput):
        route(engine, scope="everything")


@pytest.mark.parametrize("non_priority_assign", [False, True])
def test_the_priority_group_routes_a_lead_and_the_setting_decides_whether_others_also_assign(
    engine: Engine, non_priority_assign: bool
) -> None:
    add_locations(engine)
    map_zips(engine, "Zip,Location\n02134,BOS\n06103,HFD\n")
    with Session(engine) as session, session.begin():
        set_company_setting(session, "lead_queue_non_priority_assign", str(non_priority_assign))
    groups = add_groups(
        engine,
        ("Partners", 1, {"lead_source": "partner"}),
        ("Boston metro", 2, {"location": "BOS"}),
        ("Everyone", 9, {}),
    )
    add_party(engine, "lead", "L-partner-boston", "02134", source="partner")
    add_party(engine, "lead", "L-web-hartford", "06103", source="web")

    summary = route(engine)

    with engine.connect() as conn:
        primary = {e: g for e, g in conn.execute(select(Lead.external_id, Lead.queue_group_id))}
    assert primary == {"L-partner-boston": groups["Partners"], "L-web-hartford": groups["Everyone"]}
    expected = {("L-partner-boston", groups["Partners"], True), ("L-web-hartford", groups["Everyone"], True)}
    if non_priority_assign:
        expected |= {
            ("L-partner-boston", groups["Boston metro"], False),
            ("L-partner-boston", groups["Everyone"], False),
        }
    assert memberships(engine) == expected
    assert (summary.non_priority_assign, summary.queue_assigned, summary.queue_memberships) == (
        non_priority_assign,
        2,
        len(expected),
    )
    listed = {g["name"]: (g["leads"], g["members"]) for g in list_queue_groups(engine)}
    assert listed["Partners"] == (1, 1) and listed["Everyone"][0] == 1


def test_queue_groups_are_created_merged_validated_and_deleted_by_name(engine: Engine) -> None:
    add_locations(engine)
    created = set_queue_group(engine, "Boston", priority=2, criteria={"location": "boston", "zips": ["021"]})
    merged = set_queue_group(engine, "Boston", criteria={"lead_source": "web"})
    replaced = set_queue_group(engine, "Boston", criteria={"territories": ["North"]}, replace_criteria=True)

    assert (created["priority"], created["criteria"]) == (2, {"zips": ["021"], "location": "BOS"})
    assert merged["criteria"] == {"zips": ["021"], "location": "BOS", "lead_source": "web"}
    assert (replaced["priority"], replaced["criteria"]) == (2, {"territories": ["North"]})
    with pytest.raises(BadInput, match="zips"):
        set_queue_group(engine, "Bad", criteria={"zips": ["12"]})
    with pytest.raises(NotFound, match="closest"):
        set_queue_group(engine, "Bad", criteria={"location": "Bostn"})
    assert delete_queue_group(engine, "Boston")["name"] == "Boston"
    assert list_queue_groups(engine) == []
    with pytest.raises(NotFound):
        delete_queue_group(engine, "Boston")


def test_a_queue_group_priority_of_0_is_refused_not_taken_as_unset(engine: Engine) -> None:
    set_queue_group(engine, "Web", priority=3)

    with pytest.raises(BadInput, match="0 is not between 1 and 9"):
        set_queue_group(engine, "Web", priority=0)

    assert [g["priority"] for g in list_queue_groups(engine)] == [3]
