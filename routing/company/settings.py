"""Company settings: read, change one key with validation, and the scheduler gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.company.schema import SettingsIn
from routing.db.tables import CompanySettings
from routing.errors import BadInput, FeatureDisabled

SETTING_KEYS = tuple(SettingsIn.model_fields)


def get_company_settings(session: Session) -> SettingsIn:
    """The company settings (defaults when none were ever stored)."""
    row = session.get(CompanySettings, 1)
    if row is None:
        return SettingsIn()
    return SettingsIn.model_validate({key: getattr(row, key) for key in SETTING_KEYS})


def store_company_settings(session: Session, settings: SettingsIn) -> bool:
    """Write the settings row; returns True when anything changed."""
    row = session.scalars(select(CompanySettings).where(CompanySettings.id == 1)).one_or_none()
    values = settings.model_dump()
    if row is None:
        session.add(CompanySettings(id=1, **values))
        return True
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def set_company_setting(session: Session, key: str, raw_value: str) -> SettingsIn:
    """Change one setting from its text form; raises BadInput naming the key and value."""
    normalized = key.strip().lower().replace("-", "_")
    if normalized not in SETTING_KEYS:
        raise BadInput(f"Unknown setting {key!r}. Known settings: {', '.join(SETTING_KEYS)}.")
    current = get_company_settings(session).model_dump()
    current[normalized] = _coerce(normalized, raw_value)
    try:
        updated = SettingsIn.model_validate(current)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise BadInput(f"{normalized}: {raw_value!r} is not accepted: {reason}") from None
    store_company_settings(session, updated)
    return updated


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _coerce(key: str, raw: str) -> Any:
    annotation = SettingsIn.model_fields[key].annotation
    text = raw.strip()
    if annotation is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise BadInput(f"{key}: {raw!r} is not on/off (use true or false).")
    return text


@dataclass(frozen=True)
class Availability:
    """Whether the auto-scheduler may run, and if not, which setting says so and how to change it."""

    available: bool
    reason: str | None = None
    setting: str | None = None


def scheduler_availability(settings: SettingsIn) -> Availability:
    """The gate: slot scheduling on and auto-assign-on-create off, else why not."""
    if not settings.slot_scheduling_enabled:
        return Availability(
            False,
            "Slot scheduling is switched off (slot_scheduling_enabled = false); the auto-scheduler "
            "has nothing to assign. Turn it on with: routing settings set slot_scheduling_enabled true",
            "slot_scheduling_enabled",
        )
    if settings.auto_assign_on_create:
        return Availability(
            False,
            "Appointments are assigned when they are booked (auto_assign_on_create = true), so the "
            "scheduled auto-scheduler is unavailable. Switch to scheduled runs with: "
            "routing settings set auto_assign_on_create false",
            "auto_assign_on_create",
        )
    return Availability(True)


def require_scheduler_available(settings: SettingsIn) -> None:
    """Raise FeatureDisabled (exit 3) when the gate is closed."""
    availability = scheduler_availability(settings)
    if not availability.available:
        raise FeatureDisabled(availability.reason or "The auto-scheduler is unavailable.")
