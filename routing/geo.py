"""Real US ZIP data (the ``zipcodes`` package) as a polars frame, and vectorized distances."""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import polars as pl

log = logging.getLogger(__name__)

EARTH_RADIUS_MILES = 3958.7613

ZIP_SCHEMA = {
    "zip": pl.String,
    "zip_type": pl.String,
    "active": pl.Boolean,
    "city": pl.String,
    "state": pl.String,
    "county": pl.String,
    "timezone": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
}


def _cache_path() -> Path | None:
    from routing.config import get_settings

    try:
        folder = get_settings().data_dir / "cache"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"zipcodes-{version('zipcodes')}.parquet"
    except OSError:
        return None


@lru_cache(maxsize=1)
def zip_table() -> pl.DataFrame:
    """Every US ZIP the ``zipcodes`` package knows (incl. retired ones): one row per zip.

    Columns: zip, zip_type (STANDARD, PO BOX, UNIQUE, MILITARY), active, city, state, county,
    timezone, lat, lon (degrees). Cached as parquet in the data folder after the first read.
    """
    cache = _cache_path()
    if cache is not None and cache.exists():
        try:
            return pl.read_parquet(cache)
        except Exception:  # a damaged cache is rebuilt
            log.warning("ZIP cache %s unreadable; rebuilding", cache)
    import zipcodes

    records = zipcodes.list_all()
    frame = pl.DataFrame(
        {
            "zip": [r["zip_code"] for r in records],
            "zip_type": [r["zip_code_type"] for r in records],
            "active": [bool(r["active"]) for r in records],
            "city": [r["city"] for r in records],
            "state": [r["state"] for r in records],
            "county": [r.get("county") or "" for r in records],
            "timezone": [r.get("timezone") or "" for r in records],
            "lat": [float(r["lat"]) if r.get("lat") else None for r in records],
            "lon": [float(r["long"]) if r.get("long") else None for r in records],
        },
        schema=ZIP_SCHEMA,
    )
    if cache is not None:
        tmp = cache.with_suffix(".tmp")
        frame.write_parquet(tmp)
        tmp.replace(cache)
    return frame


def centroids(zips: pl.Series | list[str]) -> pl.DataFrame:
    """(zip, lat, lon) for the given zips; unknown zips get null coordinates."""
    frame = pl.DataFrame({"zip": pl.Series(zips, dtype=pl.String)})
    return frame.join(zip_table().select("zip", "lat", "lon"), on="zip", how="left")


def haversine_miles(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in miles between two (lat, lon) columns given in degrees."""
    rad = 0.017453292519943295
    dlat = (lat2 - lat1) * rad
    dlon = (lon2 - lon1) * rad
    a = (dlat / 2).sin().pow(2) + (lat1 * rad).cos() * (lat2 * rad).cos() * (dlon / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_MILES * a.sqrt().arcsin()
