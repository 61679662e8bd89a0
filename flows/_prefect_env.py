"""The offline, quiet Prefect environment: set before ``prefect`` is imported (flows/__init__ does).

Prefect reads its settings from the environment once, at import. Everything here is a default:
a value the user exported (``PREFECT_API_URL``, ``PREFECT_LOGGING_LEVEL``...) is kept.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Why each one: analytics and DO_NOT_TRACK stop the DNS look-ups and telemetry errors offline;
# the startup timeout leaves room for a slow CI machine to start the temporary server.
QUIET_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
    "PREFECT_CLI_PROMPT": "false",
    "DASK_LOGGING__DISTRIBUTED": "warning",  # a Dask cluster logs every worker start at INFO
}


def prefect_home(data_dir: Path) -> Path:
    """Where Prefect keeps its profile and its local SQLite database: ``<data_dir>/prefect``."""
    return (data_dir / "prefect").resolve()


def prefect_environment(data_dir: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The variables to add to ``environ`` (default: this process) for an offline, quiet Prefect."""
    current = os.environ if environ is None else environ
    wanted = {**QUIET_DEFAULTS, "PREFECT_HOME": str(prefect_home(data_dir))}
    return {key: value for key, value in wanted.items() if not current.get(key)}


def configure_prefect_environment() -> dict[str, str]:
    """Apply the offline defaults to ``os.environ`` (idempotent); returns what it set."""
    from routing.config import get_settings

    added = prefect_environment(get_settings().data_dir)
    os.environ.update(added)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    if added and "prefect.context" in sys.modules:
        # prefect was imported first: make its process-wide settings see the new values
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()
    return added


@contextmanager
def in_process_settings() -> Iterator[None]:
    """Flows called in this process skip the run heartbeat (it costs ~1 s per flow when it stops).

    Only for in-process calls (the demo loop, tests, the benchmark); served runs keep it, since
    the server uses heartbeats to notice crashed runs.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
