"""Benchmark the tech auto-scheduler: a full greedy run with its reasoning persisted.

    .venv/bin/python bench/bench_scheduler.py [--database sqlite|postgres] [--sizes medium large x10]
                                              [--runs 3] [--no-optimal] [--write-readme]

For each size: the demo company (``x10`` = ten renamed copies of the large one: 100,000
appointments x 10,000 techs) is loaded once into a template database: on SQLite a file cached in
the temp folder, on PostgreSQL (``--pg-url``, default the test server) a database
``bench_sched_<pid>_<size>`` dropped at the end. Every run gets a fresh copy (a file copy;
``CREATE DATABASE ... TEMPLATE``) and runs ``routing.scheduling.service.run_schedule`` (greedy, not
a dry run) in a fresh process that reports its wall time and peak RSS. The I/O floor is measured in
the same command: the rows the run stored (run_candidates, run_appointments, run_roster) are read
back and written again into fresh tables with the same columns, indexes and foreign keys (SQLite:
bare ``sqlite3`` ``executemany`` into a fresh file with the same pragmas; PostgreSQL: psycopg 3
``COPY ... FROM STDIN`` (CSV) into a scratch schema of the run's database); only the writes and
the commit are timed. Figures are medians.
On medium it also compares greedy and optimal (assigned, total score of the assignments, time).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

START = dt.date(2026, 6, 1)  # a Monday
SEED = 7
CACHE = Path(tempfile.gettempdir()) / "routing-bench-scheduler"
TABLES = ("run_roster", "run_appointments", "run_candidates")
ORDER = {  # the order the run writes its rows in
    "run_candidates": "appointment_id, tech_id",
    "run_appointments": "appointment_id",
    "run_roster": "tech_id",
}
README = Path(__file__).with_name("README.md")
TECHS = {"medium": 120, "large": 1_000, "x10": 10_000}
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_HEADING = "### Scheduler on PostgreSQL"


def _company(size: str) -> Any:
    from routing.company.demo import build_demo_company

    if size != "x10":
        return build_demo_company(size, SEED, START)
    return ten_copies(build_demo_company("large", SEED, START))


def ten_copies(company: Any) -> Any:
    """Ten renamed copies of a company (locations, techs, customers, profiles, appointments)."""
    from routing.company.schema import CompanyFile

    base = company.model_dump(mode="json")
    merged: dict[str, list[Any]] = {
        "locations": [],
        "techs": [],
        "profiles": [],
        "customers": [],
        "appointments": [],
    }
    for i in range(10):

        def loc(code: str, i: int = i) -> str:
            return f"{code}{i}"

        def mail(email: str | None, i: int = i) -> str | None:
            return None if email is None else f"c{i}.{email}"

        merged["locations"] += [
            {**x, "code": loc(x["code"]), "name": f"{x['name']} {i}"} for x in base["locations"]
        ]
        merged["techs"] += [
            {**t, "email": mail(t["email"]), "locations": [loc(c) for c in t["locations"]]}
            for t in base["techs"]
        ]
        merged["profiles"] += [
            {
                **p,
                "name": f"{p['name']} {i}",
                "locations": [loc(c) for c in p["locations"]] or [loc(x["code"]) for x in base["locations"]],
                "territory_rules": [
                    {**r, "techs": [mail(e) for e in r["techs"]]} for r in p["territory_rules"]
                ],
            }
            for p in base["profiles"]
        ]
        merged["customers"] += [
            {
                **c,
                "external_id": f"{c['external_id']}-{i}",
                "location": loc(c["location"]) if c.get("location") else None,
                "preferred_tech": mail(c.get("preferred_tech")),
                "required_tech": mail(c.get("required_tech")),
                "excluded_techs": [mail(e) for e in c.get("excluded_techs", [])],
            }
            for c in base["customers"]
        ]
        merged["appointments"] += [
            {
                **a,
                "external_id": f"{a['external_id']}-{i}",
                "customer": f"{a['customer']}-{i}",
                "location": loc(a["location"]) if a.get("location") else None,
                "tech": mail(a.get("tech")),
            }
            for a in base["appointments"]
        ]
    return CompanyFile.model_validate(
        {"settings": base["settings"], "work_order_types": base["work_order_types"], **merged}
    )


def _load(url: str, size: str) -> Any:
    """Migrate the (empty) database at ``url`` and load the company of ``size``; its engine."""
    from routing.company.loader import load_company
    from routing.db import migrate
    from routing.db.session import engine_for

    engine = engine_for(url)
    migrate.upgrade(engine)
    load_company(engine, _company(size), name=f"bench {size}")
    return engine


def template(size: str) -> Path:
    """A migrated SQLite file holding the company (built once, then reused)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{size}-seed{SEED}-{START}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = _load(f"sqlite:///{partial}", size)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    return path


