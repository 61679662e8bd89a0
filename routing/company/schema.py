"""The company file: one YAML/JSON document describing a whole company.

Pydantic models are the single source of truth; ``routing schema`` exports them as JSON Schema
and ``docs/company-file.md`` documents them. Times are local wall-clock ``HH:MM``; weekdays are
``mon``..``sun``; references use natural keys (location code, tech email, work-order type code,
customer external id).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZIP = re.compile(r"^\d{5}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")  # ":00" seconds: how JSON dumps a time


def _between(lo: int, hi: int) -> AfterValidator:
    def check(value: int) -> int:
        if not lo <= value <= hi:
            raise ValueError(f"{value} is not between {lo} and {hi}")
        return value

    return AfterValidator(check)


def _zip(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"{value} is a number; write zips as quoted 5-digit strings, e.g. '0{value}'")
    if not isinstance(value, str) or not _ZIP.match(value.strip()):
        raise ValueError(f"{value!r} is not a 5-digit zip code")
    return value.strip()


def parse_hhmm(value: Any) -> dt.time:
    """Parse ``HH:MM`` (00:00-24:00 is not allowed past 23:59) into a time."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads 08:00 unquoted as sexagesimal minutes (480)
        value = f"{value // 60:02d}:{value % 60:02d}"
    match = _TIME.match(str(value).strip()) if isinstance(value, str | int) else None
    if not match:
        raise ValueError(f"{value!r} is not a time (HH:MM)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{value!r} is not a valid time of day")
    return dt.time(hour, minute)


