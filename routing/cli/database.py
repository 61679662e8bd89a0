"""The database a command works on: the settings' engine, refused with exit 2 unless it is current."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI's start-up does not import SQLAlchemy (routing --help stays fast)
    from sqlalchemy import Engine


def initialised_engine() -> Engine:
    """The settings' engine; BadInput (exit 2) unless the database is at the newest revision.

    A database never initialised, or migrated by an older version (``routing init`` upgrades it),
    is refused with the command to run. Checked by reading Alembic's version table, without
    importing Alembic (a tenth of a second that every command would pay).
    """
    from routing.db import migrate
    from routing.db.session import get_engine

    return migrate.require_current(get_engine())
