"""Order writes against replies shaped as Kalshi documents them (only the required fields,
every nullable field null), and the bodies the client sends for them: batch cancel,
cancel and decrease in both order APIs. Then the same writes over loopback against the
embedded exchange."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from api_testkit import FakeClock, Script, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa
from loopback_kit import Keys, Recorder, client_for, order

from kalshi_tui.api import KalshiClient, Order

TICKER = "KXFED-26DEC-T4.00"


def docs_order(order_id: str = "o1", remaining: str = "3.00") -> dict[str, Any]:
    """The required fields of Kalshi's `Order`, nullable ones null."""
    return {
        "order_id": order_id,
        "user_id": "u1",
        "client_order_id": "c1",
        "ticker": TICKER,
        "outcome_side": "yes",
        "book_side": "bid",
        "type": "limit",
        "status": "resting" if remaining != "0.00" else "canceled",
        "yes_price_dollars": "0.4300",
        "no_price_dollars": "0.5700",
        "fill_count_fp": "0.00",
        "remaining_count_fp": remaining,
        "initial_count_fp": "5.00",
        "taker_fees_dollars": "0.0000",
        "maker_fees_dollars": "0.0000",
        "taker_fill_cost_dollars": "0.0000",
        "maker_fill_cost_dollars": "0.0000",
        "expiration_time": None,
        "created_time": None,
        "last_update_time": None,
        "self_trade_prevention_type": None,
        "order_group_id": None,
        "subaccount_number": None,
    }


def listed(order_id: str) -> Order:
    return Order.from_wire(docs_order(order_id))


