"""The deployments ``routing serve`` serves; ``prefect.yaml`` declares the same ones for workers.

A test checks that the two agree (names, entrypoints, schedules, work pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

WORK_POOL = "routing-process"
SCHEDULER_CRON = "*/15 8-17 * * 1-5"  # every 15 minutes, 08:00-17:45, Monday-Friday
UNMAPPED_CRON = "0 6 * * *"  # daily at 06:00
DEFAULT_TIMEZONE = "America/New_York"


class OrchestrationSettings(BaseSettings):
    """Schedules and fan-out, from the environment (prefix ``ROUTING_``)."""

    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    scheduler_cron: str = Field(
        default=SCHEDULER_CRON, description="When the auto-scheduler runs (cron, company time zone)."
    )
    unmapped_cron: str = Field(
        default=UNMAPPED_CRON, description="When the unmapped-zips report runs (cron, company time zone)."
    )
    dask: bool = Field(default=False, description="Run scheduler partitions on a local Dask cluster.")
    dask_workers: int = Field(default=2, ge=1, description="Dask workers when ROUTING_DASK is on.")
    fanout_tasks: int | None = Field(
        default=None, ge=1, description="At most this many decide tasks per run (default: workers or CPUs)."
    )
    dask_address: str | None = Field(
        default=None, description="Scheduler address of an existing Dask cluster (e.g. tcp://10.0.0.5:8786)."
    )


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: which flow, when, and with which default parameters."""

    name: str
    flow_name: str
    entrypoint: str  # module path, so a worker with the package installed needs no code pull
    description: str
    cron: str | None = None
    tags: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        """``flow-name/deployment-name``, as the Prefect CLI and API name deployments."""
        return f"{self.flow_name}/{self.name}"


def deployment_specs(settings: OrchestrationSettings | None = None) -> tuple[DeploymentSpec, ...]:
    """The four deployments, with the schedules from ``settings`` (default: the environment)."""
    settings = settings or OrchestrationSettings()
    return (
        DeploymentSpec(
            name="scheduled",
            flow_name="tech-scheduler",
            entrypoint="flows.tech_scheduler.tech_scheduler",
            description="Assign unassigned slot appointments in the horizon; every run is an audit log.",
            cron=settings.scheduler_cron,
            tags=("scheduler",),
        ),
        DeploymentSpec(
            name="manual",
            flow_name="zip-import",
            entrypoint="flows.zip_import.zip_import",
            description="Import zip relations from a file or a paste: preview, apply, or ask first.",
            tags=("zips",),
        ),
        DeploymentSpec(
            name="daily",
            flow_name="unmapped-zips",
            entrypoint="flows.unmapped_zips.unmapped_zips",
            description="Zips of customers and leads missing from the mapping, and a fill-in template.",
            cron=settings.unmapped_cron,
            tags=("zips",),
        ),
        DeploymentSpec(
            name="manual",
            flow_name="render-report",
            entrypoint="flows.render_report.render_report",
            description="Render (again) the HTML audit report of one scheduler run.",
            tags=("reports",),
        ),
    )


@dataclass(frozen=True)
class ServedDeployment:
    """A deployment as ``routing serve`` serves it: its schedule active or not, and why not."""

    spec: DeploymentSpec
    active: bool
    inactive_reason: str | None = None


def serving_plan(
    specs: tuple[DeploymentSpec, ...], *, scheduler_unavailable_reason: str | None
) -> tuple[ServedDeployment, ...]:
    """Which schedules to switch on: the scheduler's only while the company settings allow it."""
    plan = []
    for spec in specs:
        if spec.flow_name == "tech-scheduler" and scheduler_unavailable_reason:
            plan.append(ServedDeployment(spec, active=False, inactive_reason=scheduler_unavailable_reason))
        else:
            plan.append(ServedDeployment(spec, active=True))
    return tuple(plan)
