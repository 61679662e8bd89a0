"""Fill in what a company file leaves to defaults (pure): routed parties and appointment defaults.

Customers and leads get location / sales rep / territory through ``route_parties`` (fallback, not
override); appointments get the customer's location and zip and the work-order type's duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from routing.company.schema import CompanyFile, CustomerIn, LeadIn
from routing.company.snapshot import Row, Snapshot
from routing.company.validation import INVALID, UNKNOWN_REFERENCE
from routing.errors import FieldError
from routing.leads.fallback import route_parties


def customer_fields(customer: CustomerIn) -> Row:
    """The customer-only columns of a customer row."""
    return {"preferred_tech": customer.preferred_tech, "required_tech": customer.required_tech}


def lead_fields(lead: LeadIn) -> Row:
    """The lead-only columns of a lead row."""
    return {"source": lead.source}


def route_party_rows(
    parties: Sequence[CustomerIn | LeadIn],
    stored: dict[str, Row],
    mapping: dict[str, Row],
    extra: Any,
) -> list[Row]:
    """Party rows (natural-key form) with location / sales rep / territory routed by the fallback rule.

    A value the file omits but the database holds as ``explicit`` stays explicit: the file saying
    nothing is not a signal that overrides one.
    """
    if not parties:
        return []
    explicit_codes: dict[str, list[Any]] = {"location": [], "sales_rep": [], "territory": []}
    for party in parties:
        old = stored.get(party.external_id, {})
        for name, value in (
            ("location", party.location),
            ("sales_rep", party.sales_rep),
            ("territory", party.territory),
        ):
            if value is None and old.get(f"{name}_source") == "explicit":
                value = old.get(name)
            explicit_codes[name].append(value)
    codes = sorted(
        {row["location"] for row in mapping.values()} | {c for c in explicit_codes["location"] if c}
    )
    code_id = {code: i for i, code in enumerate(codes)}
    explicit = {
        "location_id": [code_id.get(code) if code else None for code in explicit_codes["location"]],
        "sales_rep": explicit_codes["sales_rep"],
        "territory": explicit_codes["territory"],
    }
    frame = pl.DataFrame(
        {"zip": [p.zip for p in parties], **explicit},
        schema={"zip": pl.String, "location_id": pl.Int64, "sales_rep": pl.String, "territory": pl.String},
    )
    relations = pl.DataFrame(
        {
            "zip": list(mapping),
            "location_id": [code_id[row["location"]] for row in mapping.values()],
            "sales_rep": [row["sales_rep"] for row in mapping.values()],
            "territory": [row["territory"] for row in mapping.values()],
        },
        schema={"zip": pl.String, "location_id": pl.Int64, "sales_rep": pl.String, "territory": pl.String},
    )
    routed = route_parties(frame, relations).to_dicts()
    rows = []
    for party, route in zip(parties, routed, strict=True):
        location_id = route["location_id"]
        rows.append(
            {
                "external_id": party.external_id,
                "name": party.name,
                "address": party.address,
                "zip": party.zip,
                "location": codes[location_id] if location_id is not None else None,
                "location_source": route["location_source"],
                "sales_rep": route["sales_rep"],
                "sales_rep_source": route["sales_rep_source"],
                "territory": route["territory"],
                "territory_source": route["territory_source"],
                "category": party.category,
                "notes": party.notes,
                **extra(party),
            }
        )
    return rows


def appointment_rows(
    company: CompanyFile, snapshot: Snapshot, customers: list[Row], errors: list[FieldError]
) -> tuple[list[Row], list[Row]]:
    """Appointment rows with defaults resolved (location, zip, duration) and the bookings to apply."""
    customer_rows = {**snapshot.customers, **{row["external_id"]: row for row in customers}}
    durations = {code: row["default_duration_minutes"] for code, row in snapshot.work_order_types.items()}
    durations.update({w.code: w.default_duration_minutes for w in company.work_order_types})
    tech_locations = {**snapshot.tech_locations, **{x.email: frozenset(x.locations) for x in company.techs}}
    rows: list[Row] = []
    assignments: list[Row] = []
    for i, appt in enumerate(company.appointments):
        customer = customer_rows.get(appt.customer)
        if customer is None or appt.work_order_type not in durations:
            continue  # reported by the reference checks
        start, end = appt.slot
        location = appt.location or customer["location"]
        if location is None:
            errors.append(
                FieldError(
                    f"appointments[{i}].location",
                    None,
                    f"not given, and customer {appt.customer!r} has no location (none set, and its zip "
                    f"{customer['zip']} is not in the zip mapping)",
                    UNKNOWN_REFERENCE,
                )
            )
            continue
        duration = appt.duration_minutes or durations[appt.work_order_type]
        slot_minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if duration > slot_minutes:
            errors.append(
                FieldError(
                    f"appointments[{i}].duration_minutes",
                    None,
                    f"not given, and the {appt.work_order_type!r} default of {duration} min does not fit "
                    f"the {slot_minutes}-min slot {start:%H:%M}-{end:%H:%M}",
                    INVALID,
                )
            )
        if (
            appt.tech is not None
            and appt.tech in tech_locations
            and location not in tech_locations[appt.tech]
        ):
            works = ", ".join(sorted(tech_locations[appt.tech])) or "none"
            errors.append(
                FieldError(
                    f"appointments[{i}].tech",
                    appt.tech,
                    f"{appt.tech!r} does not work location {location!r} (works: {works})",
                    INVALID,
                )
            )
        rows.append(
            {
                "external_id": appt.external_id,
                "customer": appt.customer,
                "work_order_type": appt.work_order_type,
                "location": location,
                "date": appt.date,
                "slot_start": start,
                "slot_end": end,
                "duration_minutes": duration,
                "zip": appt.zip or customer["zip"],
                "priority": appt.priority,
            }
        )
        stored = snapshot.appointments.get(appt.external_id)
        if appt.tech is not None and (stored is None or stored.get("tech") != appt.tech):
            assignments.append({"external_id": appt.external_id, "tech": appt.tech})
    return rows, assignments
