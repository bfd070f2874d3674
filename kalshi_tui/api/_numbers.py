"""Exact numbers on the wire: decoding JSON without floats, reading and writing decimals.

Kalshi sends money and prices as fixed-point dollar strings (`"0.4300"`, the
`_dollars` fields), counts as fixed-point strings (`"10.00"`, the `_fp` fields) and,
in the legacy generation, integer cents and whole contracts. A JSON number with a
fraction (a float) in any of those places is not something Kalshi sends, so it is
treated as a malformed response rather than silently rounded.

Responses are decoded with `parse_float=Decimal`, which keeps every number exact;
the field parsers below then tell a float-that-became-Decimal apart from the
strings and integers they accept.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ONE = Decimal(1)

_DECIMAL_STRING = re.compile(r"^-?\d+(\.\d+)?$")

MAX_MAGNITUDE = Decimal(10) ** 15
"""No amount of dollars or contracts on the wire reaches this; a value that does is
malformed, not a number to compute with (rounding it to the cent would already exceed
Decimal's 28 digits and raise far from here, in a pane)."""
MAX_LEGACY_INT = 10**17
"""The same bound for legacy integer cents, checked before dividing (`legacy_amount` then
holds the dollars or whole contracts to `MAX_MAGNITUDE`)."""


def decode_json(content: bytes) -> Any:
    """Decode a response body keeping numbers exact. Raises ValueError if unreadable."""
    return json.loads(content.decode("utf-8"), parse_float=Decimal)


def parse_decimal_string(value: object, what: str) -> Decimal:
    """A fixed-point string such as "0.4300" or "-12.00" → Decimal.

    Rejects JSON numbers (floats arrive as Decimal, ints as int) because the current
    wire format always quotes these values.
    """
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL_STRING.match(text):
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex already vetted it
                pass
            else:
                if abs(number) >= MAX_MAGNITUDE:
                    raise ValueError(f"{what}: {_clip(text)} is beyond any plausible amount")
                return number
        raise ValueError(f"{what}: {_clip(repr(value))} is not a decimal string")
    raise ValueError(
        f"{what}: expected a decimal string, got JSON {_json_kind(value)} {_clip(repr(value))}"
    )


def parse_legacy_int(value: object, what: str) -> int:
    """A legacy integer field (cents or whole contracts). Floats and bools are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{what}: expected an integer, got JSON {_json_kind(value)} {_clip(repr(value))}"
        )
    if abs(value) >= MAX_LEGACY_INT:
        raise ValueError(f"{what}: {_clip(str(value))} is beyond any plausible amount")
    return value


def legacy_amount(value: object, what: str, scale: int) -> Decimal:
    """A legacy integer (cents when `scale` is 100, whole contracts when 1) as dollars or
    contracts, within the same plausible range as the decimal strings."""
    amount = Decimal(parse_legacy_int(value, what)) / scale
    if abs(amount) >= MAX_MAGNITUDE:
        raise ValueError(f"{what}: {_clip(str(value))} is beyond any plausible amount")
    return amount


def _clip(text: str, limit: int = 40) -> str:
    """A hostile value in an error message, cut short (it may be 100 digits long)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_kind(value: object) -> str:
    if isinstance(value, Decimal):
        return "float"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if value is None:
        return "null"
    return type(value).__name__


def format_price(price: Decimal) -> str:
    """A price as a `$` string: 4 decimals ("0.4300"), up to 6 for finer ticks."""
    if not price.is_finite():
        raise ValueError(f"price {price} is not finite")
    exponent = price.normalize().as_tuple().exponent
    places = max(4, -exponent) if isinstance(exponent, int) else 4
    if places > 6:
        raise ValueError(f"price {price} has more than 6 decimal places")
    return f"{price:.{places}f}"


def format_count(count: Decimal) -> str:
    """A contract count as an `_fp` string with 2 decimals ("10.00")."""
    if not count.is_finite() or count != count.quantize(CENT):
        raise ValueError(f"count {count} must be a multiple of 0.01 contracts")
    return f"{count:.2f}"


def cents_to_dollars(cents: int) -> Decimal:
    return Decimal(cents) / 100


def dollars_to_cents(dollars: Decimal) -> int:
    """Whole cents, for legacy fields that take them; refuses sub-cent amounts."""
    cents = dollars * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{dollars} is not a whole number of cents")
    return int(cents)
