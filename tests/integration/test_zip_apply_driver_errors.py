"""The mapping's bulk paths use the driver's cursor directly; its errors still arrive as SQLAlchemy's."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from routing.zips import apply
from tests.integration.zip_builders import add_locations


def test_a_driver_error_in_the_bulk_insert_is_raised_as_sqlalchemys_without_the_rows(engine: Engine) -> None:
    ids = add_locations(engine)
    rows = pl.DataFrame({"zip": ["02134", "02134"], "location_id": [ids["BOS"], ids["BOS"]]})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        apply._bulk_insert(conn, "zip_relations", ("zip", "location_id"), rows)
    assert caught.value.statement.startswith("INSERT INTO zip_relations (zip, location_id)")
    assert caught.value.params is None  # a national file's rows never land in a log line
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM zip_relations")).scalar_one() == 0


def test_a_driver_error_reading_the_mapping_is_raised_as_sqlalchemys(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE zip_relations RENAME TO zip_relations_gone"))
    try:
        with pytest.raises((OperationalError, ProgrammingError)), engine.connect() as conn:
            apply.read_mapping(conn)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE zip_relations_gone RENAME TO zip_relations"))