def _child(url: str, strategy: str, queue: Any) -> None:
    """One scheduler run in a fresh process: wall time, peak RSS, counts."""
    import resource

    from sqlalchemy import text

    from routing.db.session import engine_for
    from routing.geo import zip_table
    from routing.scheduling.service import run_schedule

    zip_table()  # read once per process, like any long-lived worker
    engine = engine_for(url)
    began = time.perf_counter()
    result = run_schedule(
        engine,
        date_from=START,
        date_to=START + dt.timedelta(days=6),
        strategy=strategy,
        now=dt.datetime.combine(START, dt.time(6), tzinfo=dt.UTC),
    )
    wall = time.perf_counter() - began
    with engine.connect() as conn:
        stats = conn.execute(
            text("SELECT stats FROM schedule_runs WHERE id = :run"), {"run": result.run_id}
        ).scalar()
        total = conn.execute(
            text(
                "SELECT COALESCE(SUM(score), 0) FROM run_appointments "
                "WHERE run_id = :run AND outcome = 'assigned'"
            ),
            {"run": result.run_id},
        ).scalar()
    engine.dispose()
    queue.put(
        {
            "wall": wall,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "run_id": result.run_id,
            "considered": result.considered,
            "assigned": result.assigned,
            "total_score": float(total or 0),
            "stats": stats if isinstance(stats, dict) else json.loads(stats or "{}"),  # PG: JSON
        }
    )


def run_once(url: str, strategy: str) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(url, strategy, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty: keep waiting while the child lives
            if not process.is_alive():
                raise RuntimeError(f"scheduler run failed with exit code {process.exitcode}") from None
    process.join()
    return result


def io_floor(db: Path, run_id: int, folder: Path) -> tuple[float, int]:
    """Seconds to write the run's stored rows again with bare sqlite3 executemany; and the row count.

    Same tables, indexes and pragmas (WAL, synchronous NORMAL, the commit's page cache), rows in the
    order the run wrote them, chunks of the same size; reading them back is not timed.
    """
    from routing.scheduling.bulk import CHUNK_ROWS, SQLITE_BULK_CACHE_KIB

    source = sqlite3.connect(db)
    schema = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?, ?) AND sql IS NOT NULL "
            "ORDER BY type DESC",
            TABLES,
        )
    ]
    target_path = folder / f"floor-{run_id}.db"
    target_path.unlink(missing_ok=True)
    target = sqlite3.connect(target_path)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size=-{SQLITE_BULK_CACHE_KIB}"):
        target.execute(f"PRAGMA {pragma}")
    target.execute("CREATE TABLE schedule_runs (id INTEGER PRIMARY KEY)")
    for sql in schema:
        target.execute(sql)
    target.commit()
    seconds, stored = 0.0, 0
    for table in TABLES:
        cursor = source.execute(f"SELECT * FROM {table} WHERE run_id = ? ORDER BY {ORDER[table]}", (run_id,))
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            marks = ",".join("?" * len(chunk[0]))
            began = time.perf_counter()
            target.executemany(f"INSERT INTO {table} VALUES ({marks})", chunk)
            seconds += time.perf_counter() - began
            stored += len(chunk)
    began = time.perf_counter()
    target.commit()
    seconds += time.perf_counter() - began
    target.close()
    source.close()
    target_path.unlink(missing_ok=True)
    return seconds, stored


