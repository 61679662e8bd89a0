"""Errors the edges turn into exit codes (DESIGN.md: 1 validation, 2 usage/input, 3 switched off)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class RoutingError(Exception):
    """Base class: a message a user can act on, and the CLI exit code it maps to."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        # More top-level fields for the JSON error document (e.g. the import_id of a recorded attempt).
        self.extra = dict(extra or {})


class ValidationFailed(RoutingError):
    """Input was read but is invalid; nothing was applied."""

    exit_code = 1


class BadInput(RoutingError):
    """Unreadable input or bad usage (missing file, not YAML, binary...)."""

    exit_code = 2


class FeatureDisabled(RoutingError):
    """The company settings switch this feature off."""

    exit_code = 3


class NotFound(RoutingError):
    """A referenced record (run, appointment, zip...) does not exist."""

    exit_code = 2


@dataclass(frozen=True)
class FieldError:
    """One problem in structured input: where it is, what was there, what is wrong."""

    path: str
    value: Any
    message: str
    code: str = "invalid"
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"
