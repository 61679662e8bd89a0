"""Benchmark the demo company: build time, and load / reload time on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_demo.py [--sizes small medium large] [--runs 3] [--pg-url URL | --no-pg]

Each figure is the median of ``--runs`` runs. A load goes into a fresh migrated database (migration
not timed); a reload loads the same company again (everything unchanged, nothing written).
PostgreSQL: ``--pg-url`` is an admin URL (default ``ROUTING_TEST_PG_URL`` or
postgresql://postgres@127.0.0.1:5432/postgres); each run creates and drops its own database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from routing.company.demo import SIZES, build_demo_company, demo_counts
from routing.company.loader import load_company
from routing.company.schema import CompanyFile
from routing.db import migrate
from routing.db.session import engine_for
from routing.geo import zip_table

START = dt.date(2026, 6, 1)
SEED = 7


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        engine = engine_for(f"sqlite:///{Path(folder) / 'routing.db'}")
        migrate.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def pg_database(admin_url: str) -> Iterator[Engine]:
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"bench_demo_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        engine = engine_for(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
        migrate.upgrade(engine)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load_and_reload(
    database: Callable[[], AbstractContextManager[Engine]], company: CompanyFile, runs: int
) -> tuple[float, float]:
    loads, reloads = [], []
    for _ in range(runs):
        with database() as engine:
            loads.append(timed(partial(load_company, engine, company)))
            reloads.append(timed(partial(load_company, engine, company)))
    return statistics.median(loads), statistics.median(reloads)


def pg_reachable(admin_url: str) -> bool:
    try:
        engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ROUTING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only.")
    args = parser.parse_args()
    console = Console(stderr=True)
    use_pg = not args.no_pg and pg_reachable(args.pg_url)
    if not args.no_pg and not use_pg:
        console.print(f"PostgreSQL at {args.pg_url} is not reachable: SQLite only.")
    zip_table()  # the ZIP table is read once per process; not part of any figure

    table = Table(title=f"routing demo: median of {args.runs} runs (seconds)")
    for column in ("size", "techs", "appointments", "rows", "build", "load sqlite", "reload sqlite"):
        table.add_column(column, justify="right")
    if use_pg:
        table.add_column("load postgres", justify="right")
        table.add_column("reload postgres", justify="right")
    for size in args.sizes:
        with console.status(f"{size}: building…"):
            builds = [timed(partial(build_demo_company, size, SEED, START)) for _ in range(args.runs)]
            company = build_demo_company(size, SEED, START)
        counts = demo_counts(company)
        rows = (
            sum(len(getattr(company, part)) for part in type(company).model_fields if part != "settings") + 1
        )
        with console.status(f"{size}: loading into SQLite…"):
            sqlite_load, sqlite_reload = load_and_reload(sqlite_database, company, args.runs)
        cells = [
            size,
            f"{counts['techs']:,}",
            f"{counts['appointments']:,}",
            f"{rows:,}",
            f"{statistics.median(builds):.2f}",
            f"{sqlite_load:.2f}",
            f"{sqlite_reload:.2f}",
        ]
        if use_pg:
            with console.status(f"{size}: loading into PostgreSQL…"):
                pg_load, pg_reload = load_and_reload(partial(pg_database, args.pg_url), company, args.runs)
            cells += [f"{pg_load:.2f}", f"{pg_reload:.2f}"]
        table.add_row(*cells)
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
