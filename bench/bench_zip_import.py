"""Benchmark the zip import on all 42,789 real US ZIPs, against sqlite3's ``.import`` of the same CSV.

    .venv/bin/python bench/bench_zip_import.py [--runs 3] [--readme]

Every ZIP of the ``zipcodes`` package is mapped to the nearest of 25 branches shaped like the large
demo's (created here in a temporary SQLite database, so the benchmark needs no demo), with a
territory, a sales rep, a work-order territory and a few notes. Measured, median of ``--runs``:

* the pipeline in-process, after imports and with the Great Expectations context warm: parse +
  validate + preview (``preview_import``) + upsert (``apply_import``) into an empty mapping, then a
  re-import of the same file (everything unchanged, nothing written);
* ``sqlite3 DB ".import --csv --skip 1 FILE zips"`` into a bare table, right after each pipeline run
  (needs the ``sqlite3`` command line shell: ``apt-get install -y sqlite3`` on Debian); the ratio is
  the median of those paired ratios;
* the whole ``routing zips import FILE --yes --json`` command, wall time, first import and re-import.

``--readme`` writes the figures into the "Zip import" section of bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from routing.db import migrate
from routing.db.session import engine_for
from routing.db.tables import Location
from routing.geo import haversine_miles, zip_table
from routing.zips import service
from routing.zips.enrich import Reference
from routing.zips.parse import parse_bytes
from routing.zips.preview import diff_mapping, empty_mapping
from routing.zips.repair import clean_cells
from routing.zips.validate import validate_rows

README = Path(__file__).parent / "README.md"
ROUTING = Path(sys.executable).parent / "routing"
BRANCHES = [  # code, name, anchor zip: the large demo's 25 branches
    ("BOS", "Boston", "02108"),
    ("WOR", "Worcester", "01608"),
    ("PVD", "Providence", "02903"),
    ("HFD", "Hartford", "06103"),
    ("SPR", "Springfield", "01103"),
    ("ALB", "Albany", "12207"),
    ("MHT", "Manchester", "03101"),
    ("HVN", "New Haven", "06510"),
    ("PWM", "Portland", "04101"),
    ("BTV", "Burlington", "05401"),
    ("STM", "Stamford", "06901"),
    ("WPN", "White Plains", "10601"),
    ("POU", "Poughkeepsie", "12601"),
    ("SYR", "Syracuse", "13202"),
    ("ROC", "Rochester", "14604"),
    ("BUF", "Buffalo", "14202"),
    ("HYA", "Hyannis", "02601"),
    ("ISP", "Hauppauge", "11788"),
    ("EWR", "Newark", "07102"),
    ("NBR", "New Brunswick", "08901"),
    ("PHL", "Philadelphia", "19103"),
    ("ABE", "Allentown", "18101"),
    ("AVP", "Scranton", "18503"),
    ("CHI", "Chicago", "60601"),
    ("MKE", "Milwaukee", "53202"),
]


def mapping_csv(path: Path) -> int:
    """Write every real ZIP mapped to its nearest branch, as an admin's export would look; returns rows."""
    zips = zip_table()
    anchors = pl.DataFrame(BRANCHES, schema=["code", "name", "zip"], orient="row").join(
        zips.select("zip", pl.col("lat").alias("a_lat"), pl.col("lon").alias("a_lon")), on="zip"
    )
    pairs = zips.select("zip", "state", "city", "lat", "lon").join(anchors.drop("zip"), how="cross")
    nearest = (
        pairs.with_columns(
            haversine_miles(pl.col("lat"), pl.col("lon"), pl.col("a_lat"), pl.col("a_lon")).alias("d")
        )
        .sort("zip", "d")
        .unique("zip", keep="first", maintain_order=True)
    )
    n = pl.int_range(pl.len())
    sheet = nearest.select(
        pl.col("zip").alias("Zip"),
        pl.col("code").alias("Location"),
        (
            pl.col("name")
            + pl.when(pl.col("lat") >= pl.col("a_lat")).then(pl.lit(" North")).otherwise(pl.lit(" South"))
        ).alias("Territory"),
        pl.format("Rep {}", (n % 3) + 1).alias("Sales Rep"),
        pl.format("{}-WO-{}", pl.col("code"), (n % 4) + 1).alias("Work Order Territory"),
        pl.when(n % 20 == 0).then(pl.format("Gate code at {} office", pl.col("city"))).alias("Notes"),
    )
    sheet.write_csv(path)
    return sheet.height


