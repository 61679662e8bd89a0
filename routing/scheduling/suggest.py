"""For an unassigned appointment: the one setting change that would make the most techs eligible.

Only techs rejected by a single rule that a setting controls count (a daily cap, a radius, a
territory rule's distance or level, the profile's or tech's hours, the active flag). Pure: it reads
the stored facts of the run's candidate rows, never the current data.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from routing.scheduling.profiles import hhmm

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RELAXABLE = ("inactive", "tech_hours", "profile_hours", "daily_cap", "radius", "territory")


@dataclass(frozen=True)
class Suggestion:
    """Change ``setting`` of ``target`` from ``current`` to ``proposed``: ``techs`` become eligible."""

    scope: str  # company | profile | tech
    target: str
    setting: str
    current: Any
    proposed: Any
    techs: int
    message: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "scope": self.scope,
            "target": self.target,
            "setting": self.setting,
            "from": self.current,
            "to": self.proposed,
            "techs_made_eligible": self.techs,
            "message": self.message,
        }


def _change(
    rule: str, facts: dict[str, Any], tech_id: int, tech_name: str
) -> tuple[tuple[Any, ...], Any, Any] | None:
    """(group key, current value, value this tech needs), or None when no setting fixes it."""
    if rule == "inactive":
        return ("tech", tech_name, "active", tech_id), False, True
    if rule == "daily_cap":
        needed = int(facts["jobs"]) + 1
        if facts.get("by") == "profile":
            return ("profile", facts["profile"], "max_daily_jobs"), facts["cap"], needed
        return ("tech", tech_name, "daily_cap", tech_id), facts["cap"], needed
    if rule == "radius":
        if facts.get("miles") is None:
            return None
        needed = math.ceil(float(facts["miles"]))
        if facts.get("by") == "company":
            return ("company", "company", "max_search_radius_miles"), facts["radius"], needed
        return ("tech", tech_name, "service_radius_miles", tech_id), facts["radius"], needed
    if rule == "territory":
        failed = facts.get("failed") or []
        if len(failed) != 1:
            return None
        one = failed[0]
        where = f"territory rule {one['rule']}"
        if one["kind"] == "max_distance" and one.get("miles") is not None:
            return ("profile", one["profile"], f"{where} miles"), one["limit"], math.ceil(float(one["miles"]))
        if one["kind"] == "skill" and one.get("has") is not None:
            return ("profile", one["profile"], f"{where} min_level"), one["need"], -int(one["has"])
        if one["kind"] == "zips":
            return ("profile", one["profile"], f"{where} techs"), None, tech_name
        return None
    if rule in ("tech_hours", "profile_hours"):
        slot = facts["slot"]
        hours = facts.get("hours")
        start, end = (min(hours[0], slot[0]), max(hours[1], slot[1])) if hours else (slot[0], slot[1])
        day = WEEKDAYS[int(facts["day"])]
        current = f"{hhmm(hours[0])}-{hhmm(hours[1])}" if hours else "off"
        if rule == "profile_hours":
            return ("profile", facts["profile"], f"working hours on {day}"), current, (start, end)
        return ("tech", tech_name, f"hours on {day}", tech_id), current, (start, end)
    return None


def best_change(rows: list[tuple[int, str, str | None, str | None]]) -> Suggestion | None:
    """From (tech_id, tech name, failed_rules, facts JSON) rows of one appointment, the best change."""
    groups: dict[tuple[Any, ...], list[tuple[Any, Any]]] = defaultdict(list)
    for tech_id, name, codes, facts_text in rows:
        parts = (codes or "").split()
        if len(parts) != 1 or parts[0] not in RELAXABLE:
            continue
        facts = json.loads(facts_text or "{}").get(parts[0]) or {}
        change = _change(parts[0], facts, tech_id, name)
        if change is not None:
            key, current, needed = change
            groups[key].append((current, needed))
    if not groups:
        return None
    breadth = {"company": 0, "profile": 1, "tech": 2}
    key = min(groups, key=lambda k: (-len(groups[k]), breadth[k[0]], str(k)))
    values = groups[key]
    return _describe(key, values[0][0], [needed for _, needed in values])


def _describe(key: tuple[Any, ...], current: Any, needed: list[Any]) -> Suggestion:
    scope, target, setting = key[0], key[1], key[2]
    count = len(needed)
    techs = f"{count} tech{'s' if count != 1 else ''}"
    if isinstance(needed[0], tuple):  # hours: the window that covers every slot
        proposed: Any = f"{hhmm(min(n[0] for n in needed))}-{hhmm(max(n[1] for n in needed))}"
    elif setting.endswith(" techs"):
        proposed = sorted(needed)
    elif isinstance(needed[0], bool):
        proposed = needed[0]
    elif setting.endswith("min_level"):
        proposed = -max(needed)  # lower the level to the weakest tech's
    else:
        proposed = max(needed)
    if isinstance(current, float) and current.is_integer():
        current = int(current)
    owner = f"in profile {target}" if scope == "profile" else f"of {target}"
    unit = " mi" if "miles" in setting else ""
    if scope == "company":
        change = f"routing settings set {setting} {proposed}"
        message = f"{setting} {current} → {proposed} makes {techs} eligible ({change})"
    elif setting == "active":
        message = f"activating {target} makes {techs} eligible"
    elif setting.endswith(" techs"):
        message = f"adding {', '.join(proposed)} to {setting[:-6]} {owner} makes {techs} eligible"
    else:
        words = {
            "max_daily_jobs": "max daily jobs",
            "daily_cap": "daily cap",
            "service_radius_miles": "service radius",
        }.get(setting)
        if words is None and setting.startswith("territory rule"):
            rule, _, what = setting.rpartition(" ")
            words = {"miles": "max distance", "min_level": "min level"}[what] + f" of {rule}"
        words = words or setting.replace("_", " ")
        message = f"{words} {owner} {current} → {proposed}{unit} makes {techs} eligible"
    return Suggestion(scope, str(target), setting, current, proposed, count, message)
