"""Human tables at 80 columns (a small terminal, or any pipe): the values a dispatcher reads stay whole.

Every command is rendered with COLUMNS=80 through the real entry point; no line may be wider than
80 cells, and an appointment's id, day, slot, outcome and tech must sit unbroken on one line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from sqlalchemy import Engine

from routing.cli.main import main
from routing.cli.output import DayFormat
from tests.integration.scheduler_builders import ZIPS, CompanyBuilder, load, tech_id
from tests.integration.zip_builders import add_locations, add_party

DAY = ["--from", "2030-01-07", "--to", "2030-01-07"]
PROFILE = "Providence commercial projects and fire inspections"
TECHS = ("Catherine Campbell", "Gregory Howard", "Brenda Jones")


def run(
    args: list[str], columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """The command's stdout at a terminal ``columns`` wide (rich reads COLUMNS for a pipe too)."""
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr(sys, "argv", ["routing", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr().out
    assert (exit_info.value.code or 0) in (0, 1), out
    return out


def document(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    return dict(json.loads(run([*args, "--json"], 80, monkeypatch, capsys)))


def assert_fits(text: str, width: int = 80) -> None:
    too_wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_wide, f"{len(too_wide)} lines wider than {width}: {too_wide[:3]}"


def row(text: str, pattern: str) -> str:
    """The one output line matching ``pattern`` (a regex over the whole line)."""
    found = [line for line in text.splitlines() if re.search(pattern, line)]
    assert found, f"no line matches {pattern!r} in:\n{text}"
    return found[0]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def company(use_database: Engine) -> Engine:
    """Three long-named techs, twelve jobs; a long-named profile caps each tech at 2 jobs a day."""
    b = CompanyBuilder()
    for i, name in enumerate(TECHS):
        b.tech(name, home_zip=ZIPS[i], email=f"{name.split()[0].lower()}@example.com")
    for i in range(12):
        customer = b.customer(f"C{i:03d}", zip_code=ZIPS[(i * 3) % len(ZIPS)])
        b.appointment(f"A{i:03d}", slot=("08:00-12:00", "12:00-16:00")[i % 2], customer=customer)
    b.profiles = [{"name": PROFILE, "locations": ["BOS"], "max_daily_jobs": 2, "travel_buffer_minutes": 15}]
    load(use_database, b)
    return use_database


@pytest.fixture
def scheduled(
    company: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    """The stored run-show document of one run over the day (6 assigned, 6 unassigned)."""
    run_id = document(["schedule", "run", *DAY], monkeypatch, capsys)["run_id"]
    return document(["runs", "show", str(run_id)], monkeypatch, capsys)


def test_runs_show_at_80_columns_keeps_id_day_slot_outcome_and_tech_on_one_line(
    scheduled: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = run(["runs", "show", str(scheduled["run_id"])], 80, monkeypatch, capsys)

    assert_fits(text)
    assigned = next(a for a in scheduled["appointments"] if a["outcome"] == "assigned")
    unassigned = next(a for a in scheduled["appointments"] if a["outcome"] == "unassigned")
    row(
        text,
        rf"^\s*{assigned['appointment_id']}\s+01-07 Mon\s+{assigned['slot']}\s+BOS\s+A\s+✔ assigned\s+"
        rf"{assigned['tech_id']}\s+{assigned['score']:.2f}",
    )
    row(
        text,
        rf"^\s*{unassigned['appointment_id']}\s+01-07 Mon\s+{unassigned['slot']}\s+BOS\s+A\s+✘ unassigned",
    )
    assert "Appointments in decision order (2030)" in text
    # the narrow layout keys the long profile name and says where the wide-only columns went
    assert f"profiles: A {PROFILE}" in flat(text)
    assert "prof: the profile's letter in profiles above." in text
    assert "adds seq and eligible candidates" in text


def test_runs_show_on_a_wide_terminal_shows_the_profile_name_the_order_and_eligible_candidates(
    scheduled: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = run(["runs", "show", str(scheduled["run_id"])], 200, monkeypatch, capsys)

    first = scheduled["appointments"][0]
    header = row(text, r"^seq\s+appointment\s+date\s+slot\s+location\s+profile\s+outcome")
    assert header.split()[-1] == "eligible"
    row(
        text,
        rf"^\s*1\s+{first['appointment_id']}\s+01-07 Mon\s+{first['slot']}\s+BOS\s+{PROFILE}\s+[✔✘] \w+",
    )
    assert "wider terminal" not in text
    assert f"profiles:   {PROFILE}" in text


def test_runs_list_at_80_columns_keeps_the_run_its_start_status_and_counts_on_one_line(
    scheduled: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = run(["runs", "list"], 80, monkeypatch, capsys)

    assert_fits(text)
    # started now, scheduled in 2030: two years, so every day keeps its year
    row(
        text,
        rf"^\s*{scheduled['run_id']}\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+manual\s+succeeded\s+"
        r"2030-01-07\s+6\s+6\s+0$",
    )
    assert "✔ assigned, ✘ unassigned." in text and "adds strategy and considered" in text


def test_explain_tech_at_80_columns_lists_each_appointment_on_one_line_with_the_reason_under_it(
    company: Engine,
    scheduled: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    catherine = tech_id(company, "Catherine Campbell")
    text = run(
        ["explain", "tech", str(catherine), "--run", str(scheduled["run_id"])], 80, monkeypatch, capsys
    )

    assert_fits(text)
    hers = [a for a in scheduled["appointments"] if a["tech_id"] == catherine]
    others = [a for a in scheduled["appointments"] if a["tech_id"] != catherine]
    assert len(hers) == 2
    for a in hers:
        row(text, rf"^✔\s+{a['appointment_id']}\s+01-07 Mon\s+{a['slot']}\s+BOS\s+score \d+\.\d\d")
    line = row(text, rf"^✘\s+{others[0]['appointment_id']}\s+01-07 Mon\s+{others[0]['slot']}\s+BOS\s+\S")
    # a wrapped reason continues under the reason column, not at the left edge
    reason_at = line.index("BOS") + len("BOS  ")
    following = text.splitlines()[text.splitlines().index(line) + 1]
    assert following.startswith(("✔", "✘", "  Summary")) or following[:reason_at].strip() == ""


def test_explain_appointment_at_80_columns_wraps_rule_messages_under_themselves(
    scheduled: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    late = scheduled["unassigned_appointments"][0]["appointment_id"]
    text = run(["explain", "appointment", str(late)], 80, monkeypatch, capsys)

    assert_fits(text)
    lines = text.splitlines()
    cap = next(i for i, line in enumerate(lines) if line.startswith("      daily_cap: "))
    assert PROFILE.split()[0] in flat("\n".join(lines[cap : cap + 3]))
    assert lines[cap + 1].startswith(" " * len("      daily_cap: ")), lines[cap : cap + 2]
    assert "Blocking: daily_cap (3 techs)" in flat(text)


def test_runs_diff_at_80_columns_keeps_each_side_outcome_and_tech_whole(
    company: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = document(["schedule", "run", *DAY, "--dry-run"], monkeypatch, capsys)["run_id"]
    run(["settings", "set", "max_search_radius_miles", "1"], 80, monkeypatch, capsys)
    second = document(["schedule", "run", *DAY, "--dry-run"], monkeypatch, capsys)["run_id"]
    diff = document(["runs", "diff", str(first), str(second)], monkeypatch, capsys)
    text = run(["runs", "diff", str(first), str(second)], 80, monkeypatch, capsys)

    assert_fits(text)
    lost = next(c for c in diff["changed"] if c["b"]["outcome"] == "unassigned")
    line = row(text, rf"^\s*{lost['appointment_id']}\s+✔ ")
    assert f"✔ {lost['a']['name']} (#{lost['a']['tech_id']})" in line
    assert "✘ unassigned" in line


def test_zip_tables_at_80_columns_keep_zips_ids_statuses_and_counts_whole(
    use_database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)
    add_party(use_database, "lead", "L1", "06103", source="web")
    notes = "Beacon Hill: street parking permits only; use the branch van pass at the Charles Street gate."
    sheet = tmp_path / "a-rather-long-spreadsheet-name-from-the-sales-team-export.csv"
    sheet.write_text(
        "Zip,Location,Territory,Sales Rep,Work Order Territory,Notes\n"
        f"02134,BOS,Boston North and the Allston-Brighton corridor,Denise Kennedy-Walker,BOS-NORTH,{notes}\n"
        "99999,BOS,Nowhere,,,\n",
        encoding="utf-8",
    )
    invalid = document(["zips", "import", str(sheet), "--yes"], monkeypatch, capsys)["import_id"]
    run(["zips", "set", "02134", "--location", "BOS", "--notes", notes], 80, monkeypatch, capsys)
    run(
        ["leads", "queues", "set", "Web inbound", "--lead-source", "web", "--zip", "061"],
        80,
        monkeypatch,
        capsys,
    )

    listed = run(["zips", "list"], 80, monkeypatch, capsys)
    history = run(["zips", "imports"], 80, monkeypatch, capsys)
    failed = run(["zips", "imports", str(invalid)], 80, monkeypatch, capsys)
    unmapped = run(["zips", "unmapped"], 80, monkeypatch, capsys)
    groups = run(["leads", "queues", "list"], 80, monkeypatch, capsys)

    for text in (listed, history, failed, unmapped, groups):
        assert_fits(text)
    row(listed, r"^02134\s+BOS\s+")
    assert notes in flat(listed)
    row(history, rf"^\s*{invalid}\s+\d\d-\d\d \d\d:\d\d\s+import\s+invalid\s+")
    row(failed, r"^\s*3\s+zip\s+99999\s+zip_unknown\s+")
    row(unmapped, r"^06103\s+0\s+1$")
    row(groups, r"^\s*1\s+Web inbound\s+zips 061 · lead_source web\s+\d+\s+\d+$")


def test_the_narrow_runs_show_keeps_big_ids_and_days_across_a_new_year_whole_and_folds_a_long_location(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from routing.cli.schedule import _print_run

    monkeypatch.setenv("COLUMNS", "80")
    appointment = {
        "seq": 1, "appointment_id": 1234567, "date": "2026-12-31", "slot": "12:00-16:00",
        "location": "SPRINGFIELD-WEST", "profile_name": PROFILE, "outcome": "assigned", "tech_id": 12345,
        "score": 100.0, "margin": 99.99, "candidates_eligible": 12, "candidates_total": 240,
    }  # fmt: skip
    run_doc = {
        "run_id": 7, "started_at": "2026-12-30T22:00:00", "trigger": "schedule", "status": "succeeded",
        "dry_run": False, "strategy": "greedy", "considered": 2, "assigned": 1, "unassigned": 1, "skipped": 0,
        "scope": {"date_from": "2026-12-31", "date_to": "2027-01-06"}, "error": None,
        "profiles": [{"name": PROFILE}], "unassigned_appointments": [], "free_but_unassigned": [],
        "appointments": [
            appointment,
            {**appointment, "seq": 2, "appointment_id": 1234568, "date": "2027-01-02",
             "outcome": "unassigned", "tech_id": None, "score": None, "margin": None},
        ],
    }  # fmt: skip

    _print_run(run_doc)
    text = capsys.readouterr().out

    assert_fits(text)
    row(text, r"^1234567\s+2026-12-31\s+12:00-16:00\s+SPR\S*\s+A\s+✔ assigned\s+12345\s+100.00\s+99.99$")
    row(text, r"^1234568\s+2027-01-02\s+12:00-16:00\s+SPR\S*\s+A\s+✘ unassigned\s*$")
    assert "Appointments in decision order\n" in text  # no year in the title: the days keep theirs
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("1234567"))
    at = lines[first].index("SPR")
    assert "".join(line[at : at + 3] for line in lines[first : first + 6]).strip() == "SPRINGFIELD-WEST"


@pytest.mark.parametrize(
    ("values", "day", "minute", "title"),
    [
        (["2026-12-07", "2026-12-31T23:59:00"], "12-07 Mon", "12-31 23:59", "Runs (2026)"),
        (["2026-12-07", "2027-01-01T00:05:00"], "2026-12-07", "2026-12-31 23:59", "Runs"),
        ([None], "", "", "Runs"),
    ],
)
def test_days_leave_out_the_year_only_when_the_whole_table_is_one_year(
    values: list[str | None], day: str, minute: str, title: str
) -> None:
    days = DayFormat.of(values)

    assert days.day(values[0]) == day
    assert days.minute("2026-12-31T23:59:30.5" if values[0] else None) == minute
    assert days.titled("Runs") == title


def test_json_documents_do_not_depend_on_the_terminal_width(
    scheduled: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["runs", "show", str(scheduled["run_id"]), "--json"]

    assert run(args, 80, monkeypatch, capsys) == run(args, 200, monkeypatch, capsys)
    assert json.loads(run(args, 80, monkeypatch, capsys)) == scheduled
