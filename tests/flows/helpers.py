"""Builders and Prefect API readers for the flow tests (explicit data, no hidden fixtures)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, func, insert, select


def add_locations(engine: Engine, codes: Sequence[str]) -> None:
    """Locations with these codes (named after them)."""
    from routing.db.tables import Location

    with engine.begin() as conn:
        conn.execute(insert(Location), [{"code": code, "name": f"{code} branch"} for code in codes])


def count_rows(engine: Engine, model: Any) -> int:
    """How many rows the table of ``model`` holds."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def unique_run_name(prefix: str) -> str:
    """A flow-run name no other test uses, to find the run through the API."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def flow_run_named(name: str) -> Any:
    """The flow run called ``name`` (None when there is none yet)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
    return runs[0] if runs else None


def artifacts_of(flow_run_id: Any) -> list[Any]:
    """Every artifact a flow run published (its tasks' included)."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


class Resumer(threading.Thread):
    """Waits until the flow run called ``name`` is paused, then resumes it with ``run_input``."""

    def __init__(self, name: str, run_input: dict[str, Any], timeout: float = 120.0) -> None:
        super().__init__(daemon=True)
        self.run_name, self.run_input, self.timeout = name, run_input, timeout
        self.saw_paused = False
        self.error: BaseException | None = None

    def run(self) -> None:
        from prefect.flow_runs import resume_flow_run

        try:
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                flow_run = flow_run_named(self.run_name)
                if flow_run is not None and flow_run.state is not None and flow_run.state.is_paused():
                    self.saw_paused = True
                    resume_flow_run(flow_run.id, run_input=self.run_input)
                    return
                time.sleep(0.3)
        except BaseException as exc:  # reported by the test
            self.error = exc
