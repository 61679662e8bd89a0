"""Frame schemas of the scheduler's inputs, declared once and checked at the core's entry.

Times are local wall-clock: slot bounds are minutes after midnight, time off is a naive datetime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

SCHEMAS: dict[str, dict[str, pl.DataType | type[pl.DataType]]] = {
    # Every appointment the run looks at: the ones to schedule (to_schedule) and the bookings of
    # the techs in scope that occupy them (tech_id set).
    "appointments": {
        "appointment_id": pl.Int64,
        "customer_id": pl.Int64,
        "work_order_type_id": pl.Int64,
        "location_id": pl.Int64,
        "date": pl.Date,
        "slot_start": pl.Int32,
        "slot_end": pl.Int32,
        "duration": pl.Int32,
        "zip": pl.String,
        "priority": pl.Int32,
        "created_at": pl.Datetime("us"),
        "tech_id": pl.Int64,
        "to_schedule": pl.Boolean,
    },
    "techs": {
        "tech_id": pl.Int64,
        "email": pl.String,
        "name": pl.String,
        "active": pl.Boolean,
        "home_zip": pl.String,
        "radius": pl.Float64,
        "daily_cap": pl.Int32,
        "priority": pl.Int32,
    },
    "tech_locations": {"tech_id": pl.Int64, "location_id": pl.Int64},
    "tech_skills": {"tech_id": pl.Int64, "skill": pl.String, "level": pl.Int32},
    "tech_hours": {"tech_id": pl.Int64, "weekday": pl.Int32, "start": pl.Int32, "end": pl.Int32},
    "time_off": {
        "tech_id": pl.Int64,
        "starts_at": pl.Datetime("us"),
        "ends_at": pl.Datetime("us"),
        "reason": pl.String,
    },
    "locations": {"location_id": pl.Int64, "code": pl.String, "name": pl.String},
    "work_order_types": {"work_order_type_id": pl.Int64, "code": pl.String, "name": pl.String},
    "work_order_type_skills": {"work_order_type_id": pl.Int64, "skill": pl.String, "min_level": pl.Int32},
    "customers": {
        "customer_id": pl.Int64,
        "external_id": pl.String,
        "preferred_tech_id": pl.Int64,
        "required_tech_id": pl.Int64,
    },
    "excluded_techs": {"customer_id": pl.Int64, "tech_id": pl.Int64},
    "zips": {"zip": pl.String, "lat": pl.Float64, "lon": pl.Float64},
}

FRAME_NAMES = tuple(SCHEMAS)


def check_frame(name: str, frame: pl.DataFrame) -> None:
    """Raise ValueError naming the frame and column when ``frame`` does not match its schema."""
    expected = SCHEMAS[name]
    actual = frame.schema
    missing = [column for column in expected if column not in actual]
    if missing:
        raise ValueError(f"scheduler input {name!r} lacks column(s) {', '.join(missing)}")
    for column, dtype in expected.items():
        if actual[column] != dtype:
            raise ValueError(
                f"scheduler input {name!r} column {column!r} is {actual[column]}, expected {dtype}"
            )


def conform(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Select and cast ``frame``'s columns to the declared schema (the shell calls this)."""
    expected = SCHEMAS[name]
    return frame.select([pl.col(column).cast(dtype) for column, dtype in expected.items()])


def empty(name: str) -> pl.DataFrame:
    """An empty frame with the declared schema."""
    return pl.DataFrame(schema=SCHEMAS[name])


def from_rows(name: str, rows: Sequence[Any]) -> pl.DataFrame:
    """A frame of ``rows`` (dicts or tuples in schema order) with the declared schema."""
    schema = SCHEMAS[name]
    if not rows:
        return empty(name)
    if isinstance(rows[0], Mapping):
        return pl.DataFrame(rows, schema=schema)
    return pl.DataFrame(rows, schema=schema, orient="row")
