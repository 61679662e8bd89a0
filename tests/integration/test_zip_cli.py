"""`routing zips ...` and `routing leads ...` through the real entry point: JSON documents and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests import cli_runner
from tests.integration.zip_builders import (
    CORPUS,
    add_locations,
    add_party,
    data_checksum,
    import_statuses,
    mapping,
)

GOOD = "Zip,Location,Territory\n02134,BOS,North\n06103,HFD,Central\n"


def run_cli(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    stdin: bytes = b"",
    tty: bool = False,
) -> tuple[int, Any, str]:
    return cli_runner.run_cli(args, monkeypatch, capsys, stdin=stdin, tty=tty)


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "zips.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_import_with_yes_applies_and_prints_the_contract_document(
    use_database: Engine, good_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)

    code, document, _ = run_cli(["zips", "import", str(good_file), "--yes", "--json"], monkeypatch, capsys)

    assert code == 0
    assert {"import_id", "status", "rows", "new", "updated", "unchanged", "errors", "warnings"} <= set(
        document
    )
    assert (document["status"], document["rows"], document["new"], document["errors"]) == (
        "applied",
        2,
        2,
        [],
    )
    assert set(mapping(use_database)) == {"02134", "06103"}


def test_import_with_validation_errors_exits_1_with_each_error_and_writes_nothing(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)
    before = data_checksum(use_database)

    path = CORPUS / "12_unknown_locations.csv"
    code, document, _ = run_cli(["zips", "import", str(path), "--yes", "--json"], monkeypatch, capsys)

    assert (code, document["status"]) == (1, "invalid")
    assert document["errors"][0] == {
        "row": 2,
        "column": "location",
        "value": "Bostn",
        "code": "unknown_location",
        "message": "No location has the code or name 'Bostn'; closest: Boston (BOS).",
    }
    assert data_checksum(use_database) == before


@pytest.mark.parametrize("file", ["22_binary.csv", "20_empty.csv", "does-not-exist.csv"])
def test_unreadable_input_exits_2_with_one_sentence(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], file: str
) -> None:
    code, document, _ = run_cli(["zips", "import", str(CORPUS / file), "--json"], monkeypatch, capsys)
    assert (code, document["exit_code"]) == (2, 2)
    assert file in document["error"]


def test_dry_run_previews_with_exit_0_and_writes_nothing(
    use_database: Engine, good_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)

    code, document, _ = run_cli(
        ["zips", "import", str(good_file), "--dry-run", "--json"], monkeypatch, capsys
    )

    assert (code, document["status"], document["new"]) == (0, "previewed", 2)
    assert mapping(use_database) == {}


def test_without_yes_and_without_a_terminal_nothing_is_applied_and_exit_is_1(
    use_database: Engine, good_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)

    code, document, err = run_cli(["zips", "import", str(good_file), "--json"], monkeypatch, capsys)

    assert (code, document["status"]) == (1, "previewed")
    assert "--yes" in err
    assert mapping(use_database) == {}


@pytest.mark.parametrize(("answer", "status", "exit_code"), [(True, "applied", 0), (False, "rejected", 1)])
def test_at_a_terminal_the_admin_is_asked_before_anything_is_applied(
    use_database: Engine,
    good_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: bool,
    status: str,
    exit_code: int,
) -> None:
    import typer

    add_locations(use_database)
    questions: list[str] = []
    monkeypatch.setattr(typer, "confirm", lambda text, **_: questions.append(text) or answer)

    code, document, _ = run_cli(["zips", "import", str(good_file), "--json"], monkeypatch, capsys, tty=True)

    assert questions == ["Apply 2 new and 0 updated zips?"]
    assert (code, document["status"]) == (exit_code, status)
    assert import_statuses(use_database) == [status]
    assert len(mapping(use_database)) == (2 if answer else 0)


def test_a_paste_is_read_from_stdin_and_recorded_as_a_paste(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)
    paste = b"Zip\tLocation\n2134\tBoston\n"

    code, document, _ = run_cli(["zips", "import", "-", "--yes", "--json"], monkeypatch, capsys, stdin=paste)

    assert (code, document["source"], document["new"]) == (0, "paste", 1)
    assert [w["code"] for w in document["warnings"]] == ["zip_repaired"]


def test_set_list_delete_and_imports_print_their_documents(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)

    code, row, _ = run_cli(
        ["zips", "set", "02134", "--location", "bos", "--sales-rep", "Ann", "--json"], monkeypatch, capsys
    )
    assert code == 0
    assert {k: row[k] for k in ("zip", "location", "sales_rep", "territory", "action")} == {
        "zip": "02134", "location": "BOS", "sales_rep": "Ann", "territory": None, "action": "new"
    }  # fmt: skip
    code, bad, _ = run_cli(["zips", "set", "99999", "--location", "BOS", "--json"], monkeypatch, capsys)
    assert (code, bad["errors"][0]["code"]) == (1, "zip_unknown")
    code, listed, _ = run_cli(["zips", "list", "--location", "Boston", "--json"], monkeypatch, capsys)
    assert (code, [r["zip"] for r in listed["rows"]]) == (0, ["02134"])
    assert set(listed["rows"][0]) == {
        "zip",
        "location",
        "territory",
        "sales_rep",
        "work_order_territory",
        "notes",
    }
    code, deleted, _ = run_cli(["zips", "delete", "02134", "--json"], monkeypatch, capsys)
    assert (code, deleted["action"]) == (0, "deleted")
    code, missing, _ = run_cli(["zips", "delete", "02134", "--json"], monkeypatch, capsys)
    assert (code, missing["exit_code"]) == (2, 2)
    code, history, _ = run_cli(["zips", "imports", "--json"], monkeypatch, capsys)
    assert [(i["kind"], i["status"]) for i in history["imports"]] == [
        ("delete", "applied"),
        ("set", "invalid"),
        ("set", "applied"),
    ]
    code, one, _ = run_cli(
        ["zips", "imports", str(history["imports"][1]["import_id"]), "--json"], monkeypatch, capsys
    )
    assert one["errors"][0]["code"] == "zip_unknown"


def test_a_negative_imports_limit_is_a_usage_error_on_both_databases(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, err = run_cli(["zips", "imports", "--limit", "-1", "--json"], monkeypatch, capsys)

    assert code == 2
    assert "--limit" in err + (document["error"] if document else "")  # click's message, or the JSON error


def test_unmapped_lists_zips_most_used_first_and_writes_the_template(
    use_database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)
    add_party(use_database, "customer", "C1", "06103")
    add_party(use_database, "lead", "L1", "06103")
    add_party(use_database, "lead", "L2", "01608")
    template = tmp_path / "fill-in.xlsx"

    code, document, _ = run_cli(
        ["zips", "unmapped", "--template", str(template), "--json"], monkeypatch, capsys
    )

    assert code == 0
    assert document["rows"] == [
        {"zip": "06103", "customers": 1, "leads": 1},
        {"zip": "01608", "customers": 0, "leads": 1},
    ]
    assert template.exists() and document["template"] == str(template)


def test_leads_route_and_queue_group_commands(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)
    add_party(use_database, "lead", "L1", "02134", source="web")
    run_cli(["zips", "set", "02134", "--location", "BOS", "--json"], monkeypatch, capsys)

    code, group, _ = run_cli(
        ["leads", "queues", "set", "Web", "--lead-source", "web", "--json"], monkeypatch, capsys
    )
    assert (code, group["criteria"]) == (0, {"lead_source": "web"})
    code, routed, _ = run_cli(["leads", "route", "--unrouted", "--json"], monkeypatch, capsys)
    assert (code, routed["leads_updated"], routed["queue_assigned"], routed["still_unrouted"]) == (0, 1, 1, 0)
    code, groups, _ = run_cli(["leads", "queues", "list", "--json"], monkeypatch, capsys)
    assert [(g["name"], g["leads"]) for g in groups["groups"]] == [("Web", 1)]
    code, refused, _ = run_cli(["leads", "queues", "set", "Bad", "--zip", "1", "--json"], monkeypatch, capsys)
    assert (code, refused["exit_code"]) == (2, 2)


@pytest.mark.slow
def test_the_installed_command_exits_0_1_and_2(sqlite_url: str, tmp_path: Path) -> None:
    from routing.db.session import engine_for

    add_locations(engine_for(sqlite_url))
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    binary = Path(sys.executable).parent / "routing"
    env = {**os.environ, "ROUTING_DATABASE_URL": sqlite_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(binary), *args], capture_output=True, text=True, env=env, timeout=120)

    applied = run("zips", "import", str(good), "--yes", "--json")
    invalid = run("zips", "import", str(CORPUS / "11_duplicates_conflicting.csv"), "--yes", "--json")
    unreadable = run("zips", "import", str(CORPUS / "22_binary.csv"), "--json")

    assert (applied.returncode, json.loads(applied.stdout)["new"]) == (0, 2)
    assert (invalid.returncode, json.loads(invalid.stdout)["status"]) == (1, "invalid")
    assert (unreadable.returncode, json.loads(unreadable.stdout)["exit_code"]) == (2, 2)
    assert applied.stderr == "" and invalid.stderr == ""


DEMO_NAMED = {"BOS": "Boston, MA", "WOR": "Worcester, MA", "PWM": "Portland, ME", "PDX": "Portland, OR"}


def test_a_declined_import_says_nothing_was_written_with_the_counts_its_record_keeps(
    use_database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    add_locations(use_database)
    first = tmp_path / "first.csv"
    first.write_text("Zip,Location,Territory\n02134,BOS,North\n06103,HFD,Central\n01608,WOR,\n")
    assert run_cli(["zips", "import", str(first), "--yes", "--json"], monkeypatch, capsys)[0] == 0
    before = data_checksum(use_database)
    changed = tmp_path / "changed.csv"
    changed.write_text("Zip,Location,Territory\n02134,BOS,South\n06103,HFD,Central\n01608,WOR,\n")
    monkeypatch.setattr(typer, "confirm", lambda text, **_: False)

    code, text, _ = run_cli(["zips", "import", str(changed)], monkeypatch, capsys, tty=True)
    code_json, document, _ = run_cli(
        ["zips", "import", str(changed), "--json"], monkeypatch, capsys, tty=True
    )

    said = "rejected: nothing written (the preview had 0 new, 1 updated, 2 unchanged)."
    assert code == 1 and said in " ".join(text.split())
    assert "0 new, 0 updated" not in text
    assert (code_json, document["status"], document["note"]) == (1, "rejected", "declined at the prompt")
    assert document["message"] == f"Import {document['import_id']} {said}"
    _, record, _ = run_cli(["zips", "imports", str(document["import_id"]), "--json"], monkeypatch, capsys)
    counts = ("status", "rows", "new", "updated", "unchanged")
    assert {k: document[k] for k in counts} == {k: record[k] for k in counts} == {
        "status": "rejected", "rows": 3, "new": 0, "updated": 1, "unchanged": 2
    }  # fmt: skip
    assert document["changes"] == [c for c in record["changes"] if c["action"] == "updated"]
    assert data_checksum(use_database) == before
    _, shown, _ = run_cli(["zips", "imports", str(document["import_id"])], monkeypatch, capsys)
    assert said in " ".join(shown.split())


def test_set_without_location_keeps_a_mapped_zips_location_and_refuses_a_new_zip(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)
    run_cli(
        ["zips", "set", "02134", "--location", "HFD", "--territory", "North", "--json"], monkeypatch, capsys
    )

    code, row, _ = run_cli(["zips", "set", "2134", "--notes", "Gate code 12", "--json"], monkeypatch, capsys)
    assert (code, row["action"], row["location"], row["territory"], row["notes"]) == (
        0, "updated", "HFD", "North", "Gate code 12"
    )  # fmt: skip
    record = run_cli(["zips", "imports", str(row["import_id"]), "--json"], monkeypatch, capsys)[1]
    assert (record["kind"], record["changes"][0]["fields"]) == (
        "set", {"notes": {"old": None, "new": "Gate code 12"}}
    )  # fmt: skip
    before = data_checksum(use_database)
    statuses = import_statuses(use_database)

    code, refused, _ = run_cli(["zips", "set", "06103", "--notes", "x", "--json"], monkeypatch, capsys)
    code_text, _, err = run_cli(["zips", "set", "06103", "--notes", "x"], monkeypatch, capsys)

    assert (code, code_text, refused["exit_code"]) == (2, 2, 2)
    assert refused["error"] == "Zip 06103 is not mapped yet: give its location (--location) to add it."
    assert "--location" in err
    assert (data_checksum(use_database), import_statuses(use_database)) == (before, statuses)


def test_set_and_list_find_a_location_by_its_city_as_an_import_does(
    use_database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database, DEMO_NAMED)
    sheet = tmp_path / "cities.csv"
    sheet.write_text("Zip,Location\n01608,Worcester\n")

    code, row, _ = run_cli(["zips", "set", "02134", "--location", "Boston", "--json"], monkeypatch, capsys)
    assert (code, row["location"]) == (0, "BOS")
    code, imported, _ = run_cli(["zips", "import", str(sheet), "--yes", "--json"], monkeypatch, capsys)
    assert (code, imported["new"]) == (0, 1)
    code, listed, _ = run_cli(["zips", "list", "--location", " boston ", "--json"], monkeypatch, capsys)
    assert (code, [r["zip"] for r in listed["rows"]]) == (0, ["02134"])
    code, listed, _ = run_cli(["zips", "list", "--location", "worcester, ma", "--json"], monkeypatch, capsys)
    assert (code, [r["zip"] for r in listed["rows"]]) == (0, ["01608"])

    code, ambiguous, _ = run_cli(
        ["zips", "set", "04101", "--location", "Portland", "--json"], monkeypatch, capsys
    )
    assert (code, ambiguous["errors"][0]["code"]) == (1, "ambiguous_location")
    assert "Portland, ME (PWM)" in ambiguous["errors"][0]["message"]
    code, refused, _ = run_cli(["zips", "list", "--location", "portland", "--json"], monkeypatch, capsys)
    assert (code, refused["error"]) == (
        2, "'portland' names 2 locations: Portland, OR (PDX), Portland, ME (PWM); use the code."
    )  # fmt: skip
    code, misspelt, _ = run_cli(["zips", "list", "--location", "Bostn", "--json"], monkeypatch, capsys)
    assert (code, misspelt["error"]) == (
        2,
        "No location has the code or name 'Bostn'; closest: Boston, MA (BOS).",
    )


def test_an_unreadable_files_json_error_names_the_import_that_recorded_it(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(CORPUS / "22_binary.csv")

    code, document, _ = run_cli(["zips", "import", path, "--json"], monkeypatch, capsys)
    code_text, _, err = run_cli(["zips", "import", path], monkeypatch, capsys)

    assert (code, code_text, document["exit_code"], document["status"]) == (2, 2, 2, "invalid")
    record = run_cli(["zips", "imports", str(document["import_id"]), "--json"], monkeypatch, capsys)[1]
    assert (record["status"], record["errors"][0]["code"]) == ("invalid", "unreadable")
    stored = record["errors"][0]["message"]
    assert document["error"] == f"{stored} Recorded as import {document['import_id']} (invalid)."
    assert f"Recorded as import {document['import_id'] + 1} (invalid)." in " ".join(err.split())


def test_set_shows_empty_values_blank_not_none(
    use_database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(use_database)

    code, text, _ = run_cli(["zips", "set", "02134", "--location", "BOS"], monkeypatch, capsys)

    assert code == 0
    assert "None" not in text
    assert [line.split(":", 1)[1].strip() for line in text.splitlines() if "notes:" in line] == [""]
