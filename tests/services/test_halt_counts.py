"""A halt in a demo session (orders in the app's order group): the orders the exchange
cancelled through the group count as cancelled, the journal learns they are gone, and a
second halt finds nothing left to cancel."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from decimal import Decimal
from pathlib import Path

from live_kit import FAST

from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.services.launch import demo_session


async def test_group_cancels_count_and_a_second_halt_finds_nothing(tmp_path: Path) -> None:
    session = demo_session(directory=tmp_path / "demo", markets=40, plan=FAST)
    runner = asyncio.create_task(session.run())
    try:
        deadline = time.monotonic() + 30
        while not session.snapshot.trading_ready or not session.snapshot.markets:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        ticker = next(m.ticker for m in session.snapshot.markets if m.status == "active")
        session.select(ticker)
        while session.snapshot.book is None or session.snapshot.book.ticker != ticker:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        trading, killswitch = session.trading, session.killswitch
        assert trading is not None
        assert killswitch is not None
        assert trading.orders.order_group_id is not None, "orders join the app's group"
        for _ in range(3):
            draft = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(1))
            assert not isinstance(await trading.orders.submit(draft), Denial)

        first = await killswitch.halt("manual", "test")
        assert first.verified
        assert first.cancelled == 3
        assert trading.journal.open_orders() == []

        killswitch.resume("checked")
        second = await killswitch.halt("manual", "again")
        assert second.verified
        assert second.cancelled == 0
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await session.close()


async def test_an_order_placed_the_instant_the_app_resumes_is_accepted(tmp_path: Path) -> None:
    """The halt triggered the app's order group, and the exchange refuses orders joining a
    triggered group until the re-arm has reset it: an order sent in the same event-loop turn
    as the resume waits for that reset instead of being rejected."""
    session = demo_session(directory=tmp_path / "demo", markets=40, plan=FAST)
    runner = asyncio.create_task(session.run())
    try:
        deadline = time.monotonic() + 30
        while not session.snapshot.trading_ready or not session.snapshot.markets:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        ticker = next(m.ticker for m in session.snapshot.markets if m.status == "active")
        session.select(ticker)
        while session.snapshot.book is None or session.snapshot.book.ticker != ticker:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        trading, killswitch = session.trading, session.killswitch
        assert trading is not None
        assert killswitch is not None
        assert trading.orders.order_group_id is not None

        def draft() -> OrderDraft:
            return OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(1))

        assert not isinstance(await trading.orders.submit(draft()), Denial)
        assert (await killswitch.halt("manual", "test")).verified
        for attempt in range(3):
            killswitch.resume(f"checked {attempt}")
            placed = await trading.orders.submit(draft())  # no await in between
            assert not isinstance(placed, Denial), placed
            assert placed.state == "acked", (placed.state, placed.reject_message)
            assert (await killswitch.halt("manual", f"again {attempt}")).verified
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await session.close()


async def test_an_order_right_after_a_resume_from_elsewhere_joins_a_reset_group(
    tmp_path: Path,
) -> None:
    """Found by the soak with other processes (issue 11): after `kalshi-tui resume` in
    another terminal the app re-armed, but the group's reset ran in the background, and an
    order sent meanwhile joined the still-triggered group: the exchange refused it
    (`order_group_limit_reached`). The order service now waits for the re-arm."""
    from kalshi_tui.journal import IntentState, Journal

    session = demo_session(directory=tmp_path / "demo", markets=40, plan=FAST)
    runner = asyncio.create_task(session.run())
    try:
        deadline = time.monotonic() + 30
        while not session.snapshot.trading_ready or not session.snapshot.markets:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        ticker = next(m.ticker for m in session.snapshot.markets if m.status == "active")
        session.select(ticker)
        while session.snapshot.book is None or session.snapshot.book.ticker != ticker:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        trading, killswitch, watcher = session.trading, session.killswitch, session.halt_watcher
        assert trading is not None
        assert killswitch is not None
        assert watcher is not None
        assert (await killswitch.halt("manual", "test")).verified
        with Journal.open(trading.journal.path, create=False) as other:
            other.clear_halt("resumed in a second terminal")
        watcher.check()  # the watcher's look: re-armed, the group reset is under way
        draft = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(1))
        placed = await trading.orders.submit(draft)
        assert not isinstance(placed, Denial), placed
        assert placed.reject_code is None, placed
        assert placed.state is IntentState.ACKED
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await session.close()
