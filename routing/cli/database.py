"""The database a command works on: the settings' engine, refused with exit 2 when never initialised."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI's start-up does not import SQLAlchemy (routing --help stays fast)
    from sqlalchemy import Engine


def initialised_engine() -> Engine:
    """The settings' engine; BadInput (exit 2) when ``routing init`` has not created the schema.

    Checked by reading Alembic's version table, without importing Alembic (a tenth of a second
    that every command would pay).
    """
    from routing.config import mask_url
    from routing.db.session import get_engine
    from routing.errors import BadInput

    engine = get_engine()
    if not _has_revision(engine):
        url = mask_url(engine.url.render_as_string(hide_password=False))
        raise BadInput(f"The database {url} is not initialised: run `routing init`.")
    return engine


def _has_revision(engine: Engine) -> bool:
    from sqlalchemy import inspect, text

    if not inspect(engine).has_table("alembic_version"):
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).first() is not None
