"""Reference and uniqueness checks on a parsed company file, all collected at once (pure).

A reference resolves against the file *and* the database (a file may update part of a company):
``known`` holds the natural keys already stored. Checks that need routed values (an
appointment's default location, a booked tech's locations) live in ``routing.company.plan``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from routing.company.schema import CompanyFile
from routing.company.validation import CONFLICT, DUPLICATE_KEY, NOT_A_ZIP, UNKNOWN_REFERENCE
from routing.errors import FieldError

T = TypeVar("T")


@dataclass(frozen=True)
class KnownKeys:
    """Natural keys already in the database, and the set of real US ZIP codes."""

    locations: frozenset[str] = frozenset()
    work_order_types: frozenset[str] = frozenset()
    techs: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()
    us_zips: frozenset[str] | None = None  # None: do not check that zips are real


def check_references(company: CompanyFile, known: KnownKeys) -> list[FieldError]:
    """Every duplicate natural key, unknown reference and unknown zip in ``company``."""
    errors: list[FieldError] = []
    errors += _duplicate_keys(company)
    locations = known.locations | {loc.code for loc in company.locations}
    work_order_types = known.work_order_types | {wot.code for wot in company.work_order_types}
    techs = known.techs | {tech.email for tech in company.techs}
    customers = known.customers | {customer.external_id for customer in company.customers}

    def ref(path: str, value: str | None, pool: frozenset[str] | set[str], kind: str) -> None:
        if value is not None and value not in pool:
            errors.append(unknown_reference(path, value, pool, kind))

    for i, tech in enumerate(company.techs):
        for j, code in enumerate(tech.locations):
            ref(f"techs[{i}].locations[{j}]", code, locations, "location")
    for i, profile in enumerate(company.profiles):
        for j, code in enumerate(profile.locations):
            ref(f"profiles[{i}].locations[{j}]", code, locations, "location")
        for j, code in enumerate(profile.work_order_types):
            ref(f"profiles[{i}].work_order_types[{j}]", code, work_order_types, "work-order type")
        for j, rule in enumerate(profile.territory_rules):
            for k, email in enumerate(rule.techs):
                ref(f"profiles[{i}].territory_rules[{j}].techs[{k}]", email, techs, "tech")
    for i, customer in enumerate(company.customers):
        ref(f"customers[{i}].location", customer.location, locations, "location")
        ref(f"customers[{i}].preferred_tech", customer.preferred_tech, techs, "tech")
        ref(f"customers[{i}].required_tech", customer.required_tech, techs, "tech")
        for j, email in enumerate(customer.excluded_techs):
            ref(f"customers[{i}].excluded_techs[{j}]", email, techs, "tech")
        errors += _excluded_conflicts(
            i, customer.preferred_tech, customer.required_tech, customer.excluded_techs
        )
    for i, lead in enumerate(company.leads):
        ref(f"leads[{i}].location", lead.location, locations, "location")
    for i, group in enumerate(company.lead_queue_groups):
        ref(f"lead_queue_groups[{i}].criteria.location", group.criteria.location, locations, "location")
    for i, appointment in enumerate(company.appointments):
        ref(f"appointments[{i}].customer", appointment.customer, customers, "customer")
        ref(
            f"appointments[{i}].work_order_type",
            appointment.work_order_type,
            work_order_types,
            "work-order type",
        )
        ref(f"appointments[{i}].location", appointment.location, locations, "location")
        ref(f"appointments[{i}].tech", appointment.tech, techs, "tech")
    for i, relation in enumerate(company.zip_relations):
        ref(f"zip_relations[{i}].location", relation.location, locations, "location")
    if known.us_zips is not None:
        errors += _unknown_zips(company, known.us_zips)
    return errors


def unknown_reference(path: str, value: str, pool: Iterable[str], kind: str) -> FieldError:
    """``path: 'BSO' is not a known location; did you mean 'BOS'?``."""
    candidates = pool if isinstance(pool, set | frozenset) else set(pool)
    hint = ""
    if candidates and len(candidates) <= 2000:
        close = _closest(value, candidates)
        if close:
            hint = f"; did you mean {close!r}?"
        elif len(candidates) <= 12:
            hint = f" (known: {', '.join(sorted(candidates))})"
    elif not candidates:
        hint = " (there are none in the file or the database)"
    article = "an" if kind[0] in "aeiou" else "a"
    return FieldError(path, value, f"{value!r} is not {article} known {kind}{hint}", UNKNOWN_REFERENCE)


def _closest(value: str, candidates: Iterable[str]) -> str | None:
    """The most similar candidate; emails are compared by the part before the ``@`` (shared domains)."""
    if "@" not in value:
        close = difflib.get_close_matches(value, sorted(candidates), n=1, cutoff=0.8)
        return close[0] if close else None
    by_local: dict[str, str] = {}
    for email in sorted(candidates):
        by_local.setdefault(email.split("@", 1)[0], email)
    close = difflib.get_close_matches(value.split("@", 1)[0], list(by_local), n=1, cutoff=0.8)
    return by_local[close[0]] if close else None


def _excluded_conflicts(
    i: int, preferred: str | None, required: str | None, excluded: Sequence[str]
) -> list[FieldError]:
    errors = []
    for field, email in (("preferred_tech", preferred), ("required_tech", required)):
        if email is not None and email in excluded:
            errors.append(
                FieldError(f"customers[{i}].{field}", email, f"{email!r} is also in excluded_techs", CONFLICT)
            )
    return errors


def _duplicate_keys(company: CompanyFile) -> list[FieldError]:
    errors: list[FieldError] = []
    errors += duplicates("locations", company.locations, lambda x: x.code, "code")
    errors += duplicates("work_order_types", company.work_order_types, lambda x: x.code, "code")
    errors += duplicates("techs", company.techs, lambda x: x.email, "email")
    errors += duplicates("profiles", company.profiles, lambda x: x.name, "name")
    errors += duplicates("customers", company.customers, lambda x: x.external_id, "external_id")
    errors += duplicates("leads", company.leads, lambda x: x.external_id, "external_id")
    errors += duplicates("lead_queue_groups", company.lead_queue_groups, lambda x: x.name, "name")
    errors += duplicates("appointments", company.appointments, lambda x: x.external_id, "external_id")
    errors += duplicates("zip_relations", company.zip_relations, lambda x: x.zip, "zip")
    for i, wot in enumerate(company.work_order_types):
        base = f"work_order_types[{i}].required_skills"
        errors += duplicates(base, wot.required_skills, lambda x: x.skill, "skill")
    for i, tech in enumerate(company.techs):
        errors += duplicates(f"techs[{i}].locations", tech.locations, lambda x: x)
        errors += duplicates(f"techs[{i}].skills", tech.skills, lambda x: x.skill, "skill")
        errors += duplicates(f"techs[{i}].time_off", tech.time_off, lambda x: (x.start, x.end), "start")
    for i, profile in enumerate(company.profiles):
        errors += duplicates(f"profiles[{i}].locations", profile.locations, lambda x: x)
        errors += duplicates(f"profiles[{i}].work_order_types", profile.work_order_types, lambda x: x)
    for i, customer in enumerate(company.customers):
        errors += duplicates(f"customers[{i}].excluded_techs", customer.excluded_techs, lambda x: x)
    return errors


def duplicates(
    section: str, items: Sequence[T], key: Callable[[T], Hashable], field: str | None = None
) -> list[FieldError]:
    """An error for every item whose key an earlier item in ``items`` already used."""
    first_seen: dict[Hashable, int] = {}
    errors = []
    for i, item in enumerate(items):
        value = key(item)
        if value in first_seen:
            path = f"{section}[{i}].{field}" if field else f"{section}[{i}]"
            earlier = f"{section}[{first_seen[value]}]"
            shown = _show_key(value)
            errors.append(FieldError(path, shown, f"{shown!r} is already used by {earlier}", DUPLICATE_KEY))
        else:
            first_seen[value] = i
    return errors


def _show_key(value: Any) -> Any:
    if isinstance(value, tuple):
        return " - ".join(str(part) for part in value)
    return value


def _unknown_zips(company: CompanyFile, us_zips: frozenset[str]) -> list[FieldError]:
    errors = []
    places: list[tuple[str, str | None]] = []
    places += [(f"techs[{i}].home_zip", tech.home_zip) for i, tech in enumerate(company.techs)]
    places += [(f"customers[{i}].zip", customer.zip) for i, customer in enumerate(company.customers)]
    places += [(f"leads[{i}].zip", lead.zip) for i, lead in enumerate(company.leads)]
    places += [(f"appointments[{i}].zip", appt.zip) for i, appt in enumerate(company.appointments)]
    places += [(f"zip_relations[{i}].zip", rel.zip) for i, rel in enumerate(company.zip_relations)]
    for path, zip_code in places:
        if zip_code is not None and zip_code not in us_zips:
            errors.append(FieldError(path, zip_code, f"{zip_code!r} is not a US ZIP code", NOT_A_ZIP))
    return errors
