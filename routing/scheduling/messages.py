"""Sentences a dispatcher understands, rendered at read time from a rule code and its stored facts.

Runs store only the code and the compared values (``run_candidates.facts``); rendering here keeps
large runs small and lets wording improve without rewriting history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from routing.scheduling.profiles import hhmm

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")

RULE_TITLES = {
    "inactive": "inactive",
    "location": "does not work the location",
    "skill": "missing skill or level",
    "tech_hours": "outside the tech's working hours",
    "profile_hours": "outside the profile's working hours",
    "time_off": "time off",
    "conflict": "conflicting appointment",
    "daily_cap": "daily cap reached",
    "radius": "outside the service radius",
    "territory": "territory rule",
    "excluded": "excluded by the customer",
    "required": "customer requires another tech",
}


def day_label(value: str | dt.date) -> str:
    """``2026-05-12`` -> ``Tue 12 May``."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%b}"


def _window(pair: list[int] | None) -> str:
    return f"{hhmm(pair[0])}–{hhmm(pair[1])}" if pair else "—"


def _inactive(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    return f"{tech} is inactive"


def _location(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    works = ", ".join(facts.get("works") or []) or "no location"
    return f"{tech} does not work location {facts.get('location')} (works {works})"


def _skill(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    parts = [
        f"{m['skill']} level {m['need']} (has {'none' if m.get('has') is None else m['has']})"
        for m in facts.get("missing") or []
    ]
    return f"{tech} lacks " + "; ".join(parts)


def _tech_hours(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    day = WEEKDAY_PLURALS[int(facts["day"])]
    if not facts.get("hours"):
        return f"{tech} does not work on {day}"
    return f"{tech} works {_window(facts['hours'])} on {day}; the slot is {_window(facts['slot'])}"


def _profile_hours(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    day = WEEKDAY_PLURALS[int(facts["day"])]
    if not facts.get("hours"):
        return f"profile {facts['profile']} does not schedule on {day}"
    hours, slot = _window(facts["hours"]), _window(facts["slot"])
    return f"profile {facts['profile']} schedules {hours} on {day}; the slot is {slot}"


def _time_off(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    start, end = dt.datetime.fromisoformat(facts["from"]), dt.datetime.fromisoformat(facts["to"])
    if start.date() == end.date():
        span = f"{start:%H:%M}–{end:%H:%M} on {day_label(start.date())}"
    else:
        span = f"from {day_label(start.date())} {start:%H:%M} to {day_label(end.date())} {end:%H:%M}"
    return f"{tech} is off {span} ({facts.get('reason') or 'time off'})"


def _conflict(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    when = " (given earlier in this run)" if facts.get("in_run") else ""
    buffer = f" incl. {facts['buffer']}-min travel buffers" if facts.get("buffer") else ""
    load = f"would need {facts['need']} min{buffer} but holds {facts['have']}"
    if facts.get("slot", "own") == "own":
        return (
            f"{tech} already has appointment {facts['with']} in an overlapping slot{when}: this slot {load}"
        )
    return f"this job would overflow the slot of {tech}'s appointment {facts['over']}{when}, which {load}"


def _daily_cap(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    source = f"in profile {facts['profile']}" if facts.get("by") == "profile" else f"set for {tech}"
    in_run = f" ({facts['in_run']} given in this run)" if facts.get("in_run") else ""
    day = day_label(facts["day"])
    return f"{tech} already has {facts['jobs']} jobs on {day}{in_run}, cap {facts['cap']} {source}"


def _radius(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    if facts.get("miles") is None:
        return f"the distance is unknown: zip {facts.get('zip') or '?'} has no known location"
    limit = (
        f"their {facts['radius']:g}-mi service radius"
        if facts.get("by") == "tech"
        else f"the company's {facts['radius']:g}-mi search radius"
    )
    return f"{tech} lives {facts['miles']:g} mi from the customer, beyond {limit}"


def _territory_one(tech: str, rule: dict[str, Any]) -> str:
    where = f"rule {rule['rule']} of profile {rule['profile']}"
    if rule["kind"] == "max_distance":
        miles = "an unknown distance" if rule.get("miles") is None else f"{rule['miles']:g} mi"
        return f"{where} needs techs within {rule['limit']:g} mi ({tech} is {miles} away)"
    if rule["kind"] == "zips":
        return f"{where} reserves zip {rule['zip']} for other techs"
    has = "none" if rule.get("has") is None else rule["has"]
    return f"{where} needs {rule['skill']} level {rule['need']} here ({tech} has {has})"


def _territory(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    return "; ".join(_territory_one(tech, rule) for rule in facts.get("failed") or [])


def _excluded(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    return f"the customer excludes {tech}"


def _required(tech: str, facts: dict[str, Any], names: Callable[[int], str]) -> str:
    return f"the customer requires {names(int(facts['required']))}"


_RENDER: dict[str, Callable[[str, dict[str, Any], Callable[[int], str]], str]] = {
    "inactive": _inactive,
    "location": _location,
    "skill": _skill,
    "tech_hours": _tech_hours,
    "profile_hours": _profile_hours,
    "time_off": _time_off,
    "conflict": _conflict,
    "daily_cap": _daily_cap,
    "radius": _radius,
    "territory": _territory,
    "excluded": _excluded,
    "required": _required,
}


def sentence(code: str, facts: dict[str, Any], tech: str, names: Callable[[int], str] | None = None) -> str:
    """The sentence for one failed rule; ``names`` maps a tech id to a display name."""
    render = _RENDER.get(code)
    if render is None:
        return f"{code}: {facts}"
    try:
        return render(tech, facts, names or (lambda tech_id: f"tech {tech_id}"))
    except (KeyError, TypeError, ValueError):
        return f"{RULE_TITLES.get(code, code)} ({facts})"
