"""Hostile names and notes render as text: headless Chromium opens the reports and nothing runs.

Needs Debian's ``chromium`` (CI installs it); skipped with a reason elsewhere when it is missing.
The first screen of the run audit is kept as test-artifacts/report-escaping.png.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from routing.reports import render_import_report, render_run_report
from tests.notebooks.report_data import HOSTILE_NOTE, HOSTILE_TECH, build_company_with_run

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=3000",  # let any script that could run, run, before the DOM is dumped
)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


def open_page(chromium: str, page: Path, profile: Path, *extra: str) -> str:
    """Load ``page`` in headless Chromium; returns what it printed (the DOM with --dump-dom)."""
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def assert_nothing_executed(dom: str, title: str) -> None:
    assert re.search(r"<title>(.*?)</title>", dom).group(1) == title  # type: ignore[union-attr]
    assert "<script" not in dom.lower()  # no script element: the note's <script> stayed text
    assert not re.search(r"<img[^>]*\bsrc=\"?x\b", dom)  # the tech name never became an <img>
    assert "onerror=" not in dom.replace("onerror=alert(1)&gt;", "")  # only as escaped text


def test_the_run_audit_shows_hostile_names_as_text_and_runs_nothing(
    sqlite_engine: Engine, chromium: str, tmp_path: Path
) -> None:
    build_company_with_run(sqlite_engine)
    page = render_run_report(sqlite_engine, 1, tmp_path / "run.html")
    dom = open_page(chromium, page, tmp_path / "profile", "--dump-dom")
    assert_nothing_executed(dom, "Scheduler dry run 1")  # the test company's run is a dry run
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom
    assert "&lt;script&gt;document.title='pwned'" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-escaping.png"
    shot.unlink(missing_ok=True)
    open_page(chromium, page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1024")
    assert shot.stat().st_size > 10_000


def test_the_zip_import_report_shows_hostile_values_as_text_and_runs_nothing(
    sqlite_engine: Engine, chromium: str, tmp_path: Path
) -> None:
    build_company_with_run(sqlite_engine)
    page = render_import_report(sqlite_engine, 1, tmp_path / "import.html")
    dom = open_page(chromium, page, tmp_path / "profile", "--dump-dom")
    assert_nothing_executed(dom, "Zip import 1")
    assert HOSTILE_TECH not in dom and HOSTILE_NOTE not in dom
    assert "&lt;script&gt;document.title=" in dom
