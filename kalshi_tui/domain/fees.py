"""The client's estimate of Kalshi's trading fees, in `Decimal` dollars.

The formula and the exchange's rounding are not implemented here: `kalshi_tui.fee_rounding`
holds the one implementation, on exact integers, shared with the simulator (which must not
import the client's domain, docs/ARCHITECTURE.md). This module converts dollars and contracts
to its units and back.

Per fill: trade fee ``rate × multiplier × C × P × (1 − P)`` (taker 0.07, maker 0.0175, charged
only on series whose fee type includes maker fees) rounded **up** to $0.0001, plus the rounding
fee that floors the balance change to the account's precision ($0.01 for a member, $0.0001
for a direct member), less a whole-cent rebate once an order's accumulated rounding exceeds
$0.01. `P(1 − P)` is symmetric, but the rounding depends on what the fill costs, so prices here
are those of the side bought: a sell of YES at ``P`` buys NO at ``1 − P``.

It is an estimate: which fills happen, at what prices, as maker or taker, is the exchange's
to decide; the fill's own `fee_cost` is what was charged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from kalshi_tui import fee_rounding as rounding

CENT = Decimal("0.01")
"""A member's balance precision (the default)."""
CENTICENT = Decimal("0.0001")
"""A direct member's balance precision."""


@dataclass(frozen=True, slots=True)
class FeeFill:
    """One expected fill of an order: `count` contracts bought at `price` dollars."""

    count: Decimal
    price: Decimal
    """The price of the side bought (a sell of YES at P buys NO at 1 − P)."""
    taker: bool = True


def _units(value: Decimal, scale: int, what: str) -> int:
    scaled = value * scale
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} is finer than the exchange's 1/{scale} step")
    return int(scaled)


def order_fee(
    fills: Iterable[FeeFill], *, multiplier: Decimal = Decimal(1), precision: Decimal = CENT
) -> Decimal:
    """The estimated fee of an order filled as `fills`, in that order: each fill's trade fee
    plus rounding fee, with the order's accumulator rebating whole cents."""
    mult = Fraction(multiplier)
    step = _units(precision, rounding.MONEY_SCALE, "balance precision")
    accumulator = 0
    total = 0
    for fill in fills:
        count = _units(fill.count, rounding.COUNT_SCALE, "count")
        price = _units(fill.price, rounding.PRICE_SCALE, "price")
        rate = rounding.TAKER_RATE if fill.taker else rounding.MAKER_RATE
        fee = rounding.trade_fee(count, price, rate, mult)
        result = rounding.fill_fee(count * price, fee, accumulator, step)
        accumulator = result.accumulator
        total += result.net
    return Decimal(total) / rounding.MONEY_SCALE


def trading_fee(
    count: Decimal,
    price: Decimal,
    *,
    taker: bool = True,
    multiplier: Decimal = Decimal(1),
    precision: Decimal = CENT,
) -> Decimal:
    """The estimated fee in dollars of one fill buying `count` contracts at `price`."""
    return order_fee([FeeFill(count, price, taker)], multiplier=multiplier, precision=precision)
