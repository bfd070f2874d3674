"""The ticket tells the truth across markets and after a send (issue 15, a newcomer's
session): the real app under `run_test()` against the embedded exchange with a journal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.amend import AmendScreen
from kalshi_tui.ui.screens.confirm import OrderConfirmScreen
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane

Running = tuple[TerminalApp, Pilot[int], str]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    session = demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(180, 50), notifications=True) as pilot:
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
        selected = snapshot().selected
        assert selected is not None
        yield app, pilot, selected


def text(app: TerminalApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


async def type_ticket(pilot: Pilot[int], app: TerminalApp, price: str, count: str) -> None:
    ticket = app.query_one(OrderTicket)
    ticket.query_one("#ticket-price", Input).value = price
    count_box = ticket.query_one("#ticket-count", Input)
    count_box.value = count
    count_box.focus()
    await pilot.pause()


async def test_a_market_change_clears_the_price_and_the_last_outcome(running: Running) -> None:
    app, pilot, ticker = running
    await type_ticket(pilot, app, "70", "100000")  # over the order limit: refused
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Refused (max_order_contracts)" in text(app, "#ticket-status"))
    table = app.query_one(MarketTable)
    await wait_for(pilot, lambda: len(table.view.rows) >= 2)
    table.focus()
    await pilot.pause()
    await pilot.press("down")
    await wait_for(pilot, lambda: app.query_one(OrderTicket).ticker not in (None, ticker))
    await pilot.pause()
    ticket = app.query_one(OrderTicket)
    assert ticket.query_one("#ticket-price", Input).value == ""
    assert text(app, "#ticket-status") == ""
    assert "70¢" not in text(app, "#ticket-preview")
    assert "enter a price" in text(app, "#ticket-preview")


async def test_an_edit_clears_a_refusal(running: Running) -> None:
    app, pilot, _ticker = running
    await type_ticket(pilot, app, "5", "5000")
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Refused (max_order_contracts)" in text(app, "#ticket-status"))
    app.query_one("#ticket-count", Input).value = "10"
    await pilot.pause()
    assert "Refused" not in text(app, "#ticket-status")
    assert text(app, "#ticket-preview").startswith("Enter → Buy 10 YES @ 5¢")


async def test_after_a_send_the_headline_says_enter_sends_nothing_more(
    running: Running,
) -> None:
    app, pilot, ticker = running
    book = app.session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    low = max(Decimal("0.01"), book.best_yes_bid - Decimal("0.05"))
    await type_ticket(pilot, app, fmt.cents(low), "10")
    assert text(app, "#ticket-preview").startswith(f"Enter → Buy 10 YES @ {fmt.cents(low)}")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    await pilot.press("enter")
    mine = lambda: [o for o in app.session.snapshot.orders if o.ticker == ticker]  # noqa: E731
    await wait_for(pilot, lambda: len(mine()) == 1)
    await wait_for(pilot, lambda: "accepted" in text(app, "#ticket-status"))
    headline = text(app, "#ticket-preview").splitlines()[0]
    assert headline.startswith("Enter → nothing"), headline
    assert "Buy 10" not in headline
    # Amended from the orders pane: the ticket still does not claim Enter sends 10 @ low.
    await pilot.press("o")
    await wait_for(pilot, lambda: app.query_one(OrdersPane).row_count == 1)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AmendScreen))
    app.screen.query_one("#amend-count", Input).value = "12"
    app.screen.query_one("#amend-count", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, AmendScreen))
    await wait_for(pilot, lambda: [o.remaining_count for o in mine()] == [Decimal(12)])
    assert text(app, "#ticket-preview").startswith("Enter → nothing")
    # An edit is a new order, and the headline says so.
    app.query_one("#ticket-count", Input).value = "3"
    await pilot.pause()
    assert text(app, "#ticket-preview").startswith(f"Enter → Buy 3 YES @ {fmt.cents(low)}")


async def test_the_parsed_price_hint_has_its_own_space(running: Running) -> None:
    app, pilot, _ticker = running
    await type_ticket(pilot, app, "0.5", "1")
    hint = app.query_one("#ticket-price-cents", Label)
    assert "= 50¢" in str(hint.render())
    count_label = next(
        label
        for label in app.query_one(OrderTicket).query(".field-label").results(Label)
        if str(label.render()).strip() == "Count"
    )
    # The longest hint (a sub-penny price) ends, and a blank cell follows, before "Count".
    longest = len("= 99.99¢")
    assert hint.content_region.x + longest < count_label.region.x, (
        hint.content_region,
        count_label.region,
    )
