"""The ticket, its dialogs and the desk keys under `run_test()`, against the embedded
exchange over loopback with a real journal: what the screen says is what will happen,
and the keys work where the trader is (issue 15)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kalshi_tui.domain.models import Order
from kalshi_tui.journal import IntentState
from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.confirm import OrderConfirmScreen
from kalshi_tui.ui.widgets.order_ticket import OrderTicket

Running = tuple[TerminalApp, Pilot[int], str]


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)


async def start(app: TerminalApp, pilot: Pilot[int]) -> str:
    """Wait until trading is enabled and the selected market's book is loaded."""
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
    return selected


@pytest.fixture
async def running(session: Session, tmp_path: Path) -> AsyncIterator[Running]:
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(180, 50), notifications=True) as pilot:
        ticker = await start(app, pilot)
        yield app, pilot, ticker


def text(app: TerminalApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def mine(app: TerminalApp, ticker: str) -> list[Order]:
    """Resting orders in `ticker` as the exchange lists them."""
    return [o for o in app.session.snapshot.orders if o.ticker == ticker]


async def type_ticket(pilot: Pilot[int], app: TerminalApp, price: str, count: str) -> None:
    ticket = app.query_one(OrderTicket)
    ticket.query_one("#ticket-price", Input).value = price
    count_box = ticket.query_one("#ticket-count", Input)
    count_box.value = count
    count_box.focus()
    await pilot.pause()


def toasts(app: TerminalApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


# --- 1. an empty field looks empty, and the ticket says what it needs -------------------


async def test_empty_fields_look_empty_and_a_quick_key_says_what_is_missing(
    running: Running,
) -> None:
    app, pilot, _ticker = running
    ticket = app.query_one(OrderTicket)
    for box in ticket.query(Input):
        assert box.value == ""
        assert not any(c.isdigit() for c in box.placeholder), box.placeholder
    assert "enter a price and a count" in text(app, "#ticket-preview")
    await pilot.press("b")  # buy at the ask: the price comes from the book, the count cannot
    await wait_for(pilot, lambda: "enter a count" in toasts(app))
    assert "enter a count" in text(app, "#ticket-preview")
    assert "enter a price" not in text(app, "#ticket-preview")
    assert not isinstance(app.screen, OrderConfirmScreen)
    assert not app.session.snapshot.orders


# --- 2. re-sending a finished order is a new order, under a new id ----------------------


async def test_resending_a_canceled_ticket_confirms_and_sends_a_new_id(running: Running) -> None:
    app, pilot, ticker = running
    trading = app.session.trading
    assert trading is not None
    book = app.session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    price = max(Decimal("0.01"), book.best_yes_bid - Decimal("0.05"))
    await type_ticket(pilot, app, str(price), "2")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(mine(app, ticker)) == 1)
    first = mine(app, ticker)[0]
    assert (await trading.orders.cancel(first.order_id)).ok
    await wait_for(
        pilot,
        lambda: (
            trading.journal.intent(first.client_order_id).state  # type: ignore[union-attr]
            is IntentState.CANCELED
        ),
    )
    # The same ticket again: the dialog offers a new order under a new id.
    app.query_one("#ticket-count", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    dialog = app.screen
    assert isinstance(dialog, OrderConfirmScreen)
    shown = "\n".join(str(s.content) for s in dialog.query(Static))
    new_id = dialog.draft.client_order_id
    assert new_id != first.client_order_id
    assert f"Order id {new_id}" in shown
    assert "NEW order" in shown
    await pilot.press("enter")
    await wait_for(pilot, lambda: [o.client_order_id for o in mine(app, ticker)] == [new_id])
    assert app.query_one(OrderTicket).client_order_id == new_id
    # A ticket whose order still rests is not sent again, and says so in the ticket.
    app.query_one("#ticket-count", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Not sent again" in text(app, "#ticket-status"))
    assert not isinstance(app.screen, OrderConfirmScreen)
    assert [o.client_order_id for o in mine(app, ticker)] == [new_id]
