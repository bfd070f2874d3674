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
from textual.widgets import Label, Static

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Balance, Position
from kalshi_tui.domain.store import Health, Snapshot
from kalshi_tui.ui.screens.help import HelpScreen
from kalshi_tui.ui.widgets.positions import TOTAL_KEY, PositionsPane
from kalshi_tui.ui.widgets.status_bar import StatusBar

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


def dollars_of(text: str) -> D:
    """ "$2.98" / "−$0.45" / "+$0.08" → Decimal."""
    negative = text.startswith("−")
    amount = D(text.lstrip("+−").lstrip("$").replace(",", ""))
    return -amount if negative else amount


async def test_header_and_pane_agree_and_totals_add_up_to_the_rows_shown() -> None:
    # Exact values 2.976 + 1.846 = 4.822 while the rows read $2.98 + $1.85; unrealized
    # +0.076 and −0.454 read +$0.08 and −$0.45; the exchange marks at the bid ($4.00).
    state = snapshot(
        [
            market("KXA-1", "0.5950", "0.5954"),
            market("KXB-1", "0.9220", "0.9240"),
            market("KXS-1", None, None, "1"),
        ],
        [
            position("KXA-1", "5", "2.900"),
            position("KXB-1", "2", "2.300"),
            position("KXS-1", "0", "0", realized="3.00", fees="0.07"),  # settled today
        ],
        balance=Balance(cash=D("100"), portfolio_value=D("4.00")),
    )
    bar, pane = StatusBar(), PositionsPane()
    async with mounted(bar, pane) as pilot:
        bar.show(state, NOW)
        pane.show(state, NOW)
        await pilot.pause()
        a, b = row_text(pane, "KXA-1"), row_text(pane, "KXB-1")
        total = row_text(pane, TOTAL_KEY)
        assert (a[5], b[5]) == ("$2.98", "$1.85")
        assert total[5] == "$4.83" == f"${dollars_of(a[5]) + dollars_of(b[5])}"
        assert (a[6], b[6], total[6]) == ("+$0.08", "−$0.45", "−$0.37")
        # The settled market stays listed, so the realized P&L in the total is on screen.
        settled = row_text(pane, "KXS-1")
        assert settled[1:3] == ["flat", "0"]
        assert total[7] == "+$3.00" == settled[7]
        assert "1 flat" in str(pane.border_title)
        # Every column's TOTAL is the sum of the figures above it.
        rows = [row_text(pane, str(key.value)) for key in pane.rows if key.value != TOTAL_KEY]
        for column in (5, 6, 7, 8):
            assert dollars_of(total[column]) == sum(dollars_of(r[column]) for r in rows)
        # The header says the same value, and its tooltip the rule and the exchange's figure.
        value = bar.query_one("#value", Label)
        assert str(value.render()) == f"Portfolio {total[5]}"
        assert "mid of the YES bid and ask" in str(value.tooltip)
        assert "at the bid: $4.00" in str(value.tooltip)


async def test_help_states_the_valuation_rule() -> None:
    class Plain(App[None]):
        pass

    app = Plain()
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(HelpScreen())
        await pilot.pause()
        text = str(app.screen.query_one("#help-valuation", Static).render())
        assert "mid of the YES bid and ask" in text
