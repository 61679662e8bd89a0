"""What a newcomer runs into at the edges of the CLI: --out paths, bad database URLs, read commands
on a database that does not exist, location spelling, usage errors with --json, the report hint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli_runner import run_cli as cli
from tests.integration.scheduler_builders import ZIPS, CompanyBuilder, load

DAY = ["--from", "2030-01-07", "--to", "2030-01-07"]
PASSWORD = "S3cretPW"


def use_url(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from routing.config import get_settings

    monkeypatch.setenv("ROUTING_DATABASE_URL", url)
    get_settings.cache_clear()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def two_branch_company(engine: Engine) -> Engine:
    """Boston (BOS) and Worcester (WOR), one tech, two appointments on 2030-01-07."""
    b = CompanyBuilder()
    b.locations.append({"code": "WOR", "name": "Worcester"})
    b.tech("Tech0", home_zip=ZIPS[0])
    for i in range(2):
        b.appointment(f"A{i:03d}", customer=b.customer(f"C{i:03d}", zip_code=ZIPS[i]))
    load(engine, b)
    return engine


@pytest.fixture
def company(use_database: Engine) -> Engine:
    """The two-branch company in the settings' database (SQLite and PostgreSQL)."""
    return two_branch_company(use_database)


@pytest.fixture
def sqlite_company(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The two-branch company on SQLite only (for the tests that render a report: a kernel each)."""
    from routing.config import get_settings

    use_url(sqlite_engine.url.render_as_string(hide_password=False), monkeypatch)
    yield two_branch_company(sqlite_engine)
    get_settings.cache_clear()


def scheduled_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> int:
    code, document, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    assert code == 0
    return int(document["run_id"])


# --- 1. report --out -------------------------------------------------------------------------------


def test_report_out_a_folder_writes_the_usual_name_inside_it_and_nothing_beside_it(
    sqlite_company: Engine, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    run_id = scheduled_run(monkeypatch, capsys)
    folder = tmp_path / "reports"
    folder.mkdir()

    code, document, err = cli(
        ["report", "run", str(run_id), "--out", str(folder), "--json"], monkeypatch, capsys
    )

    assert code == 0, err
    assert document == {"path": str(folder / f"run-{run_id}.html")}
    assert files_under(folder) == [f"run-{run_id}-appointments.csv", f"run-{run_id}.html"]
    beside = {p.name for p in tmp_path.iterdir()} - {"routing.db", "routing.db-wal", "routing.db-shm"}
    assert beside == {"reports"}  # before: reports-appointments.csv here, then a traceback


@pytest.mark.parametrize(
    ("out", "says"),
    [
        ("missing/run.html", "missing does not exist (create it first)."),
        ("a-file/run.html", "a-file is not a folder."),
        ("no-such-folder", "no such folder; give an existing folder or a file name with an extension"),
    ],
)
@pytest.mark.parametrize("command", [["report", "run", "RUN"], ["report", "coverage"], ["schema"]])
def test_report_out_that_cannot_be_meant_is_refused_before_anything_is_written(
    sqlite_company: Engine, tmp_path: Path, monkeypatch, capsys, out: str, says: str, command: list[str]
) -> None:  # type: ignore[no-untyped-def]
    run_id = scheduled_run(monkeypatch, capsys)
    work = tmp_path / "work"
    work.mkdir()
    (work / "a-file").write_text("not a folder")
    monkeypatch.chdir(work)
    args = [str(run_id) if a == "RUN" else a for a in command]

    code, text, err = cli([*args, "--out", out], monkeypatch, capsys)

    assert code == 2
    assert f"Error: --out {out}: " in err and says in " ".join(err.split())
    assert "Traceback" not in err and text == ""
    assert files_under(work) == ["a-file"]


def test_report_out_in_a_folder_that_cannot_be_written_is_exit_2_in_one_sentence(
    sqlite_company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc, a folder where no file can be created even as root")
    run_id = scheduled_run(monkeypatch, capsys)

    code, document, _ = cli(
        ["report", "run", str(run_id), "--out", "/proc/run.html", "--json"], monkeypatch, capsys
    )

    assert code == 2
    assert document["error"].startswith("--out /proc/run.html: cannot write in the folder /proc (")


def test_the_output_file_is_the_named_file_or_the_usual_name_in_a_folder(tmp_path: Path) -> None:
    from routing.reports.service import output_file

    assert output_file(tmp_path / "audit.html", "run-1.html") == tmp_path / "audit.html"
    assert output_file(tmp_path, "run-1.html") == tmp_path / "run-1.html"
    assert files_under(tmp_path) == []  # the write check leaves nothing behind


# --- 2. bad database URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            f"mysql://alice:{PASSWORD}@127.0.0.1/x",
            "ROUTING_DATABASE_URL mysql://alice:***@127.0.0.1/x needs the Python driver MySQLdb, which is "
            "not installed",
        ),
        (f"notaurl:{PASSWORD}", "ROUTING_DATABASE_URL is not a URL SQLAlchemy can read"),
        (
            f"postgresql+asyncpg://alice:{PASSWORD}@127.0.0.1/x",
            "ROUTING_DATABASE_URL postgresql+asyncpg://alice:***@127.0.0.1/x uses the async driver asyncpg, "
            "which routing does not support: use postgresql:// or postgresql+psycopg://.",
        ),
        (
            f"nosuchdb://alice:{PASSWORD}@h/x",
            "ROUTING_DATABASE_URL nosuchdb://alice:***@h/x names a database SQLAlchemy does not know",
        ),
    ],
)
@pytest.mark.parametrize("command", [["runs", "list"], ["init"], ["settings", "show"]])
@pytest.mark.parametrize("as_json", [True, False])
def test_a_bad_database_url_is_one_sentence_exit_2_without_the_password(
    monkeypatch, capsys, url: str, says: str, command: list[str], as_json: bool
) -> None:  # type: ignore[no-untyped-def]
    use_url(url, monkeypatch)

    code, out, err = cli([*command, *(["--json"] if as_json else [])], monkeypatch, capsys)

    assert code == 2
    message = out["error"] if as_json else " ".join(err.split())
    assert says in message
    if as_json:
        assert out["exit_code"] == 2 and err == ""
    assert PASSWORD not in json.dumps(out) + err
    assert "Traceback" not in err


# --- 3. read commands on a database that does not exist -------------------------------------------


READ_COMMANDS = [
    ["runs", "list"],
    ["settings", "show"],
    ["schedule", "run"],
    ["report", "coverage"],
    ["zips", "list"],
    ["explain", "appointment", "1"],
    ["serve"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c))
def test_a_read_command_on_a_missing_sqlite_file_creates_neither_file_nor_folder(
    tmp_path: Path, monkeypatch, capsys, command: list[str]
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "nc-fresh"
    use_url(f"sqlite:///{folder / 'x.db'}", monkeypatch)

    code, _, err = cli(command, monkeypatch, capsys)

    assert code == 2
    assert "is not initialised: run `routing init`." in err
    assert not folder.exists()


@pytest.mark.parametrize("command", READ_COMMANDS[:3], ids=lambda c: " ".join(c))
def test_a_read_command_on_a_missing_data_dir_creates_nothing(
    tmp_path: Path, monkeypatch, capsys, command: list[str]
) -> None:  # type: ignore[no-untyped-def]
    from routing.config import get_settings

    folder = tmp_path / "nc-data"
    monkeypatch.delenv("ROUTING_DATABASE_URL", raising=False)
    monkeypatch.setenv("ROUTING_DATA_DIR", str(folder))
    get_settings.cache_clear()

    code, _, err = cli(command, monkeypatch, capsys)
    get_settings.cache_clear()

    assert code == 2 and "routing init" in err
    assert not folder.exists()


def test_a_dry_run_load_checks_the_file_without_creating_the_database(
    tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "nc-load"
    use_url(f"sqlite:///{folder / 'x.db'}", monkeypatch)
    example = Path(__file__).resolve().parents[2] / "examples" / "small-company.yaml"

    code, document, _ = cli(["load", str(example), "--dry-run", "--json"], monkeypatch, capsys)

    assert code == 0 and document["dry_run"] is True
    assert not folder.exists()


def test_init_creates_the_folder_and_the_file_and_says_so_on_stdout(
    tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    database = tmp_path / "new" / "deeper" / "x.db"
    use_url(f"sqlite:///{database}", monkeypatch)

    code, out, err = cli(["init"], monkeypatch, capsys)

    assert code == 0 and err == ""
    assert out.startswith(f"Database ready: sqlite:///{database} (revision ")
    assert database.is_file()
    code, document, _ = cli(["init", "--json"], monkeypatch, capsys)
    assert code == 0 and document["database"] == f"sqlite:///{database}"


# --- 4. location spelling --------------------------------------------------------------------------


def test_schedule_run_takes_location_codes_and_names_in_any_case_and_spacing(
    company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    code, run, err = cli(
        [
            "schedule",
            "run",
            *DAY,
            "--location",
            "bos",
            "--location",
            " Wor cester ",
            "--location",
            "BOS",
            "--json",
        ],
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    code, shown, _ = cli(["runs", "show", str(run["run_id"]), "--json"], monkeypatch, capsys)
    assert shown["scope"]["locations"] == ["BOS", "WOR"]


def test_an_unknown_location_still_names_the_known_codes(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, document, _ = cli(["schedule", "run", *DAY, "--location", "xyz", "--json"], monkeypatch, capsys)
    assert code == 2
    assert (
        document["error"]
        == "No location has the code or name 'xyz'; known locations: Boston (BOS), Worcester (WOR)."
    )


def test_schedule_run_matches_locations_as_the_zips_commands_do(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, document, _ = cli(
        ["schedule", "run", *DAY, "--location", "boston", "--dry-run", "--json"], monkeypatch, capsys
    )
    assert code == 0, document
    code, shown, _ = cli(["runs", "show", str(document["run_id"]), "--json"], monkeypatch, capsys)
    assert shown["scope"]["locations"] == ["BOS"]


# --- 5. the report of a scheduler run --------------------------------------------------------------


def test_schedule_run_says_how_to_render_its_report(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, document, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    assert code == 0
    assert document["report"] is None
    assert document["report_command"] == f"routing report run {document['run_id']}"

    code, text, _ = cli(["schedule", "run", *DAY, "--dry-run"], monkeypatch, capsys)
    assert code == 0
    assert text.rstrip().splitlines()[-1] == f"Report: routing report run {document['run_id'] + 1}"


def test_schedule_run_with_report_renders_it_and_gives_its_path(
    sqlite_company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    code, document, err = cli(["schedule", "run", *DAY, "--report", "--json"], monkeypatch, capsys)
    assert code == 0, err
    path = Path(document["report"])
    assert path.name == f"run-{document['run_id']}.html" and path.is_file()


def test_schedule_run_whose_report_crashes_says_the_run_is_stored_and_names_it(
    sqlite_company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from routing.reports import service as reports

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the kernel died")

    monkeypatch.setattr(reports, "render_run_report", crash)
    code, document, _ = cli(["schedule", "run", *DAY, "--report", "--json"], monkeypatch, capsys)

    assert code == 1
    run_id = document["run_id"]
    assert document["error"] == (
        f"Run {run_id} is stored, but its audit report failed: RuntimeError: the kernel died "
        f"Render it again with: routing report run {run_id}"
    )
    code, shown, _ = cli(["runs", "show", str(run_id), "--json"], monkeypatch, capsys)
    assert (code, shown["status"]) == (0, "succeeded")


# --- 6. usage: choices, metavars, usage errors with --json ----------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["schedule", "run", "--bogus"], "No such option: --bogus"),
        (["settings", "set"], "Missing argument 'KEY'."),
        (["schedule", "run", "--strategy", "fast"], "'fast' is not one of 'greedy', 'optimal'."),
        (["no-such-command"], "No such command 'no-such-command'."),
    ],
)
def test_a_usage_error_with_json_prints_the_json_error_document(
    monkeypatch, capsys, args: list[str], says: str
) -> None:  # type: ignore[no-untyped-def]
    code, document, err = cli([*args, "--json"], monkeypatch, capsys)
    assert code == 2
    assert document["exit_code"] == 2 and document["errors"] == [] and says in document["error"]
    assert err == ""

    code, out, err = cli(args, monkeypatch, capsys)
    assert code == 2 and out == "" and says in err and "Usage: routing" in err


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["schedule", "run"], ["--location CODE", "--tech ID", "--from DATE", "--to DATE", "greedy|optimal"]),
        (["settings", "set"], ["KEY", "VALUE"]),
        (["report", "run"], ["RUN_ID", "--out FILE|FOLDER", "existing folder"]),
    ],
)
def test_help_names_values_as_a_reader_would(
    monkeypatch, capsys, command: list[str], shown: list[str]
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli([*command, "--help"], monkeypatch, capsys)
    assert code == 0
    for text in shown:
        assert text in out
    assert "<list[" not in out and "--location <str>" not in out
