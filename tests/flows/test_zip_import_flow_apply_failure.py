"""The zip-import flow when the apply itself fails: the run fails and the previewed record says why."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from tests.flows.helpers import add_locations, count_rows

pytestmark = pytest.mark.xdist_group("prefect")

GOOD_PASTE = "Zip\tLocation\tTerritory\n02108\tBOS\tBoston Central\n02903\tPVD\tProvidence Central\n"


def test_an_apply_that_fails_fails_the_run_and_marks_the_previewed_import_failed(
    prefect_harness: str, use_database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.parameters import ZipImportRequest
    from flows.zip_import import zip_import
    from routing.db.tables import ZipImport, ZipRelation
    from routing.zips import apply

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the bulk insert was refused")

    add_locations(use_database, ["BOS", "PVD"])
    monkeypatch.setattr(apply, "_bulk_insert", refuse)

    state = zip_import(ZipImportRequest(text=GOOD_PASTE, mode="apply"), return_state=True)

    assert state.is_failed()
    assert count_rows(use_database, ZipRelation) == 0
    with use_database.connect() as conn:
        records = conn.execute(
            select(ZipImport.status, ZipImport.new, ZipImport.updated, ZipImport.unchanged, ZipImport.note)
        ).all()
    assert [tuple(r) for r in records] == [("failed", 0, 0, 0, "the bulk insert was refused")]
