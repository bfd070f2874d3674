"""The positions and orders panes fit their columns to their width (issue 15, a newcomer's
session): at 200x50, 120x40 and 80x24 the real app, after a fill and a resting order on
the embedded exchange, shows every number whole and keeps the P&L columns."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input

from kalshi_tui.domain import format as fmt
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.confirm import OrderConfirmScreen
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane
from kalshi_tui.ui.widgets.positions import PositionsPane
from kalshi_tui.ui.widgets.table_fit import FittedTable


async def trade(app: TerminalApp, pilot: Pilot[int]) -> None:
    """Buy 3 at the ask (a position) and rest 10 below the bid (an order)."""
    snapshot = lambda: app.session.snapshot  # noqa: E731
    await wait_for(
        pilot,
        lambda: (
            snapshot().trading_ready
            and snapshot().book is not None
            and snapshot().book.ticker == snapshot().selected  # type: ignore[union-attr]
            and app.query_one(OrderTicket).ticker == snapshot().selected
        ),
    )
    app.query_one(MarketTable).focus()
    await pilot.press("3", "b")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: any(p.contracts for p in snapshot().positions))
    book = snapshot().book
    assert book is not None
    assert book.best_yes_bid is not None
    low = max(Decimal("0.01"), book.best_yes_bid - Decimal("0.05"))
    ticket = app.query_one(OrderTicket)
    ticket.query_one("#ticket-price", Input).value = fmt.cents(low)
    count = ticket.query_one("#ticket-count", Input)
    count.value = "10"
    count.focus()
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(snapshot().orders) == 1)
    app.query_one(MarketTable).focus()


def assert_whole(app: TerminalApp, pane: FittedTable, needed: tuple[str, ...]) -> None:
    """The pane is on screen, its columns fit without scrolling, every cell shown is whole,
    and the `needed` headers are there."""
    region = pane.region
    assert region.width > 0
    assert app.screen.region.contains_region(region)
    assert pane.virtual_size.width <= pane.scrollable_content_region.width, (
        pane.virtual_size,
        pane.scrollable_content_region,
    )
    header = pane.render_line(0).text
    labels = [str(column.label) for column in pane.columns.values()]
    for label in labels:
        assert label in header, (label, header)
    for label in needed:
        assert label in labels, (label, labels)
    for y, row_key in enumerate(pane.rows, start=1):
        line = pane.render_line(y).text
        for cell in pane.get_row(row_key):
            assert str(cell) in line, (str(cell), line)


SIZES = [(200, 50), (120, 40), (80, 24)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_positions_and_orders_fit_with_pnl(tmp_path: Path, size: tuple[int, int]) -> None:
    session = demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=size) as pilot:
        await trade(app, pilot)
        positions = app.query_one(PositionsPane)
        orders = app.query_one(OrdersPane)
        if app.layout_mode == "compact":
            app.show_pane("positions")
        await wait_for(pilot, lambda: positions.row_count >= 2)
        await pilot.pause()
        fit = positions.shown_fit
        assert fit is not None
        pnl = ("Unreal", "Real", "Fees") if fit.short_labels else ("Unrealized", "Realized")
        assert_whole(app, positions, (*pnl, "Fees", "Qty", "Side"))
        if app.layout_mode == "compact":
            app.show_pane("orders")
        await wait_for(pilot, lambda: orders.row_count == 1)
        await pilot.pause()
        assert_whole(app, orders, ("Price",))
        price = str(orders.get_row_at(0)[[c.value for c in orders.columns].index("price")])
        assert price.endswith("¢")
        if size == (200, 50):
            # Room for everything: nothing given up.
            assert positions.shown_fit == type(fit)(positions.FIT_COLUMNS)
