"""The company file without a database: reading, schema messages, reference checks and the plan."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.company.plan import plan_load
from routing.company.reader import parse_company_text, read_company_data
from routing.company.references import KnownKeys, check_references
from routing.company.schema import CompanyFile, json_schema, parse_hhmm, parse_window
from routing.company.snapshot import Snapshot
from routing.company.validation import parse_company, parse_company_lenient
from routing.errors import BadInput, ValidationFailed

EXAMPLE = Path(__file__).parents[2] / "examples" / "small-company.yaml"


# --- builders -------------------------------------------------------------------------------


def tech(email: str = "sam@example.com", **fields: Any) -> dict[str, Any]:
    return {"email": email, "name": "Sam", "locations": ["WOR"], "home_zip": "01608", **fields}


def appointment(external_id: str = "A-1", **fields: Any) -> dict[str, Any]:
    base = {"external_id": external_id, "customer": "C-1", "work_order_type": "service"}
    return {**base, "date": "2027-01-04", "slot": "08:00-10:00", **fields}


def company(**sections: Any) -> CompanyFile:
    return CompanyFile.model_validate(sections)


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        parse_company(data)
    return [detail["message"] for detail in failure.value.details]


# --- schema messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"techs": [tech(skills=[{"skill": "alarm", "level": 7}])]},
            "techs[0].skills[0].level: 7 is not between 1 and 5",
        ),
        (
            {"techs": [{"name": "Sam", "locations": ["WOR"], "home_zip": "01608"}]},
            "techs[0].email: required field is missing",
        ),
        (
            {"techs": [tech(service_radius_miles="far")]},
            "techs[0].service_radius_miles: 'far' is not a number",
        ),
        ({"techs": [tech(priority="high")]}, "techs[0].priority: 'high' is not a whole number"),
        ({"techs": [tech(active="maybe")]}, "techs[0].active: 'maybe' is not true or false"),
        ({"techs": [tech(locations="WOR")]}, "techs[0].locations: expected a list, got 'WOR'"),
        ({"techs": [tech(locations=[])]}, "techs[0].locations: needs at least 1 item, got 0"),
        ({"techs": [tech(name="")]}, "techs[0].name: must not be empty"),
        ({"techs": [tech(email="not-an-email")]}, "techs[0].email: 'not-an-email' is not an email address"),
        (
            {"techs": [tech(home_zip=1608)]},
            "techs[0].home_zip: 1608 is a number; write zips as quoted 5-digit strings, e.g. '01608'",
        ),
        ({"techs": [tech(home_zip="0160")]}, "techs[0].home_zip: '0160' is not a 5-digit zip code"),
        (
            {"techs": [tech(hours={"mon": "08:00-25:00"})]},
            "techs[0].hours.mon: '25:00' is not a valid time of day",
        ),
        (
            {"techs": [tech(hours={"monday": "08:00-17:00"})]},
            "techs[0].hours.monday: 'monday' is not one of 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'",
        ),
        (
            {"techs": [tech(time_off=[{"start": "2027-01-05 17:00", "end": "2027-01-05 09:00"}])]},
            "techs[0].time_off[0].end: 2027-01-05 09:00 is not after the start 2027-01-05 17:00",
        ),
        (
            {"techs": [tech(time_off=[{"start": "2027-01-05T08:00:00Z", "end": "2027-01-05 09:00"}])]},
            "techs[0].time_off[0].start: 2027-01-05T08:00:00+00:00 has a UTC offset; time off is local "
            "wall-clock time (YYYY-MM-DD HH:MM)",
        ),
        (
            {"appointments": [appointment(slot="12:00-08:00")]},
            "appointments[0].slot: window '12:00-08:00' ends before it starts",
        ),
        (
            {"appointments": [appointment(duration_minutes=300)]},
            "appointments[0].duration_minutes: 300 min does not fit the 120-min slot 08:00-10:00",
        ),
        (
            {"appointments": [appointment(date="2027-13-01")]},
            "appointments[0].date: '2027-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            {"profiles": [{"name": "P", "strategy": "fastest"}]},
            "profiles[0].strategy: 'fastest' is not one of 'greedy', 'optimal'",
        ),
        (
            {"profiles": [{"name": "P", "territory_rules": [{"kind": "max_distance"}]}]},
            "profiles[0].territory_rules[0]: a max_distance rule needs 'miles'",
        ),
        (
            {"profiles": [{"name": "P", "weights": 5}]},
            "profiles[0].weights: expected a mapping of fields, got 5",
        ),
        (
            {"locations": [{"code": "W O R", "name": "Worcester"}]},
            "locations[0].code: 'W O R' may contain only letters, digits, '_', '.' and '-'",
        ),
        (
            {"locations": [{"code": "WOR", "name": "Worcester", "timezone": "Mars/Base"}]},
            "locations[0].timezone: 'Mars/Base' is not an IANA time zone (e.g. America/New_York)",
        ),
        (
            {"settings": {"scheduler_horizon_days": 90}},
            "settings.scheduler_horizon_days: 90 is not between 1 and 60",
        ),
        ({"zip_relations": [5]}, "zip_relations[0]: expected a mapping of fields, got 5"),
        (
            {"work_order_types": [{"code": "s", "name": "S", "default_duration_minutes": 0}]},
            "work_order_types[0].default_duration_minutes: 0 must be greater than 0",
        ),
    ],
)
def test_schema_errors_read_as_path_colon_sentence(data: dict[str, Any], message: str) -> None:
    assert problems(data) == [message]


def test_an_unknown_field_suggests_the_closest_one_and_lists_the_allowed_ones() -> None:
    [message] = problems({"techs": [tech(skils=[])]})
    assert message.startswith("techs[0].skils: unknown field; did you mean 'skills'? allowed: email, name,")


def test_an_unknown_section_is_an_unknown_field_at_the_top_level() -> None:
    [message] = problems({"technicians": []})
    assert message.startswith(
        "technicians: unknown field; did you mean 'techs'? allowed: settings, locations,"
    )


def test_every_problem_is_reported_at_once_with_path_value_code_and_message() -> None:
    data = {
        "techs": [tech(), tech("b@example.com", skills=[{"skill": "alarm", "level": 0}])],
        "profiles": [{"name": "P", "strategy": "fastest"}],
        "zip_relations": [{"zip": "1234", "location": "WOR"}],
    }
    with pytest.raises(ValidationFailed) as failure:
        parse_company(data, name="acme.yaml")
    details = failure.value.details
    assert [d["path"] for d in details] == [
        "techs[1].skills[0].level",
        "profiles[0].strategy",
        "zip_relations[0].zip",
    ]
    assert details[0] == {
        "path": "techs[1].skills[0].level",
        "value": 0,
        "code": "invalid",
        "message": "techs[1].skills[0].level: 0 is not between 1 and 5",
    }
    assert failure.value.message.startswith("acme.yaml: 3 problems, nothing was loaded.")
    json.dumps(details)


def test_a_yaml_alias_bomb_is_reported_in_a_few_words_not_expanded() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    data = parse_company_text("\n".join(levels), json_format=False)  # 9**7 strings once expanded

    with pytest.raises(ValidationFailed) as failure:
        parse_company(data, name="bomb.yaml")

    assert failure.value.details[-1]["value"] == "a list of 9 items"
    assert len(json.dumps(failure.value.details)) < 5000


def test_a_lenient_parse_keeps_the_valid_items_and_renumbers_later_errors() -> None:
    data = {"techs": [tech("a@example.com", priority=0), tech("b@example.com"), tech("c@example.com")]}
    parsed = parse_company_lenient(data)
    assert [t.email for t in parsed.company.techs] == ["b@example.com", "c@example.com"]
    assert parsed.unparsed_keys == {"techs": frozenset({"a@example.com"})}
    later = check_references(parsed.company, KnownKeys())
    renumbered = parsed.renumber(later)
    assert [e.path for e in renumbered] == ["techs[1].locations[0]", "techs[2].locations[0]"]


def test_emails_are_compared_without_case() -> None:
    parsed = company(
        techs=[tech("Sam.Reyes@Example.COM")], appointments=[appointment(tech="SAM.reyes@example.com")]
    )
    assert parsed.techs[0].email == "sam.reyes@example.com"
    assert parsed.appointments[0].tech == "sam.reyes@example.com"


def test_the_json_schema_describes_every_section() -> None:
    schema = json_schema()
    assert set(schema["properties"]) == set(CompanyFile.model_fields)
    assert schema["additionalProperties"] is False


def test_the_shipped_example_is_a_valid_company_file() -> None:
    parsed = parse_company(read_company_data(EXAMPLE))
    assert len(parsed.locations) == 2
    assert len(parsed.techs) == 5
    assert any(a.tech for a in parsed.appointments)
    assert any(c.location is None for c in parsed.customers)


# --- times ----------------------------------------------------------------------------------


@given(st.integers(0, 23), st.integers(0, 59), st.booleans())
def test_every_wall_clock_time_parses_padded_or_not(hour: int, minute: int, padded: bool) -> None:
    text = f"{hour:02d}:{minute:02d}" if padded else f"{hour}:{minute:02d}"
    assert parse_hhmm(text) == dt.time(hour, minute)


@given(st.integers(0, 99), st.integers(0, 99))
def test_hours_past_23_or_minutes_past_59_are_refused(hour: int, minute: int) -> None:
    text = f"{hour:02d}:{minute:02d}"
    if hour <= 23 and minute <= 59:
        assert parse_hhmm(text) == dt.time(hour, minute)
    else:
        with pytest.raises(ValueError, match="is not a valid time of day"):
            parse_hhmm(text)


@given(st.text(max_size=12))
def test_the_time_parser_only_ever_raises_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_hhmm(text)


@given(st.times(), st.times())
def test_a_window_parses_exactly_when_it_starts_before_it_ends(start: dt.time, end: dt.time) -> None:
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    text = f"{start:%H:%M}-{end:%H:%M}"
    if start < end:
        assert parse_window(text) == (start, end)
    else:
        with pytest.raises(ValueError, match="ends before it starts"):
            parse_window(text)


# --- reading files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"# only a comment\n", "has no content"),
        (b"\x00\x01binary\x00", "is a binary file"),
        (b"locations: caf\xe9\n", "is not UTF-8 text"),
        (b"- code: WOR\n", "the top level is a list"),
        (b"just a sentence\n", "the top level is a single str value"),
        (b"locations: [WOR\n", "is not valid YAML (line 2"),
        (b"techs: []\ntechs: []\n", "the key 'techs' appears twice"),
        (b"1: x\n", "top-level key 1 is not a section name"),
    ],
)
def test_unreadable_yaml_is_bad_input_with_one_sentence(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "company.yaml"
    path.write_bytes(content)
    with pytest.raises(BadInput, match=None) as failure:
        read_company_data(path)
    assert fragment in failure.value.message
    assert failure.value.exit_code == 2


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"locations": [}', "is not valid JSON (line 1, column 16)"),
        ('{"techs": [], "techs": []}', "the key 'techs' appears twice in one JSON object"),
        ("[1, 2]", "the top level is a list"),
        pytest.param(
            '{"locations": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "nests lists or objects too deeply",
            id="nested-100000-deep",
        ),
    ],
)
def test_unreadable_json_is_bad_input(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "company.json"
    path.write_text(content)
    with pytest.raises(BadInput) as failure:
        read_company_data(path)
    assert fragment in failure.value.message


@pytest.mark.parametrize(
    ("text", "json_format", "path"),
    [
        ('{"locations": [{"code": "X1", "name": "a\\u0000b"}]}', True, "locations[0].name"),
        ('techs:\n  - {email: a@b.co, name: "A\\0"}\n', False, "techs[0].name"),
    ],
)
def test_a_nul_character_in_a_value_is_bad_input_naming_its_path(
    text: str, json_format: bool, path: str
) -> None:
    with pytest.raises(BadInput, match=re.escape(f"{path} contains a NUL character")):
        parse_company_text(text, json_format=json_format, name="acme")


def test_a_missing_file_or_a_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        read_company_data(tmp_path / "nope.yaml")
    with pytest.raises(BadInput, match="is a folder"):
        read_company_data(tmp_path)


yaml_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.one_of(st.text(max_size=200), yaml_like.map(lambda value: json.dumps({"techs": [value]}))),
    st.booleans(),
)
def test_any_text_is_a_mapping_or_bad_input_and_any_mapping_a_company_or_validation_errors(
    text: str, json_format: bool
) -> None:
    try:
        data = parse_company_text(text, json_format=json_format)
    except BadInput:
        return
    assert isinstance(data, dict)
    try:
        parse_company(data)
    except ValidationFailed as failure:
        assert failure.details
        assert all(d["message"].startswith(f"{d['path']}: ") for d in failure.details)


def test_yaml_keeps_leading_zero_zips_and_clock_times_as_text() -> None:
    data = parse_company_text(
        "zip: 02134\nother: 02189\nclock: 8:00\ncount: 12\nratio: 0.5\nday: 2027-01-04\n", json_format=False
    )
    assert data == {
        "zip": "02134",
        "other": "02189",
        "clock": "8:00",
        "count": 12,
        "ratio": 0.5,
        "day": dt.date(2027, 1, 4),
    }


def test_an_unquoted_clock_time_still_parses_as_a_window() -> None:
    data = parse_company_text(
        "techs:\n  - {email: a@b.co, name: A, locations: [W], home_zip: 01608,\n"
        "     hours: {mon: [8:00, 16:30]}}\n",
        json_format=False,
    )
    assert parse_company(data).techs[0].hours["mon"] == (dt.time(8, 0), dt.time(16, 30))


# --- reference checks -----------------------------------------------------------------------


def test_references_resolve_against_the_file_and_the_database() -> None:
    parsed = company(
        techs=[tech(locations=["WOR", "BOS"])],
        customers=[{"external_id": "C-1", "name": "C", "zip": "01609", "preferred_tech": "old@example.com"}],
    )
    errors = check_references(parsed, KnownKeys(locations=frozenset({"BOS"})))
    assert [(e.path, e.value, e.code) for e in errors] == [
        ("techs[0].locations[0]", "WOR", "unknown_reference"),
        ("customers[0].preferred_tech", "old@example.com", "unknown_reference"),
    ]
    assert [e.message for e in errors] == [
        "'WOR' is not a known location (known: BOS)",
        "'old@example.com' is not a known tech (known: sam@example.com)",
    ]
    known = KnownKeys(locations=frozenset({"BOS", "WOR"}), techs=frozenset({"old@example.com"}))
    assert check_references(parsed, known) == []


def test_a_near_miss_reference_suggests_the_known_key() -> None:
    parsed = company(
        locations=[{"code": "WOR", "name": "Worcester"}],
        work_order_types=[{"code": "service", "name": "S", "default_duration_minutes": 60}],
        profiles=[{"name": "P", "work_order_types": ["servcie"]}],
    )
    [error] = check_references(parsed, KnownKeys())
    assert str(error) == (
        "profiles[0].work_order_types[0]: 'servcie' is not a known work-order type; did you mean 'service'?"
    )


def test_duplicate_natural_keys_name_the_earlier_item() -> None:
    parsed = company(
        locations=[{"code": "WOR", "name": "A"}, {"code": "WOR", "name": "B"}],
        techs=[
            tech(),
            tech("SAM@example.com", skills=[{"skill": "a", "level": 1}, {"skill": "a", "level": 2}]),
        ],
        appointments=[appointment(), appointment()],
    )
    messages = [
        str(e)
        for e in check_references(
            parsed, KnownKeys(customers=frozenset({"C-1"}), work_order_types=frozenset({"service"}))
        )
    ]
    assert messages == [
        "locations[1].code: 'WOR' is already used by locations[0]",
        "techs[1].email: 'sam@example.com' is already used by techs[0]",
        "appointments[1].external_id: 'A-1' is already used by appointments[0]",
        "techs[1].skills[1].skill: 'a' is already used by techs[1].skills[0]",
    ]


def test_a_required_tech_the_customer_also_excludes_is_a_conflict() -> None:
    parsed = company(
        techs=[tech()],
        customers=[{"external_id": "C-1", "name": "C", "zip": "01609", "location": "WOR",
                    "required_tech": "sam@example.com", "excluded_techs": ["sam@example.com"]}],
    )  # fmt: skip
    errors = check_references(parsed, KnownKeys(locations=frozenset({"WOR"})))
    assert [str(e) for e in errors] == [
        "customers[0].required_tech: 'sam@example.com' is also in excluded_techs"
    ]


def test_zips_that_are_not_us_zips_are_reported_where_they_are_used() -> None:
    parsed = company(techs=[tech(home_zip="00000")], zip_relations=[{"zip": "01608", "location": "WOR"}])
    known = KnownKeys(locations=frozenset({"WOR"}), us_zips=frozenset({"01608"}))
    assert [str(e) for e in check_references(parsed, known)] == [
        "techs[0].home_zip: '00000' is not a US ZIP code"
    ]


# --- the plan (pure) ------------------------------------------------------------------------


def small_company(**changes: Any) -> CompanyFile:
    sections: dict[str, Any] = {
        "locations": [{"code": "WOR", "name": "Worcester"}],
        "work_order_types": [{"code": "service", "name": "Service", "default_duration_minutes": 60}],
        "techs": [tech(skills=[{"skill": "alarm", "level": 3}])],
        "customers": [{"external_id": "C-1", "name": "C", "zip": "01609"}],
        "appointments": [appointment()],
        "zip_relations": [{"zip": "01609", "location": "WOR", "sales_rep": "Kim"}],
    }
    sections.update(changes)
    return company(**sections)


def as_stored(parsed: CompanyFile) -> Snapshot:
    """The snapshot a database would hold after loading ``parsed`` (built from the plan's rows)."""
    plan = plan_load(parsed, Snapshot())
    rows = {name: {row[p.key]: row for row in p.rows} for name, p in plan.entities.items()}
    booked = {a["external_id"]: a["tech"] for a in plan.assignments}
    techs = plan.entities["techs"].children
    return Snapshot(
        locations=rows["locations"],
        work_order_types=rows["work_order_types"],
        techs=rows["techs"],
        tech_locations=techs["tech_locations"],
        tech_skills=techs["tech_skills"],
        customers=rows["customers"],
        zip_relations=rows["zip_relations"],
        appointments={k: {**row, "tech": booked.get(k)} for k, row in rows["appointments"].items()},
    )


def test_a_new_company_is_all_created_and_the_zip_mapping_fills_the_customer() -> None:
    plan = plan_load(small_company(), Snapshot())
    assert plan.counts("created")["techs"] == 1
    [customer] = plan.entities["customers"].rows
    assert (customer["location"], customer["location_source"]) == ("WOR", "zip_mapping")
    assert (customer["sales_rep"], customer["sales_rep_source"]) == ("Kim", "zip_mapping")
    [appt] = plan.entities["appointments"].rows
    assert (appt["location"], appt["zip"], appt["duration_minutes"]) == ("WOR", "01609", 60)


def test_planning_the_same_company_again_changes_nothing() -> None:
    parsed = small_company()
    plan = plan_load(parsed, as_stored(parsed))
    assert not any(plan.counts("created").values())
    assert not any(plan.counts("updated").values())
    assert all(not p.rows for p in plan.entities.values())
    assert plan.assignments == []


def test_a_changed_skill_level_updates_the_tech_and_replaces_only_its_skills() -> None:
    stored = as_stored(small_company())
    plan = plan_load(small_company(techs=[tech(skills=[{"skill": "alarm", "level": 4}])]), stored)
    techs = plan.entities["techs"]
    assert (techs.updated, techs.rows) == (1, [])
    assert techs.children["tech_skills"] == {"sam@example.com": frozenset({("alarm", 4)})}
    assert "tech_locations" not in techs.children or techs.children["tech_locations"] == {}


def test_an_appointment_without_a_tech_never_plans_an_unassignment() -> None:
    stored = as_stored(small_company())
    booked_by_scheduler = {"A-1": {**stored.appointments["A-1"], "tech": "sam@example.com"}}
    plan = plan_load(small_company(), Snapshot(**{**stored.__dict__, "appointments": booked_by_scheduler}))
    assert plan.assignments == []
    assert plan.entities["appointments"].unchanged == 1


def test_a_file_booking_that_differs_from_the_stored_one_is_an_update() -> None:
    stored = as_stored(small_company())
    plan = plan_load(small_company(appointments=[appointment(tech="sam@example.com")]), stored)
    assert plan.assignments == [{"external_id": "A-1", "tech": "sam@example.com"}]
    assert plan.entities["appointments"].updated == 1


def test_a_stored_explicit_location_survives_a_file_that_omits_it() -> None:
    explicit = {"external_id": "C-1", "name": "C", "zip": "01609", "location": "BOS"}
    offices = [{"code": "WOR", "name": "W"}, {"code": "BOS", "name": "B"}]
    stored = as_stored(small_company(customers=[explicit], locations=offices))
    plan = plan_load(small_company(), stored)
    assert plan.entities["customers"].unchanged == 1
    assert stored.customers["C-1"]["location_source"] == "explicit"