def template_database(folder: Path) -> Path:
    """A migrated SQLite file holding the 25 branches (copied for each run)."""
    path = folder / "template.db"
    engine = engine_for(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(Location.__table__), [{"code": c, "name": n} for c, n, _ in BRANCHES])
    engine.dispose()
    return path


def fresh_copy(template: Path, folder: Path, name: str) -> Path:
    path = folder / f"{name}.db"
    shutil.copy(template, path)
    return path


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def pipeline_runs(
    template: Path,
    folder: Path,
    csv_path: Path,
    runs: int,
    *,
    record_preview: bool = False,
    with_baseline: bool = False,
) -> dict[str, list[float]]:
    """In-process: first import and re-import through the service, each into a fresh database.

    ``record_preview=False`` is what ``routing zips import --yes`` does (the import is recorded once,
    when applied); True is the interactive path (recorded as previewed, then as applied).
    ``with_baseline`` runs sqlite3's ``.import`` right after each pair ("sqlite3"), so each ratio
    compares runs made seconds apart on this shared machine.
    """
    source = service.source_from_path(csv_path)
    times: dict[str, list[float]] = {
        "preview": [],
        "apply": [],
        "first": [],
        "re_preview": [],
        "reimport": [],
        "sqlite3": [],
    }
    for run in range(runs):
        engine = engine_for(f"sqlite:///{fresh_copy(template, folder, f'pipeline-{run}')}")
        began = time.perf_counter()
        preview = service.preview_import(engine, source, record=record_preview)
        middle = time.perf_counter()
        result = service.apply_import(engine, preview)
        ended = time.perf_counter()
        assert result.new == preview.rows and not preview.errors, result.summary()["errors"][:3]
        times["preview"].append(middle - began)
        times["apply"].append(ended - middle)
        times["first"].append(ended - began)
        began = time.perf_counter()
        again = service.preview_import(engine, source, record=record_preview)
        middle = time.perf_counter()
        unchanged = service.apply_import(engine, again)
        times["re_preview"].append(middle - began)
        times["reimport"].append(time.perf_counter() - began)
        assert (unchanged.new, unchanged.updated, unchanged.unchanged) == (0, 0, preview.rows)
        engine.dispose()
        if with_baseline:
            times["sqlite3"].extend(sqlite3_import_runs(folder, csv_path, 1, name=f"bare-{run}"))
    return times


