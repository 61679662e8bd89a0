"""Execute a report notebook with papermill and export it as one self-contained HTML file.

The only module that imports papermill / nbconvert. The database URL reaches the kernel through
its environment, never as a notebook parameter, so no password is written into any notebook,
report or log. Reports are written to a temporary file and renamed into place: a failing
notebook leaves the previous good report untouched.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from routing.config import get_settings, mask_secrets, url_password
from routing.errors import RoutingError

log = logging.getLogger(__name__)

KERNEL_NAME = "routing-python"
TEMPLATE_DIR = Path(__file__).parent / "templates"
_ENV_LOCK = threading.Lock()


class ReportFailed(RoutingError):
    """The report notebook raised an error; the message names the cell."""

    exit_code = 1


def notebooks_dir() -> Path:
    """Folder holding the report notebooks (``ROUTING_NOTEBOOKS_DIR``, else the repository's)."""
    override = os.environ.get("ROUTING_NOTEBOOKS_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "notebooks"


def notebook_path(name: str) -> Path:
    """The ``.ipynb`` file of report notebook ``name`` (e.g. ``run_audit``)."""
    path = notebooks_dir() / f"{name}.ipynb"
    if not path.is_file():
        raise RoutingError(f"Report notebook {path} is missing (set ROUTING_NOTEBOOKS_DIR).")
    return path


def jupyter_home() -> Path:
    """Folder for the kernel's IPython / Jupyter state, under the data folder."""
    return (get_settings().data_dir / "jupyter").resolve()


def ensure_kernelspec(home: Path) -> None:
    """Write a kernelspec that runs this very interpreter (the project's venv)."""
    folder = home / "data" / "kernels" / KERNEL_NAME
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (routing)",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        "metadata": {"supported_encryption": ["curve"]},
        # an interrupt (a timed-out cell) as a message; shutdown sends none, see _kernel_manager_class
        "interrupt_mode": "message",
    }
    target = folder / "kernel.json"
    text = json.dumps(spec, indent=1)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, text)


def kernel_environment(database_url: str, home: Path) -> dict[str, str]:
    """Environment variables for the kernel: the database, the data folder, private Jupyter dirs."""
    return {
        "ROUTING_DATABASE_URL": database_url,
        "ROUTING_DATA_DIR": str(get_settings().data_dir.resolve()),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "MPLCONFIGDIR": str(home / "matplotlib"),
        "MPLBACKEND": "Agg",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    with _ENV_LOCK:
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def execute(name: str, parameters: Mapping[str, Any], database_url: str, *, timeout: int = 900) -> Any:
    """Run report notebook ``name`` with ``parameters`` against ``database_url``; the executed notebook."""
    return execute_path(notebook_path(name), parameters, database_url, timeout=timeout)


def execute_path(
    source: Path, parameters: Mapping[str, Any], database_url: str, *, timeout: int = 900
) -> Any:
    """Run the notebook at ``source`` in the project's kernel; ReportFailed names the failing cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    home = jupyter_home()
    ensure_kernelspec(home)
    password = url_password(database_url)
    with _environment(kernel_environment(database_url, home)):
        try:
            return papermill.execute_notebook(
                str(source),
                None,
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                cwd=str(source.parent),
                kernel_manager_class=_kernel_manager_class(),
                # CurveZMQ keys between this process and the kernel (the kernelspec declares support)
                config=Config({"KernelManager": {"transport_encryption": "auto"}}),
            )
        except PapermillExecutionError as exc:
            raise ReportFailed(mask_secrets(describe_failure(source.stem, exc, source), password)) from None


@cache
def _kernel_manager_class() -> type:
    """jupyter_client's kernel manager, shutting the kernel down without interrupting it first.

    jupyter_client interrupts a kernel before it asks it to shut down; ipykernel turns the
    interrupt into a SIGINT to itself and, when that lands while it handles a message, logs
    "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." on our stderr (seen about once in
    60 renders on a loaded machine). By then every cell has finished or failed, so there is nothing
    to interrupt. A kernel still busy (a timed-out cell) is terminated after the shutdown wait, and
    interrupting it otherwise (``interrupt_kernel``) still works.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietShutdownKernelManager(AsyncKernelManager):
        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return QuietShutdownKernelManager


def describe_failure(name: str, exc: Any, source: Path | None = None) -> str:
    """One sentence naming the notebook, the failing cell (its number in the notebook file, as an
    analyst sees it, and its first line) and the error."""
    number = exc.cell_index + 1
    if source is not None:
        import nbformat

        cells = nbformat.read(source, as_version=4).cells
        number = next((i + 1 for i, cell in enumerate(cells) if cell.source == exc.source), number)
    first_line = next((line for line in str(exc.source).splitlines() if line.strip()), "").strip()
    where = f"cell {number} ({first_line[:80]!r})"
    return f"Report notebook {name}.ipynb failed in {where}: {exc.ename}: {exc.evalue}"


def export_html(notebook: Any, title: str) -> str:
    """The executed notebook as self-contained HTML: outputs only, no scripts, no remote assets.

    HTML outputs are swapped for short placeholders during the nbconvert export and put back
    afterwards: nbconvert re-parses its whole page with BeautifulSoup, which takes seconds on a
    large report and adds nothing to markup built by ``routing.reports.html``.
    """
    from nbconvert import HTMLExporter

    saved: list[str] = []
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                log.warning("report notebook wrote to stderr: %s", str(output.get("text", "")).strip()[:500])
                continue
            data = output.get("data") or {}
            if "text/html" in data:
                saved.append(str(data["text/html"]))
                data["text/html"] = _placeholder(len(saved) - 1)
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    exporter = HTMLExporter(
        template_name="routing_report",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _resources = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    document = str(body)
    for index, markup in enumerate(saved):
        marker = _placeholder(index)
        if document.count(marker) != 1:
            raise RoutingError(f"HTML export lost output {index} of the report; nothing was written.")
        document = document.replace(marker, markup, 1)
    return document


def _placeholder(index: int) -> str:
    return f'<div data-rr-output="{index}"></div>'


def render_notebook(
    name: str, parameters: Mapping[str, Any], out: Path, *, database_url: str, title: str
) -> Path:
    """Execute and export notebook ``name`` into ``out`` (atomically); returns the absolute path."""
    notebook = execute(name, parameters, database_url)
    document = export_html(notebook, title)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(out, document)
    log.info("wrote report %s (%d bytes)", out, len(document.encode("utf-8")))
    return out


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
