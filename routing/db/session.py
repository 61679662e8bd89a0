"""One engine per process (per database URL) and the session factory."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from routing.config import get_settings, normalize_database_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str, echo: bool = False) -> Engine:
    """A pooled engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        from pathlib import Path

        from sqlalchemy.engine import make_url

        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def get_engine() -> Engine:
    """The engine for the database in the settings."""
    settings = get_settings()
    return engine_for(settings.resolved_database_url, settings.echo_sql)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A session factory; use ``with session_factory().begin() as session:`` where the work is."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
