"""Reconciliation against the embedded exchange: restarts, orders placed elsewhere, ghosts,
position mismatches, crash-left intents, and the block on new orders until acknowledged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from trading_rig import Rig, make_rig, new_id

from kalshi_tui import api
from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.orders import Denial
from kalshi_tui.domain.store import TradingMode, TradingState
from kalshi_tui.journal import EventKind, IntentState


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await make_rig(tmp_path)
    try:
        yield rig
    finally:
        await rig.close()


def place_elsewhere(
    rig: Rig, price: str = "0.30", client_order_id: str | None = None
) -> api.OrderRequest:
    return api.OrderRequest(
        ticker=rig.ticker,
        side="yes",
        action="buy",
        count=Decimal(2),
        price=Decimal(price),
        client_order_id=client_order_id or new_id(),
    )


async def test_restart_adopts_an_order_placed_elsewhere_and_blocks_until_acknowledged(
    rig: Rig,
) -> None:
    rig.open()
    await rig.t.start()
    ours = await rig.submit(rig.draft("0.40"))
    rig.t.close()  # the terminal stops

    elsewhere = await rig.client.create_order(place_elsewhere(rig))
    rig.open()  # a new process: journal reopened, new services, same exchange
    state = await rig.t.reconciler.startup()

    [finding] = state.findings
    assert finding.kind == "adopted_order"
    assert finding.order_id == elsewhere.order_id
    assert rig.store.snapshot.reconciliation.blocking == (finding,)
    record = rig.journal.order(elsewhere.order_id)
    assert record is not None
    assert record.adopted
    assert ours.order_id is not None
    mine = rig.journal.order(ours.order_id)
    assert mine is not None
    assert not mine.adopted
    assert "RECONCILIATION adopted_order" in rig.log_text()

    blocked = await rig.t.orders.submit(rig.draft("0.41"))
    assert isinstance(blocked, Denial)
    assert blocked.code == "reconciliation"
    assert len([o for o in await rig.exchange_orders() if o.status == "resting"]) == 2

    rig.t.reconciler.acknowledge(finding.finding_id)
    assert rig.store.snapshot.reconciliation.blocking == ()
    assert (await rig.submit(rig.draft("0.41"))).state == IntentState.ACKED
    # The next comparison does not flag the adopted order again.
    await rig.t.reconciler.run()
    assert len(rig.store.snapshot.reconciliation.findings) == 1
    acks = [
        e for e in rig.journal.events(kind=EventKind.RECONCILIATION) if "acknowledged" in e.payload
    ]
    assert [e.payload["acknowledged"] for e in acks] == [finding.finding_id]


async def test_acknowledgement_survives_a_restart(rig: Rig) -> None:
    rig.open()
    rig.journal.record_fill(_phantom_fill(rig))  # a fill the exchange never made
    state = await rig.t.reconciler.startup()
    [finding] = state.findings
    assert finding.kind == "position_mismatch"
    assert "journal fills give 3, the exchange says 0" in finding.message
    rig.t.reconciler.acknowledge(finding.finding_id)
    rig.open()
    state = await rig.t.reconciler.startup()
    [again] = state.findings
    assert again.finding_id == finding.finding_id
    assert again.acknowledged
    assert state.blocking == ()


async def test_a_ghost_is_flagged_only_after_consecutive_misses(rig: Rig) -> None:
    rig.open()
    await rig.t.start()
    # The journal believes an order rests that the exchange has never heard of.
    ghost = new_id()
    rig.journal.record_intent(
        ghost, ticker=rig.ticker, side="yes", action="buy", price=Decimal("0.2"), count=Decimal(1)
    )
    rig.journal.mark_sent(ghost)
    rig.journal.record_ack(ghost, "ghost-order-1")
    for _ in range(rig.t.reconciler.miss_limit - 1):
        await rig.t.reconciler.run()
        assert rig.store.snapshot.reconciliation.findings == ()
    await rig.t.reconciler.run()
    [finding] = rig.store.snapshot.reconciliation.findings
    assert (finding.kind, finding.order_id) == ("missing_order", "ghost-order-1")
    assert "in 3 checks" in finding.message
    rig.t.reconciler.acknowledge(finding.finding_id)
    assert rig.journal.open_orders() == [], "acknowledged: closed in the journal"
    intent = rig.journal.intent(ghost)
    assert intent is not None
    assert intent.state == IntentState.CANCELED


async def test_a_briefly_unlisted_order_is_not_a_ghost(rig: Rig) -> None:
    rig.open()
    await rig.t.start()
    await rig.submit(rig.draft())
    rig.exchange.faults.configure("lag_ms=60000")  # the listing hides it for a minute
    for _ in range(rig.t.reconciler.miss_limit + 1):
        await rig.t.reconciler.run()
    assert rig.store.snapshot.reconciliation.findings == (), "found by id, so not missing"


async def test_start_up_resolves_intents_a_crash_left_behind(rig: Rig) -> None:
    rig.open()
    journal = rig.journal
    # Crash 1: the request left and was applied, the answer was never journaled.
    applied = new_id()
    journal.record_intent(
        applied, ticker=rig.ticker, side="yes", action="buy", price=Decimal("0.3"), count=Decimal(2)
    )
    journal.mark_sent(applied)
    await rig.client.create_order(place_elsewhere(rig, client_order_id=applied))
    # Crash 2: journaled, never sent.
    lost = new_id()
    journal.record_intent(
        lost, ticker=rig.ticker, side="yes", action="buy", price=Decimal("0.3"), count=Decimal(2)
    )
    rig.open()
    assert {p.client_order_id for p in rig.store.snapshot.pending_orders} == set()
    state = await rig.t.reconciler.startup()
    assert state.findings == (), "our own orders are resolved, not adopted"
    found = rig.journal.intent(applied)
    assert found is not None
    assert found.state == IntentState.ACKED
    missing = rig.journal.intent(lost)
    assert missing is not None
    assert missing.state == IntentState.NOT_PLACED
    assert rig.store.snapshot.trading_ready


async def test_an_order_for_an_intent_settled_as_not_placed_is_flagged(rig: Rig) -> None:
    rig.open()
    await rig.t.start()
    cid = new_id()
    rig.journal.record_intent(
        cid, ticker=rig.ticker, side="yes", action="buy", price=Decimal("0.3"), count=Decimal(2)
    )
    rig.journal.resolve_unknown(cid, order=None, resolution="test: concluded not placed")
    await rig.client.create_order(place_elsewhere(rig, client_order_id=cid))
    await rig.t.reconciler.run()
    [finding] = rig.store.snapshot.reconciliation.findings
    assert finding.kind == "late_order"
    assert finding.blocking


async def test_fills_of_an_order_placed_elsewhere_keep_positions_equal(rig: Rig) -> None:
    rig.open()
    await rig.t.start()
    placed = await rig.client.create_order(place_elsewhere(rig, price="0.43"))
    await rig.counterparty_sells("2")
    await rig.t.reconciler.run()
    kinds = {f.kind for f in rig.store.snapshot.reconciliation.findings}
    assert kinds == {"adopted_order"}, "adopted, and its fills make the positions agree"
    record = rig.journal.order(placed.order_id)
    assert record is not None
    assert record.order.status == "executed"


def _phantom_fill(rig: Rig) -> Fill:
    return Fill(
        fill_id="phantom-1",
        order_id="phantom-order",
        ticker=rig.ticker,
        side="yes",
        action="buy",
        count=Decimal(3),
        price=Decimal("0.5"),
        is_taker=True,
        fee=Decimal("0.02"),
        created_time=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def test_current_wire_profile_buy_no_filled_and_reconciled(tmp_path: Path) -> None:
    # The 2026 wire: V2 only, fills without client_order_id, YES-book vocabulary.
    rig = await make_rig(tmp_path, profile="current")
    try:
        rig.open()
        await rig.t.start()
        intent = await rig.submit(rig.draft("0.57", "4", side="no"))
        assert intent.state == IntentState.ACKED
        # The counterparty buys YES at 43¢, which takes our NO bid at 57¢.
        await rig.other.create_order(
            api.OrderRequest(
                ticker=rig.ticker,
                side="yes",
                action="buy",
                count=Decimal(4),
                price=Decimal("0.43"),
                client_order_id=new_id(),
                time_in_force="immediate_or_cancel",
            )
        )
        [fill] = await rig.t.fills.poll()
        assert (fill.side, fill.action, fill.price, fill.count) == ("no", "buy", Decimal("0.57"), 4)
        after = rig.journal.intent(intent.client_order_id)
        assert after is not None
        assert after.state == IntentState.FILLED
        state = await rig.t.reconciler.run()
        assert state.findings == (), "journal position −4 (NO) equals the exchange's"
    finally:
        await rig.close()


async def test_fills_the_kill_switch_journals_are_counted_and_in_order_terms(rig: Rig) -> None:
    """Found by the fault soak (seed 3): fills that raced a halt's cancels were journaled
    in the book's terms and never reached the reconciler's count (a false mismatch that
    blocked trading)."""
    from kalshi_tui.services.killswitch import KillSwitch

    rig.open()
    await rig.t.start()
    intent = await rig.submit(rig.draft("0.57", count="5", side="no"))  # a YES ask at 43¢
    await rig.other.create_order(
        api.OrderRequest(
            ticker=rig.ticker,
            side="yes",
            action="buy",
            count=Decimal(5),
            price=Decimal("0.43"),
            client_order_id=new_id(),
            time_in_force="immediate_or_cancel",
        )
    )
    report = await KillSwitch(rig.client, rig.journal, rig.store).halt("manual", "test")
    assert report.fills_recorded == 1
    fills = list(rig.journal.fills())
    assert [(f.order_id, f.side, f.action, f.price) for f in fills] == [
        (intent.order_id, "no", "buy", Decimal("0.57"))
    ]
    await rig.t.reconciler.run()
    assert rig.store.snapshot.reconciliation.findings == ()


async def test_startup_while_halted_says_trading_stays_halted(rig: Rig) -> None:
    rig.open()
    rig.store.update(trading=TradingState(TradingMode.HALTED, "manual: pressed before the restart"))
    await rig.t.reconciler.startup()
    text = rig.log_text()
    assert "trading enabled" not in text
    assert "trading stays HALTED (manual: pressed before the restart)" in text
