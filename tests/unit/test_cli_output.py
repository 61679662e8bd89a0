"""`--json` output: one document, dates and enums as text, nothing lost on the fast path."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
from pathlib import Path

import pytest

from routing.cli.output import print_json, to_jsonable


class Outcome(enum.Enum):
    ASSIGNED = "assigned"


class Level(enum.StrEnum):
    HIGH = "high"


@dataclasses.dataclass(frozen=True)
class Point:
    zip: str
    at: dt.date


DOCUMENT = {
    "when": dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC),
    "day": dt.date(2026, 12, 3),
    "slot": dt.time(8, 0),
    "outcome": Outcome.ASSIGNED,
    "level": Level.HIGH,
    "miles": decimal.Decimal("2.5"),
    "path": Path("/tmp/report.html"),
    "tags": frozenset({"vip"}),
    "point": Point("02134", dt.date(2026, 1, 2)),
    "rows": [{"zip": "02134", "note": "Café <b>"}, ("06103", None)],
    7: "an integer key",
}
EXPECTED = {
    "when": "2026-12-03T09:30:00+00:00",
    "day": "2026-12-03",
    "slot": "08:00:00",
    "outcome": "assigned",
    "level": "high",
    "miles": 2.5,
    "path": "/tmp/report.html",
    "tags": ["vip"],
    "point": {"zip": "02134", "at": "2026-01-02"},
    "rows": [{"zip": "02134", "note": "Café <b>"}, ["06103", None]],
    "7": "an integer key",
}


def test_print_json_writes_the_document_with_every_value_in_its_json_form(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json(DOCUMENT)
    out = capsys.readouterr().out
    assert json.loads(out) == EXPECTED
    assert "Café" in out and out.endswith("}\n")


def test_keys_json_cannot_write_are_turned_into_text_like_to_jsonable_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = {dt.date(2026, 12, 3): {"runs": 2}, "nested": DOCUMENT}
    print_json(document)
    assert json.loads(capsys.readouterr().out) == {"2026-12-03": {"runs": 2}, "nested": EXPECTED}
    assert to_jsonable(document) == {"2026-12-03": {"runs": 2}, "nested": EXPECTED}
