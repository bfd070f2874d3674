"""The P&L tracker against the embedded exchange: the journal's FIFO book follows every fill,
agrees with the exchange's positions to the cent, reloads the same after a restart, and
shows a disagreement when the journal is missing a fill."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from trading_rig import Rig, make_rig

from kalshi_tui import api
from kalshi_tui.domain.pnl_view import PnlView
from kalshi_tui.services import convert
from kalshi_tui.services.pnl import PnlTracker


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await make_rig(tmp_path)
    try:
        rig.open()
        await rig.t.start()
        yield rig
    finally:
        await rig.close()


async def exchange_positions(rig: Rig) -> None:
    """Put the exchange's positions in the store, as the portfolio poller does."""
    positions = await rig.client.get_all_positions()
    rig.store.update(
        positions=tuple(convert.position(p) for p in positions.market_positions if p.position != 0)
    )


def view(rig: Rig) -> PnlView:
    pnl = rig.store.snapshot.pnl
    assert pnl is not None
    return pnl


async def test_fills_update_the_book_and_agree_with_the_exchange(rig: Rig) -> None:
    tracker = PnlTracker(rig.journal, rig.store)
    rig.t.fills.on_fills = lambda _new: tracker.catch_up()
    await tracker.load()
    assert view(rig).fills == 0

    await rig.submit(rig.draft(price="0.43", count="5"))
    await rig.counterparty_sells("5", price="0.43")
    await rig.t.fills.poll()
    # Close 2 of them at 0.55: sell YES, taken by the counterparty's bid.
    await rig.other.create_order(
        api.OrderRequest(
            ticker=rig.ticker,
            side="yes",
            action="buy",
            count=Decimal(2),
            price=Decimal("0.55"),
            client_order_id="cp-bid",
        )
    )
    await rig.submit(rig.draft(price="0.55", count="2", action="sell"))
    await rig.t.fills.poll()
    await exchange_positions(rig)

    pnl = view(rig)
    assert pnl.fills == 2
    position = pnl.position(rig.ticker)
    assert position is not None
    assert (position.side, position.contracts) == ("yes", Decimal(3))
    # FIFO: 2 closed at 0.55 against a 0.43 lot → realized $0.24 before fees.
    assert position.realized == Decimal("0.24")
    assert pnl.differences == (), [str(d) for d in pnl.differences]

    # A restart loads the same book from the journal.
    again = PnlTracker(rig.journal, rig.store)
    await again.load()
    reloaded = view(rig).position(rig.ticker)
    assert reloaded is not None
    assert (reloaded.contracts, reloaded.realized, reloaded.fees) == (
        position.contracts,
        position.realized,
        position.fees,
    )
    tracker.close()
    again.close()


async def test_a_fill_missing_from_the_journal_shows_as_a_difference(rig: Rig) -> None:
    tracker = PnlTracker(rig.journal, rig.store)
    await tracker.load()
    await rig.submit(rig.draft(price="0.43", count="4"))
    await rig.counterparty_sells("4", price="0.43")
    # The fill is on the exchange but the journal has not seen it (no poll yet).
    await exchange_positions(rig)
    fields = {d.field for d in view(rig).differences}
    assert "position" in fields
    tracker.close()


async def test_a_determined_market_is_valued_at_its_result(rig: Rig) -> None:
    """Issue 15: between `determined` and `settled` the position was still marked at the
    last price (40¢); the header and the positions pane both value it at the result."""
    from kalshi_tui.domain.valuation import value_portfolio

    tracker = PnlTracker(rig.journal, rig.store)
    rig.t.fills.on_fills = lambda _new: tracker.catch_up()
    await tracker.load()
    await rig.submit(rig.draft(price="0.43", count="5"))
    await rig.counterparty_sells("5", price="0.43")
    await rig.t.fills.poll()
    with rig.exchange.engine() as ex:
        now = rig.exchange.now_ms()
        ex.close_market(rig.ticker, now)
        ex.determine_market(rig.ticker, "yes", now)
    # The market as the market poller stores it (held markets stay listed once closed).
    [market] = await rig.client.get_all_markets(tickers=[rig.ticker])
    assert market.status == "determined"
    rig.store.update(markets=[convert.market_summary(market)])
    tracker.publish()
    position = view(rig).position(rig.ticker)
    assert position is not None
    assert position.mark == Decimal(1)
    assert position.market_value == Decimal(5)
    valuation = value_portfolio(rig.store.snapshot)
    assert valuation.totals.market_value == Decimal("5.00")
    tracker.close()
