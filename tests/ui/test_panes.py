"""Pilot tests of the panes: each mounted alone in a tiny host app and fed hand-built snapshots."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, Static

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import (
    Balance,
    BookLevel,
    ExchangeState,
    Fill,
    Order,
    OrderBook,
    Position,
    PriceHistory,
    PricePoint,
)
from kalshi_tui.domain.pnl import PnlBook
from kalshi_tui.domain.pnl_report import Difference, totals, value_book
from kalshi_tui.domain.pnl_view import PnlView
from kalshi_tui.domain.portfolio import TicketValues
from kalshi_tui.domain.store import Health, LogEntry, Snapshot, Store, TradingMode, TradingState
from kalshi_tui.ui.screens.help import HelpScreen
from kalshi_tui.ui.widgets.log_tail import LogTail, format_entry
from kalshi_tui.ui.widgets.order_book import OrderBookPane, depth_bar
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane, fill_progress
from kalshi_tui.ui.widgets.positions import TOTAL_KEY, PositionsPane
from kalshi_tui.ui.widgets.price_chart import ChartCanvas, PriceChart
from kalshi_tui.ui.widgets.status_bar import StatusBar

NOW = 1_800_000_000.0
"""The fixed 'now' of every test, Unix seconds."""

TICKER = "KXTEST-26NOV21-B45"


class Host(App[None]):
    """Mounts one widget, nothing else."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


M = TypeVar("M", bound=Message)


def posted(messages: list[Message], kind: type[M]) -> list[M]:
    """Distinct messages of `kind`; the hook sees a bubbling message once per node it reaches."""
    unique = {id(m): m for m in messages if isinstance(m, kind)}
    return list(unique.values())


def fresh(*feeds: str, age: float = 1.0) -> MappingProxyType[str, Health]:
    """Health records for `feeds`, each last polled `age` seconds before NOW."""
    return MappingProxyType(
        {
            feed: Health(interval=1.0, stale_after=10.0, last_success=NOW - age, latency=0.042)
            for feed in feeds
        }
    )


def snapshot(**changes: Any) -> Snapshot:
    """A snapshot with every feed fresh unless `health` is given."""
    changes.setdefault(
        "health",
        fresh("markets", "orderbook", "portfolio", "exchange", "history", "settlements"),
    )
    return Snapshot(**changes)


def text_of(widget: Widget) -> str:
    """What a Static-like widget shows, as plain text."""
    return str(widget.render())


def order(
    side: str = "yes",
    action: str = "buy",
    price: str = "0.44",
    count: str = "10",
    filled: str = "0",
    ticker: str = TICKER,
    order_id: str = "o1",
    created: datetime | None = None,
) -> Order:
    initial = D(count)
    return Order(
        order_id=order_id,
        client_order_id="c-" + order_id,
        ticker=ticker,
        side=side,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
        price=D(price),
        initial_count=initial,
        fill_count=D(filled),
        remaining_count=initial - D(filled),
        status="resting",
        fees=D(0),
        created_time=created,
    )


def book(ticker: str = TICKER) -> OrderBook:
    # YES bids 43¢ × 90 and 44¢ × 250; NO bids 53¢ × 120 and 54¢ × 180 → YES asks 47¢, 46¢.
    return OrderBook(
        ticker=ticker,
        yes=(BookLevel(D("0.43"), D(90)), BookLevel(D("0.44"), D(250))),
        no=(BookLevel(D("0.53"), D(120)), BookLevel(D("0.54"), D(180))),
    )


@asynccontextmanager
async def mounted(
    widget: Widget, messages: list[Message] | None = None
) -> AsyncIterator[Pilot[None]]:
    """Run a host app around `widget`; assertions go inside the block, while it is mounted.

    Every message any node receives is appended to `messages` when given.
    """
    app = Host(widget)
    hook = None if messages is None else messages.append
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.pause()
        yield pilot


# --- order book --------------------------------------------------------------------------