def parse_window(value: Any) -> tuple[dt.time, dt.time]:
    """Parse ``"08:00-12:00"`` (or a two-item list) into (start, end) with start before end."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("-")]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError(f"{value!r} is not a time window like '08:00-12:00'")
    if len(parts) != 2:
        raise ValueError(f"{value!r} is not a time window like '08:00-12:00'")
    start, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if start >= end:
        raise ValueError(f"window {value!r} ends before it starts")
    return start, end


ZipCode = Annotated[str, BeforeValidator(_zip)]
Level = Annotated[int, _between(1, 5)]
Priority = Annotated[int, _between(1, 9)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
Window = Annotated[tuple[dt.time, dt.time], BeforeValidator(parse_window)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Email = Annotated[
    str,
    Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"),
    AfterValidator(str.lower),
]
OptText = Annotated[str | None, Field(default=None, max_length=120)]


def _check_timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. America/New_York)") from None
    return name


def _wall_clock(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError(
            f"{value.isoformat()} has a UTC offset; time off is local wall-clock time (YYYY-MM-DD HH:MM)"
        )
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
WallClock = Annotated[dt.datetime, AfterValidator(_wall_clock)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SettingsIn(_Model):
    """Company-wide switches (``routing settings``)."""

    company_name: Name = "Company"
    timezone: TimeZoneName = "America/New_York"
    slot_scheduling_enabled: bool = True
    auto_assign_on_create: bool = False
    scheduler_horizon_days: Annotated[int, _between(1, 60)] = 7
    max_search_radius_miles: Annotated[float, Field(gt=0, le=500)] = 60.0
    lead_queue_non_priority_assign: bool = False


class LocationIn(_Model):
    code: Code
    name: Name
    timezone: TimeZoneName = "America/New_York"


class SkillRequirement(_Model):
    skill: Code
    min_level: Level = 1


class WorkOrderTypeIn(_Model):
    code: Code
    name: Name
    default_duration_minutes: Annotated[int, Field(gt=0, le=24 * 60)]
    required_skills: list[SkillRequirement] = []


class TechSkill(_Model):
    skill: Code
    level: Level


class TimeOffIn(_Model):
    start: WallClock
    end: WallClock
    reason: Annotated[str, Field(max_length=120)] = "time off"
    approved: bool = True

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.datetime, info: ValidationInfo) -> dt.datetime:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError(f"{end:%Y-%m-%d %H:%M} is not after the start {start:%Y-%m-%d %H:%M}")
        return end


class TechIn(_Model):
    email: Email
    name: Name
    active: bool = True
    locations: Annotated[list[Code], Field(min_length=1)]
    skills: list[TechSkill] = []
    hours: dict[Weekday, Window] = Field(
        default_factory=dict, description="Working window per weekday, e.g. {mon: '08:00-17:00'}"
    )
    time_off: list[TimeOffIn] = []
    home_zip: ZipCode
    service_radius_miles: Annotated[float, Field(ge=0, le=500)] = 30.0
    daily_cap: Annotated[int | None, Field(ge=0, le=50)] = None
    priority: Priority = 1


class TerritoryRule(_Model):
    """Narrows candidates for appointments (optionally only those in ``zips``; 3-digit prefixes allowed).

    ``max_distance``: the tech's home must be within ``miles`` of the customer's zip.
    ``zips``: appointments in ``zips`` go only to ``techs`` (emails).
    ``skill``: appointments in ``zips`` (or all) need ``skill`` at ``min_level``.
    """

    kind: Literal["max_distance", "zips", "skill"]
    zips: list[Annotated[str, Field(pattern=r"^\d{3}(\d{2})?$")]] = []
    miles: Annotated[float | None, Field(gt=0, le=500)] = None
    techs: list[Email] = []
    skill: Code | None = None
    min_level: Level = 1

    @model_validator(mode="after")
    def _complete(self) -> TerritoryRule:
        if self.kind == "max_distance" and self.miles is None:
            raise ValueError("a max_distance rule needs 'miles'")
        if self.kind == "zips" and not (self.zips and self.techs):
            raise ValueError("a zips rule needs both 'zips' and 'techs'")
        if self.kind == "skill" and not self.skill:
            raise ValueError("a skill rule needs 'skill'")
        return self


class Weights(_Model):
    """Objective weights; each objective is normalised to 0-100 before weighting."""

    distance: Annotated[float, Field(ge=0, le=100)] = 40
    preferred: Annotated[float, Field(ge=0, le=100)] = 20
    workload: Annotated[float, Field(ge=0, le=100)] = 20
    priority: Annotated[float, Field(ge=0, le=100)] = 10
    skill: Annotated[float, Field(ge=0, le=100)] = 10


class ProfileIn(_Model):
    name: Name
    locations: list[Code] = Field(default_factory=list, description="Empty = all locations")
    work_order_types: list[Code] = Field(default_factory=list, description="Empty = all types")
    working_hours: dict[Weekday, Window] = Field(default_factory=dict, description="Empty = no limit")
    travel_buffer_minutes: Minutes = 0
    max_daily_jobs: Annotated[int | None, Field(ge=1, le=50)] = None
    territory_rules: list[TerritoryRule] = []
    weights: Weights = Weights()
    strategy: Literal["greedy", "optimal"] = "greedy"
    active: bool = True


class _PartyIn(_Model):
    external_id: Code
    name: Name
    address: Annotated[str | None, Field(max_length=240)] = None
    zip: ZipCode
    location: Code | None = Field(default=None, description="Set explicitly; else the zip mapping fills it")
    sales_rep: OptText = None
    territory: OptText = None
    category: Annotated[str | None, Field(max_length=64)] = None
    notes: Annotated[str | None, Field(max_length=4000)] = None


class CustomerIn(_PartyIn):
    preferred_tech: Email | None = None
    required_tech: Email | None = None
    excluded_techs: list[Email] = []


class LeadIn(_PartyIn):
    source: Annotated[str | None, Field(max_length=64)] = None


class QueueCriteria(_Model):
    zips: list[Annotated[str, Field(pattern=r"^\d{3}(\d{2})?$")]] = []
    territories: list[Name] = []
    location: Code | None = None
    lead_source: Annotated[str | None, Field(max_length=64)] = None


class LeadQueueGroupIn(_Model):
    name: Name
    priority: Priority = 1
    criteria: QueueCriteria = QueueCriteria()


class AppointmentIn(_Model):
    external_id: Code
    customer: Code
    work_order_type: Code
    location: Code | None = Field(default=None, description="Default: the customer's location")
    date: dt.date
    slot: Window
    duration_minutes: Annotated[int | None, Field(gt=0, le=24 * 60)] = None
    zip: ZipCode | None = Field(default=None, description="Default: the customer's zip")
    priority: Annotated[int, _between(1, 5)] = 3
    tech: Email | None = Field(default=None, description="Already booked with this technician")

    @field_validator("duration_minutes")
    @classmethod
    def _fits_slot(cls, duration: int | None, info: ValidationInfo) -> int | None:
        slot = info.data.get("slot")
        if duration is None or slot is None:
            return duration
        start, end = slot
        window = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if duration > window:
            raise ValueError(f"{duration} min does not fit the {window}-min slot {start:%H:%M}-{end:%H:%M}")
        return duration


class ZipRelationIn(_Model):
    zip: ZipCode
    location: Code
    territory: OptText = None
    sales_rep: OptText = None
    work_order_territory: OptText = None
    notes: Annotated[str | None, Field(max_length=1000)] = None


class CompanyFile(_Model):
    """A whole company. Every section is optional, so a file can also update part of a company."""

    settings: SettingsIn | None = None
    locations: list[LocationIn] = []
    work_order_types: list[WorkOrderTypeIn] = []
    techs: list[TechIn] = []
    profiles: list[ProfileIn] = []
    customers: list[CustomerIn] = []
    leads: list[LeadIn] = []
    lead_queue_groups: list[LeadQueueGroupIn] = []
    appointments: list[AppointmentIn] = []
    zip_relations: list[ZipRelationIn] = []


def json_schema() -> dict[str, Any]:
    """The company file's JSON Schema."""
    return CompanyFile.model_json_schema()
