"""The one check every flow makes before it touches the database."""

from __future__ import annotations


def require_current_database() -> None:
    """Fail the flow run at once, with the command to run, unless the settings' database is at the
    newest migration (a worker host on an older schema would otherwise fail mid-run on a missing
    column). The message masks any password in the URL."""
    from routing.db import migrate
    from routing.db.session import get_engine

    migrate.require_current(get_engine())
