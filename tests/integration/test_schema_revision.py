"""A database an older version migrated: commands refuse it with the `routing init` hint (exit 2),
`routing init` / `routing load` / the demo loop bring it to the newest revision, and a driver error
that is not an OperationalError is one sentence (exit 2, password masked), never a traceback.

Each test gets its own database (a SQLite file, or a PostgreSQL database created and dropped here):
downgrading the session's shared database would break the tests after a failure.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from routing.db import migrate
from routing.errors import BadInput
from tests.cli_runner import run_cli
from tests.conftest import IN_CI, PG_ADMIN_URL, _pg_available
from tests.migrations import migrate_to

SMALL_COMPANY = Path(__file__).resolve().parents[2] / "examples" / "small-company.yaml"
PASSWORD = "s3cret-pw"  # PostgreSQL's test server trusts local connections: any password works
INIT_HINT = "is at revision 0001, this version needs 0002: run `routing init`."
LEGACY_IMPORT = (
    "INSERT INTO zip_imports (kind, source, status, rows, new, updated, unchanged, error_count, errors,"
    " warnings, changes) VALUES ('import', 'csv', 'applied', 1, 1, 0, 0, 0, '[]', '[]', :changes)"
)
LEGACY_CHANGES = [{"zip": "02134", "action": "new", "fields": {"location": {"old": None, "new": "BOS"}}}]


def _old_database(url: str) -> None:
    """Migrate ``url`` to 0001 only, with one zip import recorded the 0001 way."""
    from routing.db.session import engine_for

    migrate_to(url, "0001")
    with engine_for(url).begin() as conn:
        conn.execute(text(LEGACY_IMPORT), {"changes": json.dumps(LEGACY_CHANGES)})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty database of its own (PostgreSQL: with a password, to check masking)."""
    from routing.db.session import engine_for

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        yield url
        engine_for(url).dispose()
        return
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    name = f"routing_revision_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name, password=PASSWORD).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings_url(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``empty_url`` as the settings' database (and so the CLI's)."""
    from routing.config import get_settings

    monkeypatch.setenv("ROUTING_DATABASE_URL", empty_url)
    get_settings.cache_clear()
    yield empty_url
    get_settings.cache_clear()


@pytest.fixture
def old_url(settings_url: str) -> str:
    """The settings' database, migrated to 0001 only (what an older version left)."""
    _old_database(settings_url)
    return settings_url


def engine(url: str) -> Engine:
    from routing.db.session import engine_for

    return engine_for(url)


def test_the_head_revision_is_the_script_directorys() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert scripts.get_heads() == [migrate.HEAD_REVISION]
    history = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert tuple(history) == migrate.REVISIONS


@pytest.mark.parametrize(
    "args",
    [
        ["zips", "imports", "--json"],
        ["zips", "imports", "1", "--json"],
        ["zips", "import", "--json", str(SMALL_COMPANY.with_name("zip-relations-sample.csv"))],
        ["settings", "show", "--json"],
        ["runs", "list", "--json"],
    ],
    ids=lambda args: " ".join(arg for arg in args if arg != "--json" and "/" not in arg),
)
def test_a_command_on_a_database_at_0001_exits_2_with_the_init_hint(
    old_url: str, args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, err = run_cli(args, monkeypatch, capsys)
    assert code == 2, (document, err)
    assert document["error"] == f"The database {migrate.describe(engine(old_url))} {INIT_HINT}"
    assert PASSWORD not in json.dumps(document) + err
    assert migrate.current_revision(engine(old_url)) == "0001"  # refused, not migrated


def test_the_message_in_text_mode_is_one_line_without_a_traceback(
    old_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["zips", "imports", "1"], monkeypatch, capsys)
    assert code == 2
    assert INIT_HINT in err
    assert "Traceback" not in err


def test_routing_init_brings_it_to_head_and_the_command_then_works(
    old_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, _ = run_cli(["init", "--json"], monkeypatch, capsys)
    assert code == 0
    assert document["revision"] == migrate.HEAD_REVISION
    assert migrate.current_revision(engine(old_url)) == migrate.HEAD_REVISION
    assert migrate.schema_problem(engine(old_url)) is None

    code, document, _ = run_cli(["zips", "imports", "1", "--json"], monkeypatch, capsys)
    assert code == 0
    assert document["changes"] == LEGACY_CHANGES  # 0002 moved the new zip to `added` and back out


def test_routing_load_migrates_an_old_database_first_and_a_dry_run_leaves_it_alone(
    old_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, err = run_cli(["load", str(SMALL_COMPANY), "--dry-run", "--json"], monkeypatch, capsys)
    assert code == 0, err
    assert document["dry_run"] is True
    assert migrate.current_revision(engine(old_url)) == "0001"

    code, document, err = run_cli(["load", str(SMALL_COMPANY), "--json"], monkeypatch, capsys)
    assert code == 0, err
    assert document["created"]["techs"] > 0
    assert migrate.current_revision(engine(old_url)) == migrate.HEAD_REVISION


def test_routing_serve_refuses_an_old_database(old_url: str) -> None:
    from routing.cli.serve import _company_schedule_facts

    with pytest.raises(BadInput, match="run `routing init`") as refused:
        _company_schedule_facts()
    assert INIT_HINT in refused.value.message


def test_the_demo_loop_brings_an_old_database_to_head(old_url: str) -> None:
    from routing.demo_loop import _existing_company

    assert _existing_company() is None  # no company yet: the loop loads the demo company next
    assert migrate.current_revision(engine(old_url)) == migrate.HEAD_REVISION


def test_a_revision_newer_than_this_version_is_refused_by_init_and_by_commands(
    old_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine(old_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for args in (["init", "--json"], ["zips", "imports", "--json"]):
        code, document, err = run_cli(args, monkeypatch, capsys)
        assert code == 2, (args, document, err)
        assert "is at revision 0099, which this version of routing does not know" in document["error"]
    assert migrate.current_revision(engine(old_url)) == "0099"


def test_a_driver_error_past_the_check_names_the_revision_problem(
    old_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Code that skips the check (here: the check switched off) hits the missing column itself:
    SQLite raises OperationalError, PostgreSQL ProgrammingError; both end as exit 2 with the hint."""
    monkeypatch.setattr(migrate, "require_current", lambda engine: engine)
    code, document, err = run_cli(["zips", "imports", "1", "--json"], monkeypatch, capsys)
    assert code == 2, (document, err)
    assert document["error"].startswith(f"The database {migrate.describe(engine(old_url))} {INIT_HINT}")
    assert "added" in document["error"]  # the database's own words follow
    assert PASSWORD not in json.dumps(document) + err


def test_a_driver_error_on_a_current_database_is_one_sentence_with_the_password_masked(
    settings_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The schema is at head but damaged: not a revision problem, still exit 2 and no traceback."""
    migrate_to(settings_url, "head")
    with engine(settings_url).begin() as conn:
        conn.execute(text("ALTER TABLE zip_imports DROP COLUMN added"))
        conn.execute(text(LEGACY_IMPORT), {"changes": json.dumps(LEGACY_CHANGES)})
    code, document, err = run_cli(["zips", "imports", "1", "--json"], monkeypatch, capsys)
    assert code == 2, (document, err)
    masked = migrate.describe(engine(settings_url))
    assert document["error"].startswith(f"Cannot use the database {masked}: ")
    assert "added" in document["error"]
    assert PASSWORD not in json.dumps(document) + err
    if settings_url.startswith("postgresql"):
        assert "***" in masked
