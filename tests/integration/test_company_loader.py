"""`routing load FILE` on SQLite and PostgreSQL: counts, idempotency, fallback, bookings, bad files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select, text

from routing.company.loader import LoadSummary, load_company, load_company_path
from routing.company.reader import read_company_data
from routing.company.validation import parse_company
from routing.errors import ValidationFailed
from tests import cli_runner

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "small-company.yaml"
BAD_FILES = ROOT / "tests" / "data" / "company"


# --- helpers --------------------------------------------------------------------------------


def table_checksums(engine: Engine) -> dict[str, str]:
    """A digest of every row of every table, in primary-key order."""
    from routing.db.tables import metadata

    digests = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
    return digests


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def example() -> dict[str, Any]:
    return read_company_data(EXAMPLE)


def load(engine: Engine, data: dict[str, Any], **options: Any) -> LoadSummary:
    return load_company(engine, parse_company(data), **options)


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    return cli_runner.run_cli(args, monkeypatch, capsys, parse_json=False)


# --- loading the example --------------------------------------------------------------------


def test_the_example_loads_with_every_entity_created(engine: Engine) -> None:
    summary = load(engine, example())
    assert summary.created == {
        "settings": 1, "locations": 2, "work_order_types": 3, "techs": 5, "profiles": 2, "zip_relations": 10,
        "customers": 6, "leads": 2, "lead_queue_groups": 2, "appointments": 7,
    }  # fmt: skip
    assert not any(summary.updated.values())
    assert len(summary.new_appointment_ids) == 7
    assert scalar(engine, "SELECT COUNT(*) FROM technician_skills") == 13
    assert scalar(engine, "SELECT COUNT(*) FROM technician_hours") == 24
    assert scalar(engine, "SELECT COUNT(*) FROM time_off") == 3
    assert scalar(engine, "SELECT COUNT(*) FROM technician_locations") == 6
    assert scalar(engine, "SELECT COUNT(*) FROM customer_excluded_techs") == 2


def test_loading_the_same_file_twice_reports_everything_unchanged_and_changes_no_row(engine: Engine) -> None:
    first = load(engine, example())
    before = table_checksums(engine)
    second = load(engine, example())
    assert table_checksums(engine) == before
    assert not any(second.created.values())
    assert not any(second.updated.values())
    assert second.unchanged == first.created
    assert second.new_appointment_ids == []


def test_customers_and_leads_are_routed_by_the_zip_mapping_only_where_nothing_was_set(engine: Engine) -> None:
    load(engine, example())
    customers = rows(
        engine,
        "SELECT c.external_id, l.code, c.location_source, c.sales_rep, c.sales_rep_source, "
        "c.territory_source FROM customers c LEFT JOIN locations l ON l.id = c.location_id "
        "ORDER BY c.external_id",
    )
    assert customers == [
        ("C-1001", "BOS", "zip_mapping", "Sam Ortiz", "zip_mapping", "zip_mapping"),
        ("C-1002", "BOS", "explicit", "Jordan Pike", "explicit", "zip_mapping"),
        ("C-1003", "BOS", "zip_mapping", "Sam Ortiz", "zip_mapping", "zip_mapping"),
        ("C-1004", "HFD", "zip_mapping", "Dana Fox", "zip_mapping", "zip_mapping"),
        ("C-1005", "HFD", "zip_mapping", "Dana Fox", "zip_mapping", "zip_mapping"),
        ("C-1006", "BOS", "explicit", None, "none", "none"),
    ]
    leads = rows(
        engine,
        "SELECT d.external_id, l.code, d.location_source, d.sales_rep_source "
        "FROM leads d JOIN locations l ON l.id = d.location_id ORDER BY d.external_id",
    )
    assert leads == [
        ("L-2001", "BOS", "zip_mapping", "zip_mapping"),
        ("L-2002", "HFD", "explicit", "explicit"),
    ]


def test_appointment_defaults_come_from_the_customer_and_the_work_order_type(engine: Engine) -> None:
    load(engine, example())
    appointments = rows(
        engine,
        "SELECT a.external_id, l.code, a.zip, a.duration_minutes, t.email, a.assigned_by FROM appointments a "
        "JOIN locations l ON l.id = a.location_id LEFT JOIN technicians t ON t.id = a.tech_id "
        "WHERE a.external_id IN ('A-5001', 'A-5003', 'A-5006') ORDER BY a.external_id",
    )
    assert appointments == [
        ("A-5001", "BOS", "02138", 180, None, None),
        ("A-5003", "BOS", "02445", 210, "ben.okafor@example.com", "load"),
        ("A-5006", "HFD", "06106", 60, None, None),
    ]


def test_a_json_company_file_loads_like_its_yaml_twin(use_database: Engine, tmp_path: Path) -> None:
    path = tmp_path / "company.json"
    path.write_text(json.dumps(example(), default=str))
    summary = load_company_path(path)
    assert summary["created"]["techs"] == 5
    assert summary["title"] == "Loaded company.json"
    assert load_company_path(EXAMPLE)["unchanged"]["appointments"] == 7


# --- reloads that must not undo anything ----------------------------------------------------


def test_a_reload_never_unassigns_what_the_scheduler_assigned(engine: Engine) -> None:
    load(engine, example())
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE appointments SET assigned_by = 'run', tech_id = "
                "(SELECT id FROM technicians WHERE email = 'ana.lopez@example.com') "
                "WHERE external_id = 'A-5001'"
            )
        )
    before = table_checksums(engine)
    summary = load(engine, example())
    assert summary.unchanged["appointments"] == 7
    assert table_checksums(engine) == before


def test_a_file_booking_reassigns_and_bumps_the_version(engine: Engine) -> None:
    load(engine, example())
    data = example()
    data["appointments"][2]["tech"] = "carla.nguyen@example.com"  # A-5003, Boston
    summary = load(engine, data)
    assert summary.updated["appointments"] == 1
    assert rows(
        engine,
        "SELECT t.email, a.assigned_by, a.version FROM appointments a JOIN technicians t ON t.id = a.tech_id "
        "WHERE a.external_id = 'A-5003'",
    ) == [("carla.nguyen@example.com", "load", 2)]


def test_a_partial_file_updates_one_tech_and_leaves_the_rest_alone(engine: Engine) -> None:
    load(engine, example())
    before = table_checksums(engine)
    partial = {
        "techs": [
            {"email": "ana.lopez@example.com", "name": "Ana Lopez", "locations": ["BOS", "HFD"],
             "skills": [{"skill": "alarm", "level": 5}], "home_zip": "02134", "service_radius_miles": 25}
        ]
    }  # fmt: skip
    summary = load(engine, partial)
    assert summary.updated["techs"] == 1
    assert sum(summary.unchanged.values()) == 0
    assert rows(
        engine,
        "SELECT s.skill, s.level FROM technician_skills s JOIN technicians t ON t.id = s.tech_id "
        "WHERE t.email = 'ana.lopez@example.com'",
    ) == [("alarm", 5)]
    assert scalar(engine, "SELECT COUNT(*) FROM technician_hours h JOIN technicians t ON t.id = h.tech_id "
                  "WHERE t.email = 'ana.lopez@example.com'") == 0  # fmt: skip
    after = table_checksums(engine)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"technician_skills", "technician_locations", "technician_hours", "time_off"}


def test_changed_rows_are_updated_in_place_and_a_changed_profile_gets_a_new_version(engine: Engine) -> None:
    load(engine, example())
    data = example()
    data["profiles"][0]["weights"]["distance"] = 70
    data["zip_relations"][0]["sales_rep"] = "Morgan Lee"  # 02116: routes C-1002's territory, not its rep
    data["lead_queue_groups"][1]["criteria"]["lead_source"] = "partner"
    data["locations"][1]["name"] = "Hartford & Springfield"
    before = table_checksums(engine)
    summary = load(engine, data)
    assert {k: v for k, v in summary.updated.items() if v} == {
        "locations": 1, "profiles": 1, "zip_relations": 1, "lead_queue_groups": 1,
    }  # fmt: skip
    assert rows(engine, "SELECT version FROM scheduling_profiles ORDER BY name") == [(2,), (1,)]
    assert scalar(engine, "SELECT sales_rep FROM zip_relations WHERE zip = '02116'") == "Morgan Lee"
    after = table_checksums(engine)
    assert {n for n in before if before[n] != after[n]} == {
        "locations", "scheduling_profiles", "zip_relations", "zip_imports", "lead_queue_groups",
    }  # fmt: skip


def test_a_later_file_without_a_location_keeps_the_explicit_one(engine: Engine) -> None:
    load(engine, example())
    customer = {
        "external_id": "C-1002",
        "name": "Maria Santos",
        "address": "45 Commonwealth Ave, Boston MA",
        "zip": "02116",
        "category": "residential",
        "excluded_techs": ["carla.nguyen@example.com"],
    }
    summary = load(engine, {"customers": [customer]})
    assert summary.unchanged["customers"] == 1
    assert rows(engine, "SELECT location_source, sales_rep FROM customers WHERE external_id = 'C-1002'") == [
        ("explicit", "Jordan Pike")
    ]


def test_a_new_zip_relation_routes_the_customers_in_the_same_file(engine: Engine) -> None:
    load(engine, example())
    data = {
        "zip_relations": [{"zip": "02472", "location": "HFD", "sales_rep": "Lee Chan"}],
        "customers": [{"external_id": "C-3001", "name": "Watertown Deli", "zip": "02472"}],
    }
    load(engine, data)
    assert rows(
        engine,
        "SELECT l.code, c.location_source, c.sales_rep FROM customers c "
        "JOIN locations l ON l.id = c.location_id WHERE c.external_id = 'C-3001'",
    ) == [("HFD", "zip_mapping", "Lee Chan")]


def test_settings_in_a_file_change_only_the_keys_it_names(engine: Engine) -> None:
    load(engine, example())
    summary = load(engine, {"settings": {"auto_assign_on_create": True}})
    assert summary.updated["settings"] == 1
    assert rows(engine, "SELECT company_name, auto_assign_on_create FROM company_settings") == [
        ("Bay State Alarm & Security", True)
    ]


def test_a_dry_run_reports_the_counts_and_writes_nothing(engine: Engine) -> None:
    before = table_checksums(engine)
    summary = load(engine, example(), dry_run=True)
    assert summary.dry_run
    assert summary.created["techs"] == 5
    assert table_checksums(engine) == before


def test_new_appointments_go_to_the_assign_on_create_hook_when_the_setting_is_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[int]] = []
    fake = types.ModuleType("routing.scheduling.on_create")
    fake.assign_on_create = lambda _engine, ids: calls.append(ids)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "routing.scheduling.on_create", fake)
    data = example()
    data["settings"]["auto_assign_on_create"] = True
    summary = load(engine, data)
    assert calls == [summary.new_appointment_ids]
    assert len(calls[0]) == 7
    load(engine, data)
    assert len(calls) == 1  # nothing new, no call


def test_an_uninitialised_database_is_migrated_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from routing.config import get_settings

    monkeypatch.setenv("ROUTING_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    get_settings.cache_clear()
    try:
        summary = load_company_path(EXAMPLE)
    finally:
        get_settings.cache_clear()
    assert summary["created"]["locations"] == 2


def test_a_reference_to_a_tech_already_in_the_database_resolves(engine: Engine) -> None:
    load(engine, example())
    appointment = {"external_id": "A-9001", "customer": "C-1004", "work_order_type": "service",
                   "date": "2027-01-08", "slot": "08:00-10:00", "tech": "dave.kim@example.com"}  # fmt: skip
    summary = load(engine, {"appointments": [appointment]})
    assert summary.created["appointments"] == 1
    with pytest.raises(ValidationFailed) as failure:
        load(
            engine,
            {"appointments": [{**appointment, "external_id": "A-9002", "tech": "ana.lopez@example.com"}]},
        )
    assert [d["message"] for d in failure.value.details] == [
        "appointments[0].tech: 'ana.lopez@example.com' does not work location 'HFD' (works: BOS)"
    ]


# --- bad files: exact paths, exit codes, nothing written ------------------------------------

BAD = [
    ("wrong-types.yaml", 1, [
        "techs[0].active", "techs[0].locations", "techs[0].skills[0].level", "techs[0].service_radius_miles",
    ]),
    ("level-out-of-range.yaml", 1, ["techs[3].skills[0].level"]),
    ("tech-at-unknown-location.yaml", 1, ["techs[0].locations[1]"]),
    ("duplicate-keys.yaml", 1, ["locations[1].code", "techs[1].email", "appointments[1].external_id"]),
    ("bad-time-25.yaml", 1, ["techs[0].hours.mon"]),
    ("end-before-start.yaml", 1, ["techs[0].hours.wed", "techs[0].time_off[0].end", "appointments[0].slot"]),
    ("invalid-zips.yaml", 1, [
        "techs[0].home_zip", "customers[0].zip", "zip_relations[1].zip", "zip_relations[0].zip",
    ]),
    ("zip-as-number.yaml", 1, ["techs[0].home_zip"]),
    ("zip-as-number.json", 1, ["zip_relations[0].zip"]),
    ("unknown-field.yaml", 1, ["locations[0].color", "techs[0].skils"]),
    ("bad-strategy.yaml", 1, ["profiles[0].working_hours.monday", "profiles[0].strategy"]),
    ("duration-longer-than-slot.yaml", 1, [
        "appointments[0].duration_minutes", "appointments[1].duration_minutes",
    ]),
    ("unknown-references.yaml", 1, [
        "profiles[0].locations[1]", "profiles[0].work_order_types[0]",
        "profiles[0].territory_rules[0].techs[0]", "customers[0].preferred_tech",
        "lead_queue_groups[0].criteria.location", "appointments[0].customer",
        "appointments[1].work_order_type", "appointments[1].tech", "zip_relations[0].location",
    ]),
    ("tech-does-not-work-location.yaml", 1, ["appointments[0].tech"]),
    ("appointment-without-location.yaml", 1, ["appointments[0].location"]),
    ("missing-required.yaml", 1, [
        "work_order_types[0].default_duration_minutes", "techs[0].email", "techs[0].locations",
        "techs[0].home_zip",
    ]),
    ("bad-settings.yaml", 1, ["settings.timezone", "settings.scheduler_horizon_days"]),
    ("empty.yaml", 2, "is empty"),
    ("comments-only.yaml", 2, "has no content"),
    ("not-yaml.yaml", 2, "is not valid YAML (line 2, column 21)"),
    ("binary.yaml", 2, "is a binary file"),
    ("top-level-list.yaml", 2, "the top level is a list"),
    ("repeated-yaml-key.yaml", 2, "the key 'techs' appears twice"),
    ("not-json.json", 2, "is not valid JSON (line 1, column 53)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "exit_code", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_company_file_is_refused_with_its_exit_code_and_nothing_is_written(
    use_database: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    exit_code: int,
    expected: list[str] | str,
) -> None:
    load(use_database, example())
    before = table_checksums(use_database)
    code, out, _ = run_cli(["load", str(BAD_FILES / name), "--json"], monkeypatch, capsys)
    document = json.loads(out)
    assert code == exit_code == document["exit_code"]
    if isinstance(expected, str):
        assert expected in document["error"]
        assert document["errors"] == []
    else:
        assert [error["path"] for error in document["errors"]] == expected
        for error in document["errors"]:
            assert error["message"].startswith(f"{error['path']}: ")
            assert {"path", "value", "code", "message"} <= set(error)
    assert table_checksums(use_database) == before


def test_the_brief_example_message_is_word_for_word(use_database, monkeypatch, capsys) -> None:
    code, out, _ = run_cli(
        ["load", str(BAD_FILES / "level-out-of-range.yaml"), "--json"], monkeypatch, capsys
    )
    assert code == 1
    [error] = json.loads(out)["errors"]
    assert error == {
        "path": "techs[3].skills[0].level",
        "value": 7,
        "code": "invalid",
        "message": "techs[3].skills[0].level: 7 is not between 1 and 5",
    }


def test_there_are_enough_bad_files_and_each_one_is_in_the_table() -> None:
    on_disk = {path.name for path in BAD_FILES.iterdir()}
    assert on_disk == {name for name, _, _ in BAD}
    assert len(on_disk) >= 14


@pytest.mark.slow
def test_the_installed_command_exits_0_1_and_2(use_database: Engine, tmp_path: Path) -> None:
    routing = str(Path(sys.executable).parent / "routing")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [routing, "load", *args], capture_output=True, text=True, timeout=120, check=False
        )

    ok = run(str(EXAMPLE))
    assert ok.returncode == 0, ok.stderr
    assert "Loaded small-company.yaml" in ok.stdout
    again = run(str(EXAMPLE))
    assert "Nothing changed" in again.stdout
    invalid = run(str(BAD_FILES / "tech-at-unknown-location.yaml"))
    assert invalid.returncode == 1
    assert "techs[0].locations[1]: 'SPRINGFIELD' is not a known location" in " ".join(invalid.stderr.split())
    unreadable = run(str(tmp_path / "missing.yaml"))
    assert unreadable.returncode == 2
    assert "missing.yaml does not exist." in " ".join(unreadable.stderr.split())
    for result in (invalid, unreadable):
        assert "Traceback" not in result.stderr


def test_the_example_in_the_docs_is_the_shipped_example() -> None:
    docs = (ROOT / "docs" / "company-file.md").read_text()
    block = docs.split("```yaml\n# examples/small-company.yaml\n", 1)[1].split("\n```", 1)[0]
    assert yaml.safe_load(block) == yaml.safe_load(EXAMPLE.read_text())


def test_zip_relations_a_load_writes_are_recorded_as_a_zip_import_and_a_repeat_records_nothing(
    engine: Engine,
) -> None:
    from routing.zips import manager

    load(engine, example(), name="small-company.yaml")
    data = example()
    data["zip_relations"][0]["territory"] = "Back Bay East"
    load(engine, data, name="edited.yaml")
    load(engine, data, name="edited.yaml")  # nothing changes: nothing recorded

    imports = manager.list_imports(engine)
    assert [(i["kind"], i["source"], i["file_name"], i["status"]) for i in imports] == [
        ("load", "company", "edited.yaml", "applied"),
        ("load", "company", "small-company.yaml", "applied"),
    ]
    assert (imports[1]["new"], imports[0]["updated"], imports[0]["unchanged"]) == (10, 1, 9)
    edit = manager.get_import(engine, imports[0]["import_id"])
    assert edit["changes"] == [
        {
            "zip": "02116",
            "action": "updated",
            "fields": {"territory": {"old": "Back Bay", "new": "Back Bay East"}},
        }
    ]
    assert rows(engine, "SELECT added IS NULL FROM zip_imports ORDER BY id") == [(False,), (True,)]
    first = manager.get_import(engine, imports[1]["import_id"])["changes"][0]
    assert first == {
        "zip": "02116",
        "action": "new",
        "fields": {
            "location": {"old": None, "new": "BOS"},
            "territory": {"old": None, "new": "Back Bay"},
            "sales_rep": {"old": None, "new": "Jordan Pike"},
        },
    }
    assert rows(engine, "SELECT updated_by_import_id FROM zip_relations WHERE zip = '02116'") == [
        (imports[0]["import_id"],)
    ]


def test_a_zip_import_racing_a_load_waits_for_it_and_the_load_records_what_it_replaced(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load holds the mapping's lock from its snapshot to its commit: an import applied in
    between waits, then re-diffs against what the load wrote.

    Only the apply races: the import is previewed before the load starts, so the second the racer
    is given is spent waiting for the lock, not parsing and validating (a cold Great Expectations
    start-up alone takes longer than that, which would make the test pass without the lock).
    """
    import threading

    from routing.company import loader
    from routing.zips import manager, service

    load(engine, example(), name="first.yaml")
    data = example()
    data["zip_relations"][0]["territory"] = "FromLoad"  # zip 02116, Back Bay before
    paste = service.source_from_text("Zip,Location,Territory\n02116,BOS,FromImport\n")
    preview = service.preview_import(engine, paste)  # diffed against Back Bay, before the load
    real_check_and_plan = loader.check_and_plan
    racer: dict[str, Any] = {}

    def import_now() -> None:
        racer["result"] = service.apply_import(engine, preview)

    def racing(*args: Any, **kwargs: Any) -> Any:
        plan = real_check_and_plan(*args, **kwargs)  # the snapshot is read: start the import now
        racer["thread"] = threading.Thread(target=import_now)
        racer["thread"].start()
        racer["thread"].join(timeout=1.0)
        racer["waited"] = racer["thread"].is_alive()
        return plan

    monkeypatch.setattr(loader, "check_and_plan", racing)
    load(engine, data, name="second.yaml")
    racer["thread"].join(timeout=60)

    assert racer["waited"], "the import's apply did not wait for the load's lock on the mapping"
    assert (racer["result"].new, racer["result"].updated) == (0, 1)
    assert manager.get_import(engine, racer["result"].import_id)["changes"] == [
        {
            "zip": "02116",
            "action": "updated",
            "fields": {"territory": {"old": "FromLoad", "new": "FromImport"}},
        }
    ]  # re-diffed against what the load wrote, not the preview's Back Bay
    second = next(i for i in manager.list_imports(engine) if i["file_name"] == "second.yaml")
    assert manager.get_import(engine, second["import_id"])["changes"] == [
        {"zip": "02116", "action": "updated", "fields": {"territory": {"old": "Back Bay", "new": "FromLoad"}}}
    ]
    assert manager.get_zip(engine, "02116")["territory"] == "FromImport"
