"""The zip-import flow: ask pauses for the admin; invalid files fail with their errors published."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.flows.helpers import Resumer, add_locations, artifacts_of, count_rows, unique_run_name

pytestmark = pytest.mark.xdist_group("prefect")

GOOD_PASTE = "Zip\tLocation\tTerritory\n02108\tBOS\tBoston Central\n02903\tPVD\tProvidence Central\n"
BAD_CSV = "Zip,Location\n02108,BOS\n9999,BOS\n02903,NOWHERE\n"


def _run_asking(engine: Engine, run_input: dict[str, object]) -> Any:
    from flows.parameters import ZipImportRequest
    from flows.zip_import import zip_import

    name = unique_run_name("zip-ask")
    resumer = Resumer(name, run_input)
    resumer.start()
    state = zip_import.with_options(flow_run_name=name)(
        ZipImportRequest(text=GOOD_PASTE, mode="ask"), return_state=True
    )
    resumer.join(timeout=5)
    assert resumer.error is None, resumer.error
    assert resumer.saw_paused, "the flow never paused for confirmation"
    return state


def test_ask_mode_pauses_and_applies_the_import_once_the_admin_confirms(
    prefect_harness: str, use_database: Engine
) -> None:
    from routing.db.tables import ZipImport, ZipRelation

    add_locations(use_database, ["BOS", "PVD"])
    state = _run_asking(use_database, {"confirm": True, "note": "looks right"})

    assert state.is_completed(), state.message
    with use_database.connect() as conn:
        mapped = dict(conn.execute(select(ZipRelation.zip, ZipRelation.territory)).all())
        statuses = conn.execute(select(ZipImport.status)).scalars().all()
    assert mapped == {"02108": "Boston Central", "02903": "Providence Central"}
    assert statuses == ["applied"]
    keys = {artifact.key for artifact in artifacts_of(state.state_details.flow_run_id)}
    assert {"zip-import-rows", "zip-import-summary"} <= keys


def test_ask_mode_writes_nothing_and_records_the_rejection_when_the_admin_declines(
    prefect_harness: str, use_database: Engine
) -> None:
    from routing.db.tables import ZipImport, ZipRelation

    add_locations(use_database, ["BOS", "PVD"])
    state = _run_asking(use_database, {"confirm": False, "note": "wrong territories"})

    assert state.is_completed() and state.name == "Rejected", (state.name, state.message)
    assert count_rows(use_database, ZipRelation) == 0
    with use_database.connect() as conn:
        status, note = conn.execute(select(ZipImport.status, ZipImport.note)).one()
    assert (status, note) == ("rejected", "wrong territories")


def test_an_invalid_file_fails_the_run_with_the_error_table_and_leaves_the_mapping_unchanged(
    prefect_harness: str, use_database: Engine, tmp_path
) -> None:
    from flows.parameters import ZipImportRequest
    from flows.zip_import import zip_import
    from routing.db.tables import ZipImport, ZipRelation

    add_locations(use_database, ["BOS", "PVD"])
    bad_file = tmp_path / "zips.csv"
    bad_file.write_text(BAD_CSV, encoding="utf-8")

    state = zip_import(ZipImportRequest(path=str(bad_file), mode="apply"), return_state=True)

    assert state.is_failed()
    assert "nothing was written" in (state.message or "")
    assert count_rows(use_database, ZipRelation) == 0
    with use_database.connect() as conn:
        assert conn.execute(select(ZipImport.status)).scalars().all() == ["invalid"]
    artifacts = {a.key: a for a in artifacts_of(state.state_details.flow_run_id)}
    table = artifacts["zip-import-rows"]
    assert "NOWHERE" in str(table.data) and "9999" in str(table.data)


def test_an_unreadable_file_fails_the_run_and_its_summary_names_the_recorded_attempt(
    prefect_harness: str, use_database: Engine, tmp_path
) -> None:
    from flows.parameters import ZipImportRequest
    from flows.zip_import import zip_import
    from routing.db.tables import ZipImport

    binary = tmp_path / "export.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)

    state = zip_import(ZipImportRequest(path=str(binary), mode="apply"), return_state=True)

    assert state.is_failed()
    with use_database.connect() as conn:
        import_id, status = conn.execute(select(ZipImport.id, ZipImport.status)).one()
    assert status == "invalid"
    summary = {a.key: a for a in artifacts_of(state.state_details.flow_run_id)}["zip-import-summary"]
    assert f"# Zip import {import_id}: unreadable" in str(summary.data)
    assert "(not recorded)" not in str(summary.data)
