"""Every message type the stream sends, produced in one session and each message checked
against the AsyncAPI table (`ws_contract_table.py`; the `Reader` checks every message it
reads, in every stream test)."""

from __future__ import annotations

import time

import httpx
from ws_contract_table import MSG, TOP, check
from ws_kit import OTHER_KEY_ID, Connect, KeyPair, Reader

from kalshi_tui.exchange.server import RunningExchange

CHANNELS = [
    "orderbook_delta",
    "ticker",
    "trade",
    "fill",
    "market_positions",
    "user_orders",
    "market_lifecycle_v2",
    "order_group_updates",
]


async def _order(client: httpx.AsyncClient, ticker: str, action: str) -> None:
    body = {
        "ticker": ticker,
        "side": "yes",
        "action": action,
        "count": 2,
        "yes_price": 45,
        "client_order_id": f"ws-{time.monotonic_ns()}",
    }
    response = await client.post("/portfolio/orders", json=body)
    assert response.status_code == 201, response.text


async def _until_types(reader: Reader, wanted: set[str]) -> None:
    while not wanted <= {m["type"] for m in reader.seen}:
        await reader.next()


async def test_every_message_type_meets_the_asyncapi(
    stream: Connect,
    exchange: RunningExchange,
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,
    ticker: str,
    other_key_pair: KeyPair,
) -> None:
    async with stream() as reader, stream(OTHER_KEY_ID, other_key_pair[0]) as theirs:
        await reader.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": CHANNELS, "market_ticker": ticker},
            }
        )
        await theirs.send({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})
        await _order(client, ticker, "buy")
        await _order(other, ticker, "sell")
        group = await client.post("/portfolio/order_groups/create", json={"contracts_limit": 3})
        assert group.status_code == 201
        with exchange.engine() as engine:
            engine.list_event("KXFED", exchange.now_ms())
            engine.pause_market(ticker, exchange.now_ms())
        await reader.send({"id": 2, "cmd": "subscribe", "params": {"channels": ["nope"]}})
        await reader.send({"id": 3, "cmd": "list_subscriptions"})
        await _until_types(
            reader,
            {
                "subscribed",
                "orderbook_snapshot",
                "orderbook_delta",
                "ticker",
                "trade",
                "fill",
                "market_position",
                "user_order",
                "order_group_updates",
                "event_lifecycle",
                "market_lifecycle_v2",
                "error",
                "ok",
            },
        )
        await reader.send(
            {
                "id": 4,
                "cmd": "update_subscription",
                "params": {"sid": 1, "market_ticker": ticker, "action": "get_snapshot"},
            }
        )
        await reader.send({"id": 5, "cmd": "unsubscribe", "params": {"sids": [1, 2, 3]}})
        await _until_types(reader, {"unsubscribed"})
        await theirs.of_type("fill")
    assert {m["type"] for m in reader.seen} == set(TOP)
    assert all(not check(m) for m in reader.seen + theirs.seen)


def test_the_table_refuses_what_the_asyncapi_does() -> None:
    good = {
        "type": "order_group_updates",
        "sid": 4,
        "seq": 1,
        "msg": {
            "event_type": "created",
            "order_group_id": "g",
            "ts_ms": 1,
            "contracts_limit_fp": "5.00",
        },
    }
    assert check(good) == []
    no_seq = {k: v for k, v in good.items() if k != "seq"}
    assert check(no_seq) == ["order_group_updates lacks seq"]
    assert check({**good, "msg": {**good["msg"], "contracts_limit_fp": 5}})  # a number, not _fp
    assert check({**good, "msg": {**good["msg"], "event_type": "paused"}})
    ticker_with_seq = {"type": "ticker", "sid": 1, "seq": 3, "msg": {}}
    assert "ticker has unexpected seq" in check(ticker_with_seq)
    assert any("lacks yes_bid_dollars" in p for p in check(ticker_with_seq))
    assert check({"type": "error", "msg": {"code": 99, "msg": "x"}})
    assert set(MSG) <= set(TOP)
