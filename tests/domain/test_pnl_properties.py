"""Hypothesis: FIFO invariants of the P&L book hold for any sequence of fills.

* the position is the signed sum of the fills (YES purchases +, NO purchases −);
* the lots add up to the position and its cost basis, all positive, one side only;
* realized + unrealized at any constant mark equals the cash the trades moved plus what
  the position is worth at that mark (P&L is conserved, to the last decimal);
* FIFO and the exchange's average-cost convention agree on realized − cost basis.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tui.domain.models import Fill, Settlement
from kalshi_tui.domain.pnl import ONE, PnlBook, purchase_of

T0 = datetime(2026, 3, 2, tzinfo=UTC)

prices = st.integers(1, 99).map(lambda cents: Decimal(cents) / 100)
counts = st.one_of(
    st.integers(1, 50).map(Decimal),
    st.integers(1, 500).map(lambda hundredths: Decimal(hundredths) / 100),
)
fees = st.integers(0, 20).map(lambda cents: Decimal(cents) / 100)
fills = st.tuples(
    st.sampled_from(["yes", "no"]),
    st.sampled_from(["buy", "sell"]),
    counts,
    prices,
    fees,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(fills, max_size=60),
    prices,
    st.one_of(st.none(), st.sampled_from(["yes", "no", "void"])),
)
def test_fifo_invariants(trades: list, mark: Decimal, result: str | None) -> None:  # type: ignore[type-arg]
    book = PnlBook(day_start=T0)
    cash = Decimal(0)
    yes_bought = no_bought = Decimal(0)
    for index, (side, action, count, price, fee) in enumerate(trades):
        market = book.apply_fill(
            Fill(
                fill_id=str(index),
                order_id="O",
                ticker="M",
                side=side,
                action=action,
                count=count,
                price=price,
                is_taker=True,
                fee=fee,
                created_time=T0 + timedelta(seconds=index),
            )
        )
        bought, paid = purchase_of(side, action, price)
        cash -= paid * count + fee
        if bought == "yes":
            yes_bought += count
        else:
            no_bought += count
        assert market.signed_contracts == yes_bought - no_bought
        assert sum((lot[0] for lot in market.lots), Decimal(0)) == market.contracts
        assert sum((lot[0] * lot[1] for lot in market.lots), Decimal(0)) == market.cost
        assert all(lot[0] > 0 for lot in market.lots)
        assert market.realized - market.cost == (
            market.exchange_realized - market.exchange_exposure
        )
    cash += min(yes_bought, no_bought)  # each YES+NO pair paid $1
    market = book.market("M")
    if market is None:
        assert not trades
        return
    position = market.signed_contracts
    worth = position * mark if position > 0 else -position * (ONE - mark)
    unrealized = market.unrealized(mark)
    assert unrealized is not None
    assert market.net_realized + unrealized == cash + worth
    # The whole history happened "today", so day P&L is the total P&L.
    assert market.day_realized == market.realized
    assert market.day_fees == market.fees
    if result is not None:
        revenue = {
            "yes": max(position, Decimal(0)),
            "no": max(-position, Decimal(0)),
            "void": market.exchange_exposure,
        }[result]
        book.apply_settlement(
            Settlement("M", result, Decimal(0), Decimal(0), revenue, Decimal(0), T0)
        )
        assert market.contracts == 0
        assert not market.lots
        assert market.net_realized == cash + revenue
        assert market.exchange_realized == market.realized