def stage_runs(template: Path, csv_path: Path, runs: int) -> dict[str, list[float]]:
    """The pure core's stages on the same file: parse, repair, validate (GX), diff."""
    engine = engine_for(f"sqlite:///{template}")
    with engine.connect() as conn:
        from routing.zips.apply import read_locations

        reference = Reference(read_locations(conn), zip_table())
    engine.dispose()
    data = csv_path.read_bytes()
    stages: dict[str, list[float]] = {"parse": [], "repair": [], "validate": [], "diff": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        sheet = parse_bytes(data, file_name=csv_path.name)
        t1 = time.perf_counter()
        cleaned = clean_cells(sheet.cells, sheet.columns)
        t2 = time.perf_counter()
        outcome = validate_rows(cleaned.rows, sheet.columns, sheet.header_row, reference)
        t3 = time.perf_counter()
        codes = dict(reference.locations.select("id", "code").iter_rows())
        diff_mapping(outcome.valid_rows, sheet.columns, empty_mapping(), codes)
        t4 = time.perf_counter()
        for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            stages[name].append(seconds)
    return stages


def sqlite3_import_runs(folder: Path, csv_path: Path, runs: int, *, name: str = "bare") -> list[float]:
    """sqlite3's .import of the same CSV into a bare table (fresh file each run), wall time."""
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise SystemExit("The sqlite3 shell is missing: apt-get install -y sqlite3")
    times = []
    for run in range(runs):
        database = folder / f"{name}-{run}.db"
        create = (
            "CREATE TABLE zips (zip TEXT, location TEXT, territory TEXT, sales_rep TEXT, "
            "work_order_territory TEXT, notes TEXT);"
        )
        args = [sqlite3, str(database), create, f".import --csv --skip 1 {csv_path} zips"]
        times.append(timed(lambda a=args: subprocess.run(a, check=True, capture_output=True)))  # type: ignore[misc]
    return times


def command_runs(template: Path, folder: Path, csv_path: Path, runs: int) -> dict[str, list[float]]:
    """``routing zips import FILE --yes --json`` as a user runs it: first import, then re-import."""
    times: dict[str, list[float]] = {"first": [], "reimport": []}
    for run in range(runs):
        database = fresh_copy(template, folder, f"command-{run}")
        env = {**os.environ, "ROUTING_DATABASE_URL": f"sqlite:///{database}"}
        for key in ("first", "reimport"):
            args = [str(ROUTING), "zips", "import", str(csv_path), "--yes", "--json"]
            seconds = timed(lambda a=args, e=env: subprocess.run(a, check=True, capture_output=True, env=e))  # type: ignore[misc]
            times[key].append(seconds)
    return times


def startup_runs(runs: int) -> dict[str, list[float]]:
    """What the command's wall time is made of before any work: Python with Great Expectations
    imported, and ``routing --help`` (the CLI imports nothing heavy)."""
    gx = [sys.executable, "-c", "import great_expectations"]
    help_args = [str(ROUTING), "--help"]
    times: dict[str, list[float]] = {"gx": [], "help": []}
    for _ in range(runs):
        times["gx"].append(timed(lambda: subprocess.run(gx, check=True, capture_output=True)))
        times["help"].append(timed(lambda: subprocess.run(help_args, check=True, capture_output=True)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--readme", action="store_true", help="write the figures into bench/README.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-zips-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "all_us_zips.csv"
        rows = mapping_csv(csv_path)
        template = template_database(folder)
        stage_runs(template, csv_path, 1)  # warm: GX context, ZIP table, lazy imports
        stages = stage_runs(template, csv_path, args.runs)
        pipeline = pipeline_runs(template, folder, csv_path, args.runs, with_baseline=True)
        interactive = pipeline_runs(template, folder, csv_path, args.runs, record_preview=True)
        sqlite3 = pipeline["sqlite3"]
        command = command_runs(template, folder, csv_path, args.runs)
        startup = startup_runs(args.runs)
        sizes = record_sizes(template, csv_path)

    med = statistics.median
    figures: list[tuple[str, float, str]] = [
        ("parse (CSV -> text cells)", med(stages["parse"]), ""),
        ("repair (trim, Excel damage)", med(stages["repair"]), ""),
        ("validate (Great Expectations suite)", med(stages["validate"]), ""),
        ("diff against the mapping", med(stages["diff"]), ""),
        ("preview_import (parse+validate+preview)", med(pipeline["preview"]), ""),
        ("apply_import (upsert 42,789 rows + record)", med(pipeline["apply"]), ""),
        ("**pipeline, first import**", med(pipeline["first"]), ""),
        ("pipeline, re-import (all unchanged)", med(pipeline["reimport"]), ""),
        ("pipeline, first import, recorded at preview too (interactive)", med(interactive["first"]), ""),
        ("sqlite3 .import into a bare table", med(sqlite3), ""),
        ("`routing zips import --yes`, first import (wall)", med(command["first"]), ""),
        ("`routing zips import --yes`, re-import (wall)", med(command["reimport"]), ""),
        ("`python -c 'import great_expectations'` (wall)", med(startup["gx"]), ""),
        ("`routing --help` (wall)", med(startup["help"]), ""),
    ]
    # The median of paired ratios: each pipeline run against the .import run made right after it.
    ratio = med(first / bare for first, bare in zip(pipeline["first"], sqlite3, strict=True))
    reratio = med(again / bare for again, bare in zip(pipeline["reimport"], sqlite3, strict=True))
    table = Table(title=f"Zip import: {rows:,} real US ZIPs, median of {args.runs}")
    table.add_column("measure")
    table.add_column("seconds", justify="right")
    for name, seconds, _ in figures:
        table.add_row(name.replace("*", "").replace("`", ""), f"{seconds:.3f}")
    table.add_row("pipeline / .import (first, re-import)", f"{ratio:.1f}x, {reratio:.1f}x")
    Console().print(table)
    command_first = med(command["first"])
    Console().print(
        f"targets: pipeline <= 10x .import: {'met' if ratio <= 10 else 'MISSED'} ({ratio:.1f}x); "
        f"whole command <= 6 s: {'met' if command_first <= 6 else 'MISSED'} ({command_first:.2f} s)"
    )
    if args.readme:
        write_readme(rows, args.runs, figures, ratio, reratio, command_first, sizes)


def record_sizes(template: Path, csv_path: Path) -> tuple[int, int]:
    """Bytes of the first import's change record: as stored (compact ``added``), and as one
    ``{zip, action, fields: {field: {old, new}}}`` record per zip (the expanded form)."""
    engine = engine_for(f"sqlite:///{template}")
    preview = service.preview_import(engine, service.source_from_path(csv_path), record=False)
    engine.dispose()
    return len(preview.diff.added_json or ""), len(json.dumps(list(preview.changes), separators=(",", ":")))


def write_readme(
    rows: int,
    runs: int,
    figures: list[tuple[str, float, str]],
    ratio: float,
    reratio: float,
    command_first: float,
    sizes: tuple[int, int],
) -> None:
    """Replace (or add) the "## Zip import" section of bench/README.md; other sections are kept."""
    machine = (
        f"Python {platform.python_version()}, {os.cpu_count()} cores shared with other work "
        f"(load average {os.getloadavg()[0]:.1f} at the end), SQLite {sqlite_version()}"
    )
    verdict = (
        f"Pipeline <= 10x `.import`: **{'met' if ratio <= 10 else 'missed'}** ({ratio:.1f}x). "
        f"Whole command <= 6 s: **{'met' if command_first <= 6 else 'missed'}** ({command_first:.2f} s)."
    )
    lines = [
        "## Zip import",
        "",
        f"`.venv/bin/python bench/bench_zip_import.py --readme` ({rows:,} real US ZIPs mapped to 25 "
        f"branches, CSV, SQLite; {machine}; median of {runs}; measured {dt.date.today().isoformat()}):",
        "",
        "| measure | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.3f} |" for name, seconds, _ in figures],
        f"| pipeline / sqlite3 `.import`, median of paired runs (first import, re-import) | "
        f"{ratio:.1f}x, {reratio:.1f}x |",
        "",
        verdict,
        "",
        "Each pipeline run is followed by one `.import` run, and the ratio is the median of those "
        "pairs, so both sides of a ratio see the machine in the same state. "
        "The pipeline is what `routing zips import FILE --yes` runs, timed in-process after imports "
        "with the Great Expectations context warm. The command's wall time adds Python start-up and "
        "importing Great Expectations, which is most of it (the two start-up rows). The "
        "`sqlite3` shell is Debian's (`apt-get install -y sqlite3`); `.import` validates, diffs and "
        "records nothing, and its own time moves between 0.05 and 0.1 s from run to run, so the "
        "ratio moves with it. Separate invocations on this shared 2-core VM differ by up to a "
        "third, more when the load average nears 2.",
        "",
        f"Where the first import's time goes: the Great Expectations suite "
        f"({share('validate', figures):.0%}; almost all of it GX's fixed cost per expectation, "
        f"whatever the row count), the insert of the new zips with the import record "
        f"({share('apply_import', figures):.0%}), and parsing, cleaning and diffing in polars (the "
        f"rest). The import record stores the new zips as one compact table (`zip_imports.added`, "
        f"{sizes[0] / 1e6:.1f} MB here) rather than an old -> new record per zip ({sizes[1] / 1e6:.1f} "
        f"MB), and new zips go straight into the mapping; only updates are staged for the upsert.",
        "",
    ]
    section = "\n".join(lines)
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Zip import\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    README.write_text(text, encoding="utf-8")


def share(stage: str, figures: list[tuple[str, float, str]]) -> float:
    """A stage's time as a fraction of the first import's pipeline time."""
    seconds = dict((name, value) for name, value, _ in figures)
    stage_time = next(value for name, value in seconds.items() if name.startswith(stage))
    return stage_time / seconds["**pipeline, first import**"]


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    main()
