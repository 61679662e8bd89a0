"""Turn pydantic's errors on a company file into plain sentences that name the path and the value.

``techs[3].skills[0].level: 7 is not between 1 and 5`` rather than pydantic's
``techs.3.skills.0.level  Value error, 7 is not between 1 and 5 [type=value_error, ...]``.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from routing.company.schema import CompanyFile
from routing.errors import FieldError, ValidationFailed

# Stable error codes (the ``code`` of each detail).
MISSING = "missing"
UNKNOWN_FIELD = "unknown_field"
NOT_ALLOWED = "not_allowed"
WRONG_TYPE = "wrong_type"
OUT_OF_RANGE = "out_of_range"
TOO_LONG = "too_long"
TOO_SHORT = "too_short"
BAD_FORMAT = "bad_format"
INVALID = "invalid"
UNKNOWN_REFERENCE = "unknown_reference"
DUPLICATE_KEY = "duplicate_key"
NOT_A_ZIP = "not_a_zip"
CONFLICT = "conflict"

_PATTERN_HINTS = {
    r"^[A-Za-z0-9_.\-]+$": "may contain only letters, digits, '_', '.' and '-'",
    r"^[^@\s]+@[^@\s]+$": "is not an email address",
    r"^\d{3}(\d{2})?$": "is not a 5-digit zip or a 3-digit zip prefix",
}


# The natural key of the items a reference can point at, per section.
KEY_FIELDS = {"locations": "code", "work_order_types": "code", "techs": "email", "customers": "external_id"}


def parse_company(data: dict[str, Any], *, name: str = "company file") -> CompanyFile:
    """Validate plain data as a CompanyFile; raise ValidationFailed listing every problem."""
    parsed = parse_company_lenient(data)
    raise_field_errors(name, parsed.errors)
    return parsed.company


@dataclass(frozen=True)
class LenientParse:
    """A company file without its invalid items, their errors, and what is needed to report the rest.

    ``unparsed_keys``: natural keys of the left-out items (by section, when readable), so that
    references to them do not also count as unknown. ``kept``: for each section with left-out
    items, the original index of every kept item, to renumber later errors' paths.
    """

    company: CompanyFile
    errors: list[FieldError] = field(default_factory=list)
    unparsed_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    kept: dict[str, list[int]] = field(default_factory=dict)

    def renumber(self, errors: Sequence[FieldError]) -> list[FieldError]:
        """Errors found on ``company`` with paths (and mentions) pointing into the original file."""
        if not self.kept:
            return list(errors)

        def original(match: re.Match[str]) -> str:
            section, index = match.group(1), int(match.group(2))
            indices = self.kept.get(section)
            return f"{section}[{indices[index] if indices and index < len(indices) else index}]"

        return [
            replace(error, path=_ITEM.sub(original, error.path), message=_ITEM.sub(original, error.message))
            for error in errors
        ]


_ITEM = re.compile(r"\b([a-z_]+)\[(\d+)\]")


def parse_company_lenient(data: dict[str, Any]) -> LenientParse:
    """Validate what is valid: the file without its invalid items, plus every schema error."""
    try:
        return LenientParse(CompanyFile.model_validate(data))
    except ValidationError as exc:
        raw_errors = exc.errors(include_url=False)
    dropped_items: dict[str, set[int]] = {}
    dropped_sections: set[str] = set()
    for error in raw_errors:
        loc = tuple(error["loc"])
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data.get(str(loc[0])), list):
            dropped_items.setdefault(str(loc[0]), set()).add(loc[1])
        else:
            dropped_sections.add(str(loc[0]) if loc else "")
    cleaned: dict[str, Any] = {}
    unparsed: dict[str, set[str]] = {}
    kept: dict[str, list[int]] = {}
    for section, value in data.items():
        if section in dropped_sections:
            continue
        bad = dropped_items.get(section, set())
        if not bad:
            cleaned[section] = value
            continue
        kept[section] = [i for i in range(len(value)) if i not in bad]
        cleaned[section] = [value[i] for i in kept[section]]
        key = KEY_FIELDS.get(section)
        for i in bad:
            item = value[i]
            if key and isinstance(item, dict) and isinstance(item.get(key), str):
                text = item[key].strip()
                unparsed.setdefault(section, set()).add(text.lower() if key == "email" else text)
    try:
        company = CompanyFile.model_validate(cleaned)
    except ValidationError:  # pragma: no cover - dropping invalid items leaves a valid file
        company, kept = CompanyFile(), {}
    return LenientParse(
        company,
        translate_errors(raw_errors),
        {section: frozenset(keys) for section, keys in unparsed.items()},
        kept,
    )


def raise_field_errors(name: str, errors: Sequence[FieldError]) -> None:
    """Raise ValidationFailed (exit 1) carrying every error as a detail; no-op when there are none."""
    if not errors:
        return
    count = len(errors)
    noun = "problem" if count == 1 else "problems"
    raise ValidationFailed(
        f"{name}: {count} {noun}, nothing was loaded. First: {errors[0]}",
        details=[error_detail(error) for error in errors],
    )


def error_detail(error: FieldError) -> dict[str, Any]:
    """The JSON detail of one error: path, value, code and the full sentence."""
    value = _jsonable(_abbreviate(error.value))
    return {"path": error.path, "value": value, "code": error.code, "message": str(error)}


def format_path(loc: Iterable[int | str]) -> str:
    """``('techs', 3, 'skills', 0, 'level')`` -> ``techs[3].skills[0].level``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]" or _is_schema_tag(part):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def translate_errors(errors: Sequence[Any]) -> list[FieldError]:
    """pydantic ``errors()`` entries -> FieldErrors with plain-sentence messages."""
    return [_translate(error) for error in errors]