async def test_v2_batch_cancel_sends_orders_with_their_tickers(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    reply = {
        "orders": [
            {
                "order_id": "o1",
                "reduced_by": "5.00",
                "client_order_id": None,
                "ts_ms": None,
                "error": None,
            },
            {
                "order_id": "o2",
                "reduced_by": "0.00",
                "client_order_id": None,
                "ts_ms": None,
                "error": {"code": "not_found", "message": "order not found"},
            },
        ]
    }
    script = Script(respond(200, reply))
    async with make_client(script, clock, rsa_key, order_api="v2") as client:
        items = await client.batch_cancel_orders([listed("o1"), "o2"])
    assert script.paths == ["DELETE /trade-api/v2/portfolio/events/orders/batched"]
    assert script.body() == {
        "orders": [{"order_id": "o1", "market_ticker": TICKER}, {"order_id": "o2"}]
    }
    assert [(i.order_id, i.reduced_by, i.ok) for i in items] == [
        ("o1", Decimal(5), True),
        ("o2", Decimal(0), False),
    ]
    assert items[1].error is not None
    assert items[1].error.code == "not_found"


async def test_v1_batch_cancel_sends_orders_and_reads_reduced_by_fp(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    reply = {"orders": [{"order_id": "o1", "reduced_by_fp": "3.00", "order": None, "error": None}]}
    script = Script(respond(200, reply))
    async with make_client(script, clock, rsa_key, order_api="v1") as client:
        [item] = await client.batch_cancel_orders([listed("o1")])
    assert script.paths == ["DELETE /trade-api/v2/portfolio/orders/batched"]
    assert script.body() == {"orders": [{"order_id": "o1", "market_ticker": TICKER}]}
    assert "ids" not in script.body(), "`ids` is deprecated"
    assert (item.order_id, item.reduced_by, item.ok) == ("o1", Decimal(3), True)


async def test_v2_decrease_reads_the_remaining_count(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(respond(200, {"order_id": "o1", "remaining_count": "8.00", "ts_ms": 17}))
    async with make_client(script, clock, rsa_key, order_api="v2") as client:
        reduction = await client.decrease_order("o1", reduce_by=Decimal(2))
    assert script.paths == ["POST /trade-api/v2/portfolio/events/orders/o1/decrease"]
    assert (reduction.remaining_count, reduction.reduced_by) == (Decimal(8), None)
    assert reduction.ts_ms == 17


async def test_v1_cancel_reads_reduced_by_fp(clock: FakeClock, rsa_key: rsa.RSAPrivateKey) -> None:
    body = {"order": docs_order(remaining="0.00"), "reduced_by_fp": "5.00"}
    script = Script(respond(200, body))
    async with make_client(script, clock, rsa_key, order_api="v1") as client:
        reduction = await client.cancel_order("o1")
    assert reduction.reduced_by == Decimal(5)
    assert reduction.remaining_count == Decimal(0)
    assert reduction.order is not None
    assert reduction.order.status == "canceled"


async def test_v1_decrease_reads_the_order(clock: FakeClock, rsa_key: rsa.RSAPrivateKey) -> None:
    script = Script(respond(200, {"order": docs_order(remaining="3.00")}))
    async with make_client(script, clock, rsa_key, order_api="v1") as client:
        reduction = await client.decrease_order("o1", reduce_by=Decimal(2))
    assert script.paths == ["POST /trade-api/v2/portfolio/orders/o1/decrease"]
    assert reduction.remaining_count == Decimal(3)
    assert reduction.reduced_by is None


@pytest.mark.parametrize("profile", ["current", "legacy"])
async def test_batch_cancel_of_listed_orders_over_loopback(
    start: Any, keys: Keys, profile: str
) -> None:
    exchange = start(profile=profile)
    async with client_for(exchange, keys[0]) as client:
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        for price in ("0.03", "0.04", "0.05"):
            await client.create_order(order(ticker, price))
        resting = await client.get_all_orders(ticker=ticker, status="resting")
        assert len(resting) == 3
        items = await client.batch_cancel_orders([*resting[:2], resting[2].order_id])
        assert {i.order_id for i in items} == {o.order_id for o in resting}
        assert all(i.ok and i.reduced_by == Decimal(5) for i in items)
        assert await client.get_all_orders(ticker=ticker, status="resting") == []
        again = await client.batch_cancel_orders(resting)
        assert all(not i.ok for i in again), "already canceled: per-item errors"
        assert client.order_api == ("v1" if profile == "legacy" else "v2")


CANCEL_ALL_ROUTE = "DELETE /trade-api/v2/portfolio/events/orders"


async def place(client: KalshiClient, tickers: list[str], count: int) -> list[str]:
    acks = [
        await client.create_order(order(tickers[i % len(tickers)], "0.0" + str(1 + i % 5)))
        for i in range(count)
    ]
    return [ack.order_id for ack in acks]


@pytest.mark.parametrize("profile", ["current", "compat", "legacy"])
async def test_cancel_all_lists_and_batch_cancels_over_loopback(
    start: Any, keys: Keys, profile: str
) -> None:
    exchange = start(profile=profile)
    recorder = Recorder()
    async with client_for(exchange, keys[0], transport=recorder) as client:
        tickers = [m.ticker for m in (await client.get_markets(status="open", limit=3)).markets]
        placed = await place(client, tickers, 25)
        recorder.seen.clear()
        one_market = await client.cancel_all_orders(ticker=tickers[0])
        assert one_market.count == 9
        assert one_market.failed == ()
        left = await client.get_all_orders(status="resting")
        assert len(left) == 16
        assert tickers[0] not in {o.ticker for o in left}
        rest = await client.cancel_all_orders()
        assert (rest.count, rest.failed) == (16, ())
        assert set(one_market.order_ids) | set(rest.order_ids) == set(placed)
        assert await client.get_all_orders(status="resting") == []
    assert CANCEL_ALL_ROUTE not in recorder.seen, "an undocumented route"
    batched = [r for r in recorder.seen if r.endswith("/orders/batched")]
    assert len(batched) == 2, "one batch per call: 9 orders, then 16"
    assert not [r for r in recorder.seen if r.startswith("DELETE") and not r.endswith("/batched")]


async def test_cancel_all_cancels_one_by_one_what_a_batch_refuses(start: Any, keys: Keys) -> None:
    exchange = start(profile="current")

    def refuse_batches(request: httpx.Request) -> httpx.Response | None:
        if request.method == "DELETE" and request.url.path.endswith("/batched"):
            error = {"code": "invalid_parameters", "message": "batch cancel unavailable"}
            return httpx.Response(400, json={"error": error})
        return None

    recorder = Recorder(refuse_batches)
    async with client_for(exchange, keys[0], transport=recorder) as client:
        tickers = [m.ticker for m in (await client.get_markets(status="open", limit=2)).markets]
        placed = await place(client, tickers, 22)
        recorder.seen.clear()
        result = await client.cancel_all_orders()
        assert (result.count, result.failed) == (22, ())
        assert set(result.order_ids) == set(placed)
        assert await client.get_all_orders(status="resting") == []
        assert client.order_api == "v2", "a refused batch is not a missing route"
    singles = [r for r in recorder.seen if r.startswith("DELETE") and not r.endswith("/batched")]
    assert len(singles) == 22
    assert CANCEL_ALL_ROUTE not in recorder.seen
