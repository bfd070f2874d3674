"""Engine integers → wire numbers, and wire numbers → engine integers.

The engine counts prices in $0.0001, contracts in 0.01 and money in $0.000001 (see
`kalshi_tui.exchange.engine`). On the wire: prices are `$` strings with 4 decimals (`"0.4300"`),
counts `_fp` strings with 2 (`"10.00"`), money `_dollars` strings with 4 (6 when a sub-cent
fractional amount needs them), legacy integers are cents and whole contracts.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Literal

from kalshi_tui.exchange.engine import COUNT_SCALE, MONEY_SCALE, PRICE_SCALE
from kalshi_tui.exchange.http.errors import ApiError

Profile = Literal["compat", "current", "legacy"]
PROFILES: tuple[Profile, ...] = ("compat", "current", "legacy")

_PRICE_PER_CENT = PRICE_SCALE // 100
_MONEY_PER_CENT = MONEY_SCALE // 100


def _fixed(value: int, scale_digits: int, out_digits: int) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**scale_digits)
    digits = f"{frac:0{scale_digits}d}"
    if out_digits < scale_digits:
        digits = digits[:out_digits]
    else:
        digits = digits + "0" * (out_digits - scale_digits)
    return f"{sign}{whole}.{digits}"


# Market listings format a dozen prices and counts per market; the values repeat a lot
# (prices live on a 10,000-step grid), so these two are memoised.
@lru_cache(maxsize=16_384)
def price_str(price: int) -> str:
    """Price units → `"0.4300"`."""
    return _fixed(price, 4, 4)


@lru_cache(maxsize=65_536)
def count_str(count: int) -> str:
    """Count units → `"10.00"`."""
    return _fixed(count, 2, 2)


def money_str(money: int) -> str:
    """Money units → `"1.7200"`; six decimals only when four would lose precision."""
    return _fixed(money, 6, 4 if money % 100 == 0 else 6)


def price_cents(price: int) -> int:
    """Price units → legacy integer cents (sub-cent prices truncate, as Kalshi's did)."""
    return price // _PRICE_PER_CENT


def count_int(count: int) -> int:
    """Count units → legacy whole contracts (fractions truncate)."""
    return count // COUNT_SCALE


def money_cents(money: int) -> int:
    """Money units → legacy integer cents."""
    return money // _MONEY_PER_CENT


def price_float(price: int) -> float:
    """The deprecated numeric `price` of fills and trades, in dollars (e.g. 0.43)."""
    return float(Decimal(price) / PRICE_SCALE)


def parse_price_dollars(value: Decimal, code: str = "invalid_price") -> int:
    """`$` decimal → price units; 400 `invalid_price` unless 0 < p < 1 on the $0.0001 grid."""
    units = value * PRICE_SCALE
    if units != units.to_integral_value() or not 0 < units < PRICE_SCALE:
        raise ApiError(400, code, "price must lie strictly between 0 and 1 on the grid", str(value))
    return int(units)


def parse_price_cents(value: int) -> int:
    """Legacy integer cents (1–99) → price units."""
    if not 1 <= value <= 99:
        raise ApiError(400, "invalid_price", "price must be between 1 and 99 cents", str(value))
    return value * _PRICE_PER_CENT


def parse_count_fp(value: Decimal, name: str) -> int:
    """`_fp` decimal → count units; 400 `invalid_order` unless positive with ≤ 2 decimals."""
    units = value * COUNT_SCALE
    if units != units.to_integral_value() or units <= 0:
        raise ApiError(
            400, "invalid_order", f"{name} must be a positive multiple of 0.01", str(value)
        )
    return int(units)
