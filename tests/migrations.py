"""Put a test database at a given Alembic revision (an older schema, for upgrade tests)."""

from __future__ import annotations

from alembic import command

from routing.db import migrate


def migrate_to(url: str, revision: str) -> None:
    """Upgrade the database at ``url`` to ``revision`` (``"0001"``, ``"head"``...)."""
    from routing.db.session import engine_for

    config = migrate.alembic_config(url)
    with engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
