"""``routing explain`` on SQLite and PostgreSQL: runner-up and margin of optimal runs, the
``rule`` of ``explain tech``, dry runs, scores of rejected techs and the wording of lost capacity."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from routing.db.runlog import RunAppointment
from tests.integration.scheduler_builders import ZIPS, CompanyBuilder, appointment_id, load, tech_id
from tests.integration.test_scheduler_cli import DAY, cli


def text_of(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture
def myopic(use_database: Engine) -> Engine:
    """Ann is best for both morning jobs but can do one; only she can do the fire job (A2).

    Greedy gives A1 to Ann and leaves A2; optimal gives A1 to the lower-scored Bea so that Ann
    can take A2.
    """
    b = CompanyBuilder()
    b.work_order_types = [
        {"code": "install", "name": "Install", "default_duration_minutes": 240},
        {
            "code": "fire",
            "name": "Fire",
            "default_duration_minutes": 240,
            "required_skills": [{"skill": "fire"}],
        },
    ]
    b.tech("Ann", home_zip=ZIPS[0], skills=[{"skill": "fire", "level": 2}])
    b.tech("Bea", home_zip=ZIPS[6], skills=[])
    b.appointment("A1", work_order_type="install", priority=1, customer=b.customer("C1", zip_code=ZIPS[0]))
    b.appointment("A2", work_order_type="fire", priority=2, customer=b.customer("C2", zip_code=ZIPS[0]))
    load(use_database, b)
    return use_database


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> int:
    code, doc, _ = cli(["schedule", "run", *DAY, *args, "--json"], monkeypatch, capsys)
    assert code == 0, doc
    return int(doc["run_id"])


def test_an_optimal_run_names_the_best_other_tech_as_runner_up_with_a_negative_margin(
    myopic: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    run_id = run(["--strategy", "optimal"], monkeypatch, capsys)
    ann, bea = tech_id(myopic, "Ann"), tech_id(myopic, "Bea")
    a1, a2 = appointment_id(myopic, "A1"), appointment_id(myopic, "A2")
    _, doc, _ = cli(["explain", "appointment", str(a1), "--run", str(run_id), "--json"], monkeypatch, capsys)
    assert doc["tech_id"] == bea and doc["runner_up_tech_id"] == ann
    by_tech = {c["tech_id"]: c for c in doc["candidates"]}
    assert doc["margin"] == pytest.approx(by_tech[bea]["score"] - by_tech[ann]["score"], abs=1e-3)
    assert doc["margin"] < 0
    assert [c["tech_id"] for c in doc["candidates"]] == [ann, bea]  # by rank; Bea is chosen at rank 2
    assert (by_tech[ann]["rank"], by_tech[bea]["rank"]) == (1, 2)
    why = doc["runner_up_why_not"]
    assert why == by_tech[ann]["why_not"]
    assert f"the plan needed Ann elsewhere: it gave Ann appointment {a2} in an overlapping slot" in why
    _, text, _ = cli(["explain", "appointment", str(a1), "--run", str(run_id)], monkeypatch, capsys)
    flat = text_of(text)
    assert f"assigned to Bea (#{bea}) with score" in flat and f"below Ann (#{ann})" in flat
    assert "ahead of" not in flat and f"Why not Ann (#{ann}): the plan needed Ann elsewhere" in flat
    code, replayed, _ = cli(["runs", "replay", str(run_id), "--json"], monkeypatch, capsys)
    assert code == 0 and replayed["reproduced"] is True


def test_no_assigned_decision_of_an_optimal_run_names_its_own_tech_as_runner_up(
    use_database: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    b = CompanyBuilder()
    b.work_order_types = [{"code": "service", "name": "Service", "default_duration_minutes": 120}]
    for i in range(4):
        b.tech(f"Tech{i}", home_zip=ZIPS[i], skills=[])
    for i in range(14):
        customer = b.customer(f"C{i:02d}", zip_code=ZIPS[(i * 3) % len(ZIPS)])
        b.appointment(
            f"A{i:02d}", slot=("08:00-12:00", "12:00-16:00", "10:00-14:00")[i % 3], customer=customer
        )
    load(use_database, b)
    run_id = run(["--strategy", "optimal"], monkeypatch, capsys)
    with use_database.connect() as conn:
        rows = conn.execute(
            select(RunAppointment.tech_id, RunAppointment.runner_up_tech_id, RunAppointment.margin).where(
                RunAppointment.run_id == run_id, RunAppointment.outcome == "assigned"
            )
        ).all()
    assert len(rows) >= 8
    assert all(r.runner_up_tech_id != r.tech_id for r in rows), rows
    assert all((r.runner_up_tech_id is None) == (r.margin is None) for r in rows), rows


def test_explain_tech_gives_each_not_assigned_entry_its_main_rule(
    myopic: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    run_id = run([], monkeypatch, capsys)  # greedy: Ann takes A1, nobody can take A2
    a2 = appointment_id(myopic, "A2")
    entries: dict[str, dict[str, Any]] = {}
    for name in ("Ann", "Bea"):
        code, doc, _ = cli(
            ["explain", "tech", str(tech_id(myopic, name)), "--run", str(run_id), "--json"],
            monkeypatch,
            capsys,
        )
        assert code == 0 and doc["dry_run"] is False and doc["strategy"] == "greedy"
        for entry in doc["not_assigned"]:
            assert "rule" in entry and "rules" in entry  # the contract's key, and the full list
            assert entry["rule"] == (entry["rules"][0]["rule"] if entry["rules"] else None)
            entries[name] = entry
    assert (entries["Bea"]["appointment_id"], entries["Bea"]["reason"], entries["Bea"]["rule"]) == (
        a2,
        "rule",
        "skill",
    )
    assert (entries["Ann"]["reason"], entries["Ann"]["rule"]) == ("lost_to_appointment", "conflict")
    assert entries["Ann"]["lost_to"]["appointment_id"] == appointment_id(myopic, "A1")


def test_a_dry_run_says_would_be_and_explain_prefers_a_run_that_applied_its_plan(
    myopic: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    a1, ann = appointment_id(myopic, "A1"), tech_id(myopic, "Ann")
    dry = run(["--dry-run"], monkeypatch, capsys)
    _, doc, _ = cli(["explain", "appointment", str(a1), "--json"], monkeypatch, capsys)
    assert doc["run_id"] == dry and doc["dry_run"] is True and "dry run" in doc["run_selected"]
    _, text, _ = cli(["explain", "appointment", str(a1)], monkeypatch, capsys)
    assert f"in dry run {dry}: would be assigned to Ann (#{ann})" in text_of(text)
    _, text, _ = cli(["explain", "tech", str(ann), "--run", str(dry)], monkeypatch, capsys)
    assert f"Ann (#{ann}) in dry run {dry}: would get 1 job" in text_of(text)
    only_bea = ["--tech", str(tech_id(myopic, "Bea"))]
    applied = run(only_bea, monkeypatch, capsys)  # Bea takes A1; A2 (fire) stays unassigned
    newer = run(["--dry-run"], monkeypatch, capsys)  # considers A2 again: Ann would take it
    a2 = appointment_id(myopic, "A2")
    _, doc, _ = cli(["explain", "appointment", str(a2), "--json"], monkeypatch, capsys)
    assert newer > applied and doc["run_id"] == applied and doc["dry_run"] is False
    assert doc["run_selected"] == f"the latest run that considered appointment {a2}"
    _, text, _ = cli(["explain", "appointment", str(a2)], monkeypatch, capsys)
    assert f"in run {applied}: left unassigned" in text_of(text) and "would be" not in text
    _, doc, _ = cli(["explain", "appointment", str(a2), "--run", str(newer), "--json"], monkeypatch, capsys)
    assert doc["run_selected"] is None and doc["dry_run"] is True and doc["tech_id"] == ann


def test_rejected_techs_come_after_the_eligible_ones_and_their_scores_read_as_would_score(
    myopic: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    run_id = run([], monkeypatch, capsys)
    a2 = appointment_id(myopic, "A2")
    _, doc, _ = cli(["explain", "appointment", str(a2), "--run", str(run_id), "--json"], monkeypatch, capsys)
    assert all(c["score"] is not None for c in doc["candidates"])  # the JSON keeps every score
    _, text, _ = cli(["explain", "appointment", str(a2), "--run", str(run_id)], monkeypatch, capsys)
    flat = text_of(text)
    bea = next(c for c in doc["candidates"] if c["name"] == "Bea")
    assert f"✘ Bea (#{bea['tech_id']}) (would score {bea['score']:.2f})" in flat


def test_eligible_candidates_are_listed_by_rank_before_the_rejected(
    use_database: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    b = CompanyBuilder()
    b.tech("Near", home_zip=ZIPS[0])
    b.tech("Away", home_zip=ZIPS[0], active=False)  # scores like Near, but inactive
    b.tech("Far", home_zip=ZIPS[7])
    b.appointment("A1", customer=b.customer("C1", zip_code=ZIPS[0]))
    load(use_database, b)
    run_id = run([], monkeypatch, capsys)
    a1 = appointment_id(use_database, "A1")
    _, doc, _ = cli(["explain", "appointment", str(a1), "--run", str(run_id), "--json"], monkeypatch, capsys)
    assert [(c["name"], c["eligible"], c["rank"]) for c in doc["candidates"]] == [
        ("Near", True, 1),
        ("Far", True, 2),
        ("Away", False, None),
    ]
    _, text, _ = cli(["explain", "appointment", str(a1), "--run", str(run_id)], monkeypatch, capsys)
    flat = text_of(text)
    assert flat.index("✔ Near") < flat.index("· Far") < flat.index("✘ Away")
    assert "(would score" in flat.split("✘ Away")[1]


def test_lost_capacity_names_the_appointment_that_filled_the_slot_and_the_one_already_there(
    use_database: Engine, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    b = CompanyBuilder()
    b.tech("Ann")
    for i in range(5):  # four 60-minute jobs fill the 4-hour slot; the fifth does not fit
        b.appointment(f"A{i}", customer=b.customer(f"C{i}"))
    load(use_database, b)
    run_id = run([], monkeypatch, capsys)
    first, fourth, fifth = (appointment_id(use_database, f"A{i}") for i in (0, 3, 4))
    _, doc, _ = cli(
        ["explain", "appointment", str(fifth), "--run", str(run_id), "--json"], monkeypatch, capsys
    )
    (ann,) = doc["candidates"]
    assert ann["failed_rules"][0]["facts"]["with"] == first  # the conflict: a job in the slot
    assert ann["lost_to_appointment_id"] == fourth  # the job that took the last room
    assert ann["why_not"] == (
        f"Ann was free for it at the start of the run; appointment {fourth}, given to Ann earlier "
        f"in this run, took the last room in the slot (appointment {first} was already there)"
    )
    _, text, _ = cli(["explain", "appointment", str(fifth), "--run", str(run_id)], monkeypatch, capsys)
    assert " her " not in text_of(text) and "or by the plan" not in text_of(text)
