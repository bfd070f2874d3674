"""The pre-trade gate on a `center_*` grid with fractional counts (issue 12): prices on the
market's own bands pass, off-grid ones are refused naming the exact price, and the money it
checks (cost, fee) is exact for 2-decimal counts at sub-cent prices."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

from risk_world import book, context, draft, market

from kalshi_tui.domain.exposure import leg_of_draft
from kalshi_tui.domain.fees import trading_fee
from kalshi_tui.domain.risk import SubmitThrottle, check_order
from kalshi_tui.domain.risk_context import RiskContext
from kalshi_tui.domain.risk_limits import RiskLimits

# center_half_edge_deci_cent: 0.1¢ below 10¢ and above 90¢, 0.5¢ between.
CENTER_HALF = (
    (D("0"), D("0.10"), D("0.001")),
    (D("0.10"), D("0.90"), D("0.005")),
    (D("0.90"), D("1"), D("0.001")),
)
CTX = context(
    markets=[market("EV-A", bid="0.450", ask="0.470", price_ranges=CENTER_HALF)],
    order_book=book("EV-A", "0.450", "0.470"),
)
EDGE = context(
    markets=[market("EV-A", bid="0.050", ask="0.060", price_ranges=CENTER_HALF)],
    order_book=book("EV-A", "0.050", "0.060"),
)
"""A market trading near 5¢, inside the collar of edge-band prices."""
LIMITS = RiskLimits()


def judge(price: str, count: str = "2.5", ctx: RiskContext = CTX, **kw: object) -> str | None:
    denial = check_order(
        draft(price, count, **kw),  # type: ignore[arg-type]
        ctx,
        LIMITS,
        SubmitThrottle(LIMITS.max_orders_per_minute),
    )
    return None if denial is None else f"{denial.code}: {denial.message}"


def test_half_cent_inside_and_tenth_of_a_cent_at_the_edges_pass() -> None:
    for price in ("0.455", "0.46", "0.405"):
        assert judge(price) is None, price
    for price in ("0.053", "0.10", "0.105"):
        assert judge(price, ctx=EDGE) is None, price
    assert judge("0.947", ctx=EDGE, side="no") is None  # NO 94.7¢ is YES 5.3¢: edge band


def test_off_grid_prices_are_refused_with_the_exact_price() -> None:
    assert judge("0.453") == "off_grid: price 45.3¢ is off EV-A's price grid"
    assert judge("0.04555", ctx=EDGE) == "off_grid: price 4.555¢ is off EV-A's price grid"
    # NO 54.7¢ is YES 45.3¢: off the YES grid the book lands on.
    assert judge("0.547", side="no") == "off_grid: price 54.7¢ is off EV-A's price grid"


def test_the_gate_counts_exact_money_for_fractional_counts_at_sub_cent_prices() -> None:
    leg = leg_of_draft(draft("0.455", "2.5"))
    # 0.07 × 2.5 × 0.455 × 0.545 = 0.04339… → $0.0434; −1.1809 → −$1.19: fee $0.0525.
    assert leg.fee == trading_fee(D("2.5"), D("0.455")) == D("0.0525")
    assert leg.count * leg.yes_price == D("1.1375")
    # Just enough cash for cost + fee (whole cents: $1.19) passes; a cent less is refused.
    poor = dataclasses.replace(CTX, balance=dataclasses.replace(CTX.balance, cash=D("1.19")))  # type: ignore[type-var]
    assert check_order(draft("0.455", "2.5"), poor, LIMITS, SubmitThrottle(60)) is None
    poorer = dataclasses.replace(CTX, balance=dataclasses.replace(CTX.balance, cash=D("1.18")))  # type: ignore[type-var]
    denial = check_order(draft("0.455", "2.5"), poorer, LIMITS, SubmitThrottle(60))
    assert denial is not None
    assert denial.code == "insufficient_balance"
    assert "$1.19" in denial.message
