"""Response bodies shaped as Kalshi documents them, generated from the project's contract table
(`tests/exchange/http/contract_table.py`, derived once from Kalshi's OpenAPI).

`docs_body(route, variant)` builds the body of one route's documented answer:

- "minimal": only the required fields; a required field that is nullable is null.
- "nullable": the same, plus every optional nullable field present as null.

Values have the documented type and format and are distinct within a body (a counter), so a
test can compare what the client parsed with what was served and catch two fields swapped:
fixed-point dollars with 4 decimals ("0.0007"), counts with 2 ("7.50"), RFC 3339 times, ints,
an enum's first value. An array holds one item and a map one entry, so item parsing runs.
A few fields whose documented type does not say what they hold (`price_ranges` bands, book
levels, endpoint-cost routes) get the kind of values Kalshi sends (`SEMANTIC`).
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

Variant = Literal["minimal", "nullable"]
VARIANTS: tuple[Variant, ...] = ("minimal", "nullable")

_HTTP_TESTS = Path(__file__).resolve().parents[1] / "exchange" / "http"


def _load(name: str) -> ModuleType:
    """A helper module of the exchange's HTTP tests (one copy, whoever imports it first)."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, _HTTP_TESTS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


TABLE: dict[str, tuple[int, dict[str, Any]]] = _load("contract_table").TABLE
violations = _load("contract_kit").violations

BASE_TIME = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)

SEMANTIC: dict[str, Any] = {
    # `PriceRange` bands: documented as plain strings, sent as dollar amounts.
    "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
    # Order book levels: `[price, count]` pairs of plain strings, sent as fixed-point numbers.
    "yes_dollars": [["0.4200", "13.00"]],
    "no_dollars": [["0.5500", "7.25"]],
    # Endpoint costs name a route of the API, as the rate limiter matches them.
    "endpoint_costs": [
        {"method": "DELETE", "path": "/trade-api/v2/portfolio/events/orders/{order_id}", "cost": 2}
    ],
}
"""Fields whose documented type (a plain string) does not say what Kalshi puts in them."""


class _Maker:
    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.counter = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def value(self, schema: dict[str, Any], name: str) -> Any:
        if name in SEMANTIC:
            return copy.deepcopy(SEMANTIC[name])
        kind = schema.get("type")
        if kind == "object":
            return self.object(schema)
        if kind == "array":
            items = schema.get("items")
            return [] if items is None else [self.value(items, name)]
        if "enum" in schema:
            return schema["enum"][0]
        n = self.next()
        if kind == "string":
            fmt = schema.get("format")
            if fmt == "fp-dollars":
                return f"0.{n:04d}"
            if fmt == "fp-count":
                return f"{n}.50"
            if fmt == "date-time":
                return (BASE_TIME + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            return f"{name or 'value'}-{n}"
        if kind == "integer":
            return n
        if kind == "number":
            return n + 0.5
        if kind == "boolean":
            return True
        raise AssertionError(f"no value for schema type {kind!r} ({name})")

    def object(self, schema: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required: list[str] = schema.get("required", [])
        out: dict[str, Any] = {}
        for name, child in properties.items():
            if name in required:
                out[name] = None if child.get("nullable") else self.value(child, name)
            elif self.variant == "nullable" and child.get("nullable"):
                out[name] = None
        for name in required:
            if name not in properties:
                out[name] = f"{name}-{self.next()}"  # required but untyped: any string
        if "values" in schema:
            out[f"key-{self.next()}"] = self.value(schema["values"], "")
        return out


def docs_body(route: str, variant: Variant = "minimal") -> Any:
    """The documented answer of `route` ("GET /markets/{ticker}") in `variant`."""
    _status, schema = TABLE[route]
    return docs_value(schema, variant)


def docs_value(schema: dict[str, Any], variant: Variant = "minimal") -> Any:
    """A value of `schema` (a part of a route's schema) in `variant`, even where the
    schema is nullable: for a test that needs the object a null would stand for."""
    return _Maker(variant).value({**schema, "nullable": False}, "")


def docs_status(route: str) -> int:
    """The documented success status of `route` (200, or 201 for creates)."""
    return TABLE[route][0]
