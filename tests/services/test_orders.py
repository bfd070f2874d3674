"""The order service against the embedded exchange over loopback, with a real SQLite journal:
place, fill, cancel, amend, rejections, UNKNOWN outcomes and their resolution, duplicates."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from trading_rig import Rig, make_rig

from kalshi_tui import api
from kalshi_tui.domain.orders import Denial
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.exchange.http.units import count_str
from kalshi_tui.exchange.server import RunningExchange
from kalshi_tui.journal import EventKind, IntentState


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await make_rig(tmp_path)
    try:
        rig.open()
        await rig.t.start()
        yield rig
    finally:
        await rig.close()


async def test_place_is_acknowledged_and_journaled(rig: Rig) -> None:
    draft = rig.draft()
    intent = await rig.submit(draft)
    assert intent.state == IntentState.ACKED
    assert intent.order_id is not None
    orders = await rig.exchange_orders()
    assert [(o.order_id, o.client_order_id, o.status) for o in orders] == [
        (intent.order_id, draft.client_order_id, "resting")
    ]
    record = rig.journal.order(intent.order_id)
    assert record is not None
    assert not record.adopted
    assert (record.order.price, record.order.remaining_count) == (Decimal("0.43"), Decimal(5))
    kinds = [e.kind for e in rig.journal.events(client_order_id=draft.client_order_id)]
    assert kinds == ["intent", "request", "ack"], "the intent is journaled before the request"
    assert rig.store.snapshot.pending_orders == ()
    assert "order RESTING: buy 5 YES @ 43¢" in rig.log_text()


async def test_buy_no_is_journaled_in_the_traders_terms(rig: Rig) -> None:
    # V2 places "buy NO @ 57¢" as an ask at 43¢ on the YES book; the journal keeps NO terms.
    intent = await rig.submit(rig.draft("0.57", side="no"))
    assert intent.order_id is not None
    await rig.t.reconciler.run()
    record = rig.journal.order(intent.order_id)
    assert record is not None
    assert (record.order.side, record.order.action, record.order.price) == (
        "no",
        "buy",
        Decimal("0.57"),
    )
    assert rig.store.snapshot.reconciliation.blocking == ()


async def test_full_fill_then_partial_fill(rig: Rig) -> None:
    full = await rig.submit(rig.draft(count="5"))
    await rig.counterparty_sells("5")
    new = await rig.t.fills.poll()
    assert [(f.count, f.side, f.action, f.price) for f in new] == [
        (Decimal(5), "yes", "buy", Decimal("0.43"))
    ]
    after = rig.journal.intent(full.client_order_id)
    assert after is not None
    assert after.state == IntentState.FILLED
    assert full.order_id is not None
    record = rig.journal.order(full.order_id)
    assert record is not None
    assert (record.order.status, record.order.fill_count) == ("executed", Decimal(5))
    assert "FILL buy 5 YES @ 43¢ " + rig.ticker in rig.log_text()

    partial = await rig.submit(rig.draft(count="5"))
    await rig.counterparty_sells("2")
    await rig.t.fills.poll()
    after = rig.journal.intent(partial.client_order_id)
    assert after is not None
    assert after.state == IntentState.ACKED, "3 contracts still rest"
    assert partial.order_id is not None
    record = rig.journal.order(partial.order_id)
    assert record is not None
    assert (record.order.fill_count, record.order.remaining_count) == (Decimal(2), Decimal(3))
    # Repeated polls overlap on purpose; every fill is journaled once.
    assert await rig.t.fills.poll() == []
    assert await rig.t.fills.poll() == []
    assert rig.journal.count_fills() == 2
    assert rig.log_text().count("FILL ") == 2
    await rig.t.reconciler.run()
    assert rig.store.snapshot.reconciliation.findings == (), "journal positions = exchange's"


async def test_cancel_and_cancel_again(rig: Rig) -> None:
    intent = await rig.submit(rig.draft())
    assert intent.order_id is not None
    result = await rig.t.orders.cancel(intent.order_id)
    assert result.ok, result.message
    # The log line says which order: not only its id (issue 15).
    assert f"CANCELED (5 contracts): buy YES @ 43¢ {rig.ticker}" in result.message
    assert result.message in rig.log_text()
    after = rig.journal.intent(intent.client_order_id)
    assert after is not None
    assert after.state == IntentState.CANCELED
    [order] = await rig.exchange_orders()
    assert order.status == "canceled"
    again = await rig.t.orders.cancel(intent.order_id)
    assert again.ok, "404 on cancel means it is already gone"
    assert "no longer resting (canceled)" in again.message


async def test_cancel_market_and_cancel_all(rig: Rig) -> None:
    first = await rig.submit(rig.draft("0.40"))
    second = await rig.submit(rig.draft("0.41"))
    result = await rig.t.orders.cancel_market(rig.ticker)
    assert result.ok
    assert "CANCELED 2 order(s)" in result.message
    for intent in (first, second):
        after = rig.journal.intent(intent.client_order_id)
        assert after is not None
        assert after.state == IntentState.CANCELED
    await rig.submit(rig.draft("0.39"))
    assert (await rig.t.orders.cancel_all()).ok
    assert rig.journal.open_orders() == []
    assert [o for o in await rig.exchange_orders() if o.status == "resting"] == []


async def test_amend_and_decrease(rig: Rig) -> None:
    intent = await rig.submit(rig.draft("0.40", "5"))
    assert intent.order_id is not None
    result = await rig.t.orders.amend(intent.order_id, Decimal("0.41"), Decimal("8"))
    assert result.ok, result.message
    [order] = await rig.exchange_orders()
    assert (order.yes_price, order.remaining_count) == (Decimal("0.41"), Decimal(8))
    record = rig.journal.order(intent.order_id)
    assert record is not None
    assert (record.order.price, record.order.remaining_count) == (Decimal("0.41"), Decimal(8))
    decreased = await rig.t.orders.decrease(intent.order_id, reduce_by=Decimal(3))
    assert decreased.ok, decreased.message
    record = rig.journal.order(intent.order_id)
    assert record is not None
    assert record.order.remaining_count == Decimal(5)
    [order] = await rig.exchange_orders()
    assert order.remaining_count == Decimal(5)
    await rig.t.reconciler.run()
    assert rig.store.snapshot.reconciliation.findings == ()


class DocsShapedDecrease(httpx.AsyncBaseTransport):
    """The real exchange, but its decrease replies as Kalshi documents V2's:
    `{order_id, remaining_count, ts_ms}`, no `reduced_by` (the count from the engine)."""

    def __init__(self, exchange: RunningExchange) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.exchange = exchange

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/decrease") or response.status_code != 200:
            return response
        reply = json.loads(await response.aread())
        with self.exchange.engine() as engine:
            order = engine.get_order(self.exchange.user_id, reply["order_id"])
        body = {
            "order_id": order.order_id,
            "remaining_count": count_str(order.remaining_count),
            "ts_ms": reply.get("ts_ms") or 0,
        }
        return httpx.Response(200, json=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_v2_decrease_answering_only_the_remaining_count_is_journaled(
    tmp_path: Path,
) -> None:
    rig = await make_rig(tmp_path)
    try:
        auth = rig.client.auth
        await rig.client.aclose()
        rig.client = api.KalshiClient(
            rig.exchange.base_url, auth, transport=DocsShapedDecrease(rig.exchange)
        )
        rig.open()
        await rig.t.start()
        intent = await rig.submit(rig.draft("0.40", "8"))
        assert intent.order_id is not None
        decreased = await rig.t.orders.decrease(intent.order_id, reduce_by=Decimal(3))
        assert decreased.ok, decreased.message
        assert decreased.message == f"order {intent.order_id} DECREASED, remaining 5"
        assert "by ?" not in rig.log_text()
        record = rig.journal.order(intent.order_id)
        assert record is not None
        assert record.order.remaining_count == Decimal(5)
        [amend] = [e for e in rig.journal.events(kind="amend")]
        assert Decimal(amend.payload["response"]["remaining_count"]) == 5
        emptied = await rig.t.orders.decrease(intent.order_id, reduce_to=Decimal(0))
        assert emptied.ok, emptied.message
        assert emptied.message.endswith("remaining 0")
        after = rig.journal.intent(intent.client_order_id)
        assert after is not None
        assert after.state == IntentState.CANCELED
    finally:
        await rig.close()


async def test_rejection_keeps_the_kalshi_code(rig: Rig) -> None:
    intent = await rig.submit(rig.draft("0.435"))
    assert intent.state == IntentState.REJECTED
    assert intent.reject_code == "invalid_price"
    assert await rig.exchange_orders() == []
    assert "order REJECTED (invalid_price)" in rig.log_text()


async def test_insufficient_balance_is_rejected(tmp_path: Path) -> None:
    rig = await make_rig(tmp_path, balance_dollars=1)
    try:
        rig.open()
        await rig.t.start()
        intent = await rig.submit(rig.draft("0.50", "100"))
        assert (intent.state, intent.reject_code) == (IntentState.REJECTED, "insufficient_balance")
    finally:
        await rig.close()


async def test_dropped_response_is_unknown_then_found_never_resent(rig: Rig) -> None:
    rig.exchange.faults.configure("drop_response=1")
    draft = rig.draft()
    intent = await rig.submit(draft)
    assert intent.state == IntentState.UNKNOWN
    [pending] = rig.store.snapshot.pending_orders
    assert (pending.client_order_id, pending.state, pending.in_flight) == (
        draft.client_order_id,
        "unknown",
        False,
    )
    # Nothing new in this market until it is resolved; nothing reaches the network.
    blocked = await rig.t.orders.submit(rig.draft("0.42"))
    assert isinstance(blocked, Denial)
    assert blocked.code == "unresolved_order"
    # Submitting the same draft again does not resend it either.
    again = await rig.t.orders.submit(draft)
    assert not isinstance(again, Denial)
    assert again.state == IntentState.UNKNOWN
    rig.exchange.faults.configure()
    resolved = await rig.t.orders.resolve(draft.client_order_id)
    assert resolved is not None
    assert resolved.state == IntentState.ACKED
    orders = await rig.exchange_orders()
    assert [o.client_order_id for o in orders] == [draft.client_order_id], "exactly one order"
    assert resolved.order_id == orders[0].order_id
    requests = list(rig.journal.events(kind=EventKind.REQUEST))
    assert len(requests) == 1, "sent once"
    assert rig.store.snapshot.pending_orders == ()


async def test_resolution_waits_out_read_after_write_lag(rig: Rig) -> None:
    rig.exchange.faults.configure("drop_response=1")
    draft = rig.draft()
    assert (await rig.submit(draft)).state == IntentState.UNKNOWN
    rig.exchange.faults.configure("lag_ms=1200")  # listings hide the order for 1.2 s
    resolved = await rig.t.orders.resolve(draft.client_order_id)
    assert resolved is not None
    assert resolved.state == IntentState.ACKED
    rig.exchange.faults.configure()
    assert len(await rig.exchange_orders()) == 1


async def test_5xx_that_was_not_applied_resolves_as_not_placed(rig: Rig) -> None:
    rig.exchange.faults.configure("write_error=1")
    draft = rig.draft()
    assert (await rig.submit(draft)).state == IntentState.UNKNOWN
    rig.exchange.faults.configure()
    resolved = await rig.t.orders.resolve(draft.client_order_id)
    assert resolved is not None
    assert resolved.state == IntentState.NOT_PLACED
    assert await rig.exchange_orders() == []
    # The market is open for new orders again.
    assert (await rig.submit(rig.draft())).state == IntentState.ACKED


async def test_double_submit_is_one_order(rig: Rig) -> None:
    draft = rig.draft()
    first, second = await asyncio.gather(rig.t.orders.submit(draft), rig.t.orders.submit(draft))
    third = await rig.t.orders.submit(draft)
    for result in (first, second, third):
        assert not isinstance(result, Denial)
        assert result.client_order_id == draft.client_order_id
    assert len(await rig.exchange_orders()) == 1
    assert len(list(rig.journal.events(kind=EventKind.REQUEST))) == 1


async def test_409_duplicate_is_acknowledged_not_rejected(rig: Rig) -> None:
    draft = rig.draft()
    placed = await rig.client.create_order(
        api.OrderRequest(
            ticker=draft.ticker,
            side="yes",
            action="buy",
            count=draft.count,
            price=draft.price,
            client_order_id=draft.client_order_id,
        )
    )
    intent = await rig.submit(draft)
    assert intent.state == IntentState.ACKED
    assert intent.order_id == placed.order_id
    assert len(await rig.exchange_orders()) == 1


async def test_halted_journal_denies_and_sends_nothing(rig: Rig) -> None:
    rig.journal.set_halt("manual", "testing the halt")
    draft = rig.draft()
    denial = await rig.t.orders.submit(draft)
    assert isinstance(denial, Denial)
    assert denial.code == "halted"
    assert rig.journal.intent(draft.client_order_id) is None
    assert await rig.exchange_orders() == []
    assert "order refused (halted)" in rig.log_text()


async def test_submit_before_reconciliation_is_refused(tmp_path: Path) -> None:
    rig = await make_rig(tmp_path)
    try:
        rig.open()
        denial = await rig.t.orders.submit(rig.draft())
        assert isinstance(denial, Denial)
        assert denial.code == "not_reconciled"
        assert not rig.store.snapshot.trading_ready
        await rig.t.start()
        assert rig.store.snapshot.trading_ready
        assert (await rig.submit(rig.draft())).state == IntentState.ACKED
    finally:
        await rig.close()


async def test_orders_join_the_apps_group_and_are_pulled_on_pause(tmp_path: Path) -> None:
    rig = await make_rig(tmp_path)
    try:
        group = await rig.client.create_order_group(Decimal(1000))
        rig.open(order_group_id=group)
        await rig.t.start()
        intent = await rig.submit(rig.draft())
        assert intent.order_id is not None
        order = await rig.client.get_order(intent.order_id)
        assert order.order_group_id == group
        assert order.cancel_order_on_pause is True
        events = list(rig.journal.events(client_order_id=intent.client_order_id, kind="request"))
        assert events[0].payload["order_group_id"] == group
    finally:
        await rig.close()


async def test_cancels_still_work_while_halted(rig: Rig) -> None:
    intent = await rig.submit(rig.draft())
    assert intent.order_id is not None
    rig.journal.set_halt("manual", "stop everything")
    amend = await rig.t.orders.amend(intent.order_id, Decimal("0.44"), Decimal(5))
    assert not amend.ok
    assert "halted" in amend.message
    assert (await rig.t.orders.cancel(intent.order_id)).ok
    [order] = await rig.exchange_orders()
    assert order.status == "canceled"


async def test_a_failing_gate_refuses(tmp_path: Path) -> None:
    def broken(_draft: object) -> None:
        raise ZeroDivisionError("division by zero")

    rig = await make_rig(tmp_path)
    try:
        rig.open(gate=broken)
        await rig.t.start()
        denial = await rig.t.orders.submit(rig.draft())
        assert isinstance(denial, Denial)
        assert denial.code == "gate_error"
        assert await rig.exchange_orders() == []
    finally:
        await rig.close()


async def test_an_ioc_that_finds_nothing_is_canceled_not_resting(rig: Rig) -> None:
    draft = dataclasses.replace(rig.draft("0.43"), time_in_force="immediate_or_cancel")
    intent = await rig.submit(draft)
    assert intent.state == IntentState.CANCELED
    assert rig.journal.open_orders() == []


async def test_the_running_resolver_settles_an_unknown_order_by_itself(rig: Rig) -> None:
    runner = asyncio.create_task(rig.t.run())
    try:
        settled = asyncio.Event()

        def watch(snapshot: Snapshot, changed: frozenset[str]) -> None:
            if "pending_orders" in changed and not snapshot.pending_orders:
                settled.set()

        rig.exchange.faults.configure("drop_response=1")
        draft = rig.draft()
        assert (await rig.submit(draft)).state == IntentState.UNKNOWN
        rig.exchange.faults.configure()
        rig.store.subscribe(watch)
        await asyncio.wait_for(settled.wait(), timeout=15)
        intent = rig.journal.intent(draft.client_order_id)
        assert intent is not None
        assert intent.state == IntentState.ACKED
        assert intent.resolution == "found by client_order_id"
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