async def test_book_shows_best_prices_spread_mid_and_my_resting_level() -> None:
    pane = OrderBookPane()
    app = Host(pane)
    async with app.run_test(size=(120, 40)) as pilot:
        pane.show(
            snapshot(selected=TICKER, book=book(), orders=(order(price="0.44", count="5"),)),
            NOW,
        )
        await pilot.pause()
        shown = text_of(pane)
        lines = shown.splitlines()
        assert "bid 44¢ · ask 46¢ · spread 2¢ · mid 45¢" in shown
        spread_at = next(i for i, line in enumerate(lines) if "spread" in line)
        # Best ask directly above the spread line, best bid directly below it.
        assert "46¢" in lines[spread_at - 1]
        assert "180" in lines[spread_at - 1]
        assert lines[spread_at + 1].startswith("●5")
        assert "44¢" in lines[spread_at + 1]
        assert "43¢" in lines[spread_at + 2]
        # Cumulative size: 250 then 250 + 90.
        assert "340" in lines[spread_at + 2]
        assert "Book · KXTEST" in (pane.border_title or "")
        assert not pane.has_class("-stale")


async def test_book_marks_no_side_order_on_the_ask_at_its_yes_price() -> None:
    pane = OrderBookPane()
    # Buy NO at 54¢ rests as a NO bid at 54¢ = YES ask at 46¢.
    resting = order(side="no", action="buy", price="0.54", count="3")
    async with mounted(pane) as pilot:
        pane.show(snapshot(selected=TICKER, book=book(), orders=(resting,)), NOW)
        await pilot.pause()
        lines = text_of(pane).splitlines()
        ask_line = next(line for line in lines if "46¢" in line)
        assert ask_line.startswith("●3")
        assert not any(line.startswith("●") for line in lines if "44¢" in line)


async def test_book_for_another_ticker_is_never_shown() -> None:
    pane = OrderBookPane()
    async with mounted(pane) as pilot:
        pane.show(snapshot(selected=TICKER, book=book("KXOTHER-1")), NOW)
        await pilot.pause()
        shown = text_of(pane)
        assert "spread" not in shown
        assert "46¢" not in shown
        assert f"Waiting for the book of {TICKER}" in shown


async def test_book_sub_cent_prices_shown_exactly() -> None:
    pane = OrderBookPane()
    tail = OrderBook(
        ticker=TICKER,
        yes=(BookLevel(D("0.0450"), D(7)),),
        no=(BookLevel(D("0.9490"), D(3)),),
    )
    async with mounted(pane) as pilot:
        pane.show(snapshot(selected=TICKER, book=tail), NOW)
        await pilot.pause()
        shown = text_of(pane)
        assert "4.5¢" in shown
        assert "5.1¢" in shown
        assert "spread 0.6¢" in shown


async def test_book_stale_health_greys_and_shows_age() -> None:
    pane = OrderBookPane()
    health = fresh("orderbook", age=14.0)
    async with mounted(pane) as pilot:
        pane.show(snapshot(selected=TICKER, book=book(), health=health), NOW)
        await pilot.pause()
        assert pane.has_class("-stale")
        assert "stale 14s" in (pane.border_title or "")


async def test_book_never_loaded() -> None:
    pane = OrderBookPane()
    health = MappingProxyType({"orderbook": Health(interval=1.0, stale_after=10.0)})
    async with mounted(pane) as pilot:
        pane.show(snapshot(selected=TICKER, health=health), NOW)
        await pilot.pause()
        assert pane.has_class("-stale")
        assert "never loaded" in (pane.border_title or "")


async def test_book_show_is_a_no_op_when_nothing_changed() -> None:
    pane = OrderBookPane()
    app = Host(pane)
    async with app.run_test(size=(120, 40)) as pilot:
        state = snapshot(selected=TICKER, book=book())
        pane.show(state, NOW)
        await pilot.pause()
        first = pane.render()
        # An equal snapshot later (same fresh age bucket) must not rebuild the content.
        pane.show(snapshot(selected=TICKER, book=book()), NOW + 1)
        assert pane.render() is first


def test_depth_bar_scales_to_largest() -> None:
    assert depth_bar(D(10), D(10), 4) == "████"
    assert depth_bar(D(5), D(10), 4) == "██"
    assert depth_bar(D(1), D(1000), 4) == "▏"
    assert depth_bar(D(0), D(10), 4) == ""


# --- status bar --------------------------------------------------------------------------


def label_text(widget: Widget, selector: str) -> str:
    return str(widget.query_one(selector, Label).render())


