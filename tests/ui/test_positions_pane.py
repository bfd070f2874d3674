"""The positions pane and the header under `run_test()`: figures rounded for display only,
one valuation rule, and totals that add up to the rows shown (issue 15)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal as D
from types import MappingProxyType
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Position
from kalshi_tui.domain.store import Health, Snapshot
from kalshi_tui.ui.widgets.positions import PositionsPane

NOW = 1_800_000_000.0


class Host(App[None]):
    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets


@asynccontextmanager
async def mounted(*widgets: Widget) -> AsyncIterator[Pilot[None]]:
    async with Host(*widgets).run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        yield pilot


def fresh(*feeds: str) -> MappingProxyType[str, Health]:
    return MappingProxyType(
        {f: Health(interval=1.0, stale_after=10.0, last_success=NOW - 1) for f in feeds}
    )


def market(ticker: str, bid: str | None, ask: str | None, last: str | None = None) -> MarketSummary:
    return MarketSummary(
        ticker=ticker,
        event_ticker="EV",
        series_ticker="SER",
        title=f"Will {ticker} happen?",
        status="active",
        yes_bid=None if bid is None else D(bid),
        yes_ask=None if ask is None else D(ask),
        last_price=None if last is None else D(last),
        previous_price=None,
        volume=D(0),
        volume_24h=D(0),
        open_interest=D(0),
        close_time=datetime(2027, 1, 1, tzinfo=UTC),
    )


def position(
    ticker: str, contracts: str, exposure: str, realized: str = "0", fees: str = "0"
) -> Position:
    return Position(
        ticker=ticker,
        contracts=D(contracts),
        market_exposure=D(exposure),
        realized_pnl=D(realized),
        fees_paid=D(fees),
        total_traded=D(exposure),
    )


def snapshot(markets: list[MarketSummary], positions: list[Position], **changes: Any) -> Snapshot:
    changes.setdefault("health", fresh("markets", "portfolio"))
    return Snapshot(
        markets=tuple(markets),
        markets_by_ticker=MappingProxyType({m.ticker: m for m in markets}),
        positions=tuple(positions),
        **changes,
    )


def row_text(table: PositionsPane, key: str) -> list[str]:
    return [str(cell) for cell in table.get_row(key)]


async def test_average_cost_and_mark_are_rounded_for_display() -> None:
    # 3 contracts for $2.09: 69.666…¢ each; a NO mark at 1 − mid of a deci-cent quote.
    state = snapshot(
        [market("KXA-1", "0.6905", "0.7010")],
        [position("KXA-1", "3", "2.09")],
    )
    pane = PositionsPane()
    async with mounted(pane) as pilot:
        pane.show(state, NOW)
        await pilot.pause()
        row = row_text(pane, "KXA-1")
        assert row[3] == "69.67¢"
        assert row[4] == "69.58¢"  # mid 0.69575, rounded half-even to the 0.01¢ tick
