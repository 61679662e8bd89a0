"""Plausible synthetic people, businesses and street addresses for demo customers and leads."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing.company.demo_data import (
    BUSINESS_PATTERNS,
    CUSTOMER_NOTES,
    FIRST_NAMES,
    LAST_NAMES,
    STREET_NAMES,
    STREET_SUFFIXES,
)

COMMERCIAL_SHARE = 0.25
NOTES_SHARE = 0.1


def pick(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    """One item, uniformly."""
    return items[int(rng.integers(len(items)))]


def street_address(rng: np.random.Generator, city: str, state: str) -> str:
    """A house number, street and suffix in ``city``, e.g. '42 Maple St, Worcester, MA'."""
    number = int(rng.integers(1, 40)) * int(rng.choice([1, 1, 3, 7, 25]))
    return f"{number} {pick(rng, STREET_NAMES)} {pick(rng, STREET_SUFFIXES)}, {city}, {state}"


def party_fields(rng: np.random.Generator, city: str, state: str) -> dict[str, Any]:
    """Name, address, category and sometimes notes for a customer or lead in ``city``."""
    commercial = rng.random() < COMMERCIAL_SHARE
    if commercial:
        name = pick(rng, BUSINESS_PATTERNS).format(
            last=pick(rng, LAST_NAMES), city=city, street=pick(rng, STREET_NAMES)
        )
    else:
        name = f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
    return {
        "name": name,
        "address": street_address(rng, city, state),
        "category": "commercial" if commercial else "residential",
        "notes": pick(rng, CUSTOMER_NOTES) if rng.random() < NOTES_SHARE else None,
    }
