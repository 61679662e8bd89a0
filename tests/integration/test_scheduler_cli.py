"""The scheduler's command-line contract (DESIGN.md) on SQLite and PostgreSQL: JSON shapes, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli_runner import run_cli as cli
from tests.integration.scheduler_builders import ZIPS, CompanyBuilder, appointment_id, load, tech_id

DAY = ["--from", "2030-01-07", "--to", "2030-01-07"]


@pytest.fixture
def company(use_database: Engine) -> Engine:
    """Three techs, twelve 60-minute jobs; profile North caps each tech at 2 jobs a day."""
    b = CompanyBuilder()
    for i in range(3):
        b.tech(f"Tech{i}", home_zip=ZIPS[i])
    for i in range(12):
        customer = b.customer(f"C{i:03d}", zip_code=ZIPS[(i * 3) % len(ZIPS)])
        b.appointment(f"A{i:03d}", slot=("08:00-12:00", "12:00-16:00")[i % 2], customer=customer)
    b.profiles = [{"name": "North", "locations": ["BOS"], "max_daily_jobs": 2, "travel_buffer_minutes": 15}]
    load(use_database, b)
    return use_database


def test_schedule_run_prints_the_contract_document(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, doc, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    assert code == 0
    assert set(doc) >= {"run_id", "status", "considered", "assigned", "unassigned", "skipped", "report"}
    assert doc["report"] is None and doc["status"] == "succeeded"
    assert doc["considered"] == 12 and doc["assigned"] == 6  # 3 techs x cap 2 in profile North


def test_explain_appointment_lists_every_candidate_ranked_with_failed_rules(
    company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    _, run, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    first = appointment_id(company, "A000")
    code, doc, _ = cli(["explain", "appointment", str(first), "--json"], monkeypatch, capsys)
    assert code == 0
    assert doc["run_id"] == run["run_id"] and doc["appointment_id"] == first
    assert doc["outcome"] == "assigned" and doc["tech_id"] is not None
    chosen = [c for c in doc["candidates"] if c["chosen"]]
    assert len(chosen) == 1 and chosen[0]["tech_id"] == doc["tech_id"] and chosen[0]["rank"] == 1
    assert doc["margin"] == pytest.approx(chosen[0]["score"] - doc["candidates"][1]["score"], abs=1e-3)
    assert {"tech_id", "eligible", "failed_rules", "score", "rank", "chosen", "breakdown"} <= set(
        doc["candidates"][0]
    )
    assert set(doc["candidates"][0]["breakdown"]) == {
        "distance",
        "preferred",
        "workload",
        "priority",
        "skill",
    }


def test_an_unassigned_appointment_names_its_blocking_rules_and_the_setting_that_would_help(
    company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    _, run, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    _, shown, _ = cli(["runs", "show", str(run["run_id"]), "--json"], monkeypatch, capsys)
    unassigned = shown["unassigned_appointments"]
    assert shown["unassigned"] == 6
    assert len(unassigned) == 6
    assert all(u["blocking"] == {"daily_cap": 3} for u in unassigned), unassigned
    late = unassigned
    suggestion = late[0]["suggestion"]
    assert (
        suggestion["setting"],
        suggestion["from"],
        suggestion["to"],
        suggestion["techs_made_eligible"],
    ) == ("max_daily_jobs", 2, 3, 3)
    assert suggestion["message"] == "max daily jobs in profile North 2 → 3 makes 3 techs eligible"
    _code, doc, _ = cli(
        ["explain", "appointment", str(late[0]["appointment_id"]), "--json"], monkeypatch, capsys
    )
    assert doc["outcome"] == "unassigned" and doc["suggestion"] == suggestion
    messages = [f["message"] for c in doc["candidates"] for f in c["failed_rules"]]
    assert any("already has 2 jobs on Mon 7 Jan" in m and "cap 2 in profile North" in m for m in messages)
    assert {"appointment_id", "outcome", "tech_id"} <= set(shown["appointments"][0])
    _code, text, _ = cli(["explain", "appointment", str(late[0]["appointment_id"])], monkeypatch, capsys)
    assert "Blocking: daily_cap (3 techs)" in " ".join(text.split())


def test_the_blocking_line_counts_one_tech_in_the_singular(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    only_tech0 = ["--tech", str(tech_id(company, "Tech0"))]
    _, run, _ = cli(["schedule", "run", *DAY, *only_tech0, "--json"], monkeypatch, capsys)
    _, shown, _ = cli(["runs", "show", str(run["run_id"]), "--json"], monkeypatch, capsys)
    late = shown["unassigned_appointments"][0]
    assert late["blocking"] == {"daily_cap": 1}
    _code, text, _ = cli(["explain", "appointment", str(late["appointment_id"])], monkeypatch, capsys)
    assert "Blocking: daily_cap (1 tech)" in " ".join(text.split())


def test_explain_tech_says_for_each_appointment_why_she_did_not_get_it(
    company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    _, run, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    ann = tech_id(company, "Tech0")
    code, doc, _ = cli(
        ["explain", "tech", str(ann), "--run", str(run["run_id"]), "--json"], monkeypatch, capsys
    )
    assert code == 0 and doc["run_id"] == run["run_id"] and doc["tech_id"] == ann
    assert len(doc["assigned"]) == 2
    assert len(doc["assigned"]) + len(doc["not_assigned"]) == 12
    reasons = {n["reason"] for n in doc["not_assigned"]}
    assert reasons <= {"rule", "lost_to_tech", "lost_to_appointment"}
    for n in doc["not_assigned"]:
        assert n["rules"] or n.get("lost_to")
    assert doc["free_but_unassigned"]["free"] is False


def test_runs_diff_says_which_appointments_changed_hands_and_why(
    company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    _, first, _ = cli(["schedule", "run", *DAY, "--dry-run", "--json"], monkeypatch, capsys)
    cli(["settings", "set", "max_search_radius_miles", "1"], monkeypatch, capsys)
    _, second, _ = cli(["schedule", "run", *DAY, "--dry-run", "--json"], monkeypatch, capsys)
    code, doc, _ = cli(
        ["runs", "diff", str(first["run_id"]), str(second["run_id"]), "--json"], monkeypatch, capsys
    )
    assert code == 0
    assert doc["changed"] and doc["unchanged"] + len(doc["changed"]) == 12
    assert all("search radius" in c["why"] for c in doc["changed"] if c["b"]["outcome"] == "unassigned")


def test_the_gate_exits_3_naming_the_setting_and_the_log_says_why_it_is_unavailable(
    company: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    cli(["settings", "set", "slot_scheduling_enabled", "false"], monkeypatch, capsys)
    code, doc, _ = cli(["schedule", "run", *DAY, "--json"], monkeypatch, capsys)
    assert code == 3
    assert (
        "slot_scheduling_enabled" in doc["error"]
        and "routing settings set slot_scheduling_enabled true" in doc["error"]
    )
    code, runs, _ = cli(["runs", "list", "--json"], monkeypatch, capsys)
    assert code == 0 and runs["available"] is False and runs["setting"] == "slot_scheduling_enabled"
    assert len(runs["runs"]) == 1  # the gated attempt recorded nothing; past runs are still listed
    code, text, _ = cli(["runs", "list"], monkeypatch, capsys)
    assert "unavailable" in text


def test_bad_scope_is_exit_2_naming_the_unknown_location(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, doc, _ = cli(["schedule", "run", "--location", "NOPE", "--json"], monkeypatch, capsys)
    assert code == 2 and "No location has the code or name 'NOPE'" in doc["error"]
    code, doc, _ = cli(["schedule", "run", "--strategy", "fastest", "--json"], monkeypatch, capsys)
    assert code == 2 and "fastest" in doc["error"]


def test_runs_replay_confirms_the_run_is_reproduced(company: Engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    _, run, _ = cli(["schedule", "run", *DAY, "--strategy", "optimal", "--json"], monkeypatch, capsys)
    code, doc, _ = cli(["runs", "replay", str(run["run_id"]), "--json"], monkeypatch, capsys)
    assert code == 0 and doc["reproduced"] is True and doc["appointments"] == 12


def test_appointments_create_assigns_at_once_when_auto_assign_on_create_is_on(
    use_database: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    b = CompanyBuilder()
    b.tech("Ann")
    b.customer("CUST1")
    load(use_database, b)
    args = [
        "appointments",
        "create",
        "--customer",
        "CUST1",
        "--type",
        "service",
        "--date",
        "2030-01-07",
        "--slot",
        "08:00-12:00",
    ]
    code, off, _ = cli([*args, "--json"], monkeypatch, capsys)
    assert code == 0 and off["tech_id"] is None and off["assignment"] is None
    cli(["settings", "set", "auto_assign_on_create", "true"], monkeypatch, capsys)
    code, on, _ = cli([*args, "--json"], monkeypatch, capsys)
    assert code == 0 and on["tech_id"] == tech_id(use_database, "Ann")
    assert on["assignment"]["outcome"] == "assigned"
    code, runs, _ = cli(["runs", "list", "--json"], monkeypatch, capsys)
    assert [r["trigger"] for r in runs["runs"]] == ["on_create"]


@pytest.mark.slow
def test_a_real_process_exits_3_when_the_scheduler_is_switched_off(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    b = CompanyBuilder()
    b.settings = {"auto_assign_on_create": True}
    load(sqlite_engine, b)
    routing = str(Path(sys.executable).with_name("routing"))
    env = {**os.environ, "ROUTING_DATABASE_URL": sqlite_engine.url.render_as_string(hide_password=False)}
    done = subprocess.run(
        [routing, "schedule", "run"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 3
    assert "routing settings set auto_assign_on_create false" in " ".join(done.stderr.split())
