"""Kalshi's trading fee formula (kalshi-api.md §5).

Per fill: taker `ceil_to_cent(0.07 × C × P × (1 − P))`; maker the same with 0.0175,
charged only on series whose fee type includes maker fees. `P(1 − P)` is symmetric,
so YES and NO prices give the same fee.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

TAKER_RATE = Decimal("0.07")
MAKER_RATE = Decimal("0.0175")
CENT = Decimal("0.01")


def ceil_to_cent(amount: Decimal) -> Decimal:
    """Round a dollar amount up to the next whole cent."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def trading_fee(
    count: Decimal, price: Decimal, *, taker: bool = True, multiplier: Decimal = Decimal(1)
) -> Decimal:
    """Fee in dollars for `count` contracts filled at `price` dollars."""
    rate = TAKER_RATE if taker else MAKER_RATE
    return ceil_to_cent(rate * multiplier * count * price * (1 - price))
