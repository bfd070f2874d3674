"""Amends and decreases are write-ahead, like new orders: against the embedded exchange over
loopback with a real SQLite journal, the change is journaled durably before it is sent, a
journal that cannot be written (a full disk) refuses it with nothing sent and halts the
session, and an outcome that never came back is settled by reading the order back."""

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
from trading_rig import Rig, fill_the_disk, free_the_disk, make_rig

from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.journal import EventKind, Journal
from kalshi_tui.services.launch import demo_session


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await make_rig(tmp_path)
    try:
        rig.open()
        await rig.t.start()
        yield rig
    finally:
        await rig.close()


def kinds(journal: Journal, order_id: str) -> list[str]:
    return [str(e.kind) for e in journal.events(order_id=order_id)]


async def resting_order(rig: Rig, count: str = "2") -> str:
    intent = await rig.submit(rig.draft("0.40", count))
    assert intent.order_id is not None
    return intent.order_id


async def test_an_amend_is_journaled_before_it_is_sent_and_its_outcome_after(rig: Rig) -> None:
    order_id = await resting_order(rig)
    result = await rig.t.orders.amend(order_id, Decimal("0.41"), Decimal(40))
    assert result.ok, result.message
    events = list(rig.journal.events(order_id=order_id))
    intent = next(e for e in events if e.kind == EventKind.AMEND_INTENT)
    amend = next(e for e in events if e.kind == EventKind.AMEND)
    assert intent.seq < amend.seq
    assert (intent.payload["kind"], intent.payload["count"], intent.payload["price"]) == (
        "amend",
        "40",
        "0.41",
    )
    assert amend.payload["intent_seq"] == intent.seq
    assert rig.journal.unresolved_amends() == []
    record = rig.journal.order(order_id)
    assert record is not None
    assert (record.order.price, record.order.remaining_count) == (Decimal("0.41"), Decimal(40))


async def test_a_decrease_is_journaled_before_it_is_sent(rig: Rig) -> None:
    order_id = await resting_order(rig, "5")
    result = await rig.t.orders.decrease(order_id, reduce_by=Decimal(3))
    assert result.ok, result.message
    order_kinds = kinds(rig.journal, order_id)
    assert order_kinds.index("amend_intent") < order_kinds.index("amend")
    assert rig.journal.unresolved_amends() == []
    record = rig.journal.order(order_id)
    assert record is not None
    assert record.order.remaining_count == Decimal(2)


async def test_a_bad_decrease_is_refused_before_anything_is_journaled(rig: Rig) -> None:
    order_id = await resting_order(rig)
    result = await rig.t.orders.decrease(order_id)
    assert not result.ok
    assert "exactly one of reduce_by or reduce_to" in result.message
    assert "amend_intent" not in kinds(rig.journal, order_id)


async def test_with_the_disk_full_an_amend_and_a_decrease_are_refused_and_nothing_is_sent(
    rig: Rig,
) -> None:
    order_id = await resting_order(rig)
    fill_the_disk(rig.journal)
    amend = await rig.t.orders.amend(order_id, Decimal("0.40"), Decimal(40))
    assert not amend.ok
    assert "refused (journal_error)" in amend.message
    assert "database or disk is full" in amend.message
    assert "not sent" in amend.message
    decrease = await rig.t.orders.decrease(order_id, reduce_to=Decimal(1))
    assert not decrease.ok
    assert "refused (journal_error)" in decrease.message
    [order] = await rig.exchange_orders()
    assert (order.order_id, order.remaining_count) == (order_id, Decimal(2)), "nothing sent"
    assert rig.t.orders.journal_error is not None
    assert "database or disk is full" in rig.t.orders.journal_error
    free_the_disk(rig.journal)
    # Once the disk has room again the same amend goes through (it was refused, not lost).
    again = await rig.t.orders.amend(order_id, Decimal("0.40"), Decimal(4))
    assert again.ok, again.message


async def test_an_amend_whose_answer_is_lost_is_resolved_by_reading_the_order_back(
    rig: Rig,
) -> None:
    order_id = await resting_order(rig)
    # The exchange applies the amend and drops the answer, and reads fail too, so the
    # service cannot look right away: the outcome is unknown.
    rig.exchange.faults.configure("drop_response=1.0,read_error=1.0")
    result = await rig.t.orders.amend(order_id, Decimal("0.41"), Decimal(7))
    assert not result.ok
    assert "outcome unknown" in result.message
    [pending] = rig.journal.unresolved_amends()
    assert (pending.order_id, pending.kind, pending.count) == (order_id, "amend", Decimal(7))
    rig.exchange.faults.configure("")
    # New orders in that market wait, as for an UNKNOWN order.
    refused = await rig.t.orders.submit(rig.draft("0.30", "1"))
    assert isinstance(refused, Denial)
    assert refused.code == "unresolved_order"
    assert order_id in refused.message
    # The resolver reads the order back and settles the amend.
    await rig.t.orders.resolve_all()
    assert rig.journal.unresolved_amends() == []
    record = rig.journal.order(order_id)
    assert record is not None
    assert (record.order.price, record.order.remaining_count) == (Decimal("0.41"), Decimal(7))
    [result_event] = [
        e
        for e in rig.journal.events(order_id=order_id, kind=EventKind.AMEND_RESULT)
        if e.payload["outcome"] == "resolved"
    ]
    assert result_event.payload["applied"] is True
    assert f"amend of {order_id} resolved: applied" in rig.log_text()
    placed = await rig.t.orders.submit(rig.draft("0.30", "1"))
    assert not isinstance(placed, Denial), placed


