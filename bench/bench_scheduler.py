"""Benchmark the tech auto-scheduler: a full greedy run with its reasoning persisted on SQLite.

    .venv/bin/python bench/bench_scheduler.py [--sizes medium large x10] [--runs 3] [--no-optimal]
                                              [--write-readme]

For each size: the demo company (``x10`` = ten renamed copies of the large one: 100,000
appointments x 10,000 techs) is loaded once into a template SQLite file (cached in the temp
folder); every run copies it and runs ``routing.scheduling.service.run_schedule`` (greedy, not a
dry run) in a fresh process that reports its wall time and peak RSS. The I/O floor is measured in
the same command: the rows the run stored (run_candidates, run_appointments, run_roster) are read
back and written again with bare ``sqlite3`` ``executemany`` into a fresh file with the same tables,
indexes and pragmas; only the executemany calls and the commit are timed. Figures are medians.
On medium it also compares greedy and optimal (assigned, total score of the assignments, time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

START = dt.date(2026, 6, 1)  # a Monday
SEED = 7
CACHE = Path(tempfile.gettempdir()) / "routing-bench-scheduler"
TABLES = ("run_roster", "run_appointments", "run_candidates")
README = Path(__file__).with_name("README.md")
TECHS = {"medium": 120, "large": 1_000, "x10": 10_000}


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


def template(size: str) -> Path:
    """A migrated SQLite file holding the company (built once, then reused)."""
    from routing.company.loader import load_company
    from routing.db import migrate
    from routing.db.session import engine_for

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{size}-seed{SEED}-{START}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = engine_for(f"sqlite:///{partial}")
    migrate.upgrade(engine)
    load_company(engine, _company(size), name=f"bench {size}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    return path


def _child(url: str, strategy: str, queue: Any) -> None:
    """One scheduler run in a fresh process: wall time, peak RSS, counts."""
    import resource

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
        stats = conn.exec_driver_sql(
            "SELECT stats FROM schedule_runs WHERE id = ?", (result.run_id,)
        ).scalar()
        total = conn.exec_driver_sql(
            "SELECT COALESCE(SUM(score), 0) FROM run_appointments WHERE run_id = ? AND outcome = 'assigned'",
            (result.run_id,),
        ).scalar()
    queue.put(
        {
            "wall": wall,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "run_id": result.run_id,
            "considered": result.considered,
            "assigned": result.assigned,
            "total_score": float(total),
            "stats": stats,
        }
    )


def run_once(db: Path, strategy: str) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(f"sqlite:///{db}", strategy, queue))
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
    order = {
        "run_candidates": "appointment_id, tech_id",
        "run_appointments": "appointment_id",
        "run_roster": "tech_id",
    }
    for table in TABLES:
        cursor = source.execute(f"SELECT * FROM {table} WHERE run_id = ? ORDER BY {order[table]}", (run_id,))
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


def measure(size: str, runs: int, strategy: str = "greedy", floor: bool = True) -> dict[str, Any]:
    source = template(size)
    walls, rsses, floors, ratios = [], [], [], []
    last: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as folder:
        for _ in range(runs):
            db = Path(folder) / "routing.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            shutil.copy(source, db)
            last = run_once(db, strategy)
            walls.append(last["wall"])
            rsses.append(last["rss_mb"])
            if floor:
                seconds, stored = io_floor(db, last["run_id"], Path(folder))
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
        "| scope | runs | appointments | techs | rows stored | run (s) | of which decide (s) "
        "| I/O floor (s) | ratio "
        "| peak RSS (MB) | assigned |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        stats = json.loads(r["stats"] or "{}")
        lines.append(
            f"| {r['size']} | {r['runs']} | {r['considered']:,} | {TECHS[r['size']]:,} | "
            f"{r['rows_stored']:,} | {r['wall']:.2f} | {stats.get('decide_s', float('nan')):.2f} | "
            f"{r['floor']:.2f} | {r['ratio']:.2f} | "
            f"{r['rss_mb']:.0f} | {r['assigned']:,} |"
        )
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
    lines += ["", f"Measured {dt.date.today().isoformat()} on this machine (2 shared cores).", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace (or append) the ``## Scheduler`` section of bench/README.md."""
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    start = current.find("## Scheduler")
    if start < 0:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + 1)
        updated = current[:start] + text + (current[end + 1 :] if end >= 0 else "")
    README.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["medium", "large", "x10"], choices=["medium", "large", "x10"]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--x10-runs", type=int, default=1, help="Runs for the x10 scope (minutes each).")
    parser.add_argument("--no-optimal", action="store_true", help="Skip greedy vs optimal on medium.")
    parser.add_argument("--write-readme", action="store_true", help="Write the figures to bench/README.md.")
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    results = []
    for size in args.sizes:
        with console.status(f"{size}: preparing the company (cached after the first time)…"):
            template(size)
        runs = args.x10_runs if size == "x10" else args.runs
        with console.status(f"{size}: {runs} greedy runs…"):
            results.append(measure(size, runs))
        console.print(results[-1])
    comparison = []
    if not args.no_optimal:
        with console.status("medium: greedy vs optimal…"):
            comparison = [
                measure("medium", args.runs, strategy, floor=False) for strategy in ("greedy", "optimal")
            ]
    table = Table(title=f"Scheduler, median of {args.runs} runs")
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
        write_section(markdown(results, comparison))


if __name__ == "__main__":
    main()
