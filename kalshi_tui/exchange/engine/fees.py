"""The simulator's fees: Kalshi's fee model and fee rounding (kalshi-api.md §5, Kalshi's
fee-rounding guide, docs/WIRE.md "Numbers").

The formula and the rounding (trade fee up to $0.0001, a rounding fee to the balance precision,
the per-order accumulator that rebates whole cents) live in `kalshi_tui.fee_rounding`, the one
implementation the client's estimate (`kalshi_tui.domain.fees`) also uses; this module adds
what only the exchange needs: the maker/taker choice per series and the reserve for a buy.
The fill's fee (``fee_cost``) is ``fill_fee(...).net``. Exact integers: no float touches money.
"""

from __future__ import annotations

from fractions import Fraction

from kalshi_tui.fee_rounding import CENT as CENT
from kalshi_tui.fee_rounding import CENTICENT as CENTICENT
from kalshi_tui.fee_rounding import MAKER_RATE as MAKER_RATE
from kalshi_tui.fee_rounding import PRICE_SCALE, fee_up_to, trade_fee
from kalshi_tui.fee_rounding import TAKER_RATE as TAKER_RATE
from kalshi_tui.fee_rounding import FillFee as FillFee
from kalshi_tui.fee_rounding import fill_fee as fill_fee


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
    return fee_up_to(count, min(limit, PRICE_SCALE // 2), TAKER_RATE, multiplier, CENT)