async def test_an_amend_intent_left_by_a_stopped_terminal_is_resolved_at_start_up(
    rig: Rig,
) -> None:
    order_id = await resting_order(rig)
    record = rig.journal.order(order_id)
    assert record is not None
    new_id = str(uuid.uuid4())
    # A terminal journaled the amend and sent it, and stopped before the answer came.
    rig.journal.record_amend_intent(
        order_id,
        ticker=rig.ticker,
        kind="amend",
        price=Decimal("0.42"),
        count=Decimal(9),
        updated_client_order_id=new_id,
    )
    from kalshi_tui import api

    await rig.client.amend_order(
        api.AmendRequest(
            order_id=order_id,
            ticker=rig.ticker,
            side="yes",
            action="buy",
            price=Decimal("0.42"),
            count=Decimal(9),
            client_order_id=record.order.client_order_id,
            updated_client_order_id=new_id,
        )
    )
    rig.open()  # the restart
    await rig.t.start()
    assert rig.journal.unresolved_amends() == []
    after = rig.journal.order(order_id)
    assert after is not None
    assert (after.order.price, after.order.remaining_count) == (Decimal("0.42"), Decimal(9))
    assert rig.store.snapshot.reconciliation.findings == ()


async def test_a_full_disk_during_an_amend_halts_the_running_session(tmp_path: Path) -> None:
    """The reported case: disk full, an amend from 2 to 40 contracts. It must not reach the
    exchange, and the session must halt automatically with a message."""
    session = demo_session(directory=tmp_path / "demo", markets=40, plan=FAST)
    runner = asyncio.create_task(session.run())
    try:
        deadline = time.monotonic() + 60
        while not session.snapshot.trading_ready or not session.snapshot.markets:
            assert time.monotonic() < deadline, "the session never became ready"
            await asyncio.sleep(0.05)
        trading = session.trading
        assert trading is not None
        ticker = next(m.ticker for m in session.snapshot.markets if m.status == "active")
        session.select(ticker)
        while session.snapshot.book is None or session.snapshot.book.ticker != ticker:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        draft = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.02"), Decimal(2))
        placed = await trading.orders.submit(draft)
        assert not isinstance(placed, Denial), placed
        assert placed.order_id is not None
        fill_the_disk(trading.journal)
        result = await trading.orders.amend(placed.order_id, Decimal("0.02"), Decimal(40))
        assert not result.ok
        assert "journal_error" in result.message
        while session.snapshot.trading.mode is not TradingMode.HALTED:
            assert time.monotonic() < deadline, "the session stayed ACTIVE"
            await asyncio.sleep(0.05)
        log = "\n".join(entry.text for entry in session.store.log_since(0))
        assert "AUTOMATIC HALT (journal_failure)" in log
        assert f"amend of {placed.order_id} refused (journal_error)" in log
        orders = await session.client.get_all_orders()
        [order] = [o for o in orders if o.order_id == placed.order_id]
        assert order.remaining_count + order.fill_count <= Decimal(2), "the amend was sent"
        free_the_disk(trading.journal)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await session.close()


async def test_an_answer_that_cannot_be_journaled_is_an_error_line_not_a_crash(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills between the intent and the exchange's answer: the order is at the
    exchange, the journal cannot record the ack. Found by the soak with other processes:
    `sqlite3.OperationalError` escaped from `submit` to the screen. Now the intent stays
    `sent`, the journal error trips the automatic halt, and the order is looked up."""
    import sqlite3

    def full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(rig.journal, "record_ack", full)
    draft = rig.draft("0.40", "2")
    result = await rig.t.orders.submit(draft)
    assert not isinstance(result, Denial), result
    assert str(result.state) == "sent"
    assert rig.t.orders.journal_error == "database or disk is full"
    monkeypatch.undo()
    await rig.t.orders.resolve_all()
    resolved = rig.journal.intent(draft.client_order_id)
    assert resolved is not None
    assert resolved.order_id is not None  # read back from the exchange by its client id
