"""Where report data comes from: an engine for the notebook's database and typed frame reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.sql import Executable

from routing.config import get_settings, mask_url


def connect(database_url: str = "") -> Engine:
    """The engine for ``database_url``, or for the settings' database when it is empty."""
    from routing.db.session import engine_for

    return engine_for(database_url or get_settings().resolved_database_url)


def describe(engine: Engine) -> str:
    """The engine's URL with any password masked (the only form a report may show)."""
    return mask_url(engine.url.render_as_string(hide_password=False))


def read_frame(engine: Engine, statement: Executable, schema: Mapping[str, Any]) -> pl.DataFrame:
    """Run a Core ``SELECT`` (SQLAlchemy converts types per dialect) into a frame with ``schema``."""
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=dict(schema), orient="row")
