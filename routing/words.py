"""Small helpers for sentences shown to people."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 error``, ``3 errors``, ``1,204 rows`` (nouns that take an ``s``)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
