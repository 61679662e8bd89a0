"""One Prefect test harness for the whole session (it costs ~10 s to start), heartbeat off.

Flow tests live in this folder; each module sets ``pytestmark = pytest.mark.xdist_group("prefect")``
so that under ``pytest -n 2 --dist loadgroup`` they run in one worker and start the harness once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Set before anything imports prefect (it reads its settings once, at import): a throw-away
# PREFECT_HOME, analytics off, quiet logs.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="routing-prefect-home-"))
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ.pop("PREFECT_API_URL", None)
from flows._prefect_env import prefect_environment  # noqa: E402

os.environ.update(prefect_environment(_PREFECT_HOME.parent))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[str]:
    """A temporary Prefect server and database for the session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from flows._prefect_env import in_process_settings

    with prefect_test_harness(server_startup_timeout=60), in_process_settings():
        yield str(PREFECT_API_URL.value())
