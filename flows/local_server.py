"""A local Prefect server (``prefect server start``) as a child process: start, wait, stop.

Used by ``routing serve`` when no ``PREFECT_API_URL`` is configured, by the end-to-end test and by
the benchmark. The server keeps its SQLite database in ``PREFECT_HOME`` and runs its services
(the scheduler that turns cron schedules into runs), which the temporary server does not.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200


class ServerStartError(RuntimeError):
    """The local Prefect server did not come up; the message carries the end of its log."""


@dataclass
class LocalServer:
    """A running ``prefect server start`` child process."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def api_url(self) -> str:
        """The value for ``PREFECT_API_URL``."""
        return f"http://{self.host}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        """Where the Prefect UI is served."""
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` seconds); returns its exit code."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("Prefect server %s did not stop in %.0f s; killing it", self.ui_url, timeout)
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        return self.process.returncode


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    """True when something already accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when ``<api_url>/health`` answers 200."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_local_server(
    *,
    home: Path,
    host: str = DEFAULT_HOST,
    port: int | None = None,
    startup_timeout: float = 90.0,
    extra_env: dict[str, str] | None = None,
) -> LocalServer:
    """Start ``prefect server start`` with its database in ``home``; return once /api/health answers."""
    port = port or free_port(host)
    if port_in_use(host, port):
        raise ServerStartError(
            f"Port {port} on {host} is already in use: pick another with --port, or point "
            "PREFECT_API_URL at the Prefect server that is running there."
        )
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **(extra_env or {}), "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)  # the server must not talk to another server
    log_path = home / "server.log"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]
    with log_path.open("wb") as log_file:
        # A new session: Ctrl-C in the terminal reaches `routing serve`, which stops the runner
        # first (it pauses schedules through this server) and then stops the server itself.
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LocalServer(host=host, port=port, process=process, log_path=log_path)
    try:
        _wait_until_healthy(server, startup_timeout)
    except BaseException:  # including Ctrl-C: never leave the child behind
        server.stop()
        raise
    log.info("Prefect server ready at %s", server.ui_url)
    return server


@contextmanager
def local_server(*, home: Path, host: str = DEFAULT_HOST, port: int | None = None) -> Iterator[LocalServer]:
    """A local Prefect server for the duration of the block; always stopped on exit."""
    server = start_local_server(home=home, host=host, port=port)
    try:
        yield server
    finally:
        server.stop()


def _wait_until_healthy(server: LocalServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"The Prefect server exited with code {server.process.returncode}:\n{_tail(server.log_path)}"
            )
        if is_healthy(server.api_url):
            return
        time.sleep(0.5)
    raise ServerStartError(
        f"The Prefect server did not answer on {server.api_url} within {timeout:.0f} s:\n"
        f"{_tail(server.log_path)}"
    )


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"
