"""End to end against a real ``prefect server start`` on 127.0.0.1: deploy, run, read back; serve.

The deployment test runs the production shape: the Prefect server on PostgreSQL (asyncpg), the
app database on SQLite and on PostgreSQL, a process work pool and a worker executing the run.

Slow (a server starts per module and one more under ``routing serve``): ``pytest -m slow``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect-server")]

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("ROUTING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
PREFECT = [sys.executable, "-m", "prefect"]
MONDAY = dt.date(2030, 1, 7)
QUIET = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_CLI_PROMPT": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
}


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prefect server on a free port, on PostgreSQL as in production (SQLite when there is
    no PostgreSQL outside CI); always stopped, and its database dropped, at the end."""
    from flows.local_server import start_local_server

    home = tmp_path_factory.mktemp("prefect-server-home")
    with _prefect_database() as database_url:
        extra = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url} if database_url else {}
        server = start_local_server(home=home, extra_env=extra)
        try:
            yield server.api_url
        finally:
            server.stop()


@contextmanager
def _prefect_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for the Prefect server (``postgresql+asyncpg``), or None."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"prefect_e2e_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(exc).__name__})")
        admin.dispose()
        yield None
        return
    try:
        yield admin_url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _env(api_url: str | None, home: Path) -> dict[str, str]:
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _prefect(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*PREFECT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (
        f"prefect {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done


def _client(api_url: str) -> Any:
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(api_url)


def test_a_deployed_scheduler_run_executed_by_a_worker_reports_its_state_and_artifacts_through_the_api(
    prefect_server: str, use_database: Engine, tmp_path: Path
) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from routing.company.demo import build_demo_company
    from routing.company.loader import load_company
    from routing.db.tables import ScheduleRun

    load_company(use_database, build_demo_company("small", 7, MONDAY))
    env = _env(prefect_server, tmp_path / "client-home")
    _prefect(env, "work-pool", "create", "routing-process", "--type", "process", "--overwrite")
    _prefect(env, "--no-prompt", "deploy", "--all")

    with _client(prefect_server) as client:
        deployment = client.read_deployment_by_name("tech-scheduler/scheduled")
        scope = {"date_from": MONDAY.isoformat(), "date_to": (MONDAY + dt.timedelta(days=6)).isoformat()}
        flow_run = client.create_flow_run_from_deployment(deployment.id, parameters={"scope": scope})
    _prefect(env, "worker", "start", "--pool", "routing-process", "--run-once", "--install-policy", "never")

    with _client(prefect_server) as client:
        finished = client.read_flow_run(flow_run.id)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id]))
        )
    assert finished.state is not None and finished.state.is_completed(), finished.state
    with use_database.connect() as conn:
        run = conn.execute(
            select(ScheduleRun).where(ScheduleRun.prefect_flow_run_id == str(flow_run.id))
        ).one()
    assert finished.state.message == (
        f"Run {run.id}: {run.assigned} assigned, {run.unassigned} unassigned, {run.skipped} skipped."
    )
    keys = {artifact.key for artifact in artifacts}
    assert {"scheduler-run-summary", "scheduler-run-unassigned", f"run-{run.id}-report"} <= keys
    assert Path(run.report_path).is_file()


def test_routing_serve_starts_a_server_shows_the_gated_scheduler_inactive_and_stops_on_ctrl_c(
    use_database: Engine, tmp_path: Path
) -> None:
    from sqlalchemy.orm import Session

    from flows.local_server import free_port, is_healthy
    from routing.company.schema import SettingsIn
    from routing.company.settings import store_company_settings

    with Session(use_database) as session, session.begin():
        store_company_settings(session, SettingsIn(slot_scheduling_enabled=False, timezone="America/Chicago"))
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _env(None, tmp_path / "serve-home")
    serve = subprocess.Popen(
        [sys.executable, "-m", "routing.cli.main", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deployments = _wait_for_deployments(api_url, count=4, timeout=180)
    finally:
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=120)

    assert serve.returncode == 0, output
    assert f"Prefect UI: http://127.0.0.1:{port}" in output
    assert "tech-scheduler/scheduled: cron */15 8-17 * * 1-5 (America/Chicago), INACTIVE" in output
    assert "slot_scheduling_enabled" in output
    assert "Local Prefect server stopped." in output
    assert deployments["scheduled"]["paused"] is True
    assert deployments["daily"]["paused"] is False
    assert not is_healthy(api_url)


def _wait_for_deployments(api_url: str, count: int, timeout: float) -> dict[str, dict[str, object]]:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"{api_url}/deployments/filter", data=b"{}", headers={"content-type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                found = json.loads(response.read())
            if len(found) >= count:
                return {d["name"]: d for d in found}
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(
        f"routing serve did not create {count} deployments on {api_url} within {timeout:.0f} s"
    )
