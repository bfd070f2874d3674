"""The automatic kill switch in a real demo session (embedded exchange, real journal): each
service-side trigger pulls the kill switch within one evaluation, and a halt it raises
is persisted with its trigger and cancels resting orders like ctrl+k."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST

from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.domain.trading import Finding, Reconciliation
from kalshi_tui.services.auto_halt import AutoHalt
from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.session import Session


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[Session]:
    session = demo_session(directory=tmp_path / "demo", markets=40, plan=FAST)
    yield session
    await session.close()


def auto(session: Session) -> AutoHalt:
    assert session.auto_halt is not None
    return session.auto_halt


def assert_halted_by(session: Session, trigger: str) -> None:
    assert session.snapshot.trading.mode is TradingMode.HALTED
    trading = session.trading
    assert trading is not None
    halt = trading.journal.halt_state()
    assert halt.halted
    assert halt.trigger == trigger


async def test_a_session_that_trades_has_the_automatic_halt(session: Session) -> None:
    assert session.auto_halt is not None
    # Nothing wrong right after start-up: no trigger.
    await session.refresh()
    assert auto(session).evaluate_once() is None
    assert session.snapshot.trading.mode is TradingMode.ACTIVE


async def test_consecutive_failures_halt_in_one_evaluation(session: Session) -> None:
    await session.refresh()
    trading = session.trading
    assert trading is not None
    trading.orders.consecutive_failures = 4
    assert auto(session).evaluate_once() is None
    trading.orders.consecutive_failures = 5
    fired = auto(session).evaluate_once()
    assert fired is not None
    assert fired.name == "consecutive_errors"
    assert_halted_by(session, "consecutive_errors")


async def test_journal_write_failure_halts(session: Session) -> None:
    await session.refresh()
    trading = session.trading
    assert trading is not None
    trading.orders.journal_error = "disk I/O error"
    fired = auto(session).evaluate_once()
    assert fired is not None
    assert fired.name == "journal_failure"
    assert_halted_by(session, "journal_failure")


async def test_unacknowledged_reconciliation_mismatch_halts(session: Session) -> None:
    await session.refresh()
    finding = Finding("f1", "position_mismatch", "journal 5 YES, exchange 3 YES", ticker="KX")
    session.store.update(reconciliation=Reconciliation(findings=(finding,), last_run=time.time()))
    fired = auto(session).evaluate_once()
    assert fired is not None
    assert fired.name == "reconciliation"


async def test_an_order_unknown_too_long_halts(session: Session) -> None:
    await session.refresh()
    trading = session.trading
    assert trading is not None
    ticker = session.snapshot.markets[0].ticker
    cid = str(uuid.uuid4())
    trading.journal.record_intent(
        cid,
        ticker=ticker,
        side="yes",
        action="buy",
        price=Decimal("0.40"),
        count=Decimal(1),
        tif="good_till_canceled",
        flags={},
    )
    trading.journal.mark_sent(cid)
    trading.journal.mark_unknown(cid, "timeout")
    halt = auto(session)
    assert halt.evaluate_once() is None  # just became UNKNOWN
    halt._clock = lambda: time.time() + 31  # the resolver has not settled it for 31 s
    fired = halt.evaluate_once()
    assert fired is not None
    assert fired.name == "unknown_order"


async def test_stale_market_data_halts(session: Session) -> None:
    await session.refresh()
    halt = auto(session)
    halt._clock = lambda: time.time() + 121  # no successful poll for over two minutes
    fired = halt.evaluate_once()
    assert fired is not None
    assert fired.name == "stale_data"


async def test_automatic_halt_cancels_resting_orders_and_blocks_new_ones(
    session: Session,
) -> None:
    runner = asyncio.create_task(session.run())
    try:
        deadline = time.monotonic() + 30
        ticker = (
            next(m.ticker for m in session.snapshot.markets if m.status == "active")
            if (session.snapshot.markets)
            else None
        )
        while ticker is None or not session.snapshot.trading_ready:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
            if ticker is None and session.snapshot.markets:
                ticker = next(m.ticker for m in session.snapshot.markets if m.status == "active")
        session.select(ticker)
        while session.snapshot.book is None or session.snapshot.book.ticker != ticker:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        trading = session.trading
        assert trading is not None
        for _ in range(5):
            draft = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(1))
            assert not isinstance(await trading.orders.submit(draft), Denial)
        trading.orders.consecutive_failures = 99
        assert auto(session).evaluate_once() is not None
        while session.snapshot.halt is None or not session.snapshot.halt.verified:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert session.snapshot.halt.cancelled >= 5
        denial = await trading.orders.submit(
            OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(1))
        )
        assert isinstance(denial, Denial)
        assert denial.code == "halted"
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
