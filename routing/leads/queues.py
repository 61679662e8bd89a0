"""Lead queue groups: which groups a lead matches, and which of them get it.

A group's criteria (``routing.company.schema.QueueCriteria``): ``zips`` (5-digit zips or 3-digit
prefixes), ``territories``, ``location`` (a location code) and ``lead_source``. A lead matches a
group when it meets every criterion the group sets (a list matches when any entry does; text is
compared case-insensitively); a group without criteria matches every lead. The matching group with
the highest priority (1 first; ties: name, then id) routes the lead — its *primary* group. When the
company setting ``lead_queue_non_priority_assign`` is on, every other matching group holds the lead
too. Pure: frames in, frame out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

LEAD_SCHEMA = {
    "lead_id": pl.Int64,
    "zip": pl.String,
    "territory": pl.String,
    "location": pl.String,
    "source": pl.String,
}
ASSIGNMENT_SCHEMA = {"lead_id": pl.Int64, "group_id": pl.Int64, "is_primary": pl.Boolean}


@dataclass(frozen=True)
class QueueGroup:
    """A lead queue group and its criteria (empty tuple / None = that criterion is not set)."""

    id: int
    name: str
    priority: int
    zips: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    location: str | None = None
    lead_source: str | None = None

    @classmethod
    def from_criteria(cls, id: int, name: str, priority: int, criteria: Mapping[str, Any]) -> QueueGroup:
        """A group from its stored JSON criteria (keys as in the company file)."""
        return cls(
            id=id,
            name=name,
            priority=priority,
            zips=tuple(criteria.get("zips") or ()),
            territories=tuple(criteria.get("territories") or ()),
            location=criteria.get("location") or None,
            lead_source=criteria.get("lead_source") or None,
        )

    def criteria(self) -> dict[str, Any]:
        """The criteria as stored (only the ones set)."""
        values = {
            "zips": list(self.zips),
            "territories": list(self.territories),
            "location": self.location,
            "lead_source": self.lead_source,
        }
        return {key: value for key, value in values.items() if value}


def matches(group: QueueGroup) -> pl.Expr:
    """Boolean expression over a leads frame (LEAD_SCHEMA): does a lead meet every criterion of ``group``?"""
    conditions = [pl.lit(True)]
    if group.zips:
        prefixes = [z for z in group.zips if len(z) == 3]
        full = [z for z in group.zips if len(z) != 3]
        conditions.append(pl.col("zip").str.slice(0, 3).is_in(prefixes) | pl.col("zip").is_in(full))
    if group.territories:
        wanted = [t.strip().lower() for t in group.territories]
        conditions.append(_folded("territory").is_in(wanted))
    if group.location:
        conditions.append(_folded("location") == group.location.strip().lower())
    if group.lead_source:
        conditions.append(_folded("source") == group.lead_source.strip().lower())
    return pl.all_horizontal(c.fill_null(False) for c in conditions)


def assign_queues(
    leads: pl.DataFrame, groups: Sequence[QueueGroup], non_priority_assign: bool
) -> pl.DataFrame:
    """(lead_id, group_id, is_primary): each lead's primary group, plus the other matches when enabled."""
    ordered = sorted(groups, key=lambda g: (g.priority, g.name, g.id))
    matched = [
        leads.filter(matches(group)).select(
            "lead_id", pl.lit(group.id, dtype=pl.Int64).alias("group_id"), pl.lit(rank).alias("_rank")
        )
        for rank, group in enumerate(ordered)
    ]
    if not matched:
        return pl.DataFrame(schema=ASSIGNMENT_SCHEMA)
    assigned = (
        pl.concat(matched)
        .with_columns((pl.col("_rank") == pl.col("_rank").min().over("lead_id")).alias("is_primary"))
        .sort("lead_id", "_rank")
    )
    if not non_priority_assign:
        assigned = assigned.filter(pl.col("is_primary"))
    return assigned.select(ASSIGNMENT_SCHEMA.keys()).cast(ASSIGNMENT_SCHEMA)  # type: ignore[arg-type]


def _folded(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_lowercase()
