"""The sentences of row issues: what is wrong with a cell, for an unknown location the closest
known ones (rapidfuzz), for an ambiguous one the locations it could mean. Pure: values in, text out."""

from __future__ import annotations

from typing import Any

import polars as pl

from routing.zips.columns import DISPLAY_NAMES, HEADER_EXAMPLES, max_lengths
from routing.zips.enrich import Reference, location_candidates

ROW_ID = "row_no"  # the spreadsheet row number column
MAX_SHOWN = 200  # characters of a cell value shown in an issue


class Describer:
    """Sentences for row issues; location suggestions are computed once per distinct value."""

    def __init__(self, reference: Reference, conflicts: dict[str, list[int]]) -> None:
        self.reference = reference
        self.conflicts = conflicts
        self._suggestions: dict[str, str] = {}

    def __call__(self, code: str, column: str, row: dict[str, Any]) -> str:
        name = DISPLAY_NAMES[column]
        value = row.get(column)
        if code == "missing_value":
            return f"{name} is empty; every row needs a {name.lower()}."
        if code == "invalid_zip":
            return f"{row.get('zip_raw')!r} is not a 5-digit ZIP code."
        if code == "zip_unknown":
            raw = row.get("zip_raw")
            read_as = f" (read as {value})" if raw != value else ""
            return f"{raw!r}{read_as} is not a US ZIP code in the offline ZIP dataset."
        if code in ("zip_retired", "zip_military"):
            place = f" ({row['city']}, {row['state']})" if row.get("city") else ""
            kind = "a retired ZIP" if code == "zip_retired" else "a military (APO/FPO/DPO) ZIP"
            consequence = (
                "mapped anyway for records that still carry it"
                if code == "zip_retired"
                else "mapped anyway, but field service does not go there"
            )
            return f"{value} is {kind}{place}; {consequence}."
        if code == "duplicate_conflict":
            others = [str(r) for r in sorted(self.conflicts.get(str(value), [])) if r != row[ROW_ID]]
            where = f"row{'s' if len(others) > 1 else ''} {', '.join(others)}" if others else "other rows"
            return f"Zip {value} is also on {where} with different values; keep one row per zip."
        if code == "duplicate_identical":
            return f"Zip {value} repeats row {row.get('repeat_of_row')} with identical values; applied once."
        if code == "unknown_location":
            return f"No location has the code or name {value!r}; {self._closest(str(value))}."
        if code == "ambiguous_location":
            return ambiguous_location(str(value), self.reference.locations)
        if code == "too_long":
            return f"{name} is {len(str(value))} characters long; at most {max_lengths()[column]} fit."
        if code == "formula_as_text":
            return (
                f"{name} starts with {str(value)[0]!r}, which a spreadsheet would run as a formula; it is "
                "stored as plain text and exported with a leading apostrophe."
            )
        return f"{name}: {code}"

    def _closest(self, value: str) -> str:
        if value not in self._suggestions:
            self._suggestions[value] = closest_locations(value, self.reference.locations)
        return self._suggestions[value]


def closest_locations(value: str, locations: pl.DataFrame, limit: int = 3) -> str:
    """'closest: Boston (BOS), Bolton (BOL)' for an unknown location, or the known ones when none is close."""
    from rapidfuzz import fuzz, process, utils

    labels = [f"{name} ({code})" for code, name in locations.select("code", "name").iter_rows()]
    if not labels:
        return "no locations exist yet (create them with `routing load`)"
    choices = {}
    for label, code, name in zip(labels, locations["code"], locations["name"], strict=True):
        choices[f"{label}|code"] = code
        choices[f"{label}|name"] = name
    matches = process.extract(
        value, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 2, score_cutoff=60
    )
    closest = list(dict.fromkeys(key.rsplit("|", 1)[0] for _, _, key in matches))[:limit]
    if closest:
        return "closest: " + ", ".join(closest)
    shown = ", ".join(labels[:8]) + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")
    return f"known locations: {shown}"


def ambiguous_location(value: str, locations: pl.DataFrame) -> str:
    """'Portland' names 2 locations: Portland, ME (PWM), Portland, OR (PDX); use the code."""
    found = location_candidates(locations, value).sort("code")
    labels = [f"{name} ({code})" for code, name in found.select("code", "name").iter_rows()]
    return f"{value!r} names {len(labels)} locations: {', '.join(labels)}; use the code."


def missing_column(field: str) -> str:
    return (
        f"The header has no {DISPLAY_NAMES[field]} column, which is required "
        f"(accepted names: {HEADER_EXAMPLES[field]})."
    )


def shown_value(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