async def test_status_bar_demo_active_and_money() -> None:
    bar = StatusBar()
    # "Portfolio" is the positions pane's TOTAL value (mid 0.995 × 100), not the
    # exchange's own figure (issue 15: one valuation rule).
    held = market(TICKER, "0.99", "1.00", None)
    state = snapshot(
        balance=Balance(cash=D("1234.56"), portfolio_value=D("99")),
        rate_headroom=0.85,
        markets=(held,),
        markets_by_ticker=MappingProxyType({TICKER: held}),
        positions=(position(TICKER, "100", "90", "0", "0"),),
    )
    async with mounted(bar) as pilot:
        bar.show(state, NOW, day_pnl=D("3.2"))
        await pilot.pause()
        assert label_text(bar, "#env") == "DEMO"
        assert not bar.has_class("-prod")
        assert label_text(bar, "#cash") == "Cash $1,234.56"
        assert label_text(bar, "#value") == "Portfolio $99.50"
        assert label_text(bar, "#pnl") == "Day +$3.20"
        assert bar.query_one("#pnl").has_class("-up")
        assert label_text(bar, "#trading") == "ACTIVE"
        assert label_text(bar, "#feeds") == "feeds OK · 42ms"
        assert label_text(bar, "#rate") == "rate 85%"
        assert not bar.query_one("#banner").display


async def test_status_bar_prod_halted_and_exchange_paused() -> None:
    bar = StatusBar()
    state = snapshot(
        environment="prod",
        trading=TradingState(TradingMode.HALTED, "kill switch [ctrl+k]", NOW),
        exchange=ExchangeState(
            exchange_active=True,
            trading_active=False,
            resume_time=datetime(2026, 11, 23, 14, 30, tzinfo=UTC),
        ),
        rate_headroom=0.05,
    )
    async with mounted(bar) as pilot:
        bar.show(state, NOW, day_pnl=D("-1.05"))
        await pilot.pause()
        assert label_text(bar, "#env") == "PROD"
        assert bar.has_class("-prod")
        assert bar.has_class("-halted")
        # Free text with brackets is shown verbatim, not parsed as markup.
        assert label_text(bar, "#trading") == "HALTED: kill switch [ctrl+k]"
        assert label_text(bar, "#pnl") == "Day −$1.05"
        assert bar.query_one("#pnl").has_class("-down")
        assert bar.query_one("#rate").has_class("-low")
        assert bar.query_one("#banner").display
        assert label_text(bar, "#banner") == "TRADING PAUSED · resumes Mon 23 Nov 14:30 UTC"


async def test_status_bar_reducing_closed_exchange_and_stale_feeds() -> None:
    bar = StatusBar()
    health = dict(fresh("markets", "portfolio"))
    health["orderbook"] = Health(interval=1.0, stale_after=10.0, last_success=NOW - 14)
    state = snapshot(
        trading=TradingState(TradingMode.REDUCING, "daily loss limit"),
        exchange=ExchangeState(exchange_active=False, trading_active=False),
        health=MappingProxyType(health),
    )
    async with mounted(bar) as pilot:
        bar.show(state, NOW)
        await pilot.pause()
        assert bar.has_class("-reducing")
        assert label_text(bar, "#trading") == "REDUCING: daily loss limit"
        assert label_text(bar, "#banner") == "EXCHANGE CLOSED"
        assert label_text(bar, "#feeds") == "feeds STALE: orderbook stale 14s · 42ms"
        assert bar.query_one("#feeds").has_class("-stale")
        assert label_text(bar, "#pnl") == "Day —"


# --- order ticket ------------------------------------------------------------------------


def static_text(widget: Widget, selector: str) -> str:
    return str(widget.query_one(selector, Static).render())


async def test_ticket_preview_buy_ten_yes_at_fifty() -> None:
    ticket = OrderTicket()
    messages: list[Message] = []
    async with mounted(ticket, messages) as pilot:
        ticket.set_market(TICKER)
        await pilot.click("#ticket-price")
        await pilot.press("0", ".", "5", "0", "tab", "1", "0")
        await pilot.pause()
        preview = static_text(ticket, "#ticket-preview")
        assert "Buy 10 YES @ 50¢" in preview
        assert "Cost $5.00 · fee ≈ $0.18 est. (taker at the limit)" in preview
        assert "Max payout $10.00 · Max loss $5.18" in preview
        assert "Break-even YES ≥ 51.8%" in preview
        assert static_text(ticket, "#ticket-error") == ""
        await pilot.press("enter")
        await pilot.pause()
    assert [m.ticket for m in posted(messages, OrderTicket.Submitted)] == [
        TicketValues(TICKER, "yes", "buy", D("0.50"), D(10))
    ]


