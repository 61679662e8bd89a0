"""Report sections and their text helpers on tiny inputs (no database, no kernel)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from routing.reports import calendar, charts, coverage, run_details, run_sections, zip_import
from routing.reports.run_audit import CANDIDATE_SCHEMA

HOSTILE = "<img src=x onerror=alert(1)>"
NAMES = {1: "Ana", 2: HOSTILE}


def candidate(**values: object) -> dict[str, object]:
    return {name: None for name in CANDIDATE_SCHEMA} | {"eligible": False, "chosen": False} | values


def test_failed_rules_read_as_the_schedulers_sentences() -> None:
    facts = json.dumps(
        {"time_off": {"from": "2030-06-03T12:00", "to": "2030-06-03T18:00", "reason": "dentist"}}
    )
    text = run_details.failure_text("time_off excluded", facts, "Bo", NAMES)
    assert text == "Bo is off 12:00–18:00 on Mon 3 Jun (dentist); the customer excludes Bo"


def test_an_eligible_loser_is_told_who_won_and_by_how_much() -> None:
    rows = pl.DataFrame(
        [
            candidate(appointment_id=9, tech_id=1, eligible=True, chosen=True, rank=1, score=90.0),
            candidate(appointment_id=9, tech_id=2, eligible=True, rank=2, score=87.5, lost_to_tech_id=1,
                      lost_reason="score"),
        ],
        schema=CANDIDATE_SCHEMA,
    )  # fmt: skip
    shown = run_details.candidate_rows(rows, NAMES)
    assert [r["why"] for r in shown] == ["chosen", "lost to Ana (tech 1) by 2.50 points"]


def test_a_candidate_who_lost_capacity_names_the_earlier_appointment() -> None:
    row = candidate(appointment_id=9, tech_id=2, failed_rules="conflict", lost_to_appointment_id=4,
                    lost_to_tech_id=2, lost_reason="conflict")  # fmt: skip
    why = run_details.candidate_rows(pl.DataFrame([row], schema=CANDIDATE_SCHEMA), NAMES)[0]["why"]
    assert why.endswith("capacity went to appt 4, given to this tech earlier in this run")


def test_candidate_table_keeps_eligible_rows_and_counts_the_cut_rejections() -> None:
    rows = [candidate(appointment_id=9, tech_id=1, eligible=True, chosen=True, rank=1, score=80.0)] + [
        candidate(appointment_id=9, tech_id=10 + i, failed_rules="radius" if i % 2 else "skill")
        for i in range(6)
    ]
    markup = run_details.candidate_table(
        pl.DataFrame(rows, schema=CANDIDATE_SCHEMA), NAMES, max_rejected=2
    ).markup
    assert markup.count("<tr") == 1 + 1 + 2
    assert "4 more rejected candidates: " in markup
    assert 'class="chosen"' in markup


def test_zip_changes_become_one_row_per_changed_field() -> None:
    changes = [
        {"zip": "02134", "action": "new", "fields": {"location": {"old": None, "new": "BOS"}}},
        {"zip": "02135", "action": "updated", "fields": {"territory": {"old": "N", "new": "S"},
                                                         "notes": {"old": "a", "new": None}}},
        {"zip": "02136", "action": "deleted", "fields": {}},
    ]  # fmt: skip
    assert zip_import.change_rows(changes) == [
        {"zip": "02134", "action": "new", "field": "location", "old": None, "new": "BOS"},
        {"zip": "02135", "action": "updated", "field": "territory", "old": "N", "new": "S"},
        {"zip": "02135", "action": "updated", "field": "notes", "old": "a", "new": None},
        {"zip": "02136", "action": "deleted", "field": None, "old": None, "new": None},
    ]


def test_jobs_are_laid_out_one_after_another_inside_their_slot() -> None:
    jobs = pl.DataFrame(
        {
            "tech_id": [1, 1, 1, 2],
            "appointment_id": [1, 2, 3, 4],
            "slot_start": [480, 480, 780, 480],
            "slot_end": [720, 720, 1020, 720],
            "duration": [90, 60, 120, 30],
            "kind": ["booked", "run", "run", "run"],
        }
    )
    assert [(s["start"], s["end"], s["kind"]) for s in calendar.lay_out(jobs)] == [
        (8.0, 9.5, "booked"), (9.5, 10.5, "run"), (13.0, 15.0, "run"), (8.0, 8.5, "run"),
    ]  # fmt: skip


def test_unmapped_zips_are_customer_zips_missing_from_the_mapping_with_place_names() -> None:
    mapped = pl.DataFrame({"zip": ["02134"], "location_code": ["BOS"], "location_name": ["Boston"],
                           "territory": [None]}, schema=coverage.MAPPED_SCHEMA)  # fmt: skip
    parties = pl.DataFrame({"zip": ["02134", "02138", "99999"], "customers": [5, 2, 1], "leads": [0, 1, 0]},
                           schema=coverage.PARTY_SCHEMA)  # fmt: skip
    unmapped = coverage.unmapped_zips(mapped, parties)
    assert unmapped.select("zip", "customers", "city", "remark").rows() == [
        ("02138", 2, "Cambridge", ""),
        ("99999", 1, None, "not a US ZIP"),
    ]


def test_scope_reads_as_one_line() -> None:
    scope = {"locations": ["BOS", "PVD"], "techs": [], "from": "2030-06-03"}
    assert run_sections.scope_text(scope) == "locations: BOS, PVD · techs: all · from: 2030-06-03"


@pytest.mark.parametrize("label", [HOSTILE, "$x^2$ and $", "50% \\n"])
def test_charts_draw_any_label_literally(label: str) -> None:
    markup = charts.bars([label], [3], title=label, xlabel="jobs").markup
    assert markup.startswith('<img class="rr-chart" alt="')
    assert "<img src=x" not in markup


def test_the_gantt_chart_is_an_embedded_png() -> None:
    spans = [
        {"row": HOSTILE, "start": 8, "end": 17, "kind": "hours"},
        {"row": HOSTILE, "start": 9, "end": 10, "kind": "run"},
    ]
    markup = calendar.charts.gantt([HOSTILE], spans, title=f"{dt.date(2030, 6, 3)}").markup
    assert 'src="data:image/png;base64,' in markup


def test_profile_hours_group_consecutive_days_with_the_same_window() -> None:
    hours = {d: ["07:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["08:00", "13:00"]}
    assert run_sections.hours_text(hours) == "mon–fri 07:00–18:00; sat 08:00–13:00"
    assert run_sections.hours_text({}) == "the techs' own hours"


def test_territory_rules_read_in_a_few_words() -> None:
    rule = {"kind": "zips", "zips": ["01057", "01080"], "miles": None, "techs": ["a@x", "b@x"], "skill": None}
    assert run_sections.rule_text(rule) == "zips 01057, 01080 only for a@x, b@x"
    assert run_sections.rule_text({"kind": "max_distance", "miles": 25.0}) == "within 25 mi"
    skill = {
        "kind": "skill",
        "skill": "fire",
        "min_level": 2,
        "zips": ["021", "022", "023", "024", "025", "026"],
    }
    assert run_sections.rule_text(skill) == "needs fire ≥ 2 in zips 021, 022, 023, 024, 025 and 1 more"


def test_an_unrestricted_scope_reads_all() -> None:
    scope = {"date_from": "2030-06-03", "locations": None, "techs": None, "appointment_ids": None}
    assert run_sections.scope_text(scope) == "date from: 2030-06-03 · locations: all · techs: all"


def test_the_location_by_day_table_lists_days_in_date_order() -> None:
    days = [dt.date(2030, 6, 3), dt.date(2030, 6, 7), dt.date(2030, 6, 4)]  # Mon, Fri, Tue
    appts = pl.DataFrame({"location_code": ["BOS"] * 3, "date": days, "outcome": ["assigned"] * 3})
    markup = run_sections.outcome_charts(appts).markup
    assert markup.index("Mon 06-03") < markup.index("Tue 06-04") < markup.index("Fri 06-07")
