"""Flow ``tech-scheduler``: gate -> open run -> decide per partition -> commit -> report -> artifacts.

Gate closed (company settings): the run ends at once in a Completed state named ``Skipped`` whose
message names the setting; no scheduler run is recorded. A scheduled 15-minute job that has
nothing to do is not a failure, so it is not shown as Failed or Cancelled.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.states import Completed, Failed, State

from flows.artifacts import gate_markdown, run_summary_markdown, unassigned_rows
from flows.database import require_current_database
from flows.parameters import SchedulerScope
from flows.render_report import publish_report_link, render_run_report
from flows.scheduler_steps import commit, decide_in_partitions, fail_run, open_run


def task_runner() -> Any:
    """Threads by default; a Dask cluster with ROUTING_DASK=1 (local) or ROUTING_DASK_ADDRESS."""
    from flows.deployments import OrchestrationSettings

    settings = OrchestrationSettings()
    if settings.dask_address or settings.dask:
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs=local_cluster_options(settings.dask_workers))
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner()


def local_cluster_options(workers: int) -> dict[str, Any]:
    """A local Dask cluster: one process per worker, one thread each, no dashboard (offline, quiet)."""
    return {"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}


@task(name="check-gate", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def check_gate() -> str | None:
    """None when the auto-scheduler may run, else the reason naming the setting."""
    from sqlalchemy.orm import Session

    from routing.company.settings import get_company_settings, scheduler_availability
    from routing.db.session import get_engine

    with Session(get_engine()) as session:
        return scheduler_availability(get_company_settings(session)).reason


@task(name="publish-run", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish(run_id: int, report_path: str | None) -> None:
    """Read the stored run (as ``routing runs show`` prints it) and publish the markdown summary and
    the table of unassigned appointments with their blocking rule.

    It takes the run id, not the run: Prefect walks every task parameter, which for a run of
    thousands of appointments costs more than reading it again.
    """
    from routing.db.session import get_engine
    from routing.scheduling.messages import RULE_TITLES
    from routing.scheduling.runs import show_run

    run = show_run(get_engine(), run_id)
    profiles = [profile["name"] for profile in run.get("profiles") or []]
    create_markdown_artifact(
        run_summary_markdown(run, scope=run["scope"], profiles=profiles, report_path=report_path),
        key="scheduler-run-summary",
        description=f"Scheduler run {run_id}",
    )
    rows = unassigned_rows(run, RULE_TITLES)
    create_table_artifact(
        rows or [{"appointment_id": None, "blocking_rule": "every appointment in scope was assigned"}],
        key="scheduler-run-unassigned",
        description=f"Scheduler run {run_id}: unassigned appointments and the rule that blocked each",
    )


@flow(
    name="tech-scheduler",
    description="Assign unassigned slot appointments; every run is an audit log.",
    task_runner=task_runner(),
)
def tech_scheduler(scope: SchedulerScope = SchedulerScope()) -> State[Any]:
    """One auto-scheduler run over ``scope``, its audit report and artifacts; Skipped when gated."""
    logger = get_run_logger()
    require_current_database()
    reason = check_gate()
    if reason:
        logger.warning("Auto-scheduler unavailable: %s", reason)
        create_markdown_artifact(gate_markdown(reason), key="scheduler-gate", description="No run recorded")
        return Completed(name="Skipped", message=reason)
    context = FlowRunContext.get()
    flow_run = context.flow_run if context else None
    trigger = "schedule" if flow_run is not None and flow_run.auto_scheduled else "manual"
    run = open_run(scope, trigger, str(flow_run.id) if flow_run else None)
    try:
        result = commit(run, decide_in_partitions(run))
    except Exception as exc:
        fail_run(run.run_id, exc)
        raise
    run_id = result["run_id"]
    report_path, report_error = None, None
    try:
        if scope.render_report:
            report_path = render_run_report(run_id, None)
            publish_report_link(run_id, report_path)
    except Exception as exc:  # the run is stored; a report can be rendered again (render-report)
        report_error = f"{type(exc).__name__}: {exc}"
        logger.error("Run %s is stored but its audit report failed: %s", run_id, report_error)
    publish(run_id, report_path)
    counts = f"{result['assigned']} assigned, {result['unassigned']} unassigned, {result['skipped']} skipped"
    if report_error:
        return Failed(message=f"Run {run_id} stored ({counts}) but its audit report failed: {report_error}")
    return Completed(message=f"Run {run_id}: {counts}.", data={**result, "report": report_path})
