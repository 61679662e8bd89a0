"""One engine per process (per database URL) and the session factory.

The URL is checked where the engine is made, so every command and flow refuses a bad one with one
sentence (exit 2) and the password masked: not a URL, a database or driver that is not installed,
an async driver. Only ``migrate.upgrade`` (``routing init``, ``load``, ``demo``) creates a SQLite
file or its folder; every other use of a missing file is told to run ``routing init``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from routing.config import get_settings, mask_url, normalize_database_url
from routing.errors import BadInput

SUPPORTED = "use postgresql://user:password@host/database (psycopg 3) or sqlite:///path/to/routing.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str, echo: bool = False) -> Engine:
    """A pooled engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout.

    BadInput (exit 2) when ``url`` is not a database URL routing can use; creates no file.
    """
    parsed = checked_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _create(parsed, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return _create(parsed, echo=echo, pool_pre_ping=True)


def checked_url(url: str) -> URL:
    """``url`` parsed (``postgresql://`` mapped to psycopg 3); BadInput naming what is wrong with it.

    Messages show the URL only with its password masked, and an unparseable one not at all (it may
    be a password).
    """
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(normalize_database_url(url))
    except (ArgumentError, ValueError):
        raise BadInput(f"The database URL is not a URL SQLAlchemy can read: {SUPPORTED}.") from None
    shown = mask_url(parsed)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise BadInput(
            f"The database URL {shown} names a database SQLAlchemy does not know "
            f"({parsed.drivername}): {SUPPORTED}."
        ) from None
    if getattr(dialect, "is_async", False):
        instead = {
            "postgresql": "use postgresql:// or postgresql+psycopg://",
            "sqlite": "use sqlite:///path/to/routing.db",
        }.get(parsed.get_backend_name(), SUPPORTED)
        raise BadInput(
            f"The database URL {shown} uses the async driver {dialect.driver}, which routing does not "
            f"support: {instead}."
        )
    return parsed


def _create(url: URL, **kwargs: Any) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except ImportError as exc:  # the dialect's driver module is not installed
        raise BadInput(
            f"The database URL {mask_url(url)} needs the Python driver {exc.name or url.drivername}, "
            f"which is not installed: {SUPPORTED}."
        ) from None


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite engine's database; None for other databases, memory and ``file:`` URIs."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(url.database)


def database_missing(engine: Engine) -> bool:
    """True for a SQLite database whose file does not exist (connecting would create it)."""
    path = sqlite_file(engine)
    return path is not None and not path.exists()


def create_database_folder(engine: Engine) -> None:
    """Make the folder of a SQLite database file (``routing init``, ``load`` and ``demo`` do)."""
    path = sqlite_file(engine)
    if path is None or path.parent.is_dir():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(
            f"Cannot create the folder {path.parent} for the database: {exc.strerror or exc}."
        ) from None


def get_engine() -> Engine:
    """The engine for the database in the settings."""
    settings = get_settings()
    try:
        return engine_for(settings.resolved_database_url, settings.echo_sql)
    except BadInput as exc:
        if settings.database_url and exc.message.startswith("The database URL"):
            raise BadInput("ROUTING_DATABASE_URL" + exc.message.removeprefix("The database URL")) from None
        raise


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A session factory; use ``with session_factory().begin() as session:`` where the work is."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
