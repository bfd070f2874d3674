"""Settlement reaches the screen: a market that settles while the account holds a position
closes the position in the journal's P&L, with the settlement's realized P&L, no journal Δ
against the exchange, a known Day P&L and a row in the history, within one poll. Against
the embedded exchange over loopback with a real journal, through the store snapshot the
panes render, and through the positions pane and header of the real app."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.widgets import Label
from trading_rig import Rig, allow_all, make_rig

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.orders import Denial
from kalshi_tui.domain.pnl_view import PnlView
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal import Journal, journal_path
from kalshi_tui.services.session import Session
from kalshi_tui.services.trading import TradingPlan
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.positions import PositionsPane
from kalshi_tui.ui.widgets.status_bar import StatusBar

PLAN = TradingPlan(fills=(0.3, 5.0), reconcile=(3600.0, 7200.0), lag_window=2.0)
"""Fill (and settlement) confirmation every 0.3 s: "one poll" is short."""


@dataclass
class Live:
    rig: Rig
    session: Session

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def pnl(self) -> PnlView:
        pnl = self.store.snapshot.pnl
        assert pnl is not None
        return pnl


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    rig = await make_rig(tmp_path)
    key = rig.client.auth
    assert isinstance(key, api.KalshiAuth)
    session = Session(
        api.KalshiClient(rig.exchange.base_url, key, rate_limits=api.RateLimits.unlimited()),
        Store(Snapshot(environment="demo")),
        plan=FAST,
        journal=Journal.open(journal_path(tmp_path / "data")),
        gate=allow_all,
        trading_plan=PLAN,
    )
    try:
        yield Live(rig, session)
    finally:
        await session.close()
        await rig.close()


async def eventually(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


async def hold_three(live: Live) -> None:
    """Buy 3 YES @ 43¢, filled by the counterparty, and wait until the P&L shows it."""
    trading = live.session.trading
    assert trading is not None
    placed = await trading.orders.submit(live.rig.draft(price="0.43", count="3"))
    assert not isinstance(placed, Denial), placed
    await live.rig.counterparty_sells("3", price="0.43")
    ticker = live.rig.ticker

    def shown() -> bool:
        position = live.pnl.position(ticker)
        held = {p.ticker for p in live.store.snapshot.positions}
        return position is not None and position.contracts == 3 and ticker in held

    await eventually(shown, "the fill never reached the positions")
    await eventually(lambda: live.pnl.differences == (), "journal and exchange disagree")


def settle(rig: Rig, result: str = "yes") -> None:
    with rig.exchange.engine() as ex:
        now = rig.exchange.now_ms()
        ex.close_market(rig.ticker, now)
        ex.determine_market(rig.ticker, result, now)  # type: ignore[arg-type]
        ex.settle_market(rig.ticker, now)


def settled_on_screen(live: Live) -> bool:
    position = live.pnl.position(live.rig.ticker)
    return (
        position is not None
        and position.contracts == 0
        and position.realized == Decimal("1.71")
        and live.pnl.differences == ()
        and live.pnl.totals.day_unknown == 0
        and live.rig.ticker not in {p.ticker for p in live.store.snapshot.positions}
    )


async def test_a_settlement_reaches_pnl_positions_day_and_history(live: Live) -> None:
    runner = asyncio.create_task(live.session.run())
    try:
        await eventually(lambda: live.store.snapshot.trading_ready, "never ready")
        await eventually(lambda: live.store.snapshot.pnl is not None, "P&L never loaded")
        await hold_three(live)
        settle(live.rig, "yes")
        # 3 YES bought at 43¢ pay $1 each: $1.71 realized before fees, position closed.
        await eventually(lambda: settled_on_screen(live), "the settlement never reached P&L")
        totals = live.pnl.totals
        assert totals.realized == Decimal("1.71")
        assert totals.day == Decimal("1.71") - totals.fees
        trading = live.session.trading
        assert trading is not None
        [settlement] = trading.journal.recent_settlements(10)
        assert (settlement.ticker, settlement.result) == (live.rig.ticker, "yes")
        assert settlement.revenue == Decimal(3)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


def flat_row(pane: PositionsPane, ticker: str) -> bool:
    return ticker in pane.rows and str(pane.get_row(ticker)[1]) == "flat"


async def test_the_positions_pane_and_header_show_the_settlement(
    live: Live, tmp_path: Path
) -> None:
    app = TerminalApp(live.session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: live.store.snapshot.trading_ready, 30)
        await wait_for(pilot, lambda: live.store.snapshot.pnl is not None, 30)
        await hold_three(live)
        pane = app.query_one(PositionsPane)
        await wait_for(pilot, lambda: live.rig.ticker in pane.rows, 30)
        settle(live.rig, "yes")
        await wait_for(pilot, lambda: settled_on_screen(live), 30)
        # The settled market stays listed as a flat row (its realized P&L and fees are
        # in the totals), no longer as an open position.
        await wait_for(pilot, lambda: flat_row(pane, live.rig.ticker), 30)
        await wait_for(pilot, lambda: "journal ✓" in str(pane.border_title), 30)
        # Day P&L: $1.71 realized less the fees, never "—".
        expected = f"Day {fmt.signed_dollars(live.pnl.totals.day)}"
        day = app.query_one(StatusBar).query_one("#pnl", Label)
        await wait_for(pilot, lambda: str(day.content) == expected, 30)
        assert live.pnl.totals.day > Decimal("1.5")
