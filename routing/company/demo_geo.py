"""Service areas of the demo branches, on real active STANDARD ZIPs and their centroids."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from routing.company.demo_data import Anchor
from routing.geo import EARTH_RADIUS_MILES, haversine_miles, zip_table

FRINGE_MILES = 15.0  # zips this far past a branch's radius: real, but outside every service area

AREA_SCHEMA = {
    "location": pl.String,
    "zip": pl.String,
    "city": pl.String,
    "state": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "miles": pl.Float64,
    "territory": pl.String,
    "in_area": pl.Boolean,
}


def anchor_rows(anchors: Sequence[Anchor]) -> pl.DataFrame:
    """One row per anchor with its ZIP's state, time zone and centroid; fails on a non-standard ZIP."""
    frame = pl.DataFrame(
        {
            "location": [a.code for a in anchors],
            "anchor_zip": [a.zip for a in anchors],
            "anchor_city": [a.city for a in anchors],
            "radius": [float(a.radius_miles) for a in anchors],
            "order": list(range(len(anchors))),
        }
    )
    zips = zip_table().filter(pl.col("active") & (pl.col("zip_type") == "STANDARD"))
    joined = frame.join(
        zips.select(
            pl.col("zip").alias("anchor_zip"),
            pl.col("state").alias("anchor_state"),
            pl.col("timezone").alias("anchor_timezone"),
            pl.col("lat").alias("anchor_lat"),
            pl.col("lon").alias("anchor_lon"),
        ),
        on="anchor_zip",
        how="left",
    ).sort("order")
    missing = joined.filter(pl.col("anchor_lat").is_null())["anchor_zip"].to_list()
    if missing:
        raise ValueError(f"demo anchor zips {missing} are not active STANDARD zips with a centroid")
    return joined


def service_areas(anchors: Sequence[Anchor]) -> pl.DataFrame:
    """Each zip near a branch, given to the nearest branch that reaches it (``AREA_SCHEMA``).

    ``in_area`` zips lie within the branch's radius (customers, techs, zip relations); the others
    lie up to ``FRINGE_MILES`` beyond it (leads from outside the mapped territory). Territory is
    "<City> Central" within 8 miles of the anchor, else North / East / South / West by bearing.
    """
    branches = anchor_rows(anchors)
    zips = zip_table().filter(
        pl.col("active") & (pl.col("zip_type") == "STANDARD") & pl.col("lat").is_not_null()
    )
    pairs = (
        zips.select("zip", "city", "state", "lat", "lon")
        .join(branches, how="cross")
        # cheap box before the trigonometry: a degree of latitude is ~69 miles
        .filter((pl.col("lat") - pl.col("anchor_lat")).abs() < 1.0)
        .with_columns(
            miles=haversine_miles(pl.col("anchor_lat"), pl.col("anchor_lon"), pl.col("lat"), pl.col("lon"))
        )
        .filter(pl.col("miles") <= pl.col("radius") + FRINGE_MILES)
        .with_columns(in_area=pl.col("miles") <= pl.col("radius"))
        .sort(["zip", "in_area", "miles", "order"], descending=[False, True, False, False])
        .unique(subset="zip", keep="first", maintain_order=True)
    )
    return (
        pairs.with_columns(territory=_territory())
        .sort(["order", "miles", "zip"])
        .select(list(AREA_SCHEMA))
        .cast(AREA_SCHEMA)  # type: ignore[arg-type]
    )


def _territory() -> pl.Expr:
    north = (pl.col("lat") - pl.col("anchor_lat")) * 69.0
    east = (pl.col("lon") - pl.col("anchor_lon")) * 69.0 * (pl.col("anchor_lat") * np.pi / 180).cos()
    direction = (
        pl.when(pl.col("miles") <= 8.0)
        .then(pl.lit("Central"))
        .when(north.abs() >= east.abs())
        .then(pl.when(north >= 0).then(pl.lit("North")).otherwise(pl.lit("South")))
        .otherwise(pl.when(east >= 0).then(pl.lit("East")).otherwise(pl.lit("West")))
    )
    return pl.concat_str([pl.col("anchor_city"), direction], separator=" ")


def miles_between(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle miles from one point to many (degrees), as a numpy array."""
    rad = np.pi / 180
    dlat = (lats - lat) * rad
    dlon = (lons - lon) * rad
    a = np.sin(dlat / 2) ** 2 + np.cos(lat * rad) * np.cos(lats * rad) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(a))
