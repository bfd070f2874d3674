"""Pilot tests of the panes: each mounted alone in a tiny host app and fed hand-built snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal as D
from types import MappingProxyType
from typing import Any

from textual.app import App, ComposeResult
from textual.widget import Widget

from kalshi_tui.domain.models import BookLevel, Order, OrderBook
from kalshi_tui.domain.store import Health, Snapshot
from kalshi_tui.ui.widgets.order_book import OrderBookPane, depth_bar

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


async def run_pane(widget: Widget, *steps: Callable[[], None]) -> None:
    """Mount `widget` in a host and run `steps` with pauses in between."""
    app = Host(widget)
    async with app.run_test(size=(120, 40)) as pilot:
        for step in steps:
            step()
            await pilot.pause()


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
    await run_pane(
        pane,
        lambda: pane.show(snapshot(selected=TICKER, book=book(), orders=(resting,)), NOW),
    )
    lines = text_of(pane).splitlines()
    ask_line = next(line for line in lines if "46¢" in line)
    assert ask_line.startswith("●3")
    assert not any(line.startswith("●") for line in lines if "44¢" in line)


async def test_book_for_another_ticker_is_never_shown() -> None:
    pane = OrderBookPane()
    await run_pane(
        pane,
        lambda: pane.show(snapshot(selected=TICKER, book=book("KXOTHER-1")), NOW),
    )
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
    await run_pane(pane, lambda: pane.show(snapshot(selected=TICKER, book=tail), NOW))
    shown = text_of(pane)
    assert "4.5¢" in shown
    assert "5.1¢" in shown
    assert "spread 0.6¢" in shown


async def test_book_stale_health_greys_and_shows_age() -> None:
    pane = OrderBookPane()
    health = fresh("orderbook", age=14.0)
    await run_pane(
        pane, lambda: pane.show(snapshot(selected=TICKER, book=book(), health=health), NOW)
    )
    assert pane.has_class("-stale")
    assert "stale 14s" in (pane.border_title or "")


async def test_book_never_loaded() -> None:
    pane = OrderBookPane()
    health = MappingProxyType({"orderbook": Health(interval=1.0, stale_after=10.0)})
    await run_pane(pane, lambda: pane.show(snapshot(selected=TICKER, health=health), NOW))
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
