"""Sub-cent price grids end to end in the demo (issue 12). The Senate markets trade on
`center_half_edge_deci_cent` (0.5¢ ticks from 10¢ to 90¢, 0.1¢ outside): the ticket validates
and steps on that grid, an order at a half-cent price passes the risk gate, is journaled and
rests at that exact price, a counterparty's sell fills it there, and every pane shows it."""

from __future__ import annotations

import sqlite3
from decimal import Decimal as D
from pathlib import Path

from live_kit import FAST, wait_for
from textual.widgets import Input, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.exchange.engine import OrderInput
from kalshi_tui.exchange.engine.views import PRICE_SCALE
from kalshi_tui.journal import journal_path
from kalshi_tui.services.launch import demo_dir, demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane

HALF = D("0.005")
SENATE_GRID = (
    (D(0), D("0.1"), D("0.001")),
    (D("0.1"), D("0.9"), D("0.005")),
    (D("0.9"), D(1), D("0.001")),
)


def pane_text(app: TerminalApp, selector: type[OrdersPane]) -> str:
    pane = app.query_one(selector)
    return "\n".join(
        "".join(segment.text for segment in pane.render_line(y)) for y in range(pane.size.height)
    )


async def test_a_half_cent_order_on_a_center_tick_market(tmp_path: Path) -> None:
    session = demo_session(markets=60, plan=FAST)
    running = session.exchange
    assert running is not None
    with running.engine() as engine:
        senate = next(
            m.ticker
            for m in engine.list_markets(series_ticker="KXSENATE", status="open")
            if m.price_level_structure == "center_half_edge_deci_cent"
        )
    app = TerminalApp(session, favourites_path=tmp_path / "f.json", confirm_orders=False)
    async with app.run_test(size=(180, 50)) as pilot:
        snap = lambda: app.session.snapshot  # noqa: E731
        ticket = app.query_one(OrderTicket)
        await wait_for(pilot, lambda: snap().trading_ready and snap().market(senate) is not None)
        app.session.select(senate)
        await wait_for(
            pilot,
            lambda: (
                ticket.ticker == senate
                and snap().book is not None
                and snap().book.ticker == senate  # type: ignore[union-attr]
                and snap().book.best_yes_ask is not None  # type: ignore[union-attr]
            ),
        )
        # The ticket reads the market's own grid from its price_ranges.
        assert [tuple(D(v) for v in band) for band in ticket.price_ranges] == list(SENATE_GRID)
        price_box = ticket.query_one("#ticket-price", Input)
        error = ticket.query_one("#ticket-error", Static)

        # Off the grid: 45.3¢ is between the half-cent ticks of the center band.
        price_box.value = "45.3¢"
        ticket.query_one("#ticket-count", Input).value = "1"
        await pilot.pause()
        assert str(error.render()) == "price 45.3¢ is off the market's grid (try 45¢ or 45.5¢)"
        # At the edge the tick is 0.1¢, so 5.3¢ is fine.
        price_box.value = "5.3¢"
        await pilot.pause()
        assert str(error.render()) == ""

        # ↑/↓ follow the grid: 0.1¢ below 10¢, 0.5¢ above it.
        price_box.value = "9.9¢"
        price_box.focus()
        await pilot.press("up")
        assert price_box.value == "10¢"
        await pilot.press("up")
        assert price_box.value == "10.5¢"
        await pilot.press("up")
        assert price_box.value == "11¢"
        await pilot.press("down", "down", "down")
        assert price_box.value == "9.9¢"

        # A resting bid at a half-cent price 3¢ under the best bid (agents trade here too).
        book = snap().book
        assert book is not None
        assert book.best_yes_bid is not None
        price = book.best_yes_bid - D("0.03")
        price = price + HALF if price % D("0.01") == 0 else price
        assert D("0.10") < price < D("0.90"), price
        assert price % D("0.01") == HALF, price
        price_box.value = fmt.cents(price)
        await pilot.pause()
        assert str(error.render()) == ""
        client_order_id = ticket.client_order_id
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(o.ticker == senate for o in snap().orders))
        order = next(o for o in snap().orders if o.ticker == senate)
        assert (order.price, order.remaining_count) == (price, D(1))
        trading = app.session.trading
        assert trading is not None
        intent = trading.journal.intent(client_order_id)
        assert intent is not None
        assert intent.price == price
        await wait_for(pilot, lambda: fmt.cents(price) in pane_text(app, OrdersPane))

        # A counterparty sells down to our bid, sweeping every bid at or above it: the
        # exchange matches on the grid, and our fill is at our half-cent price.
        with running.engine() as engine:
            depth = sum(c for p, c in engine.get_book(senate).yes if p >= int(price * PRICE_SCALE))
            engine.create_user("counterparty", balance=1_000_000_000)
            engine.create_order(
                "counterparty",
                OrderInput(senate, "yes", "sell", int(price * PRICE_SCALE), depth),
                running.now_ms(),
            )
        await wait_for(
            pilot, lambda: any(f.ticker == senate for f in trading.journal.fills(ticker=senate))
        )
        fills = list(trading.journal.fills(ticker=senate))
        assert [(f.price, f.count, f.is_taker) for f in fills] == [(price, D(1), False)]
        # The fee keeps the balance on whole cents: 45.5¢ costs 46¢ with its fee.
        assert (fills[0].price + fills[0].fee) % D("0.01") == 0
        await wait_for(pilot, lambda: any(p.ticker == senate for p in snap().positions))
        # The log line shows the fill's price and its sub-cent fee to the last digit.
        line = (
            f"FILL buy 1 YES @ {fmt.cents(price)} {senate} "
            f"(maker, fee {fmt.exact_dollars(fills[0].fee)})"
        )
        assert fills[0].fee == D("0.005")  # no maker fee on this series: the rounding fee
        await wait_for(pilot, lambda: any(e.text == line for e in app.session.store.log_since(0)))

    # The journal's own rows hold the exact decimal text.
    journal_file = journal_path(demo_dir())
    await app.session.close()
    with sqlite3.connect(journal_file) as conn:
        (stored,) = conn.execute("SELECT price FROM fills WHERE ticker = ?", (senate,)).fetchone()
    assert D(stored) == price
