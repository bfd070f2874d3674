"""Order entry from the terminal under `run_test()`, against the embedded exchange over
loopback with a real journal: ticket → preview → exchange, hotkeys, cancel, amend, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kalshi_tui.domain.models import Order
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.order_changes import ChangeResult
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.amend import AmendScreen
from kalshi_tui.ui.screens.confirm import OrderConfirmScreen, QuestionScreen
from kalshi_tui.ui.screens.history import HistoryScreen
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane


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
async def running(
    session: Session, tmp_path: Path
) -> AsyncIterator[tuple[TerminalApp, Pilot[int], str]]:
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(180, 50), notifications=True) as pilot:
        ticker = await start(app, pilot)
        yield app, pilot, ticker


def exchange_orders(app: TerminalApp) -> list[Order]:
    return list(app.session.snapshot.orders)


async def type_ticket(pilot: Pilot[int], app: TerminalApp, price: str, count: str) -> None:
    ticket = app.query_one(OrderTicket)
    ticket.query_one("#ticket-price", Input).value = price
    count_box = ticket.query_one("#ticket-count", Input)
    count_box.value = count
    count_box.focus()
    await pilot.pause()


async def test_ticket_previews_then_sends_one_resting_order(
    running: tuple[TerminalApp, Pilot[int], str],
) -> None:
    app, pilot, ticker = running
    book = app.session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    # A passive bid well below the market rests.
    price = max(Decimal("0.01"), book.best_yes_bid - Decimal("0.05"))
    await type_ticket(pilot, app, str(price), "3")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderConfirmScreen))
    preview = "\n".join(str(s.content) for s in app.screen.query(Static))
    assert "BUY 3 YES" in preview
    assert "Max loss" in preview
    await pilot.press("enter")
    await wait_for(pilot, lambda: any(o.ticker == ticker for o in exchange_orders(app)))
    mine = [o for o in exchange_orders(app) if o.ticker == ticker]
    assert len(mine) == 1
    assert (mine[0].price, mine[0].remaining_count) == (price, Decimal(3))
    status = str(app.query_one("#ticket-status", Static).content)
    assert "accepted" in status
    trading = app.session.trading
    assert trading is not None
    assert trading.journal.intent(mine[0].client_order_id) is not None


async def test_double_enter_is_one_order(session: Session, tmp_path: Path) -> None:
    app = TerminalApp(session, favourites_path=tmp_path / "f.json", confirm_orders=False)
    async with app.run_test(size=(180, 50)) as pilot:
        ticker = await start(app, pilot)
        book = app.session.snapshot.book
        assert book is not None
        assert book.best_yes_bid is not None
        await type_ticket(pilot, app, str(book.best_yes_bid - Decimal("0.04")), "2")
        ticket = app.query_one(OrderTicket)
        first_id = ticket.client_order_id
        # Enter twice on the same ticket — quickly, then again after the answer came back.
        await pilot.press("enter", "enter")
        status = app.query_one("#ticket-status", Static)
        await wait_for(pilot, lambda: "accepted" in str(status.content))
        await pilot.press("enter")
        await pilot.pause(1.0)
        mine = [o for o in exchange_orders(app) if o.ticker == ticker]
        assert [o.client_order_id for o in mine] == [first_id]
        assert ticket.client_order_id == first_id
        # Editing the ticket starts a new order with a new id.
        await type_ticket(pilot, app, str(book.best_yes_bid - Decimal("0.05")), "2")
        assert ticket.client_order_id != first_id


async def test_refused_order_keeps_the_ticket_and_sends_nothing(
    running: tuple[TerminalApp, Pilot[int], str],
) -> None:
    app, pilot, _ticker = running
    app.confirm_orders = False
    ticket = app.query_one(OrderTicket)
    before = ticket.client_order_id
    await type_ticket(pilot, app, "0.05", "101")  # over [risk] max_order_contracts (100)
    await pilot.press("enter")
    status = app.query_one("#ticket-status", Static)
    await wait_for(pilot, lambda: "Refused" in str(status.content))
    assert "max_order_contracts" in str(status.content)
    assert ticket.client_order_id == before
    trading = app.session.trading
    assert trading is not None
    assert trading.journal.intent(before) is None


async def test_join_bid_then_cancel_with_x(running: tuple[TerminalApp, Pilot[int], str]) -> None:
    app, pilot, ticker = running
    app.confirm_orders = False
    app.query_one(OrderTicket).set_count(Decimal(1))
    await pilot.press("j")
    await wait_for(pilot, lambda: any(o.ticker == ticker for o in exchange_orders(app)))
    app.query_one(OrdersPane).focus()
    await wait_for(pilot, lambda: app.query_one(OrdersPane).row_count == 1)
    await pilot.press("x")
    await wait_for(pilot, lambda: not exchange_orders(app), seconds=10)


async def test_cancel_market_asks_first(running: tuple[TerminalApp, Pilot[int], str]) -> None:
    app, pilot, ticker = running
    app.confirm_orders = False
    app.query_one(OrderTicket).set_count(Decimal(1))
    await pilot.press("j")
    await wait_for(pilot, lambda: any(o.ticker == ticker for o in exchange_orders(app)))
    trading = app.session.trading
    assert trading is not None
    asked: list[str] = []
    real_cancel_market = trading.orders.cancel_market

    async def cancel_market(market: str) -> ChangeResult:
        asked.append(market)
        return await real_cancel_market(market)

    trading.orders.cancel_market = cancel_market  # type: ignore[method-assign]
    app.query_one(OrdersPane).focus()
    await pilot.press("X")
    await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
    assert ticker in "\n".join(str(s.content) for s in app.screen.query(Static))
    await pilot.press("n")
    await wait_for(pilot, lambda: not isinstance(app.screen, QuestionScreen))
    await pilot.pause(0.5)
    # `n` sends no cancel (the order itself may meanwhile fill or its 15-minute market
    # close, so the exchange's resting list is not the witness here).
    assert asked == []
    if not any(o.ticker == ticker for o in exchange_orders(app)):
        return
    await pilot.press("X")
    await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
    await pilot.press("y")
    await wait_for(pilot, lambda: not exchange_orders(app), seconds=10)
    assert asked == [ticker]


async def test_amend_and_cancel_all_from_the_keyboard(
    running: tuple[TerminalApp, Pilot[int], str],
) -> None:
    app, pilot, ticker = running
    app.confirm_orders = False
    book = app.session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    low = book.best_yes_bid - Decimal("0.06")
    await type_ticket(pilot, app, str(low), "4")
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(exchange_orders(app)) == 1)
    app.query_one(OrdersPane).focus()
    await wait_for(pilot, lambda: app.query_one(OrdersPane).row_count == 1)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AmendScreen))
    app.screen.query_one("#amend-price", Input).value = str(low - Decimal("0.01"))
    app.screen.query_one("#amend-count", Input).value = "6"
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: (
            [(o.price, o.remaining_count) for o in exchange_orders(app)]
            == [(low - Decimal("0.01"), Decimal(6))]
        ),
    )
    await pilot.press("C")
    await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
    await pilot.press("y")
    await wait_for(pilot, lambda: not exchange_orders(app))
    assert ticker


async def test_history_opens_from_the_journal(
    running: tuple[TerminalApp, Pilot[int], str],
) -> None:
    app, pilot, _ticker = running
    await pilot.press("H")
    await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen))


async def test_reducing_mode_refuses_orders_that_open_a_position(
    running: tuple[TerminalApp, Pilot[int], str],
) -> None:
    app, pilot, _ticker = running
    app.confirm_orders = False
    await pilot.press("ctrl+e")
    assert app.session.snapshot.trading.mode is TradingMode.REDUCING
    await type_ticket(pilot, app, "0.05", "1")
    await pilot.press("enter")
    status = app.query_one("#ticket-status", Static)
    await wait_for(pilot, lambda: "Refused" in str(status.content))
    assert "reducing_only" in str(status.content)
    app.query_one("#markets").focus()
    await pilot.press("ctrl+e")
    assert app.session.snapshot.trading.mode is TradingMode.ACTIVE
