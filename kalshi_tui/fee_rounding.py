"""Kalshi's fee model and how the exchange rounds fees, on exact integers: the one
implementation shared by the simulator (`kalshi_tui.exchange.engine.fees`) and the client's
estimate (`kalshi_tui.domain.fees`).

It lives here, below both, because the simulator depends on nothing above it (docs/ARCHITECTURE.md)
and the client must not depend on the simulator: like `kalshi_tui.files`, this module imports
only the standard library, so either side may import it.

The fee model, per fill of ``C`` contracts at price ``P`` dollars (either side's price;
``P(1−P)`` is symmetric): taker ``0.07·C·P·(1−P)``, maker ``0.0175·C·P·(1−P)`` (charged only on
series whose fee type includes maker fees), both times the series multiplier. That **trade fee**
is rounded up to $0.0001. A fill that buys ``C`` contracts at ``P`` changes the balance by
``−C·P − trade fee``; when that is finer than the account's balance precision ($0.01, or $0.0001
for a direct member) a **rounding fee** floors the change to the precision. Each order keeps an
accumulator of its rounding fees; once it exceeds $0.01 the fill gets a whole-cent **rebate** and
the accumulator drops by $0.01. The fill's fee is trade fee + rounding fee − rebate, never
negative. (Kalshi's fee-rounding guide; docs/WIRE.md "Numbers".)

Units (exact integers, never floats):

* **price** — $0.0001 (`PRICE_SCALE` = 10 000 is $1);
* **count** — 0.01 contract (`COUNT_SCALE` = 100 is one contract);
* **money** — $0.000001 (`MONEY_SCALE` = 1 000 000 is $1), so price × count is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

PRICE_SCALE = 10_000
COUNT_SCALE = 100
MONEY_SCALE = 1_000_000

TAKER_RATE = Fraction(7, 100)
MAKER_RATE = Fraction(175, 10_000)
CENTICENT = MONEY_SCALE // 10_000
"""$0.0001 in money units: the trade fee's rounding step, a direct member's balance precision."""
CENT = MONEY_SCALE // 100
"""$0.01 in money units: a member's balance precision and the rebate step."""


def fee_up_to(count: int, price: int, rate: Fraction, multiplier: Fraction, step: int) -> int:
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
    return fee_up_to(count, price, rate, multiplier, CENTICENT)


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


def fill_fee(cost: int, fee: int, accumulator: int = 0, precision: int = CENT) -> FillFee:
    """Round one fill's fee to the account's balance precision.

    ``cost`` is what the contracts bought cost (count × price, money units; a sell of YES at
    ``P`` buys NO at ``1 − P``, and the payout of netted pairs is whole cents, so it does not
    change the rounding), ``fee`` the trade fee (already rounded up to $0.0001),
    ``accumulator`` the order's accumulated rounding before this fill, ``precision`` the
    balance precision (`CENT`, or `CENTICENT` for a direct member).
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
