"""Run Alembic migrations programmatically (``routing init`` and the tests), and check the revision.

Importing this module is cheap: Alembic (a tenth of a second) is imported only to migrate. The
checks every command makes read Alembic's version table directly and compare it with
``HEAD_REVISION`` (a test keeps ``REVISIONS`` equal to the script directory's history).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from routing.config import mask_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

REVISIONS = ("0001", "0002")
"""Every revision in ``migrations/versions``, oldest first (linear history)."""
HEAD_REVISION = REVISIONS[-1]
"""The revision this version of routing needs the database to be at."""


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    from alembic.config import Config

    config = Config(str(Path(__file__).parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> str:
    """Migrate the database to the newest revision (safe to repeat); returns that revision.

    BadInput (exit 2) when the database is at a revision this version does not know (a newer
    version of routing migrated it): nothing is changed.
    """
    from alembic import command

    from routing.db.session import create_database_folder

    create_database_folder(engine)  # the one place a SQLite file (and its folder) is created
    revision = current_revision(engine)
    if revision is not None and revision not in REVISIONS:
        from routing.errors import BadInput

        raise BadInput(_unknown_revision(engine, revision))
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return current_revision(engine) or "base"


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated (or its SQLite file
    does not exist: this check creates nothing).

    Reads Alembic's version table with SQLAlchemy (importing Alembic would cost every command a
    tenth of a second).
    """
    from sqlalchemy import inspect, text

    from routing.db.session import database_missing

    if database_missing(engine):  # connecting would create the SQLite file
        return None
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(revision) if revision is not None else None


def is_initialised(engine: Engine) -> bool:
    """True when the database has a schema (``routing init`` has run), at whatever revision."""
    return current_revision(engine) is not None


def schema_problem(engine: Engine) -> str | None:
    """None when the database is at ``HEAD_REVISION``; else one sentence saying what to do."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return None
    if revision is None:
        return f"The database {describe(engine)} is not initialised: run `routing init`."
    if revision in REVISIONS:
        return (
            f"The database {describe(engine)} is at revision {revision}, this version needs "
            f"{HEAD_REVISION}: run `routing init`."
        )
    return _unknown_revision(engine, revision)


def require_current(engine: Engine) -> Engine:
    """``engine``, or BadInput (exit 2) when its database is not at ``HEAD_REVISION``."""
    problem = schema_problem(engine)
    if problem is not None:
        from routing.errors import BadInput

        raise BadInput(problem)
    return engine


def describe(engine: Engine) -> str:
    """The database URL with the password masked, for messages."""
    return mask_url(engine.url)


def _unknown_revision(engine: Engine, revision: str) -> str:
    return (
        f"The database {describe(engine)} is at revision {revision}, which this version of routing "
        f"does not know (it needs {HEAD_REVISION}): a newer version migrated it; use that version."
    )
