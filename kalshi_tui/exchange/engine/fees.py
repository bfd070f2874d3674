"""Kalshi trading fees (kalshi-api.md §5, docs/WIRE.md "Numbers").

Per fill of ``C`` contracts at price ``P`` dollars (the filled side's price; ``P(1−P)`` is
symmetric): taker ``0.07·C·P·(1−P)``, maker ``0.0175·C·P·(1−P)`` only on series whose fee type is
``quadratic_with_maker_fees``, both times the series multiplier and rounded **up to the cent per
fill**. Computed on exact integers: no float ever touches money.
"""

from __future__ import annotations

from fractions import Fraction

from kalshi_tui.exchange.engine.views import COUNT_SCALE, PRICE_SCALE

TAKER_RATE = Fraction(7, 100)
MAKER_RATE = Fraction(175, 10_000)
_CENT = 10_000
"""One cent in money units."""


def fee(count: int, price: int, rate: Fraction, multiplier: Fraction) -> int:
    """Fee in money units, a whole number of cents (0 for a zero count or rate).

    ``price`` may be either side's price; ``count`` in count units.
    """
    if count <= 0 or rate == 0 or multiplier == 0:
        return 0
    # dollars = rate · mult · c·p·(S−p) / (COUNT_SCALE · S²); cents = dollars · 100.
    numerator = rate.numerator * multiplier.numerator * count * price * (PRICE_SCALE - price) * 100
    denominator = rate.denominator * multiplier.denominator * COUNT_SCALE * PRICE_SCALE**2
    cents = -(-numerator // denominator)
    return cents * _CENT


def taker_fee(count: int, price: int, multiplier: Fraction) -> int:
    return fee(count, price, TAKER_RATE, multiplier)


def maker_fee(count: int, price: int, multiplier: Fraction, maker_fees: bool) -> int:
    return fee(count, price, MAKER_RATE, multiplier) if maker_fees else 0


def worst_taker_fee(count: int, limit: int, multiplier: Fraction) -> int:
    """Largest taker fee a buy of ``count`` at own-side ``limit`` can incur in one fill.

    Fills happen at or below the limit; ``P(1−P)`` peaks at $0.50, so the worst price is
    ``min(limit, 0.50)``.
    """
    return taker_fee(count, min(limit, PRICE_SCALE // 2), multiplier)
