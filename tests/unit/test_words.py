"""Counted nouns in messages: '1 error', never '1 errors'."""

from __future__ import annotations

import pytest

from routing.words import plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [(0, "error", "0 errors"), (1, "error", "1 error"), (2, "row", "2 rows"), (42789, "row", "42,789 rows")],
)
def test_plural_counts_the_noun(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected
