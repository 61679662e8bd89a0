"""The mapping's columns: canonical names, lenient header aliases, display names and length limits."""

from __future__ import annotations

import re
from functools import lru_cache

FIELDS = ("zip", "location", "territory", "sales_rep", "work_order_territory", "notes")
REQUIRED_FIELDS = ("zip", "location")
OPTIONAL_FIELDS = ("territory", "sales_rep", "work_order_territory", "notes")

DISPLAY_NAMES = {
    "zip": "Zip",
    "location": "Location",
    "territory": "Territory",
    "sales_rep": "Sales Rep",
    "work_order_territory": "Work Order Territory",
    "notes": "Notes",
}

# Header cells are compared after header_key(): lower case, letters and digits only.
HEADER_ALIASES = {
    "zip": (
        "zip",
        "zips",
        "zipcode",
        "zipcodes",
        "zip5",
        "postalcode",
        "postcode",
        "zippostalcode",
        "postal",
    ),
    "location": ("location", "locationcode", "locationname", "office", "officecode", "officename", "branch"),
    "territory": ("territory", "salesterritory"),
    "sales_rep": ("salesrep", "salesrepresentative", "salesperson", "rep", "salesrepname"),
    "work_order_territory": (
        "workorderterritory",
        "woterritory",
        "serviceterritory",
        "workorderterr",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
}

# How the required columns may be named, as the error message shows it.
HEADER_EXAMPLES = {
    "zip": "Zip, ZIP Code, zip_code, Postal Code",
    "location": "Location, Location Code, Office, Branch",
}

# Columns the unmapped-zips template adds for the admin's information; ignored without a warning.
INFO_HEADERS = ("customers", "leads", "city", "state")

_ALIAS_TO_FIELD = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """The comparable form of a header cell: ``'ZIP Code '`` -> ``'zipcode'``."""
    return _NOT_ALNUM.sub("", text.casefold())


def field_for_header(text: str) -> str | None:
    """The canonical field a header cell names, or None."""
    return _ALIAS_TO_FIELD.get(header_key(text))


def is_info_header(text: str) -> bool:
    """True for the informational columns of the fill-in template (Customers, Leads, City, State)."""
    return header_key(text) in INFO_HEADERS


def closest_header(text: str) -> str | None:
    """The display name of the field a misspelt header probably meant (None when nothing is close)."""
    from rapidfuzz import fuzz, process

    choices = {alias: field for alias, field in _ALIAS_TO_FIELD.items() if len(alias) > 3}
    match = process.extractOne(header_key(text), list(choices), scorer=fuzz.ratio, score_cutoff=80)
    return DISPLAY_NAMES[choices[match[0]]] if match else None


@lru_cache(maxsize=1)
def max_lengths() -> dict[str, int]:
    """Longest text each mapping column holds (from the table definition), in characters."""
    from routing.db.zips import ZipRelation

    table = ZipRelation.__table__
    return {field: int(table.c[field].type.length) for field in OPTIONAL_FIELDS}  # type: ignore[attr-defined]
