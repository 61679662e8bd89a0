"""Read a company file (YAML or JSON) into plain data, or say in one sentence why it is unreadable.

Everything here raises ``BadInput`` (exit 2): the file is missing, empty, binary, not YAML/JSON,
repeats a key in one mapping, or its top level is not a mapping. Whether the content is a valid
company is the schema's business (``routing.company.validation``).

YAML is read with YAML 1.2 number rules so that ``zip: 02134`` stays the text ``"02134"`` (YAML
1.1 would read it as the octal number 1116) and ``8:00`` stays ``"8:00"`` (not 480 minutes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from routing.errors import BadInput

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CompanyYamlLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader with YAML 1.2 numbers (no octal, no sexagesimal) that refuses repeated keys."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue  # unhashable keys are reported by the base class
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_CompanyYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CompanyYamlLoader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_CompanyYamlLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def read_company_data(path: Path) -> dict[str, Any]:
    """The top-level mapping of the YAML (.yaml/.yml) or JSON (.json) file at ``path``."""
    raw = _read_bytes(path)
    if b"\x00" in raw[:8192]:
        raise BadInput(f"{path} is a binary file, not a YAML or JSON company file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{path} is not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); "
            "save it as UTF-8 YAML or JSON."
        ) from None
    if not text.strip():
        raise BadInput(
            f"{path} is empty: a company file is a YAML or JSON mapping (see docs/company-file.md)."
        )
    data = parse_company_text(text, json_format=path.suffix.lower() in JSON_SUFFIXES, name=str(path))
    return data


def parse_company_text(text: str, *, json_format: bool, name: str = "<text>") -> dict[str, Any]:
    """Parse company-file text (JSON when ``json_format``, else YAML) into its top-level mapping."""
    data = _parse_json(text, name) if json_format else _parse_yaml(text, name)
    if data is None:
        raise BadInput(f"{name} has no content (only comments or blank lines).")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        raise BadInput(
            f"{name}: the top level is {kind}; a company file is a mapping with sections such as "
            "'locations:', 'techs:' and 'appointments:' (see docs/company-file.md)."
        )
    bad_keys = [key for key in data if not isinstance(key, str)]
    if bad_keys:
        raise BadInput(f"{name}: top-level key {bad_keys[0]!r} is not a section name.")
    # A NUL can only come from an escape sequence (raw NUL bytes are refused as binary).
    nul_path = _find_nul(data) if "\\" in text else None
    if nul_path is not None:
        raise BadInput(
            f"{name}: {nul_path} contains a NUL character (\\u0000), which a database text column "
            "cannot hold; remove it."
        )
    return data


def _find_nul(data: Any) -> str | None:
    """The path of the first key or text holding a NUL character (PostgreSQL refuses them), or None."""
    seen: set[int] = set()  # YAML aliases share objects: visit each container once
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "(top level)"
        elif isinstance(value, dict | list) and id(value) not in seen:
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in reversed(list(items)):
                if isinstance(key, str) and "\x00" in key:
                    return f"{path}.{key!r}" if path else repr(key)
                child = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
                stack.append((child, item))
    return None


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise BadInput(f"{path} does not exist.")
    if path.is_dir():
        raise BadInput(f"{path} is a folder; give a company file (.yaml, .yml or .json).")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _parse_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_CompanyYamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = exc.problem or exc.context or "cannot be parsed"
        raise BadInput(f"{name} is not valid YAML ({where}): {problem}.") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{name} is not valid YAML: {exc}.") from None


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


class _RepeatedKey(ValueError):
    pass


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_repeated_keys)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}."
        ) from None
    except _RepeatedKey as exc:
        raise BadInput(f"{name}: the key {exc.args[0]!r} appears twice in one JSON object.") from None
    except RecursionError:
        raise BadInput(f"{name} nests lists or objects too deeply to be a company file.") from None
