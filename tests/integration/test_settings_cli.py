"""`routing settings show|set` and `routing init` through the real entry point (exit codes)."""

from __future__ import annotations

import json

import pytest

from tests import cli_runner


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    return cli_runner.run_cli(args, monkeypatch, capsys, parse_json=False)


def test_settings_set_changes_one_key_and_reports_the_gate(use_database, monkeypatch, capsys) -> None:
    code, out, _ = run_cli(["settings", "set", "auto_assign_on_create", "on", "--json"], monkeypatch, capsys)
    assert code == 0
    document = json.loads(out)
    assert document["settings"]["auto_assign_on_create"] is True
    assert document["scheduler_available"] is False
    assert "auto_assign_on_create" in document["scheduler_unavailable_reason"]

    code, out, _ = run_cli(["settings", "show", "--json"], monkeypatch, capsys)
    assert json.loads(out)["settings"]["auto_assign_on_create"] is True


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("no_such_setting", "1", "Unknown setting 'no_such_setting'"),
        ("auto_assign_on_create", "maybe", "is not on/off"),
        ("scheduler_horizon_days", "99", "99 is not between 1 and 60"),
        ("scheduler_horizon_days", "soon", "scheduler_horizon_days: 'soon' is not accepted"),
        ("timezone", "Mars/Olympus", "not an IANA time zone"),
    ],
)
def test_bad_setting_is_refused_with_exit_2_and_nothing_changes(
    use_database, monkeypatch, capsys, key: str, value: str, fragment: str
) -> None:
    _, before, _ = run_cli(["settings", "show", "--json"], monkeypatch, capsys)
    code, out, _ = run_cli(["settings", "set", key, value, "--json"], monkeypatch, capsys)
    assert code == 2
    assert fragment in json.loads(out)["error"]
    _, after, _ = run_cli(["settings", "show", "--json"], monkeypatch, capsys)
    assert json.loads(after) == json.loads(before)


def test_init_is_safe_to_repeat(use_database, monkeypatch, capsys) -> None:
    first = run_cli(["init", "--json"], monkeypatch, capsys)
    second = run_cli(["init", "--json"], monkeypatch, capsys)
    assert first[0] == second[0] == 0
    assert json.loads(first[1])["revision"] == json.loads(second[1])["revision"]


def test_uninitialised_database_gets_a_hint_not_a_traceback(monkeypatch, capsys, tmp_path) -> None:
    from routing.config import get_settings

    monkeypatch.setenv("ROUTING_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    code, _, err = run_cli(["settings", "show"], monkeypatch, capsys)
    get_settings.cache_clear()
    assert code == 2
    assert "routing init" in err
    assert "Traceback" not in err
