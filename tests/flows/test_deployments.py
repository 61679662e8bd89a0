"""prefect.yaml and ``routing serve`` declare the same deployments, and every entrypoint loads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.deployments import DeploymentSpec, OrchestrationSettings, deployment_specs, serving_plan

pytestmark = pytest.mark.xdist_group("prefect")

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


def _yaml_deployments() -> list[dict[str, Any]]:
    return list(yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))["deployments"])


def _yaml_entry(spec: DeploymentSpec) -> dict[str, Any]:
    matches = [
        d for d in _yaml_deployments() if d["entrypoint"] == spec.entrypoint and d["name"] == spec.name
    ]
    assert len(matches) == 1, f"prefect.yaml has {len(matches)} deployments for {spec.full_name}"
    return matches[0]


def test_prefect_yaml_declares_exactly_the_served_deployments() -> None:
    served = {(s.entrypoint, s.name) for s in deployment_specs(OrchestrationSettings())}
    declared = {(d["entrypoint"], d["name"]) for d in _yaml_deployments()}
    assert declared == served


@pytest.mark.parametrize("spec", deployment_specs(OrchestrationSettings()), ids=lambda s: s.full_name)
def test_prefect_yaml_schedule_and_work_pool_match_the_served_deployment(spec: DeploymentSpec) -> None:
    entry = _yaml_entry(spec)
    crons = [schedule["cron"] for schedule in entry["schedules"]]
    assert crons == ([spec.cron] if spec.cron else [])
    assert entry["work_pool"]["name"] == "routing-process"
    assert entry["description"] == spec.description


def test_the_scheduler_runs_every_15_minutes_in_business_hours_by_default() -> None:
    scheduler = next(s for s in deployment_specs(OrchestrationSettings()) if s.flow_name == "tech-scheduler")
    assert scheduler.cron == "*/15 8-17 * * 1-5"


def test_the_scheduler_cron_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTING_SCHEDULER_CRON", "0 * * * *")
    scheduler = next(s for s in deployment_specs() if s.flow_name == "tech-scheduler")
    assert scheduler.cron == "0 * * * *"


def test_serve_keeps_the_scheduler_inactive_with_the_reason_while_the_gate_is_closed() -> None:
    reason = "Slot scheduling is switched off (slot_scheduling_enabled = false)"
    plan = serving_plan(deployment_specs(OrchestrationSettings()), scheduler_unavailable_reason=reason)
    states = {item.spec.full_name: (item.active, item.inactive_reason) for item in plan}
    assert states["tech-scheduler/scheduled"] == (False, reason)
    assert all(active for name, (active, _) in states.items() if name != "tech-scheduler/scheduled")


def test_serve_activates_every_schedule_when_the_gate_is_open() -> None:
    plan = serving_plan(deployment_specs(OrchestrationSettings()), scheduler_unavailable_reason=None)
    assert all(item.active and item.inactive_reason is None for item in plan)


@pytest.mark.parametrize("entrypoint", [d["entrypoint"] for d in _yaml_deployments()])
def test_every_prefect_yaml_entrypoint_imports_and_its_parameter_schema_builds(entrypoint: str) -> None:
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema

    flow: Any = load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)
    schema = parameter_schema(flow).model_dump_for_openapi()
    assert schema["properties"], f"{entrypoint} has no parameters"
    for model_name, model in schema.get("definitions", {}).items():
        for field, prop in model["properties"].items():
            assert prop.get("title") and prop.get("description"), (
                f"{model_name}.{field} is not labelled in the UI"
            )


def test_routing_serve_refuses_an_uninitialised_database_with_exit_code_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "ROUTING_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "routing.cli.main", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "not initialised: run `routing init`" in done.stderr
