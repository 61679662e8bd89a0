"""Scheduling profiles as frozen values, and the best-matching profile for each appointment.

Matching: a profile applies when its location list (empty = all) contains the appointment's
location and its work-order-type list (empty = all) contains the type. Most specific wins:
location and type listed > location only > type only > neither; then the shorter lists; then the
name (alphabetical). No active profile applies -> the built-in ``(default)`` profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from routing.company.schema import WEEKDAYS

DEFAULT_PROFILE_NAME = "(default)"
NO_CAP = 1_000_000


@dataclass(frozen=True)
class TerritoryRule:
    """One territory rule (see routing.company.schema.TerritoryRule); tech emails lower-case."""

    kind: str
    zips: tuple[str, ...] = ()
    miles: float | None = None
    techs: tuple[str, ...] = ()
    skill: str | None = None
    min_level: int = 1

    def to_json(self) -> dict[str, Any]:
        """The company-file form."""
        return {
            "kind": self.kind,
            "zips": list(self.zips),
            "miles": self.miles,
            "techs": list(self.techs),
            "skill": self.skill,
            "min_level": self.min_level,
        }


@dataclass(frozen=True)
class Weights:
    """Objective weights (each objective is 0-100 before weighting)."""

    distance: float = 40
    preferred: float = 20
    workload: float = 20
    priority: float = 10
    skill: float = 10

    @property
    def total(self) -> float:
        """Sum of the weights (0 means every eligible tech scores 0)."""
        return self.distance + self.preferred + self.workload + self.priority + self.skill


@dataclass(frozen=True)
class Profile:
    """A scheduling profile as a run saw it (the snapshot stored with the run)."""

    name: str
    location_codes: tuple[str, ...] = ()
    work_order_type_codes: tuple[str, ...] = ()
    working_hours: tuple[tuple[int, int, int], ...] = ()  # (weekday 0=Mon, start min, end min)
    travel_buffer_minutes: int = 0
    max_daily_jobs: int | None = None
    territory_rules: tuple[TerritoryRule, ...] = ()
    weights: Weights = field(default_factory=Weights)
    strategy: str = "greedy"
    profile_id: int | None = None
    version: int = 1

    @property
    def cap(self) -> int:
        """``max_daily_jobs`` or a number no day reaches."""
        return self.max_daily_jobs if self.max_daily_jobs is not None else NO_CAP

    def hours_on(self, weekday: int) -> tuple[int, int] | None:
        """The profile's window on ``weekday``; None = closed that day (only when hours are set)."""
        return next(((s, e) for w, s, e in self.working_hours if w == weekday), None)

    def to_json(self) -> dict[str, Any]:
        """JSON form (the run's profile snapshot); hours as ``{"mon": ["08:00", "17:00"]}``."""
        return {
            "name": self.name,
            "profile_id": self.profile_id,
            "version": self.version,
            "locations": list(self.location_codes),
            "work_order_types": list(self.work_order_type_codes),
            "working_hours": {WEEKDAYS[w]: [hhmm(s), hhmm(e)] for w, s, e in self.working_hours},
            "travel_buffer_minutes": self.travel_buffer_minutes,
            "max_daily_jobs": self.max_daily_jobs,
            "territory_rules": [rule.to_json() for rule in self.territory_rules],
            "weights": {
                "distance": self.weights.distance,
                "preferred": self.weights.preferred,
                "workload": self.weights.workload,
                "priority": self.weights.priority,
                "skill": self.weights.skill,
            },
            "strategy": self.strategy,
        }


DEFAULT_PROFILE = Profile(name=DEFAULT_PROFILE_NAME)


def hhmm(minutes: int) -> str:
    """Minutes after midnight as ``HH:MM``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes_of(value: Any) -> int:
    """``"08:30"`` / ``dt.time`` / minutes -> minutes after midnight."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if hasattr(value, "hour"):
        return int(value.hour) * 60 + int(value.minute)
    hours, _, mins = str(value).strip().partition(":")
    return int(hours) * 60 + int(mins)


def _weekday(key: Any) -> int:
    text = str(key).strip().lower()
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    raise ValueError(f"working_hours key {key!r} is not a weekday (mon..sun)")


def _window(value: Any) -> tuple[int, int]:
    if isinstance(value, str):
        start, _, end = value.partition("-")
        return minutes_of(start), minutes_of(end)
    start, end = value
    return minutes_of(start), minutes_of(end)


def profile_from_json(data: dict[str, Any]) -> Profile:
    """A Profile from its stored JSON (DB row values or a run snapshot); accepts both key styles."""
    hours = data.get("working_hours") or {}
    working_hours = tuple(sorted((_weekday(day), *_window(window)) for day, window in hours.items()))
    weights = data.get("weights") or {}
    rules = tuple(
        TerritoryRule(
            kind=str(rule["kind"]),
            zips=tuple(str(z) for z in rule.get("zips") or ()),
            miles=None if rule.get("miles") is None else float(rule["miles"]),
            techs=tuple(str(t).lower() for t in rule.get("techs") or ()),
            skill=rule.get("skill"),
            min_level=int(rule.get("min_level") or 1),
        )
        for rule in data.get("territory_rules") or ()
    )
    return Profile(
        name=str(data["name"]),
        location_codes=tuple(data.get("locations", data.get("location_codes")) or ()),
        work_order_type_codes=tuple(data.get("work_order_types", data.get("work_order_type_codes")) or ()),
        working_hours=working_hours,
        travel_buffer_minutes=int(data.get("travel_buffer_minutes") or 0),
        max_daily_jobs=None if data.get("max_daily_jobs") is None else int(data["max_daily_jobs"]),
        territory_rules=rules,
        weights=Weights(**{k: float(v) for k, v in weights.items()}),
        strategy=str(data.get("strategy") or "greedy"),
        profile_id=data.get("profile_id"),
        version=int(data.get("version") or 1),
    )


def _specificity(profile: Profile) -> tuple[int, int, int, str]:
    """Sort key: smaller is more specific."""
    has_loc, has_type = bool(profile.location_codes), bool(profile.work_order_type_codes)
    level = {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}[(has_loc, has_type)]
    return (
        level,
        len(profile.location_codes) or NO_CAP,
        len(profile.work_order_type_codes) or NO_CAP,
        profile.name,
    )


def ordered_profiles(profiles: tuple[Profile, ...]) -> tuple[Profile, ...]:
    """The profiles most specific first, with the default profile last (index = profile_idx)."""
    chosen = sorted(profiles, key=_specificity)
    return (*chosen, DEFAULT_PROFILE)


def match_profiles(combos: pl.DataFrame, profiles: tuple[Profile, ...]) -> pl.DataFrame:
    """For each (location_code, type_code) row: ``profile_idx`` into ``profiles`` (most specific first).

    ``profiles`` must come from ``ordered_profiles`` (the default profile last, matching anything).
    """
    index = pl.Series("profile_idx", [len(profiles) - 1] * combos.height, dtype=pl.Int32)
    result = combos.with_columns(index)
    for idx in range(len(profiles) - 2, -1, -1):  # most specific applied last wins
        profile = profiles[idx]
        applies = pl.lit(True)
        if profile.location_codes:
            applies = applies & pl.col("location_code").is_in(list(profile.location_codes))
        if profile.work_order_type_codes:
            applies = applies & pl.col("type_code").is_in(list(profile.work_order_type_codes))
        result = result.with_columns(
            profile_idx=pl.when(applies).then(pl.lit(idx, pl.Int32)).otherwise(pl.col("profile_idx"))
        )
    return result
