"""Zip coverage: which customer / lead zips the mapping covers, which it misses, and a map."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, func, literal, select, union_all

from routing.reports import charts
from routing.reports import html as h
from routing.reports.source import read_frame

MAPPED_SCHEMA = {
    "zip": pl.String,
    "location_code": pl.String,
    "location_name": pl.String,
    "territory": pl.String,
}
PARTY_SCHEMA = {"zip": pl.String, "customers": pl.Int64, "leads": pl.Int64}


def mapped_zips(engine: Engine) -> pl.DataFrame:
    """Every mapping row with its location: zip, location_code, location_name, territory."""
    from routing.db.company import Location
    from routing.db.zips import ZipRelation

    statement = (
        select(ZipRelation.zip, Location.code, Location.name, ZipRelation.territory)
        .join(Location, Location.id == ZipRelation.location_id)
        .order_by(ZipRelation.zip)
    )
    return read_frame(engine, statement, MAPPED_SCHEMA)


def party_zips(engine: Engine) -> pl.DataFrame:
    """Zips that appear in customer or lead addresses, with how many of each: zip, customers, leads."""
    from routing.db.company import Customer, Lead

    both = union_all(
        select(Customer.zip.label("zip"), literal(1).label("c"), literal(0).label("l")),
        select(Lead.zip.label("zip"), literal(0).label("c"), literal(1).label("l")),
    ).subquery()
    statement = (
        select(both.c.zip, func.sum(both.c.c), func.sum(both.c.l)).group_by(both.c.zip).order_by(both.c.zip)
    )
    return read_frame(engine, statement, PARTY_SCHEMA)


def unmapped_zips(mapped: pl.DataFrame, parties: pl.DataFrame) -> pl.DataFrame:
    """Customer / lead zips missing from the mapping, most customers first, with place names."""
    from routing.geo import zip_table

    places = zip_table().select("zip", "city", "state", "active", "lat", "lon")
    return (
        parties.join(mapped.select("zip"), on="zip", how="anti")
        .join(places, on="zip", how="left")
        .with_columns(
            pl.when(pl.col("active").is_null())
            .then(pl.lit("not a US ZIP"))
            .when(~pl.col("active"))
            .then(pl.lit("retired ZIP"))
            .otherwise(pl.lit(""))
            .alias("remark")
        )
        .sort(["customers", "leads", "zip"], descending=[True, True, False])
    )


def summary(mapped: pl.DataFrame, parties: pl.DataFrame, unmapped: pl.DataFrame, database: str) -> h.Html:
    """Headline numbers: mapped zips, zips in use, how many customers sit in unmapped zips."""
    used = parties.height
    customers, leads = int(parties["customers"].sum()), int(parties["leads"].sum())
    facts = {
        "Mapped zips": f"{mapped.height:,}",
        "Locations with mappings": f"{mapped['location_code'].n_unique():,}",
        "Zips used by customers or leads": f"{used:,}",
        "... of which mapped": f"{used - unmapped.height:,}",
        "... of which unmapped": h.tag(
            "span", f"{unmapped.height:,}", class_="rr-bad" if unmapped.height else None
        ),
        "Customers in unmapped zips": f"{int(unmapped['customers'].sum()):,} of {customers:,}",
        "Leads in unmapped zips": f"{int(unmapped['leads'].sum()):,} of {leads:,}",
        "Database": database,
    }
    return h.join([h.style(), h.heading("Zip coverage", 1), h.key_values(facts)])


def by_location(mapped: pl.DataFrame, parties: pl.DataFrame) -> h.Html:
    """Mapped zips and the customers / leads in them, per location."""
    per_location = (
        mapped.join(parties, on="zip", how="left")
        .group_by("location_code", "location_name")
        .agg(
            pl.len().alias("zips"),
            pl.col("customers").fill_null(0).sum().alias("customers"),
            pl.col("leads").fill_null(0).sum().alias("leads"),
        )
        .sort("location_code")
    )
    chart = charts.bars(
        per_location["location_code"].to_list(),
        per_location["zips"].to_list(),
        title="Mapped zips per location",
        xlabel="zips",
        colour="#1e88e5",
    )
    columns = {
        "location_code": "Location",
        "location_name": "Name",
        "zips": "Zips",
        "customers": "Customers",
        "leads": "Leads",
    }
    return h.section(
        "Mapped zips by location", h.table(per_location, columns), chart if per_location.height else ""
    )


def unmapped_table(unmapped: pl.DataFrame, *, max_rows: int = 500) -> h.Html:
    """The unmapped zips, most customers first (``routing zips unmapped --template`` exports them)."""
    columns = {
        "zip": "Zip",
        "customers": "Customers",
        "leads": "Leads",
        "city": "City",
        "state": "State",
        "remark": "Remark",
    }
    body = h.table(unmapped, columns, max_rows=max_rows, empty="Every customer and lead zip is mapped.")
    return h.section(
        "Unmapped zips",
        h.note(
            "Fill these in: ",
            h.tag("code", "routing zips unmapped --template FILE"),
            ", then import the file.",
        ),
        body,
    )


def coverage_map(mapped: pl.DataFrame, unmapped: pl.DataFrame, *, margin_degrees: float = 0.5) -> h.Html:
    """ZIP centroids coloured by location, unmapped ones as red crosses (sized by customers)."""
    from routing.geo import centroids, zip_table

    located = centroids(mapped["zip"]).join(mapped.select("zip", "location_code"), on="zip").drop_nulls("lat")
    missing = unmapped.drop_nulls("lat")
    points = pl.concat([located.select("lat", "lon"), missing.select("lat", "lon")])
    if points.height == 0:
        return h.section("Map", h.note("No zip has known coordinates."))
    box = points.select(
        (pl.col("lat").min() - margin_degrees).alias("s"),
        (pl.col("lat").max() + margin_degrees).alias("n"),
        (pl.col("lon").min() - margin_degrees).alias("w"),
        (pl.col("lon").max() + margin_degrees).alias("e"),
    ).row(0, named=True)
    context = zip_table().filter(
        pl.col("lat").is_between(box["s"], box["n"]) & pl.col("lon").is_between(box["w"], box["e"])
    )
    groups = {
        str(code): (part["lon"].to_list(), part["lat"].to_list())
        for (code,), part in located.sort("location_code").group_by("location_code", maintain_order=True)
    }
    image = charts.zip_map(
        (context["lon"].to_list(), context["lat"].to_list()),
        groups,
        (missing["lon"].to_list(), missing["lat"].to_list(), missing["customers"].to_list()),
        title="ZIP centroids by location (red x: unmapped, larger = more customers)",
        mean_latitude=(box["s"] + box["n"]) / 2,
        aspect_ratio=(box["n"] - box["s"]) / max(box["e"] - box["w"], 0.01),
    )
    return h.section("Map", image, h.note("Grey dots: other US ZIP centroids in the area, for orientation."))
