"""Each report notebook executes with papermill on the small demo and exports one HTML file."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from routing.reports import render, render_import_report, render_run_report

pytestmark = pytest.mark.slow

ZIP_PASTE = "Zip\tLocation\tTerritory\n2134\tBOS\tAllston\n02135\tBOS\tBrighton <b>\n"
ROUTING = Path(sys.executable).parent / "routing"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The small demo company (SQLite), one applied zip import and one scheduler run."""
    from routing.company.demo import build_demo_company
    from routing.company.loader import load_company
    from routing.db import migrate
    from routing.db.session import engine_for
    from routing.zips.service import apply_import, preview_import, source_from_text

    engine = engine_for(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'routing.db'}")
    migrate.upgrade(engine)
    load_company(engine, build_demo_company("small", 7, dt.date(2030, 6, 3)))
    apply_import(engine, preview_import(engine, source_from_text(ZIP_PASTE), actor="tester"))
    run_demo_schedule(engine)
    yield engine
    engine.dispose()


def run_demo_schedule(engine: Engine) -> None:
    """One greedy scheduler run over the demo's week."""
    from routing.scheduling.service import run_schedule

    run_schedule(engine, date_from=dt.date(2030, 6, 3), date_to=dt.date(2030, 6, 7), trigger="manual")


def latest_run_id(engine: Engine) -> int:
    from routing.reports.run_audit import latest_run_id

    run_id = latest_run_id(engine)
    assert run_id is not None
    return run_id


def test_the_run_audit_renders_every_section_and_is_recorded_on_the_run(demo: Engine, tmp_path: Path) -> None:
    from routing.db.runlog import ScheduleRun

    run_id = latest_run_id(demo)
    path = render_run_report(demo, run_id, tmp_path / "audit.html")
    document = path.read_text(encoding="utf-8")
    for heading in (
        f"Scheduler run {run_id}",
        "Profiles in effect",
        "Assigned and unassigned by location and day",
        "Unassigned appointments by blocking rule",
        "Jobs per tech",
        "Day calendar",
        "Free but unassigned techs",
        "Appointments and their candidates",
    ):
        assert heading in document
    assert document.count('class="rr-chart"') >= 5
    assert "<script" not in document.lower()
    companion = tmp_path / "audit-appointments.csv"
    assert 'href="audit-appointments.csv"' in document
    with demo.connect() as connection:
        run = connection.execute(
            select(ScheduleRun.report_path, ScheduleRun.considered).where(ScheduleRun.id == run_id)
        ).one()
    assert run.report_path == str(path)
    assert len(companion.read_text(encoding="utf-8").splitlines()) == run.considered + 1


@pytest.fixture(scope="module")
def import_report(demo: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's zip import report, rendered once for the tests below."""
    return render_import_report(demo, 0, tmp_path_factory.mktemp("import") / "import.html")


@pytest.fixture(scope="module")
def coverage_by_cli(
    demo: Engine, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """``routing report coverage --out … --json`` run as a command on the demo database."""
    env = os.environ | {"ROUTING_DATABASE_URL": demo.url.render_as_string(hide_password=False)}
    out = tmp_path_factory.mktemp("coverage") / "coverage.html"
    command = [str(ROUTING), "report", "coverage", "--out", str(out), "--json"]
    return subprocess.run(command, env=env, capture_output=True, text=True)


def test_the_zip_import_report_shows_counts_warnings_and_changes(import_report: Path) -> None:
    document = import_report.read_text(encoding="utf-8")
    assert "Zip import 2: applied" in document  # import 1 is the demo load's own zip relations
    assert "zip_repaired" in document  # 2134 lost its leading zero
    assert "Brighton &lt;b&gt;" in document
    assert "Changes" in document and "→" in document


def test_the_command_line_prints_the_report_path(coverage_by_cli: subprocess.CompletedProcess[str]) -> None:
    assert coverage_by_cli.returncode == 0, coverage_by_cli.stderr
    assert Path(json.loads(coverage_by_cli.stdout)["path"]).name == "coverage.html"


def test_the_coverage_report_has_the_map_and_the_unmapped_zips(
    coverage_by_cli: subprocess.CompletedProcess[str],
) -> None:
    document = Path(json.loads(coverage_by_cli.stdout)["path"]).read_text(encoding="utf-8")
    assert "Zip coverage" in document and "Unmapped zips" in document
    assert "ZIP centroids by location" in document
    assert document.count('class="rr-chart"') == 2


def test_an_unknown_run_is_exit_code_2_before_any_kernel_starts(demo: Engine) -> None:
    env = os.environ | {"ROUTING_DATABASE_URL": demo.url.render_as_string(hide_password=False)}
    missing = subprocess.run([str(ROUTING), "report", "run", "999"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2
    assert "No scheduler run 999" in missing.stderr


def test_a_failing_notebook_names_its_cell_and_leaves_the_good_report_in_place(
    demo: Engine, import_report: Path, tmp_path: Path
) -> None:
    out = tmp_path / "import.html"
    shutil.copy(import_report, out)
    good = out.read_bytes()
    url = demo.url.render_as_string(hide_password=False)
    with pytest.raises(render.ReportFailed) as failure:
        render.render_notebook("zip_import", {"import_id": 999}, out, database_url=url, title="broken")
    assert failure.value.message.startswith("Report notebook zip_import.ipynb failed in cell 3 ('# Header:")
    assert failure.value.message.endswith("NotFound: No zip import 999 in the database.")
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["import.html"]
