"""Every flow refuses a database behind the newest migration at its start, naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.migrations import migrate_to

pytestmark = pytest.mark.xdist_group("prefect")


@pytest.fixture
def old_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite database migrated only to 0001, set as the settings' database."""
    from routing.config import get_settings

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate_to(url, "0001")
    monkeypatch.setenv("ROUTING_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url  # type: ignore[misc]
    get_settings.cache_clear()


def _flows() -> dict[str, object]:
    from flows.parameters import ReportRequest, SchedulerScope, UnmappedRequest, ZipImportRequest
    from flows.render_report import render_report
    from flows.tech_scheduler import tech_scheduler
    from flows.unmapped_zips import unmapped_zips
    from flows.zip_import import zip_import

    return {
        "tech-scheduler": lambda: tech_scheduler(SchedulerScope(), return_state=True),
        "zip-import": lambda: zip_import(
            ZipImportRequest(text="Zip\tLocation\n02108\tBOS\n"), return_state=True
        ),
        "unmapped-zips": lambda: unmapped_zips(UnmappedRequest(), return_state=True),
        "render-report": lambda: render_report(ReportRequest(run_id=1), return_state=True),
    }


@pytest.mark.parametrize("name", ["tech-scheduler", "zip-import", "unmapped-zips", "render-report"])
def test_a_flow_on_a_database_at_0001_fails_at_once_with_the_init_hint(
    name: str, prefect_harness: str, old_database: str
) -> None:
    from routing.db.session import engine_for

    state = _flows()[name]()  # type: ignore[operator]

    assert state.is_failed()
    assert "is at revision 0001, this version needs 0002: run `routing init`." in str(state.message)
    with engine_for(old_database).connect() as conn:  # nothing was recorded on the old schema
        assert conn.execute(text("SELECT count(*) FROM zip_imports")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM schedule_runs")).scalar_one() == 0