async def test_ticket_rejects_off_grid_price_and_zero_count_inline() -> None:
    ticket = OrderTicket()
    messages: list[Message] = []
    async with mounted(ticket, messages) as pilot:
        ticket.set_market(TICKER)
        ticket.query_one("#ticket-price", Input).value = "0.505"
        ticket.query_one("#ticket-count", Input).value = "0"
        await pilot.pause()
        error = static_text(ticket, "#ticket-error")
        assert "price 50.5¢ is off the market's grid (try 50¢ or 51¢)" in error
        assert "count must be more than 0" in error
        assert ticket.query_one("#ticket-price").has_class("-invalid")
        assert ticket.query_one("#ticket-count").has_class("-invalid")
        assert "complete the ticket" in static_text(ticket, "#ticket-preview")
        ticket.query_one("#ticket-count", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
    assert posted(messages, OrderTicket.Submitted) == []


async def test_ticket_rejects_price_outside_unit_interval_and_non_numbers() -> None:
    ticket = OrderTicket()
    async with mounted(ticket) as pilot:
        ticket.set_market(TICKER)
        # Issue 15: a number of 1 or more is cents, so 1.5 is 1.5¢ (off the grid) and an
        # out-of-range price is 150; 45 is 45¢ (it used to be refused as 45 dollars).
        ticket.query_one("#ticket-price", Input).value = "150"
        ticket.query_one("#ticket-count", Input).value = "1.2.3"
        await pilot.pause()
        error = static_text(ticket, "#ticket-error")
        assert "price 150¢ is out of range" in error
        assert "count '1.2.3' is not a number" in error
        ticket.query_one("#ticket-price", Input).value = "45"
        ticket.query_one("#ticket-count", Input).value = "1"
        await pilot.pause()
        assert static_text(ticket, "#ticket-error") == ""
        assert "Buy 1 YES @ 45¢" in static_text(ticket, "#ticket-preview")


async def test_ticket_steps_price_on_the_market_grid_and_sell_preview() -> None:
    ticket = OrderTicket()
    tapered = (
        (D("0"), D("0.10"), D("0.001")),
        (D("0.10"), D("0.90"), D("0.01")),
        (D("0.90"), D("1"), D("0.001")),
    )
    async with mounted(ticket) as pilot:
        ticket.set_market(TICKER, tapered)
        price = ticket.query_one("#ticket-price", Input)
        price.value = "0.10"
        price.focus()
        await pilot.press("down")
        assert price.value == "9.9¢"  # issue 15: the box shows cents, like every pane
        await pilot.press("up", "up")
        assert price.value == "11¢"
        ticket.query_one("#action-sell", RadioButton).value = True
        ticket.query_one("#ticket-count", Input).value = "100"
        await pilot.pause()
        preview = static_text(ticket, "#ticket-preview")
        # Sell 100 YES at 11¢ ≡ buy 100 NO at 89¢: cost $89.00, fee 0.6853 → $0.69.
        assert "Sell 100 YES @ 11¢" in preview
        assert "Cost $89.00 · fee ≈ $0.69 est." in preview
        assert "Break-even NO ≥ 89.7%" in preview
        # Issue 15: with nothing held the sell is previewed as the opening trade it is
        # (it used to add "closing returns $10.31", as if it might close a position).
        assert "No YES held to close: this sell opens 100 NO @ 89¢" in preview
        assert "Ticket · KXTEST" in (ticket.border_title or "")


async def test_ticket_without_market_says_so() -> None:
    ticket = OrderTicket()
    async with mounted(ticket) as pilot:
        ticket.query_one("#ticket-price", Input).value = "0.40"
        ticket.query_one("#ticket-count", Input).value = "5"
        await pilot.pause()
        assert "no market selected" in static_text(ticket, "#ticket-error")
        ticket.show(snapshot(selected=TICKER), NOW)
        await pilot.pause()
        assert static_text(ticket, "#ticket-error") == ""
        assert "Buy 5 YES @ 40¢" in static_text(ticket, "#ticket-preview")


# --- positions ---------------------------------------------------------------------------


def market(ticker: str, bid: str | None, ask: str | None, last: str | None) -> MarketSummary:
    return MarketSummary(
        ticker=ticker,
        event_ticker="EV",
        series_ticker="SER",
        title=f"Will {ticker} [happen]?",
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


def position(ticker: str, contracts: str, exposure: str, realized: str, fees: str) -> Position:
    return Position(
        ticker=ticker,
        contracts=D(contracts),
        market_exposure=D(exposure),
        realized_pnl=D(realized),
        fees_paid=D(fees),
        total_traded=D(exposure),
    )


def row_text(table: PositionsPane | OrdersPane, key: str) -> list[str]:
    return [str(cell) for cell in table.get_row(key)]


async def test_positions_rows_marks_and_totals() -> None:
    pane = PositionsPane()
    markets = {
        "KXA-1": market("KXA-1", "0.44", "0.48", "0.45"),
        "KXB-1": market("KXB-1", "0.30", "0.40", None),
        "KXC-1": market("KXC-1", None, None, None),
        "KXD-1": market("KXD-1", None, None, "0.20"),
    }
    state = snapshot(
        markets=tuple(markets.values()),
        markets_by_ticker=MappingProxyType(markets),
        positions=(
            position("KXA-1", "10", "4.00", "1.25", "0.17"),
            position("KXB-1", "-5", "3.50", "-0.50", "0.10"),
            position("KXC-1", "3", "0.90", "0", "0.03"),
            position("KXD-1", "0", "0", "2.00", "0.05"),
        ),
    )
    async with mounted(pane) as pilot:
        pane.show(state, NOW)
        await pilot.pause()
        assert row_text(pane, "KXA-1") == [
            "KXA-1", "YES", "10", "40¢", "46¢", "$4.60", "+$0.60", "+$1.25", "$0.17", "",
        ]  # fmt: skip
        assert row_text(pane, "KXB-1") == [
            "KXB-1", "NO", "5", "70¢", "65¢", "$3.25", "−$0.25", "−$0.50", "$0.10", "",
        ]  # fmt: skip
        assert row_text(pane, "KXC-1")[4:7] == ["—", "—", "—"]
        # The flat position stays listed (issue 15), so its realized P&L and fees in the
        # totals are on screen.
        assert row_text(pane, "KXD-1")[1:3] == ["flat", "0"]
        assert row_text(pane, "KXD-1")[7] == "+$2.00"
        assert row_text(pane, TOTAL_KEY) == [
            "TOTAL", "", "", "", "1 unmarked", "$7.85", "+$0.35", "+$2.75", "$0.35", "",
        ]  # fmt: skip
        assert pane.row_count == 5
        assert not pane.has_class("-stale")


async def test_positions_stale_portfolio_feed() -> None:
    pane = PositionsPane()
    health = MappingProxyType(
        {
            "portfolio": Health(interval=5.0, stale_after=30.0, last_success=NOW - 125),
            "markets": Health(interval=5.0, stale_after=30.0, last_success=NOW - 2),
        }
    )
    async with mounted(pane) as pilot:
        pane.show(snapshot(health=health), NOW)
        await pilot.pause()
        assert pane.has_class("-stale")
        assert "stale 2m" in (pane.border_title or "")
        assert row_text(pane, TOTAL_KEY)[5:] == ["$0.00", "$0.00", "$0.00", "$0.00", ""]


# --- orders ------------------------------------------------------------------------------


async def test_orders_show_fill_progress_price_side_and_age() -> None:
    pane = OrdersPane()
    created = datetime.fromtimestamp(NOW - 185, tz=UTC)
    older = datetime.fromtimestamp(NOW - 7200, tz=UTC)
    state = snapshot(
        orders=(
            order(side="no", action="buy", price="0.54", count="10", filled="4",
                  order_id="o-new", created=created),
            order(side="yes", action="sell", price="0.0450", count="3", order_id="o-old",
                  created=older),
        )
    )  # fmt: skip
    async with mounted(pane) as pilot:
        pane.show(state, NOW)
        await pilot.pause()
        assert row_text(pane, "o-new") == [TICKER, "BUY NO", "NO 54¢", "4/10 ██░░░", "6", "3m"]
        assert row_text(pane, "o-old")[2:] == ["YES 4.5¢", "0/3 ░░░░░", "3", "2h"]
        # Newest first.
        assert pane.coordinate_to_cell_key(pane.cursor_coordinate).row_key.value == "o-new"
        assert pane.border_title == "Orders (2)"


def test_fill_progress() -> None:
    assert fill_progress(D(10), D(10)) == "10/10 █████"
    assert fill_progress(D("2.5"), D(10)) == "2.50/10 █░░░░"
    assert fill_progress(D(0), D(0)) == "0/0"


# --- log tail ----------------------------------------------------------------------------


def clock_of(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds))


async def test_log_tail_writes_new_entries_in_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(clock=lambda: NOW)
    pane = LogTail(store, max_lines=3)
    batches: list[list[str]] = []
    original = pane.write_lines

    def spy(lines: Any, scroll_end: bool | None = None) -> LogTail:
        batch = list(lines)
        batches.append(batch)
        return original(batch, scroll_end)

    monkeypatch.setattr(pane, "write_lines", spy)
    async with mounted(pane) as pilot:
        store.log("connected to demo")
        store.log("order [abc] rejected: 409", level="error")
        store.log("rate limited", level="warning")
        pane.show(store.snapshot, NOW)
        await pilot.pause()
        assert len(batches) == 1
        assert len(batches[0]) == 3
        # Nothing new: no write at all.
        pane.show(store.snapshot, NOW)
        assert len(batches) == 1
        stamp = clock_of(NOW)
        shown = [pane.render_line(y).text.rstrip() for y in range(3)]
        assert shown == [
            f"{stamp} INFO connected to demo",
            f"{stamp} ERR  order [abc] rejected: 409",
            f"{stamp} WARN rate limited",
        ]
        store.log("line\nbreak")
        pane.show(store.snapshot, NOW)
        await pilot.pause()
        # max_lines=3 keeps the newest three.
        assert pane.line_count == 3
        assert pane.lines[-1] == f"{stamp} INFO line ⏎ break"
        assert pane.lines[0].endswith("order [abc] rejected: 409")


async def test_log_tail_freezes_and_unfreezes() -> None:
    store = Store(clock=lambda: NOW)
    pane = LogTail(store)
    async with mounted(pane) as pilot:
        store.log("first")
        pane.show(store.snapshot, NOW)
        pane.focus()
        await pilot.press("f")
        assert pane.frozen
        assert pane.has_class("-frozen")
        assert "FROZEN" in (pane.border_title or "")
        store.log("second")
        store.log("third")
        pane.show(store.snapshot, NOW)
        await pilot.pause()
        assert pane.line_count == 1
        assert pane.border_title == "Log · FROZEN (+2 new)"
        await pilot.press("f")
        assert not pane.has_class("-frozen")
        assert pane.border_title == "Log"
        assert [line.split(" ", 2)[2] for line in pane.lines] == ["first", "second", "third"]


async def test_log_tail_keeps_following_past_the_pane_height() -> None:
    """The tail once stopped following after its sixth line: `Log` scrolls only when the
    view already sits at the end, and the first overflow (or a horizontal scrollbar from
    a long line) moved the end under it. Every later line must still come into view,
    and unfreezing must catch up too."""
    store = Store(clock=lambda: NOW)
    pane = LogTail(store)
    pane.styles.height = 8
    async with mounted(pane) as pilot:

        def visible() -> str:
            return "\n".join(
                pane.render_line(y).text for y in range(pane.scrollable_content_region.height)
            )

        for n in range(1, 31):
            text = f"event {n}" if n != 4 else "a very long line " + "x" * 300
            store.log(text)
            pane.show(store.snapshot, NOW)
            await pilot.pause()
            await pilot.pause()
            assert f"event {n}" in visible() or n == 4, (n, visible())
        assert pane.scroll_offset.y == pane.max_scroll_y
        pane.focus()
        await pilot.press("f")
        for n in range(31, 41):
            store.log(f"event {n}")
        pane.show(store.snapshot, NOW)
        await pilot.pause()
        assert "event 40" not in visible()
        await pilot.press("f")
        await pilot.pause()
        assert "event 40" in visible()


def test_format_entry_unknown_level_is_tagged() -> None:
    entry = LogEntry(seq=1, time=NOW, level="debug", text="x")
    assert format_entry(entry) == f"{clock_of(NOW)} DEBU x"


# --- price chart -------------------------------------------------------------------------


def history(ticker: str = TICKER, period: int = 60) -> PriceHistory:
    prices = [None, "0.40", None, "0.48", "0.0450", "0.45"]
    start = int(NOW) - 6 * 3600
    return PriceHistory(
        ticker=ticker,
        period_minutes=period,
        points=tuple(
            PricePoint(ts=start + i * 3600, price=None if p is None else D(p), volume=D(1))
            for i, p in enumerate(prices)
        ),
    )


async def test_chart_labels_last_min_max_and_period() -> None:
    chart = PriceChart()
    async with mounted(chart) as pilot:
        chart.show(snapshot(selected=TICKER, history=history(), history_period=60), NOW)
        await pilot.pause()
        assert static_text(chart, "#chart-stats") == (
            "last 45¢ · min 4.5¢ · max 48¢ · 6h of 1h · 4/6 traded"
        )
        # The leading gap is dropped; the inner gap stays empty: nothing carried forward,
        # nothing invented (issue 15; the premise "carries 0.40 forward" changed). The
        # chart is read from its canvas since it is no longer a Sparkline.
        series = chart.query_one(ChartCanvas).series
        assert series is not None
        assert series.prices == (D("0.40"), None, D("0.48"), D("0.045"), D("0.45"))
        assert chart.border_title == f"Chart · {TICKER} · 1h"
        assert not chart.has_class("-stale")


async def test_chart_ignores_history_of_another_market_or_period() -> None:
    chart = PriceChart()
    async with mounted(chart) as pilot:
        chart.show(snapshot(selected=TICKER, history=history("KXOTHER-1")), NOW)
        await pilot.pause()
        assert static_text(chart, "#chart-stats") == f"Waiting for 1h history of {TICKER}…"
        assert chart.query_one(ChartCanvas).series is None
        chart.show(snapshot(selected=TICKER, history=history(period=60), history_period=1440), NOW)
        await pilot.pause()
        assert static_text(chart, "#chart-stats") == f"Waiting for 1d history of {TICKER}…"


async def test_chart_period_key_posts_period_changed() -> None:
    chart = PriceChart()
    messages: list[Message] = []
    async with mounted(chart, messages) as pilot:
        chart.show(snapshot(selected=TICKER, history_period=60), NOW)
        chart.focus()
        await pilot.press("p")
        chart.show(snapshot(selected=TICKER, history_period=1440), NOW)
        await pilot.press("p")
        chart.request_period(60)
        await pilot.pause()
        with pytest.raises(ValueError, match="period"):
            chart.request_period(5)
    assert [m.minutes for m in posted(messages, PriceChart.PeriodChanged)] == [1440, 1, 60]


async def test_chart_stale_history() -> None:
    chart = PriceChart()
    health = fresh("history", age=95.0)
    async with mounted(chart) as pilot:
        chart.show(snapshot(selected=TICKER, history=history(), health=health), NOW)
        await pilot.pause()
        assert chart.has_class("-stale")
        assert "stale 1m" in (chart.border_title or "")


# --- help screen -------------------------------------------------------------------------


class HelpHost(App[None]):
    """An app with a few bindings of its own and a focusable pane with more."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+k", "halt", "Kill switch", id="app.kill", priority=True),
        Binding("c", "cancel_all", "Cancel all", id="app.cancel_all"),
    ]

    def compose(self) -> ComposeResult:
        yield LogTail()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_halt(self) -> None:
        self.bell()

    def action_cancel_all(self) -> None:
        self.bell()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing rests, so cancel-all is greyed out (None), not hidden.
        return None if action == "cancel_all" else True


def showing_help(app: App[None]) -> bool:
    return isinstance(app.screen, HelpScreen)


async def test_help_lists_active_bindings_with_remapped_keys() -> None:
    app = HelpHost()
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_keymap({"log.freeze": "z"})
        app.query_one(LogTail).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert showing_help(app)
        listing = str(app.screen.query_one("#help-bindings", Static).render())
        lines = [line.strip() for line in listing.splitlines()]
        assert "Log" in lines
        assert "z  Freeze log  [log.freeze]" in lines
        assert "f  Freeze log  [log.freeze]" not in lines
        assert "Everywhere" in lines
        assert "^k  Kill switch  [app.kill]" in lines
        assert "?  Help  [app.help]" in lines
        assert "c  Cancel all (unavailable now)  [app.cancel_all]" in lines
        await pilot.press("escape")
        await pilot.pause()
        assert not showing_help(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert showing_help(app)
        await pilot.press("q")
        await pilot.pause()
        assert not showing_help(app)


# --- contract ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pane", [OrderBookPane, PriceChart, OrderTicket, PositionsPane, OrdersPane, StatusBar]
)
def test_snapshot_fields_name_real_snapshot_fields(pane: type[Widget]) -> None:
    fields: frozenset[str] = getattr(pane, "SNAPSHOT_FIELDS")  # noqa: B009
    assert fields
    assert fields <= set(Snapshot.__dataclass_fields__)


async def test_ticket_follows_the_selected_markets_grid() -> None:
    ticket = OrderTicket()
    tapered = (
        (D("0"), D("0.10"), D("0.001")),
        (D("0.10"), D("0.90"), D("0.01")),
        (D("0.90"), D("1"), D("0.001")),
    )
    deci = replace(market(TICKER, "0.04", "0.05", None), price_ranges=tapered)
    async with mounted(ticket) as pilot:
        ticket.show(snapshot(selected=TICKER, markets_by_ticker={TICKER: deci}), NOW)
        ticket.query_one("#ticket-price", Input).value = "0.045"
        ticket.query_one("#ticket-count", Input).value = "100"
        await pilot.pause()
        assert ticket.price_ranges == tapered
        assert "Buy 100 YES @ 4.5¢" in static_text(ticket, "#ticket-preview")
        # Another market without a grid of its own trades in whole cents.
        ticket.show(snapshot(selected="KXOTHER-1"), NOW)
        await pilot.pause()
        # The other market's price is not carried over (issue 15); typed again, it is off
        # this market's grid.
        assert ticket.query_one("#ticket-price", Input).value == ""
        ticket.query_one("#ticket-price", Input).value = "0.045"
        await pilot.pause()
        assert "off the market's grid" in static_text(ticket, "#ticket-error")
        assert "Ticket · KXOTHER-1" in (ticket.border_title or "")


async def test_positions_show_the_journal_and_flag_differences() -> None:
    book = PnlBook()
    fill = Fill(
        fill_id="f1",
        order_id="o1",
        ticker="KXA-1",
        side="yes",
        action="buy",
        count=D(10),
        price=D("0.40"),
        is_taker=True,
        fee=D("0.17"),
        created_time=datetime(2026, 11, 29, 12, tzinfo=UTC),
    )
    book.apply_fill(fill)
    values = value_book(book, {"KXA-1": D("0.46")})
    agreeing = PnlView(positions=tuple(values), totals=totals(values), fills=1)
    pane = PositionsPane()
    async with mounted(pane) as pilot:
        pane.show(snapshot(pnl=agreeing), NOW)
        await pilot.pause()
        assert row_text(pane, "KXA-1") == [
            "KXA-1", "YES", "10", "40¢", "46¢", "$4.60", "+$0.60", "$0.00", "$0.17", "✓",
        ]  # fmt: skip
        assert "journal ✓" in str(pane.border_title)
        differing = replace(agreeing, differences=(Difference("KXA-1", "position", D(10), D(8)),))
        pane.show(snapshot(pnl=differing), NOW)
        await pilot.pause()
        assert row_text(pane, "KXA-1")[-1] == "Δ"
        assert "journal Δ 1 vs exchange" in str(pane.border_title)


class Desk(App[None]):
    """The header above the positions pane, as the main screen stacks them."""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield PositionsPane()


async def test_header_day_agrees_with_the_positions_pane_at_a_half_cent_mark() -> None:
    """Two positions bought today, each worth 3 × 38.5¢ = $1.155: the header's Day is
    what the pane's rounded rows say, unrealized + realized − fees (issue 15)."""
    book = PnlBook(day_start=datetime(2026, 11, 29, 5, tzinfo=UTC))
    marks: dict[str, D] = {}
    for ticker in ("KXA-1", "KXB-1"):
        book.apply_fill(
            Fill(
                fill_id=f"f-{ticker}",
                order_id=f"o-{ticker}",
                ticker=ticker,
                side="yes",
                action="buy",
                count=D(3),
                price=D("0.40"),
                is_taker=True,
                fee=D("0.02"),
                created_time=datetime(2026, 11, 29, 12, tzinfo=UTC),
            )
        )
        marks[ticker] = D("0.385")
    values = value_book(book, marks, marks)
    view = PnlView(positions=tuple(values), totals=totals(values), fills=2)
    state = snapshot(pnl=view, balance=Balance(cash=D("9997.56"), portfolio_value=D(0)))
    app = Desk()
    async with app.run_test(size=(160, 40)) as pilot:
        bar, pane = app.query_one(StatusBar), app.query_one(PositionsPane)
        pane.show(state, NOW)
        bar.show(state, NOW, day_pnl=view.totals.day)  # as the app passes it
        await pilot.pause()
        total = row_text(pane, TOTAL_KEY)
        assert total[5:9] == ["$2.32", "−$0.08", "$0.00", "$0.04"]
        assert label_text(bar, "#pnl") == "Day −$0.12"  # −0.08 + 0.00 − 0.04; was −$0.13
        assert "rounded to the cent" in str(bar.query_one("#pnl", Label).tooltip)
