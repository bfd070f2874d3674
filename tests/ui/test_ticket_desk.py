"""The ticket, its dialogs and the desk keys under `run_test()`, against the embedded
exchange over loopback with a real journal: what the screen says is what will happen,
and the keys work where the trader is (issue 15)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Label, RadioButton, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order, Position
from kalshi_tui.domain.risk import RiskGate
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.journal import IntentState
from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.amend import AmendScreen
from kalshi_tui.ui.screens.confirm import OrderConfirmScreen, TypedConfirmScreen
from kalshi_tui.ui.screens.reconciliation import ReconciliationScreen
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane

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


# --- 3. the gate runs before the dialog, and again at send ------------------------------


async def test_an_order_certain_to_be_refused_gets_the_refusal_not_a_dialog(
    running: Running,
) -> None:
    app, pilot, ticker = running
    trading = app.session.trading
    assert trading is not None
    gate = trading.orders._gate
    assert isinstance(gate, RiskGate)
    await type_ticket(pilot, app, "0.05", "100000")  # the order limit is 100 contracts
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Refused (max_order_contracts)" in text(app, "#ticket-status"))
    assert not isinstance(app.screen, OrderConfirmScreen)
    assert "100,000 contracts is over the 100-contract order limit" in toasts(app)
    # A valid order gets the dialog; asking did not count as a submission.
    approvals = gate.throttle.count(time.time())
    await type_ticket(pilot, app, "0.05", "1")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    assert gate.throttle.count(time.time()) == approvals
    # Halted while the dialog is open: the gate judges again at send and refuses.
    await pilot.press("ctrl+k")
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Refused (halted)" in text(app, "#ticket-status"))
    assert not mine(app, ticker)
    # Once halted, the refusal comes at once, with no dialog.
    app.query_one("#ticket-status", Static).update("")
    app.query_one("#ticket-count", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Refused (halted)" in text(app, "#ticket-status"))
    assert not isinstance(app.screen, OrderConfirmScreen)


# --- 4. prices typed as 65, 65¢ or 0.65; every message in cents -------------------------


@pytest.mark.parametrize(
    "keys", [("6", "5"), ("6", "5", "cent_sign"), ("6", "5", "c"), ("0", ".", "6", "5")]
)
async def test_price_typed_as_cents_or_dollars_reads_65_cents(
    running: Running, keys: tuple[str, ...]
) -> None:
    app, pilot, _ticker = running
    await pilot.press("t")  # focuses the price box
    assert app.focused is app.query_one("#ticket-price", Input)
    for key in keys:
        if key == "cent_sign":  # the pilot cannot type ¢; a terminal sends this event
            event = events.Key("cent_sign", "¢")
            event.set_sender(app)
            app.post_message(event)
            await pilot.pause()
        else:
            await pilot.press(key)
    typed = "".join("¢" if k == "cent_sign" else k for k in keys)
    assert app.query_one("#ticket-price", Input).value == typed
    assert str(app.query_one("#ticket-price-cents", Label).content) == "= 65¢"
    app.query_one(OrderTicket).set_count(Decimal(2))
    await pilot.pause()
    assert "Buy 2 YES @ 65¢" in text(app, "#ticket-preview")


CENTS = r"\d+(\.\d+)?¢"


async def test_the_collar_refusal_speaks_cents(running: Running) -> None:
    app, pilot, _ticker = running
    book = app.session.snapshot.book
    assert book is not None
    assert book.mid is not None
    ticket = app.query_one(OrderTicket)
    if book.mid <= Decimal("0.85"):  # a YES bid far above mid
        direction = "above"
    else:  # a NO bid far above its mid is a YES ask far below
        ticket.query_one("#side-no", RadioButton).value = True
        direction = "below"
    await type_ticket(pilot, app, "99", "1")
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Refused (price_collar)" in text(app, "#ticket-status"))
    status = text(app, "#ticket-status")
    assert re.search(rf"YES {CENTS} is {CENTS} {direction} mid {CENTS} \(collar 10¢\)", status), (
        status
    )
    assert "0." not in status


# --- 5. an invalid value stays visible, marked, with the reason -------------------------


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ("0", "price 0¢ is out of range"),
        ("0.0", "price 0¢ is out of range"),
        ("1.005", "price 1.005¢ is off the market's grid"),
    ],
)
async def test_an_invalid_price_stays_visible_while_typed(
    running: Running, keys: str, reason: str
) -> None:
    app, pilot, _ticker = running
    await pilot.press("t", *keys)
    price = app.query_one("#ticket-price", Input)
    assert price.value == keys
    await pilot.pause()
    assert price.has_class("-invalid")
    shown = "".join(price.render_line(y).text for y in range(price.size.height))
    assert keys in shown, f"the box shows {shown!r}"
    assert reason in text(app, "#ticket-error")


# --- 6. keys where the trader is --------------------------------------------------------


async def test_desk_keys_work_from_the_ticket_and_digits_type_into_it(running: Running) -> None:
    app, pilot, _ticker = running
    price = app.query_one("#ticket-price", Input)
    await pilot.press("t")
    assert app.focused is price
    # The footer keeps the desk keys: a ticket box only takes what a value is made of.
    active = app.screen.active_bindings
    for key in ("o", "b", "v", "a", "r", "x", "question_mark"):
        assert key in active, key
    await pilot.press("end", "5")  # digits are field keys in a box: 5 is typed
    assert price.value == "5"
    await pilot.press("o")  # a letter is a desk key: focus the orders pane
    assert isinstance(app.focused, OrdersPane)
    assert price.value == "5"
    await pilot.press("t", "ctrl+e")  # ctrl keys work inside a box, as the README says
    assert app.session.snapshot.trading.mode is TradingMode.REDUCING
    assert (
        app.session.snapshot.trading.reason == "chosen by the trader"
    )  # not "REDUCING: REDUCING …"
    assert app.focused is price
    await pilot.press("ctrl+e")
    assert app.session.snapshot.trading.mode is TradingMode.ACTIVE
    await pilot.press("r")  # reconciliation view, from inside the box
    await wait_for(pilot, lambda: isinstance(app.screen, ReconciliationScreen))
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, ReconciliationScreen))
    await pilot.press("escape")  # Escape leaves the box for the market list
    assert isinstance(app.focused, MarketTable)
    await pilot.press("5")  # outside the boxes 5 is the size key
    assert app.query_one("#ticket-count", Input).value == "100"


async def test_after_a_quick_sell_the_ticket_shows_and_sends_a_buy_again(
    running: Running,
) -> None:
    app, pilot, ticker = running
    ticket = app.query_one(OrderTicket)
    await pilot.press("1", "v")  # size 1, sell YES at the bid: the ticket shows the sell
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    assert ticket.action == "sell"
    await pilot.press("enter")
    await wait_for(pilot, lambda: "ticket back to Buy" in text(app, "#ticket-status"))
    assert ticket.action == "buy"
    assert text(app, "#ticket-preview").startswith("Enter → Buy 1 YES @ ")
    # After a send, focus is where every desk key acts.
    assert isinstance(app.focused, MarketTable)
    # The trader's own ticket from here is a buy, as the headline says.
    await type_ticket(pilot, app, "5", "1")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    dialog = app.screen
    assert isinstance(dialog, OrderConfirmScreen)
    assert (dialog.draft.action, dialog.draft.ticker) == ("buy", ticker)


# --- 7. the re-arm and amend dialogs ----------------------------------------------------


async def test_rearm_with_no_reason_says_a_reason_is_required(running: Running) -> None:
    app, pilot, _ticker = running
    session = app.session
    await pilot.press("ctrl+k")
    await wait_for(
        pilot, lambda: session.snapshot.halt is not None and session.snapshot.halt.verified
    )  # type: ignore[union-attr]
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmScreen))
    dialog = app.screen
    reason = dialog.query_one("#typed-reason", Input)
    assert dialog.focused is reason
    await pilot.press("enter")  # nothing typed
    error = str(dialog.query_one("#typed-error", Static).content)
    assert "reason is required" in error
    assert dialog.focused is reason  # it did not jump to the RESUME box
    word = dialog.query_one("#typed-word", Input)
    assert "RESUME" not in word.placeholder  # an empty box must not look typed
    await pilot.press(*"checked the book", "enter")
    assert dialog.focused is word
    assert "Now type RESUME" in str(dialog.query_one("#typed-error", Static).content)
    await pilot.press(*"RESUME", "enter")
    await wait_for(pilot, lambda: session.snapshot.trading.mode is TradingMode.ACTIVE)


# --- 8. a close is previewed as a close; REDUCING says what an order does ---------------


async def test_closing_a_long_is_previewed_as_a_close_and_passes_reducing(
    running: Running,
) -> None:
    app, pilot, ticker = running
    session = app.session
    ticket = app.query_one(OrderTicket)
    ticket.set_count(Decimal(5))
    await pilot.press("b")  # buy 5 YES at the ask
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    await pilot.press("enter")

    def held() -> Position | None:
        return next((p for p in session.snapshot.positions if p.ticker == ticker), None)

    await wait_for(pilot, lambda: (p := held()) is not None and p.contracts == 5)
    position = held()
    assert position is not None
    paid = position.average_cost
    assert paid is not None
    await pilot.press("ctrl+e")  # REDUCING
    # A buy of more YES is refused, saying what it does to the 5 YES held.
    await pilot.press("b")
    await wait_for(pilot, lambda: "Refused (reducing_only)" in text(app, "#ticket-status"))
    status = text(app, "#ticket-status")
    assert f"buy YES adds YES to the 5 YES held in {ticker}; to reduce it, sell YES or buy NO" in (
        status
    )
    # Selling 100,000 while holding 5: a close of 5, then what opens, never "returns $38,320".
    await type_ticket(pilot, app, "", "100000")
    ticket.query_one("#action-sell", RadioButton).value = True
    price = ticket.query_one("#ticket-price", Input)
    book = session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    price.value = fmt.cents(book.best_yes_bid)
    await pilot.pause()
    preview = text(app, "#ticket-preview")
    assert "Closes 5 of 5 YES held" in preview
    assert "Then OPENS 99,995 NO" in preview
    assert "Max loss" not in preview.split("Then OPENS")[0]
    # The quick sell of the 5 held: the dialog previews the close and its FIFO P&L.
    ticket.set_count(Decimal(5))
    await pilot.press("escape", "v")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    dialog = app.screen
    assert isinstance(dialog, OrderConfirmScreen)
    shown = "\n".join(str(s.content) for s in dialog.query(Static))
    bid = dialog.draft.price
    assert "Closes 5 of 5 YES held" in shown
    assert f"Proceeds {fmt.dollars(bid * 5)}" in shown
    assert f"Realized P&L {fmt.signed_dollars((bid - paid) * 5)}" in shown
    assert "Break-even" not in shown
    assert "Max loss" not in shown
    await pilot.press("enter")
    await wait_for(pilot, lambda: not any(p.ticker == ticker for p in session.snapshot.positions))


async def test_amend_previews_counts_plainly_and_keeps_a_refusal_in_the_dialog(
    running: Running,
) -> None:
    app, pilot, ticker = running
    book = app.session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    low = max(Decimal("0.01"), book.best_yes_bid - Decimal("0.05"))
    await type_ticket(pilot, app, fmt.cents(low), "10")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(mine(app, ticker)) == 1)
    await pilot.press("o")
    await wait_for(pilot, lambda: app.query_one(OrdersPane).row_count == 1)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AmendScreen))
    dialog = app.screen
    count = dialog.query_one("#amend-count", Input)
    assert count.value == "10"  # not "10.00"
    preview = lambda: str(dialog.query_one("#amend-preview", Static).content)  # noqa: E731
    assert f"Then rests buy 10 YES @ {fmt.cents(low)}" in preview()
    assert f"Cost {fmt.dollars(low * 10)} · fee ≈ " in preview()
    count.value = "200"  # over the 100-contract order limit
    await pilot.pause()
    assert "Then rests buy 200 YES" in preview()
    count.focus()
    await pilot.press("enter")
    error = dialog.query_one("#amend-error", Static)
    await wait_for(pilot, lambda: "refused (max_order_contracts)" in str(error.content))
    assert app.screen is dialog  # still open, with the refusal in it
    count.value = "7"
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, AmendScreen))
    await wait_for(pilot, lambda: [o.remaining_count for o in mine(app, ticker)] == [Decimal(7)])
