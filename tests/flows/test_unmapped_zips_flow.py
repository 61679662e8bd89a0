"""The unmapped-zips flow publishes its table and writes a template that imports straight back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from tests.flows.helpers import add_locations, artifacts_of

pytestmark = pytest.mark.xdist_group("prefect")


def _add_customer(engine: Engine, external_id: str, zip_code: str) -> None:
    from routing.db.tables import Customer

    with engine.begin() as conn:
        conn.execute(insert(Customer), [{"external_id": external_id, "name": external_id, "zip": zip_code}])


def test_unmapped_zips_flow_publishes_the_zips_in_use_and_writes_the_fill_in_template(
    prefect_harness: str, use_database: Engine, tmp_path: Path
) -> None:
    from flows.parameters import UnmappedRequest
    from flows.unmapped_zips import unmapped_zips

    add_locations(use_database, ["BOS"])
    _add_customer(use_database, "C1", "02119")
    _add_customer(use_database, "C2", "02119")
    template = tmp_path / "fill-me.csv"

    state = unmapped_zips(UnmappedRequest(template_path=str(template)), return_state=True)

    assert state.is_completed()
    assert state.result() == {"template": str(template.resolve()), "unmapped": 1}
    assert "02119" in template.read_text(encoding="utf-8-sig")
    artifacts = {a.key: a for a in artifacts_of(state.state_details.flow_run_id)}
    assert "02119" in str(artifacts["unmapped-zips"].data)
    assert str(template.resolve()) in str(artifacts["unmapped-zips-summary"].data)
