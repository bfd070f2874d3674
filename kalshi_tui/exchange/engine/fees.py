"""Kalshi trading fees and how the exchange rounds them (kalshi-api.md §5, Kalshi's fee-rounding
guide, docs/WIRE.md "Numbers").

The fee model, per fill of ``C`` contracts at price ``P`` dollars (the filled side's price;
``P(1−P)`` is symmetric): taker ``0.07·C·P·(1−P)``, maker ``0.0175·C·P·(1−P)`` only on series
whose fee type is ``quadratic_with_maker_fees``, both times the series multiplier. That **trade
fee** is rounded up to $0.0001. The fill then costs ``C·P + trade fee``; when that is finer than
the account's balance precision ($0.01, or $0.0001 for direct members) a **rounding fee** brings
the balance change down to the precision. Each order keeps an accumulator of its rounding fees;
once it exceeds $0.01 the fill gets a whole-cent **rebate** and the accumulator drops by $0.01,
so many small fills converge on what one equivalent fill would cost. The fill's fee
(``fee_cost``) is trade fee + rounding fee − rebate, never negative. Computed on exact integers:
no float ever touches money.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kalshi_tui.exchange.engine.views import COUNT_SCALE, MONEY_SCALE, PRICE_SCALE

TAKER_RATE = Fraction(7, 100)
MAKER_RATE = Fraction(175, 10_000)
CENTICENT = MONEY_SCALE // 10_000
"""$0.0001 in money units: the trade fee's rounding step, a direct member's balance precision."""
CENT = MONEY_SCALE // 100
"""$0.01 in money units: a member's balance precision and the rebate step."""


def _fee_up_to(count: int, price: int, rate: Fraction, multiplier: Fraction, step: int) -> int:
    """The fee model's fee in money units, rounded up to a multiple of ``step``."""
    if count <= 0 or rate == 0 or multiplier == 0:
        return 0
    # money = rate · mult · c·p·(S−p) · MONEY_SCALE / (COUNT_SCALE · S²); in steps: / step.
    numerator = (
        rate.numerator * multiplier.numerator * count * price * (PRICE_SCALE - price) * MONEY_SCALE
    )
    denominator = rate.denominator * multiplier.denominator * COUNT_SCALE * PRICE_SCALE**2 * step
    return -(-numerator // denominator) * step


def trade_fee(count: int, price: int, rate: Fraction, multiplier: Fraction) -> int:
    """The trade fee of one fill in money units, rounded up to $0.0001 (0 for a zero count or
    rate). ``price`` may be either side's price; ``count`` in count units."""
    return _fee_up_to(count, price, rate, multiplier, CENTICENT)


def taker_fee(count: int, price: int, multiplier: Fraction) -> int:
    """The taker trade fee of one fill (rounded up to $0.0001)."""
    return trade_fee(count, price, TAKER_RATE, multiplier)


def maker_fee(count: int, price: int, multiplier: Fraction, maker_fees: bool) -> int:
    """The maker trade fee of one fill (rounded up to $0.0001); 0 unless the series charges
    maker fees."""
    return trade_fee(count, price, MAKER_RATE, multiplier) if maker_fees else 0


def worst_taker_fee(count: int, limit: int, multiplier: Fraction) -> int:
    """The fee reserved for a buy of ``count`` at own-side ``limit``: the taker fee of one fill
    at the worst price, rounded up to the cent.

    Fills happen at or below the limit; ``P(1−P)`` peaks at $0.50, so the worst price is
    ``min(limit, 0.50)``. Rounded to the cent, this is what one fill of the whole count costs
    in fees when its cost is whole cents; sub-cent remainders of many fills are capped at the
    free cash (`accounts.charge_fee`).
    """
    return _fee_up_to(count, min(limit, PRICE_SCALE // 2), TAKER_RATE, multiplier, CENT)


@dataclass(frozen=True, slots=True)
class FillFee:
    """The fee of one fill, split as the exchange reports it (money units)."""

    trade_fee: int
    rounding_fee: int
    rebate: int
    accumulator: int
    """The order's accumulated rounding after this fill (carried to its next fill)."""

    @property
    def net(self) -> int:
        """What the fill charges: trade fee + rounding fee − rebate (≥ 0)."""
        return self.trade_fee + self.rounding_fee - self.rebate


def fill_fee(cost: int, fee: int, accumulator: int, precision: int = CENT) -> FillFee:
    """Round one fill's fee to the account's balance precision.

    ``cost`` is what the contracts cost (count × price, money units; a payout of netted pairs is
    whole cents and does not change the rounding), ``fee`` the trade fee (already rounded up to
    $0.0001), ``accumulator`` the order's accumulated rounding before this fill, ``precision``
    the balance precision (`CENT`, or `CENTICENT` for a direct member).
    """
    change = -cost - fee
    floored = (change // precision) * precision  # toward negative infinity
    rounding = change - floored
    accumulated = accumulator + rounding
    rebate = 0
    # A rebate never makes the fill's fee negative: it waits for a fill that pays a cent.
    if accumulated > CENT and fee + rounding >= CENT:
        rebate = CENT
        accumulated -= CENT
    return FillFee(fee, rounding, rebate, accumulated)
