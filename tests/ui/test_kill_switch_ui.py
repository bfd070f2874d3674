"""ctrl+k in the real app against the embedded exchange: the halt blocks orders at once,
works from inside a modal and an input, cancels every resting order, shows the banner,
survives a restart, and re-arms only through the typed confirmation."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from live_kit import FAST, wait_for
from textual.widgets import Input

from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.confirm import TypedConfirmScreen
from kalshi_tui.ui.screens.help import HelpScreen
from kalshi_tui.ui.widgets.halt_banner import HaltBanner


def make_session(directory: Path) -> Session:
    return demo_session(directory=directory, markets=40, plan=FAST)


async def rest_orders(session: Session, ticker: str, count: int) -> None:
    trading = session.trading
    assert trading is not None
    book = session.snapshot.book
    assert book is not None
    assert book.best_yes_bid is not None
    low = max(Decimal("0.01"), book.best_yes_bid - Decimal("0.10"))
    for _ in range(count):
        draft = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", low, Decimal(1))
        result = await trading.orders.submit(draft)
        assert not isinstance(result, Denial), result


async def test_ctrl_k_halts_from_a_modal_cancels_everything_and_blocks_orders(
    tmp_path: Path,
) -> None:
    session = make_session(tmp_path / "demo")
    app = TerminalApp(session, favourites_path=tmp_path / "f.json", confirm_orders=False)
    async with app.run_test(size=(180, 50)) as pilot:
        snap = lambda: session.snapshot  # noqa: E731
        await wait_for(
            pilot,
            lambda: (
                snap().trading_ready
                and snap().book is not None
                and snap().book.ticker == snap().selected
            ),  # type: ignore[union-attr]
        )
        ticker = snap().selected
        assert ticker is not None
        await rest_orders(session, ticker, 50)
        await wait_for(pilot, lambda: len(snap().orders) == 50)
        # The kill switch works with a modal open and focus in an input.
        app.push_screen(HelpScreen())
        await pilot.pause()
        await pilot.press("ctrl+k")
        assert snap().trading.mode is TradingMode.HALTED
        banner = app.query_one(HaltBanner)
        await wait_for(pilot, lambda: snap().halt is not None and snap().halt.verified)  # type: ignore[union-attr]
        await wait_for(pilot, lambda: "VERIFIED" in str(banner.content))
        assert banner.has_class("-shown")
        await wait_for(pilot, lambda: not snap().orders)
        trading = session.trading
        assert trading is not None
        # Nothing leaves the process afterwards, whichever way an order is attempted.
        denial = await trading.orders.submit(
            OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(1))
        )
        assert isinstance(denial, Denial)
        assert denial.code == "halted"
        await pilot.press("escape")
        await pilot.press("j")
        await pilot.pause(0.5)
        # The exchange's own record: every order it ever saw from us, any status.
        everything = await session.client.get_all_orders()
        assert len(everything) == 50
        assert all(order.status == "canceled" for order in everything)
    # Restart: the account comes up HALTED.
    again = make_session(tmp_path / "demo")
    try:
        assert again.snapshot.trading.mode is TradingMode.HALTED
    finally:
        await again.close()


async def test_rearm_needs_the_typed_word(tmp_path: Path) -> None:
    session = make_session(tmp_path / "demo")
    app = TerminalApp(session, favourites_path=tmp_path / "f.json")
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: session.snapshot.trading_ready)
        query = app.query_one("#filter", Input)
        query.focus()
        await pilot.press("ctrl+k")
        assert session.snapshot.trading.mode is TradingMode.HALTED
        await wait_for(
            pilot, lambda: session.snapshot.halt is not None and session.snapshot.halt.verified
        )  # type: ignore[union-attr]
        app.query_one("#markets").focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmScreen))
        app.screen.query_one("#typed-reason", Input).value = "checked the book"
        word = app.screen.query_one("#typed-word", Input)
        word.value = "RESUME"
        word.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: session.snapshot.trading.mode is TradingMode.ACTIVE)
        trading = session.trading
        assert trading is not None
        assert not trading.journal.halt_state().halted
        await pilot.pause(0.2)
        # The re-arm is logged once, not by the dialog and the kill switch each (issue 15).
        lines = [e.text for e in session.store.log_since(0) if "re-armed" in e.text]
        assert lines == ["trading re-armed: checked the book"], lines