def _translate(error: Any) -> FieldError:
    loc = tuple(error["loc"])
    path = format_path(loc)
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    show = describe(value)
    if kind == "missing":
        return FieldError(path, None, "required field is missing", MISSING)
    if kind == "extra_forbidden":
        return FieldError(path, value, _unknown_field_message(loc), UNKNOWN_FIELD)
    if kind in ("literal_error", "enum"):
        allowed = ctx.get("expected", "").replace(" or ", ", ")
        return FieldError(path, value, f"{show} is not one of {allowed}", NOT_ALLOWED)
    if kind.startswith("int_") or kind == "int_from_float":
        return FieldError(path, value, f"{show} is not a whole number", WRONG_TYPE)
    if kind.startswith("float_") or kind.startswith("decimal_"):
        return FieldError(path, value, f"{show} is not a number", WRONG_TYPE)
    if kind.startswith("bool_"):
        return FieldError(path, value, f"{show} is not true or false", WRONG_TYPE)
    if kind == "string_type":
        return FieldError(path, value, f"expected text, got {show}", WRONG_TYPE)
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return FieldError(path, value, "must not be empty", TOO_SHORT)
        return FieldError(
            path, value, f"{show} is shorter than {ctx.get('min_length')} characters", TOO_SHORT
        )
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "?"
        return FieldError(
            path,
            _abbreviate(value),
            f"is {length} characters long; at most {ctx.get('max_length')}",
            TOO_LONG,
        )
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(str(ctx.get("pattern")), f"does not match {ctx.get('pattern')}")
        return FieldError(path, value, f"{show} {hint}", BAD_FORMAT)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return FieldError(path, value, _bound_message(show, kind, ctx), OUT_OF_RANGE)
    if kind in ("too_short", "too_long"):
        return FieldError(
            path,
            _abbreviate(value),
            _length_message(kind, ctx),
            TOO_SHORT if kind == "too_short" else TOO_LONG,
        )
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return FieldError(path, _abbreviate(value), f"expected a list, got {show}", WRONG_TYPE)
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return FieldError(path, _abbreviate(value), f"expected a mapping of fields, got {show}", WRONG_TYPE)
    if kind.startswith("date_") or kind == "date_type":
        return FieldError(path, value, f"{show} is not a date (YYYY-MM-DD)", BAD_FORMAT)
    if kind.startswith("datetime_"):
        return FieldError(path, value, f"{show} is not a date and time (YYYY-MM-DD HH:MM)", BAD_FORMAT)
    if kind in ("value_error", "assertion_error"):
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return FieldError(path, _abbreviate(value), message, INVALID)
    return FieldError(path, _abbreviate(value), f"{show}: {error['msg']}", INVALID)


def _bound_message(show: str, kind: str, ctx: dict[str, Any]) -> str:
    words = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    phrase, key = words[kind]
    return f"{show} must be {phrase} {ctx.get(key)}"


def _length_message(kind: str, ctx: dict[str, Any]) -> str:
    if kind == "too_short":
        needed = ctx.get("min_length")
        return f"needs at least {needed} item{'s' if needed != 1 else ''}, got {ctx.get('actual_length')}"
    return f"has {ctx.get('actual_length')} items; at most {ctx.get('max_length')}"


def _unknown_field_message(loc: tuple[Any, ...]) -> str:
    name = str(loc[-1])
    allowed = _allowed_fields(loc[:-1])
    if not allowed:
        return "unknown field"
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown field; {hint}allowed: {', '.join(allowed)}"


def _allowed_fields(parent_loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``parent_loc`` inside a CompanyFile (best effort)."""
    annotation: Any = CompanyFile
    for part in parent_loc:
        if part == "[key]" or (isinstance(part, str) and _is_schema_tag(part)):
            continue
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            annotation = field.annotation if field else None
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the model or container type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        else:
            return annotation


def _is_schema_tag(part: str) -> bool:
    """pydantic adds tags such as ``function-after[...]`` or ``int`` for union members."""
    return "[" in part or part.startswith("function-")


def describe(value: Any) -> str:
    """A short, quoted rendering of a value for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _abbreviate(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    if isinstance(value, dict | list):
        # Encode piecewise and stop at 200 characters: a YAML alias bomb expands to gigabytes.
        size = 0
        try:
            for chunk in json.JSONEncoder(default=str).iterencode(value):
                size += len(chunk)
                if size > 200:
                    return describe(value)
        except (TypeError, ValueError, RecursionError):
            return describe(value)
    return value


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, default=str))
    return str(value)