def _conninfo(url: str) -> str:
    """A libpq URI (for psycopg) from a SQLAlchemy ``postgresql[+psycopg]://`` URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_io_floor(url: str, run_id: int) -> tuple[float, int]:
    """Seconds to write the run's stored rows again with psycopg 3 COPY; and the row count.

    Fresh tables in a scratch schema of the run's database, made from the real ones: same columns,
    defaults, primary keys and indexes (``LIKE ... INCLUDING ALL``) and the same foreign keys (to
    the run's ``schedule_runs`` row). The rows are read back first (``COPY ... TO STDOUT``, CSV, in
    the order the run wrote them; not timed), then written with ``COPY ... FROM STDIN`` (CSV, like
    the run) in chunks of the run's size, one transaction; only the COPYs and the commit are timed.
    """
    import psycopg

    from routing.scheduling.bulk import CHUNK_ROWS

    seconds, stored = 0.0, 0
    with psycopg.connect(_conninfo(url)) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE SCHEMA bench_floor")
        for table in TABLES:
            cursor.execute(f"CREATE TABLE bench_floor.{table} (LIKE public.{table} INCLUDING ALL)")
            keys = cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                (f"public.{table}",),
            ).fetchall()
            for (definition,) in keys:  # e.g. FOREIGN KEY (run_id) REFERENCES schedule_runs(id) ...
                cursor.execute(f"ALTER TABLE bench_floor.{table} ADD {definition}")
        conn.commit()
        rows: dict[str, list[bytes]] = {}
        for table in TABLES:
            select = f"SELECT * FROM public.{table} WHERE run_id = {int(run_id)} ORDER BY {ORDER[table]}"
            with cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
                rows[table] = [bytes(row) for row in copy]  # one row per block in CSV
        conn.commit()
        for table in TABLES:
            chunks = [
                b"".join(rows[table][i : i + CHUNK_ROWS]) for i in range(0, len(rows[table]), CHUNK_ROWS)
            ]
            began = time.perf_counter()
            with cursor.copy(f"COPY bench_floor.{table} FROM STDIN (FORMAT csv)") as copy:
                for chunk in chunks:
                    copy.write(chunk)
            seconds += time.perf_counter() - began
            stored += cursor.rowcount
        began = time.perf_counter()
        conn.commit()
        seconds += time.perf_counter() - began
    return seconds, stored


class Backend(Protocol):
    """Where the runs happen: the template per size, a fresh copy per run, the I/O floor."""

    name: str

    def prepare(self, size: str) -> None: ...

    def fresh(self, size: str) -> contextlib.AbstractContextManager[str]: ...

    def floor(self, url: str, run_id: int) -> tuple[float, int]: ...

    def close(self) -> None: ...


class SqliteBackend:
    """A cached template file per size; each run on a copy of it in a temporary folder."""

    name = "sqlite"

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="bench-scheduler-")
        self.folder = Path(self._folder.name)

    def prepare(self, size: str) -> None:
        template(size)

    @contextlib.contextmanager
    def fresh(self, size: str) -> Iterator[str]:
        db = self.folder / "routing.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(template(size), db)
        yield f"sqlite:///{db}"

    def floor(self, url: str, run_id: int) -> tuple[float, int]:
        return io_floor(Path(url.removeprefix("sqlite:///")), run_id, self.folder)

    def close(self) -> None:
        self._folder.cleanup()


class PostgresBackend:
    """A template database per size (``bench_sched_<pid>_<size>``), loaded once per command; each
    run on ``CREATE DATABASE ... TEMPLATE`` of it. Every database it made is dropped by ``close``."""

    name = "postgres"

    def __init__(self, server_url: str) -> None:
        from routing.config import normalize_database_url

        self.server_url = normalize_database_url(server_url)
        self.prefix = f"bench_sched_{os.getpid()}"
        self.templates: dict[str, str] = {}
        self.made: list[str] = []

    def url(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.server_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(_conninfo(self.server_url), autocommit=True) as conn:
            conn.execute(sql.encode())

    def _create(self, database: str, template: str = "template1") -> str:
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if database not in self.made:
            self.made.append(database)
        self._admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        return self.url(database)

    def _drop(self, database: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if database in self.made:
            self.made.remove(database)

    def prepare(self, size: str) -> None:
        if size in self.templates:
            return
        name = f"{self.prefix}_{size}"
        engine = _load(self._create(name), size)
        engine.dispose()  # a template database must have no sessions
        self.templates[size] = name

    @contextlib.contextmanager
    def fresh(self, size: str) -> Iterator[str]:
        self.prepare(size)
        name = f"{self.prefix}_run"
        url = self._create(name, self.templates[size])
        try:
            yield url
        finally:
            self._drop(name)  # FORCE: ends any session the run left

    def floor(self, url: str, run_id: int) -> tuple[float, int]:
        return pg_io_floor(url, run_id)

    def close(self) -> None:
        for database in list(self.made):
            self._drop(database)


def measure(
    backend: Backend, size: str, runs: int, strategy: str = "greedy", floor: bool = True
) -> dict[str, Any]:
    backend.prepare(size)
    walls, rsses, floors, ratios = [], [], [], []
    last: dict[str, Any] = {}
    for _ in range(runs):
        with backend.fresh(size) as url:
            last = run_once(url, strategy)
            walls.append(last["wall"])
            rsses.append(last["rss_mb"])
            if floor:
                seconds, stored = backend.floor(url, last["run_id"])
                floors.append(seconds)
                ratios.append(last["wall"] / seconds)
                last["rows_stored"] = stored
    return {
        "size": size,
        "runs": runs,
        "strategy": strategy,
        "considered": last["considered"],
        "assigned": last["assigned"],
        "total_score": last["total_score"],
        "rows_stored": last.get("rows_stored"),
        "wall": statistics.median(walls),
        "rss_mb": statistics.median(rsses),
        "floor": statistics.median(floors) if floors else None,
        "ratio": statistics.median(ratios) if ratios else None,
        "stats": last["stats"],
    }


def _table(results: list[dict[str, Any]]) -> list[str]:
    """The markdown table of runs (one row per size)."""
    lines = [
        "| scope | runs | appointments | techs | rows stored | run (s) | of which decide (s) "
        "| I/O floor (s) | ratio "
        "| peak RSS (MB) | assigned |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']} | {r['runs']} | {r['considered']:,} | {TECHS[r['size']]:,} | "
            f"{r['rows_stored']:,} | {r['wall']:.2f} | {r['stats'].get('decide_s', float('nan')):.2f} | "
            f"{r['floor']:.2f} | {r['ratio']:.2f} | "
            f"{r['rss_mb']:.0f} | {r['assigned']:,} |"
        )
    return lines


def _measured() -> list[str]:
    return ["", f"Measured {dt.date.today().isoformat()} on this machine (2 shared cores).", ""]


def markdown(results: list[dict[str, Any]], comparison: list[dict[str, Any]]) -> str:
    lines = [
        "## Scheduler",
        "",
        "`bench/bench_scheduler.py`: a greedy run with full reasoning persisted on SQLite (every",
        "candidate row, the roster, every appointment), the median of `runs` runs, each in a fresh process",
        "on a fresh copy of the company (`x10`: ten renamed copies of the large demo). Floor: the same",
        "stored rows written again with bare `sqlite3` `executemany` (same tables, indexes, pragmas and",
        "chunks), measured in the same command; ratio = run / floor. Targets on large: ratio <= 3,",
        "peak RSS <= 2 GB.",
        "",
        *_table(results),
    ]
    if comparison:
        lines += [
            "",
            "Greedy vs optimal (CP-SAT per partition, one worker, deterministic time limit) on medium:",
            "",
            "| strategy | assigned | total score | run (s) |",
            "|---|---:|---:|---:|",
        ]
        for r in comparison:
            lines.append(
                f"| {r['strategy']} | {r['assigned']:,} | {r['total_score']:,.1f} | {r['wall']:.2f} |"
            )
    return "\n".join(lines + _measured())


def markdown_pg(results: list[dict[str, Any]]) -> str:
    lines = [
        PG_HEADING,
        "",
        "`bench/bench_scheduler.py --database postgres`: the same greedy runs on PostgreSQL, each in a",
        "fresh process on a fresh `CREATE DATABASE ... TEMPLATE` copy of the loaded company. Floor: the",
        "same stored rows written again with psycopg 3 `COPY ... FROM STDIN` (CSV, the run's chunks)",
        "into fresh tables with the real tables' columns, indexes and foreign keys, in one transaction;",
        "only the COPYs and the commit are timed; ratio = run / floor.",
        "",
        *_table(results),
    ]
    return "\n".join(lines + _measured())


def write_section(text: str) -> None:
    """Replace (or add) the part of bench/README.md that ``text`` starts with (its heading line).

    ``## Scheduler`` runs up to the next ``##``/``###`` heading, so its PostgreSQL sub-part
    (``### Scheduler on PostgreSQL``) is kept; a missing sub-part is added at the end of
    ``## Scheduler``, a missing section at the end of the file.
    """
    import re

    heading = text.split("\n", 1)[0]
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    match = re.search(rf"^{re.escape(heading)}$", current, re.M)
    if match:
        start = match.start()
        following = re.compile(r"^#{2,3} ", re.M).search(current, match.end())
    else:
        parent = re.search(r"^## Scheduler$", current, re.M) if heading.startswith("### ") else None
        following = re.compile(r"^## ", re.M).search(current, parent.end()) if parent else None
        start = following.start() if following else len(current)
    end = following.start() if following else len(current)
    before, after = current[:start].rstrip("\n"), current[end:].lstrip("\n")
    README.write_text(
        before + "\n\n" + text.strip("\n") + "\n" + ("\n" + after if after else ""), encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="sqlite (default) or postgres (databases made on --pg-url's server, dropped at the end).",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ROUTING_BENCH_PG_URL", PG_URL),
        help=f"PostgreSQL server to use, any database on it (default $ROUTING_BENCH_PG_URL or {PG_URL}).",
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        choices=["medium", "large", "x10"],
        help="Default: medium large x10 on SQLite, medium large on PostgreSQL.",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--x10-runs", type=int, default=1, help="Runs for the x10 scope (minutes each).")
    parser.add_argument("--no-optimal", action="store_true", help="Skip greedy vs optimal on medium.")
    parser.add_argument("--write-readme", action="store_true", help="Write the figures to bench/README.md.")
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    sizes = args.sizes or (["medium", "large"] if args.database == "postgres" else ["medium", "large", "x10"])
    backend: Backend = PostgresBackend(args.pg_url) if args.database == "postgres" else SqliteBackend()
    console = Console(stderr=True)
    results = []
    comparison = []
    with contextlib.closing(backend):
        for size in sizes:
            with console.status(f"{size}: loading the company into a {backend.name} template…"):
                backend.prepare(size)
            runs = args.x10_runs if size == "x10" else args.runs
            with console.status(f"{size}: {runs} greedy runs on {backend.name}…"):
                results.append(measure(backend, size, runs))
            console.print(results[-1])
        if not args.no_optimal:
            with console.status("medium: greedy vs optimal…"):
                comparison = [
                    measure(backend, "medium", args.runs, strategy, floor=False)
                    for strategy in ("greedy", "optimal")
                ]
    table = Table(title=f"Scheduler on {backend.name}, median of {args.runs} runs")
    for column in (
        "scope",
        "appointments",
        "rows stored",
        "run s",
        "floor s",
        "ratio",
        "peak RSS MB",
        "assigned",
    ):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            r["size"],
            f"{r['considered']:,}",
            f"{r['rows_stored']:,}",
            f"{r['wall']:.2f}",
            f"{r['floor']:.2f}",
            f"{r['ratio']:.2f}",
            f"{r['rss_mb']:.0f}",
            f"{r['assigned']:,}",
        )
    Console().print(table)
    for r in comparison:
        Console().print(
            f"{r['strategy']}: assigned {r['assigned']}, total score {r['total_score']:.1f}, "
            f"{r['wall']:.2f} s"
        )
    if args.write_readme:
        if args.database == "postgres":
            write_section(markdown_pg(results))
            if comparison:
                Console(stderr=True).print("greedy vs optimal on PostgreSQL is printed, not written")
        else:
            write_section(markdown(results, comparison))


if __name__ == "__main__":
    main()
