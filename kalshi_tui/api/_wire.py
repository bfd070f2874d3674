"""The base for every wire model: frozen pydantic models that read both generations.

Each model declares which of its fields are money (dollars) and which are counts,
and where to find them on the wire: the current fixed-point string keys first
(`yes_bid_dollars`, `volume_fp`), then the legacy integer key (`yes_bid` in cents,
`volume` in whole contracts). A field found in neither place is left absent, so
pydantic reports a required money/count field as missing instead of defaulting it
to zero.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator

from ._numbers import legacy_amount, parse_decimal_string

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
BookSide = Literal["bid", "ask"]


def _unsharded(value: object) -> object:
    return 0 if value is None else value


ExchangeIndex = Annotated[int, BeforeValidator(_unsharded)]
"""The exchange shard a market, order, fill, position or settlement lives on. An exchange
that omits it (or sends null) is not sharded: everything is on shard 0, where Kalshi routes
whatever names no shard (`getting_started/exchange_sharding.md`)."""

# normalised field name → (current string keys, legacy integer key or None)
FieldMap = dict[str, tuple[tuple[str, ...], str | None]]

_MISSING: Any = object()

WIRE_CONTEXT = {"wire": True}
"""Validation context marking data as a decoded response body (see `from_wire`)."""


def pick_number(
    data: dict[str, Any], current_keys: tuple[str, ...], legacy_key: str | None, scale: int
) -> Any:
    """Read a number from the first current key present, else the legacy key.

    Current keys hold decimal strings; the legacy key holds an integer that is divided
    by `scale` (100 for cents, 1 for whole contracts). Where the two share a name (V2
    write responses reuse `fill_count` for an `_fp` string), the value's JSON type
    decides which reading applies. Returns `_MISSING` when neither is present.
    """
    for key in current_keys:
        value = data.get(key)
        if value is None:
            continue
        if key == legacy_key and isinstance(value, int) and not isinstance(value, bool):
            return legacy_amount(value, key, scale)
        return parse_decimal_string(value, key)
    if legacy_key is not None and data.get(legacy_key) is not None:
        return legacy_amount(data[legacy_key], legacy_key, scale)
    return _MISSING


def money(name: str, legacy: str | None = None) -> tuple[tuple[str, ...], str | None]:
    """Field map entry for dollars: `<name>_dollars` first, then legacy cents."""
    return ((f"{name}_dollars",), legacy)


class WireModel(BaseModel):
    """Frozen, ignores fields it does not know (the API adds fields often)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    wire_money: ClassVar[FieldMap] = {}
    """Dollar fields: current `$` string keys, then legacy integer cents."""
    wire_counts: ClassVar[FieldMap] = {}
    """Contract counts: current `_fp` string keys, then legacy whole contracts."""

    @classmethod
    def from_wire(cls, data: object) -> Self:
        """Validate a decoded response body (numbers decoded as Decimal, not float).

        Only here is a JSON float in a money/count field refused as malformed; when a
        model is built in code, its money and count fields take `Decimal` values.
        """
        return cls.model_validate(data, context=WIRE_CONTEXT)

    @model_validator(mode="before")
    @classmethod
    def _read_wire_numbers(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        from_wire = bool(info.context and info.context.get("wire"))
        out = dict(data)
        get = data.get
        for name, current_keys, legacy_key, scale in _plan(cls):
            if not from_wire and isinstance(get(name), Decimal):
                continue  # built in code: already a normalised Decimal
            # Fast path for the common case: the first current key holds a plain decimal
            # string (the full check in `pick_number` handles everything else).
            value = get(current_keys[0])
            if type(value) is str:
                number = _DECIMALS.get(value)
                if number is None and _PLAIN_DECIMAL.match(value) is not None:
                    number = _remember(value)
                if number is not None:
                    out[name] = number
                    continue
            value = pick_number(data, current_keys, legacy_key, scale)
            if value is _MISSING:
                out.pop(name, None)
            else:
                out[name] = value
        return out


# Per-model flattening of `wire_money` and `wire_counts`: (name, current keys, legacy key,
# scale). Market lists validate thousands of models per page; walking two dicts of tuples
# per model showed up in profiles.
_PLANS: dict[type[WireModel], tuple[tuple[str, tuple[str, ...], str | None, int], ...]] = {}

# What `parse_decimal_string` accepts, minus surrounding whitespace and more than 15 integer
# digits (both left to the slow path, which refuses implausible magnitudes).
_PLAIN_DECIMAL = re.compile(r"-?\d{1,15}(?:\.\d+)?\Z")


# Decimal strings already parsed: prices and sizes repeat across a market list, and a dict
# lookup is several times cheaper than the regex check plus `Decimal()` (Decimals are
# immutable, so sharing them is safe). Bounded: cleared when it grows past the limit.
_DECIMALS: dict[str, Decimal] = {}
_DECIMALS_LIMIT = 100_000


def _remember(text: str) -> Decimal:
    if len(_DECIMALS) >= _DECIMALS_LIMIT:
        _DECIMALS.clear()
    number = _DECIMALS[text] = Decimal(text)
    return number


def _plan(cls: type[WireModel]) -> tuple[tuple[str, tuple[str, ...], str | None, int], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = tuple(
            (name, current_keys, legacy_key, scale)
            for table, scale in ((cls.wire_money, 100), (cls.wire_counts, 1))
            for name, (current_keys, legacy_key) in table.items()
        )
        _PLANS[cls] = plan
    return plan


def blank_cursor(value: object) -> object:
    """Kalshi ends pagination with `""` or by omitting the cursor; both become None."""
    return None if value == "" else value
