"""Check a JSON body against a schema of `contract_table.TABLE`; every violation is one line.

A violation names the JSON path and what is wrong: a required field missing, a field the schema
does not list (`strict`), a wrong JSON type (an integer is not a float, a boolean is not an
integer), a string out of its format or enum, a null where the schema does not allow one.
"""

from __future__ import annotations

import re
from typing import Any

FORMATS = {
    "date-time": re.compile(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
    ),
    "fp-dollars": re.compile(r"^-?\d+\.\d{4}(\d{2})?$"),
    "fp-count": re.compile(r"^-?\d+\.\d{2}$"),
}
"""String formats: RFC 3339 times; `_dollars` with 4 decimals (6 where needed); `_fp` with 2."""


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    raise AssertionError(f"unknown schema type {kind!r}")


def violations(
    schema: dict[str, Any], value: Any, where: str = "$", strict: bool = True
) -> list[str]:
    """Every way `value` breaks `schema` (empty when it conforms)."""
    if value is None:
        return [] if schema.get("nullable") or not schema else [f"{where}: null not allowed"]
    if "any_of" in schema:
        options = [violations(option, value, where, strict) for option in schema["any_of"]]
        if any(not found for found in options):
            return []
        return [f"{where}: matches no alternative ({'; '.join(options[0])})"]
    kind = schema.get("type")
    if kind is None:
        return []
    if not _type_ok(kind, value):
        return [f"{where}: expected {kind}, got {type(value).__name__} {value!r}"[:200]]
    found: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    pattern = FORMATS.get(schema.get("format", ""))
    if pattern is not None and isinstance(value, str) and not pattern.match(value):
        found.append(f"{where}: {value!r} is not {schema['format']}")
    if kind == "object":
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{where}.{name}: required field missing")
        for name, child in value.items():
            if name in properties:
                found.extend(violations(properties[name], child, f"{where}.{name}", strict))
            elif "values" in schema:
                found.extend(violations(schema["values"], child, f"{where}.{name}", strict))
            elif strict and properties:
                found.append(f"{where}.{name}: not in the documented schema")
    if kind == "array" and "items" in schema:
        for index, child in enumerate(value):
            found.extend(violations(schema["items"], child, f"{where}[{index}]", strict))
    return found
