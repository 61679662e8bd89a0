"""Benchmark what Prefect adds to a scheduler run: the flow against a running local server vs direct.

    .venv/bin/python bench/bench_flow_overhead.py [--sizes small medium] [--runs 5] [--write-readme]

One command: it starts a local ``prefect server start`` (SQLite, its own PREFECT_HOME in a temp
folder), loads each demo company into its own SQLite file, then alternates, ``--runs`` times:

* direct: ``run_schedule`` (dry run, the demo's week) + ``show_run`` (what the artifacts are made of);
* flow: the ``tech-scheduler`` flow on the same scope (dry run, report rendering off, so both sides
  do the same work) called in this process with ``PREFECT_API_URL`` pointing at the server:
  flow and task runs, states, logs and two artifacts go through the API. Once with the run
  heartbeat off (how the demo loop and tests call flows) and once with Prefect's default heartbeat
  (how served and worker runs execute).

A warm-up run of each kind is not counted. Figures are medians; overhead = flow - direct.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

START = dt.date(2026, 6, 1)  # a Monday
SEED = 7
README = Path(__file__).with_name("README.md")
TARGET_SECONDS = 2.0


def _timed(call: Any) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def bench_size(size: str, folder: Path, runs: int) -> dict[str, Any]:
    """Median seconds of the direct call and of the flow (heartbeat off / on) for one demo size."""
    from flows._prefect_env import in_process_settings
    from flows.parameters import SchedulerScope
    from flows.tech_scheduler import tech_scheduler
    from routing.company.demo import build_demo_company
    from routing.company.loader import load_company
    from routing.config import get_settings
    from routing.db import migrate
    from routing.db.session import get_engine
    from routing.scheduling.runs import show_run
    from routing.scheduling.service import run_schedule

    os.environ["ROUTING_DATABASE_URL"] = f"sqlite:///{folder / f'{size}.db'}"
    get_settings.cache_clear()
    engine = get_engine()
    migrate.upgrade(engine)
    company = build_demo_company(size, SEED, START)
    load_company(engine, company)
    last_day = START + dt.timedelta(days=6)
    scope = SchedulerScope(date_from=START, date_to=last_day, dry_run=True, render_report=False)

    def direct() -> None:
        result = run_schedule(engine, date_from=START, date_to=last_day, dry_run=True)
        show_run(engine, result.run_id)

    def flow() -> None:
        state = tech_scheduler(scope, return_state=True)
        if not state.is_completed():
            raise RuntimeError(f"flow run ended {state.name}: {state.message}")

    def quiet_flow() -> None:
        with in_process_settings():
            flow()

    samples: dict[str, list[float]] = {"direct": [], "flow, heartbeat off": [], "flow, heartbeat on": []}
    calls = {"direct": direct, "flow, heartbeat off": quiet_flow, "flow, heartbeat on": flow}
    for call in calls.values():  # warm-up: imports, connection pools, first API round trips
        call()
    for _ in range(runs):
        for name, call in calls.items():
            samples[name].append(_timed(call))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "size": size,
        "appointments": len(company.appointments),
        "techs": len(company.techs),
        "runs": runs,
        **medians,
        "overhead off": medians["flow, heartbeat off"] - medians["direct"],
        "overhead on": medians["flow, heartbeat on"] - medians["direct"],
    }


def markdown(results: list[dict[str, Any]], api_seconds: float) -> str:
    """The ``## Orchestration`` section of bench/README.md."""
    lines = [
        "## Orchestration",
        "",
        "`python bench/bench_flow_overhead.py --write-readme`: the `tech-scheduler` flow against a running",
        "local Prefect server (`prefect server start`, SQLite) vs the same engine called directly",
        "(`run_schedule` + `show_run`), dry runs of the demo's week, report rendering off on both sides.",
        f"Medians of {results[0]['runs'] if results else 0} runs after a warm-up; target: overhead "
        f"<= {TARGET_SECONDS:.0f} s per run.",
        "",
        "| demo | appointments | techs | direct (s) | flow, heartbeat off (s) | overhead (s) "
        "| flow, heartbeat on (s) | overhead (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']} | {r['appointments']:,} | {r['techs']:,} | {r['direct']:.2f} "
            f"| {r['flow, heartbeat off']:.2f} | {r['overhead off']:+.2f} "
            f"| {r['flow, heartbeat on']:.2f} | {r['overhead on']:+.2f} |"
        )
    lines += [
        "",
        "The heartbeat (Prefect's crash detection, default 180 s) costs up to ~1 s when a flow run",
        "ends (its thread is joined); served and worker runs keep it, in-process calls (`make demo`,",
        "tests) switch it off. A deployment run started from the UI or a schedule also waits for the",
        "runner or worker to poll (`PREFECT_RUNNER_POLL_FREQUENCY` / worker prefetch, default 10 s) and",
        "starts a fresh Python process; neither is per-run engine overhead and neither is counted here.",
        f"The local server took {api_seconds:.1f} s to start.",
        "",
        f"Measured {dt.date.today().isoformat()} on this machine (2 shared cores).",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace (or append) the ``## Orchestration`` section of bench/README.md."""
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    start = current.find("## Orchestration")
    if start < 0:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + 1)
        updated = current[:start] + text + (current[end + 1 :] if end >= 0 else "")
    README.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["small", "medium"], choices=["small", "medium", "large"]
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write-readme", action="store_true", help="Write the figures to bench/README.md.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="routing-bench-flow-"))
    os.environ["ROUTING_DATA_DIR"] = str(folder)
    os.environ["PREFECT_HOME"] = str(folder / "prefect")
    os.environ.pop("PREFECT_API_URL", None)
    from flows.local_server import start_local_server

    began = time.perf_counter()
    server = start_local_server(home=folder / "prefect")
    api_seconds = time.perf_counter() - began
    os.environ["PREFECT_API_URL"] = server.api_url  # before anything imports prefect
    try:
        results = []
        for size in args.sizes:
            result = bench_size(size, folder, args.runs)
            results.append(result)
            print(
                f"{size}: direct {result['direct']:.2f} s, flow {result['flow, heartbeat off']:.2f} s "
                f"(heartbeat on {result['flow, heartbeat on']:.2f} s), overhead "
                f"{result['overhead off']:+.2f} s / {result['overhead on']:+.2f} s",
                flush=True,
            )
    finally:
        server.stop()
    text = markdown(results, api_seconds)
    print(text)
    if args.write_readme:
        write_section(text)


if __name__ == "__main__":
    main()
