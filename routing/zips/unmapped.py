"""Zips that customers' and leads' addresses use but the mapping does not cover."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, exists, func, literal, select, union_all

from routing.db.company import Customer, Lead
from routing.db.zips import ZipRelation

UNMAPPED_SCHEMA = {"zip": pl.String, "customers": pl.Int64, "leads": pl.Int64}


def unmapped_zips(conn: Connection) -> pl.DataFrame:
    """(zip, customers, leads) for every unmapped zip in use, most customers and leads first."""
    parties = union_all(
        select(Customer.zip.label("zip"), literal(1).label("customer"), literal(0).label("lead")),
        select(Lead.zip.label("zip"), literal(0).label("customer"), literal(1).label("lead")),
    ).subquery()
    query = (
        select(
            parties.c.zip,
            func.sum(parties.c.customer).label("customers"),
            func.sum(parties.c.lead).label("leads"),
        )
        .where(~exists().where(ZipRelation.zip == parties.c.zip))
        .group_by(parties.c.zip)
    )
    frame = pl.DataFrame(conn.execute(query).all(), schema=UNMAPPED_SCHEMA, orient="row")
    return rank_unmapped(frame)


def rank_unmapped(frame: pl.DataFrame) -> pl.DataFrame:
    """Most parties first (customers + leads), then most customers, then zip."""
    return frame.sort(
        [pl.col("customers") + pl.col("leads"), pl.col("customers"), pl.col("zip")],
        descending=[True, True, False],
    )
