"""Query-string and JSON-body parsing with Kalshi's 400 replies for bad values."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from kalshi_tui.exchange.http.errors import (
    fixed_point_expected,
    invalid_parameters,
    missing_parameters,
)


def limit_param(
    query: Mapping[str, str], default: int, maximum: int, *, zero_is_default: bool = False
) -> int:
    """`limit`: absent → default; outside [1, maximum] → 400 invalid_parameters. Where Kalshi
    documents `limit` ≥ 0 (markets, trades), 0 means the default page size."""
    raw = query.get("limit")
    if raw is None or raw == "":
        return default
    value = int_param(query, "limit")
    if value == 0 and zero_is_default:
        return default
    minimum = 0 if zero_is_default else 1
    if value is None or not 1 <= value <= maximum:
        raise invalid_parameters(f"limit must be between {minimum} and {maximum}", raw)
    return value


def int_param(query: Mapping[str, str], name: str) -> int | None:
    """An optional integer query parameter."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise invalid_parameters(f"{name} must be an integer", raw) from None


def bool_param(query: Mapping[str, str], name: str, default: bool = False) -> bool:
    """An optional boolean query parameter (`true`/`false`)."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise invalid_parameters(f"{name} must be true or false", raw)


def list_param(query: Mapping[str, str], name: str, maximum: int | None = None) -> list[str]:
    """A comma-separated list; empty when absent; 400 when longer than `maximum`."""
    raw = query.get(name)
    if not raw:
        return []
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if maximum is not None and len(values) > maximum:
        raise invalid_parameters(f"{name} accepts at most {maximum} values", raw)
    return values


def choice_param(query: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    """An optional enumerated query parameter."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise invalid_parameters(f"{name} must be one of {', '.join(choices)}", raw)
    return raw


def fixed_point_strings(body: Mapping[str, object], *names: str) -> None:
    """Refuse a JSON number in a fixed-point string field, as Kalshi's decoder does (400
    `bad_request`, flat); the `current` profile applies it, `compat` stays lenient."""
    for name in names:
        value = body.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise fixed_point_expected(name, value)


def require(body: Mapping[str, object], name: str) -> object:
    """A required body field; 400 missing_parameters when absent or null."""
    value = body.get(name)
    if value is None:
        raise missing_parameters(name)
    return value


def decimal_field(value: object, name: str) -> Decimal:
    """A decimal from a `$`/`_fp` string (numbers are accepted too, as lenient servers do)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid_parameters(f"{name} must be a decimal string", repr(value))
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise invalid_parameters(f"{name} must be a decimal string", str(value)) from None
    if not result.is_finite():
        raise invalid_parameters(f"{name} must be finite", str(value))
    return result


def int_field(value: object, name: str) -> int:
    """A JSON integer (booleans and floats refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameters(f"{name} must be an integer", repr(value))
    return value
