"""The layout at the sizes a trader uses (issue 15): the real app against the embedded
exchange, checked for what is on screen at 200x50, 120x40, 80x24 and 60x20, and the
"too small" message below the minimum."""

from __future__ import annotations

from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Static

from kalshi_tui.domain.store import TradingMode
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.layout import PaneTabs
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_book import OrderBookPane

PANES = ("#status", "#markets", "#book", "#chart", "#ticket", "#positions", "#orders", "#log")


def app_for(tmp_path: Path) -> TerminalApp:
    session = demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)
    return TerminalApp(session, favourites_path=tmp_path / "favourites.json")


async def loaded(app: TerminalApp, pilot: Pilot[int]) -> None:
    snapshot = lambda: app.session.snapshot  # noqa: E731
    await wait_for(
        pilot,
        lambda: snapshot().book is not None and snapshot().book.ticker == snapshot().selected,  # type: ignore[union-attr]
    )
    await pilot.pause()


def visible(app: TerminalApp, selector: str) -> bool:
    """Whether the widget takes a non-empty region inside the screen (so it is painted)."""
    widget = app.screen.query_one(selector, Widget)
    region = widget.region
    return region.width > 0 and region.height > 0 and app.screen.region.contains_region(region)


def market_rows(app: TerminalApp) -> int:
    table = app.query_one(MarketTable)
    return min(len(table.view.rows), table.scrollable_content_region.height - 1)


def header_line(app: TerminalApp) -> str:
    return app.query_one(MarketTable).render_line(0).text


def book_text(app: TerminalApp) -> str:
    return str(app.query_one(OrderBookPane).render())


def assert_list_with_quotes(app: TerminalApp, rows: int) -> None:
    assert visible(app, "#markets")
    assert market_rows(app) >= rows
    header = header_line(app)
    assert "Bid" in header
    assert "Ask" in header


def assert_book_has_both_sides(app: TerminalApp) -> None:
    text = book_text(app)
    lines = text.splitlines()
    spread = next(i for i, line in enumerate(lines) if line.startswith("── bid"))
    assert lines[spread + 1 :], "no bid rows under the spread line"
    assert "¢" in lines[spread - 1]
    assert "¢" in lines[spread + 1]
    book = app.query_one(OrderBookPane)
    assert len(lines) <= book.content_region.height, "the ladder is cut off"


@pytest.mark.parametrize("size", [(200, 50), (120, 40)])
async def test_wide_sizes_show_every_pane(tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        assert app.layout_mode == "wide"
        for selector in PANES:
            assert visible(app, selector), selector
        assert_list_with_quotes(app, rows=10)
        assert_book_has_both_sides(app)
        assert not visible(app, "#pane-tabs")


async def test_80x24_is_compact_with_list_and_one_detail_pane(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app, pilot)
        assert app.layout_mode == "compact"
        assert visible(app, "#status")
        assert_list_with_quotes(app, rows=5)
        # The book below the list shows both sides around the spread.
        assert visible(app, "#book")
        assert_book_has_both_sides(app)
        assert visible(app, "#pane-tabs")
        assert "[Book]" in str(app.query_one(PaneTabs).render())
        # t shows the ticket and focuses its price, visibly.
        await pilot.press("t")
        await pilot.pause()
        assert app.focused is app.query_one("#ticket-price", Input)
        assert visible(app, "#ticket")
        assert visible(app, "#ticket-price")
        assert not visible(app, "#book")
        assert_list_with_quotes(app, rows=3)
        # Back to the list, then w walks through every other essential pane.
        await pilot.press("escape")
        seen = []
        for _ in range(6):
            await pilot.press("w")
            await pilot.pause()
            shown = [
                s
                for s in ("#book", "#ticket", "#positions", "#orders", "#chart", "#log")
                if visible(app, s)
            ]
            assert len(shown) == 1, shown
            seen.append(shown[0])
            assert_list_with_quotes(app, rows=3)
        assert set(seen) == {"#book", "#ticket", "#positions", "#orders", "#chart", "#log"}
        # o (orders) reveals its pane too.
        await pilot.press("o")
        await pilot.pause()
        assert visible(app, "#orders")


async def test_60x20_still_trades_and_smaller_shows_a_message(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await loaded(app, pilot)
        assert app.layout_mode == "compact"
        assert_list_with_quotes(app, rows=3)
        assert_book_has_both_sides(app)
        await pilot.press("t")
        await pilot.pause()
        assert visible(app, "#ticket-price")
        assert app.focused is app.query_one("#ticket-price", Input)
        await pilot.press("escape")
        # Below the minimum: a clear message, nothing half-drawn; the kill switch still works.
        await pilot.resize_terminal(59, 19)
        await pilot.pause()
        assert app.layout_mode == "too-small"
        assert visible(app, "#too-small")
        message = str(app.query_one("#too-small", Static).render())
        assert "Terminal too small: 59×19" in message
        assert "60×20" in message
        for selector in PANES:
            assert not visible(app, selector), selector
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: app.session.snapshot.trading.mode is TradingMode.HALTED)
        # Growing back restores the compact screen.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.layout_mode == "compact"
        assert_list_with_quotes(app, rows=5)
