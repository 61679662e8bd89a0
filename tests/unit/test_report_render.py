"""The renderer's pure parts: HTML export without scripts, failure messages, kernel set-up, notebooks."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from routing.reports import analyst, render

NOTEBOOKS = sorted(render.notebooks_dir().glob("*.ipynb"))


def executed_notebook(html: str) -> nbformat.NotebookNode:
    cell = new_code_cell("x")
    cell.outputs = [
        new_output("display_data", data={"text/html": html, "text/plain": "x"}),
        new_output("stream", name="stderr", text="a warning nobody asked for"),
    ]
    notebook = new_notebook()
    notebook.cells = [cell]
    return notebook


def test_exported_html_has_no_script_and_loads_nothing_remote() -> None:
    document = render.export_html(executed_notebook("<p>hello</p>"), title="Run <1>")
    assert "<p>hello</p>" in document
    assert "<script" not in document.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", document)
    assert "@import" not in document
    assert "Content-Security-Policy" in document
    assert "<title>Run &lt;1&gt;</title>" in document


def test_stderr_output_is_kept_out_of_the_report() -> None:
    assert "a warning nobody asked for" not in render.export_html(executed_notebook("<p>x</p>"), title="t")


class FakeFailure:
    cell_index = 3
    source = "\n# Header: when, trigger, scope.\nengine = source.connect(database_url)"
    ename = "NotFound"
    evalue = "No scheduler run 999 in the database."


def test_a_failure_names_the_notebook_the_cell_and_the_error() -> None:
    message = render.describe_failure("run_audit", FakeFailure())
    assert message == (
        "Report notebook run_audit.ipynb failed in cell 4 ('# Header: when, trigger, scope.'): "
        "NotFound: No scheduler run 999 in the database."
    )


def test_passwords_are_scrubbed_from_messages() -> None:
    from routing.config import mask_secrets, url_password

    password = url_password("postgresql+psycopg://ana:s3cr%40t@db:5432/routing")
    assert password == "s3cr@t"
    assert mask_secrets("could not connect with s3cr@t", password) == "could not connect with ***"
    assert url_password("sqlite:////tmp/x.db") is None


def test_the_kernel_gets_the_database_and_private_jupyter_folders(tmp_path: Path) -> None:
    env = render.kernel_environment("sqlite:////data/routing.db", tmp_path)
    assert env["ROUTING_DATABASE_URL"] == "sqlite:////data/routing.db"
    for key in (
        "IPYTHONDIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "MPLCONFIGDIR",
    ):
        assert env[key].startswith(str(tmp_path))


def test_the_kernelspec_runs_this_interpreter(tmp_path: Path) -> None:
    render.ensure_kernelspec(tmp_path)
    spec = json.loads((tmp_path / "data" / "kernels" / render.KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable


def test_every_report_notebook_is_present() -> None:
    assert [p.stem for p in NOTEBOOKS] == ["run_audit", "zip_coverage", "zip_import"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert all(c.cell_type == "code" and not c.outputs and c.execution_count is None for c in notebook.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_have_one_imports_cell_then_one_typed_parameters_cell(path: Path) -> None:
    cells = nbformat.read(path, as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [1]
    imports = ast.parse(cells[0].source).body
    assert imports and all(isinstance(node, ast.ImportFrom | ast.Import) for node in imports)
    assert not any(
        isinstance(n, ast.Import | ast.ImportFrom) for c in cells[1:] for n in ast.walk(ast.parse(c.source))
    )
    parameters = ast.parse(cells[1].source).body
    assert parameters and all(isinstance(n, ast.AnnAssign) and n.value is not None for n in parameters)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_cells_only_call_routing_reports(path: Path) -> None:
    for cell in nbformat.read(path, as_version=4).cells:
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)]
        assert not defined, cell.source
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", cell.source), cell.source
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.If | ast.For | ast.While)], cell.source


def test_the_analyst_role_reads_everything_and_writes_nothing() -> None:
    verifier = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"
    statements = analyst.analyst_role_statements(
        "routing_analyst", verifier, database="routing", owner="postgres", exists=False
    )
    assert statements[0].startswith('CREATE ROLE "routing_analyst" WITH LOGIN NOSUPERUSER')
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "routing_analyst"' in statements
    assert any(s.startswith('ALTER DEFAULT PRIVILEGES FOR ROLE "postgres"') for s in statements)
    assert not any(re.search(r"\b(INSERT|UPDATE|DELETE|ALL PRIVILEGES)\b", s) for s in statements)
    again = analyst.analyst_role_statements(
        "routing_analyst", verifier, database="routing", owner="o", exists=True
    )
    assert again[0].startswith("ALTER ROLE")


@pytest.mark.parametrize("role", ['x"; DROP TABLE appointments; --', "Analyst", "", "a" * 64])
def test_role_names_must_be_plain_identifiers(role: str) -> None:
    from routing.errors import BadInput

    with pytest.raises(BadInput, match="Role name"):
        analyst.analyst_role_statements(role, "SCRAM-SHA-256$1:a$b:c", database="d", owner="o", exists=False)


def test_a_plain_text_password_is_never_put_into_sql() -> None:
    from routing.errors import BadInput

    with pytest.raises(BadInput, match="SCRAM-SHA-256 verifier"):
        analyst.analyst_role_statements("analyst", "hunter2", database="d", owner="o", exists=False)
