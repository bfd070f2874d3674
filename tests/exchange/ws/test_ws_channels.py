"""The channels, fed by the engine as things happen: REST orders by two accounts, admin
lifecycle actions, order-group changes. Every message read is also checked against the
AsyncAPI table (`ws_kit.Reader`)."""

from __future__ import annotations

import json
import time

import httpx
from websockets.asyncio.client import connect
from ws_kit import (
    KEY_ID,
    OTHER_KEY_ID,
    Connect,
    Json,
    KeyPair,
    Reader,
    StartExchange,
    signed_headers,
)

from kalshi_tui.exchange.engine import Exchange
from kalshi_tui.exchange.server import RunningExchange


async def order(
    client: httpx.AsyncClient, ticker: str, side: str, action: str, cents: int, count: int
) -> Json:
    """A V1 limit order; ``cents`` is the price of ``side``."""
    body = {
        "ticker": ticker,
        "side": side,
        "action": action,
        "count": count,
        f"{side}_price": cents,
        "client_order_id": f"ws-{time.monotonic_ns()}",
    }
    response = await client.post("/portfolio/orders", json=body)
    assert response.status_code == 201, response.text
    placed: Json = response.json()["order"]
    return placed


async def subscribe(reader: Reader, ident: int, channels: list[str], **params: object) -> list[int]:
    await reader.send({"id": ident, "cmd": "subscribe", "params": {"channels": channels, **params}})
    sids = []
    for _ in channels:
        reply = await reader.until(lambda m: m.get("id") == ident)
        assert reply["type"] == "subscribed", reply
        sids.append(reply["msg"]["sid"])
    return sids


async def test_orderbook_snapshot_then_deltas_with_one_seq_per_sid(
    stream: Connect, client: httpx.AsyncClient, other: httpx.AsyncClient, ticker: str
) -> None:
    async with stream() as no_leg, stream() as yes_leg:
        (sid,) = await subscribe(no_leg, 1, ["orderbook_delta"], market_ticker=ticker)
        (yes_sid,) = await subscribe(
            yes_leg, 1, ["orderbook_delta"], market_tickers=[ticker], use_yes_price=True
        )
        empty = await no_leg.of_type("orderbook_snapshot")
        await yes_leg.of_type("orderbook_snapshot")
        await order(client, ticker, "yes", "buy", 40, 2)  # a YES bid at 0.40
        await order(other, ticker, "no", "buy", 55, 3)  # a NO bid at 0.55 (YES 0.45): no cross
        await order(other, ticker, "yes", "sell", 40, 1)  # hits our YES bid for 1
        deltas = [await no_leg.of_type("orderbook_delta") for _ in range(3)]
        yes_deltas = [await yes_leg.of_type("orderbook_delta") for _ in range(3)]
        await no_leg.send(
            {
                "id": 2,
                "cmd": "update_subscription",
                "params": {"sid": sid, "market_tickers": [ticker], "action": "get_snapshot"},
            }
        )
        ok = await no_leg.of_type("ok")
        again = await no_leg.of_type("orderbook_snapshot")
        await yes_leg.send(
            {
                "id": 2,
                "cmd": "update_subscription",
                "params": {"sids": [yes_sid], "market_ticker": ticker, "action": "get_snapshot"},
            }
        )
        yes_again = await yes_leg.of_type("orderbook_snapshot")
    assert empty["sid"] == sid
    assert empty["seq"] == 1
    assert set(empty["msg"]) == {"market_ticker", "market_id"}  # no levels: no side keys
    assert [(d["sid"], d["seq"]) for d in deltas] == [(sid, 2), (sid, 3), (sid, 4)]
    assert [
        (d["msg"]["side"], d["msg"]["price_dollars"], d["msg"]["delta_fp"]) for d in deltas
    ] == [
        ("yes", "0.4000", "2.00"),
        ("no", "0.5500", "3.00"),  # the NO leg's own price
        ("yes", "0.4000", "-1.00"),
    ]
    assert [d["msg"]["price_dollars"] for d in yes_deltas] == ["0.4000", "0.4500", "0.4000"]
    assert ok["seq"] == 5
    assert again["seq"] == 6
    assert again["msg"]["yes_dollars_fp"] == [["0.4000", "1.00"]]
    assert again["msg"]["no_dollars_fp"] == [["0.5500", "3.00"]]
    assert yes_again["msg"]["no_dollars_fp"] == [["0.4500", "3.00"]]
    assert all(isinstance(d["msg"]["ts_ms"], int) for d in deltas)


async def test_deltas_stop_for_a_deleted_market(
    stream: Connect, client: httpx.AsyncClient, exchange: RunningExchange
) -> None:
    with exchange.engine() as engine:
        first, second = engine.market_tickers()[:2]
    async with stream() as reader:
        (sid,) = await subscribe(reader, 1, ["orderbook_delta"], market_tickers=[first, second])
        await reader.send(
            {
                "id": 2,
                "cmd": "update_subscription",
                "params": {"sid": sid, "market_ticker": first, "action": "delete_markets"},
            }
        )
        await reader.of_type("ok")
        await order(client, first, "yes", "buy", 30, 1)
        await order(client, second, "yes", "buy", 30, 1)
        delta = await reader.of_type("orderbook_delta")
    assert delta["msg"]["market_ticker"] == second


async def test_private_channels_follow_our_orders_only(
    stream: Connect,
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,
    ticker: str,
    other_key_pair: KeyPair,
) -> None:
    channels = ["fill", "user_orders", "market_positions", "trade", "ticker"]
    async with stream() as ours, stream(OTHER_KEY_ID, other_key_pair[0]) as theirs:
        await subscribe(ours, 1, channels)
        await subscribe(theirs, 1, ["fill"])
        resting = await order(client, ticker, "yes", "buy", 40, 5)
        created = await ours.of_type("user_order")
        await order(other, ticker, "yes", "sell", 40, 2)  # fills 2 of ours; they are the taker
        fill = await ours.of_type("fill")
        updated = await ours.of_type("user_order")
        position = await ours.of_type("market_position")
        trade = await ours.of_type("trade")
        tick = await ours.until(
            lambda m: m.get("type") == "ticker" and m["msg"]["last_trade_size_fp"] != "0.00"
        )
        their_fill = await theirs.of_type("fill")
    assert created["msg"]["order_id"] == resting["order_id"]
    assert created["msg"]["status"] == "resting"
    assert created["msg"]["remaining_count_fp"] == "5.00"
    assert fill["msg"]["order_id"] == resting["order_id"]
    assert fill["msg"]["is_taker"] is False
    assert fill["msg"]["count_fp"] == "2.00"
    assert fill["msg"]["yes_price_dollars"] == "0.4000"
    assert fill["msg"]["post_position_fp"] == "2.00"
    assert fill["msg"]["exchange_index"] == 0
    assert updated["msg"]["fill_count_fp"] == "2.00"
    assert updated["msg"]["remaining_count_fp"] == "3.00"
    assert position["msg"]["position_fp"] == "2.00"
    assert position["msg"]["position_cost_dollars"] == "0.8000"
    assert trade["msg"]["count_fp"] == "2.00"
    assert trade["msg"]["taker_outcome_side"] == "no"
    assert tick["msg"]["price_dollars"] == "0.4000"
    assert tick["msg"]["yes_bid_dollars"] == "0.4000"
    assert tick["msg"]["last_trade_size_fp"] == "2.00"
    assert their_fill["msg"]["is_taker"] is True
    assert their_fill["msg"]["order_id"] != resting["order_id"]
    assert all(
        m["msg"]["order_id"] == resting["order_id"] for m in ours.seen if m["type"] == "fill"
    )
    for message in ours.seen + theirs.seen:
        kind = message["type"]
        if kind in ("ticker", "trade", "fill", "market_position", "user_order"):
            assert "seq" not in message  # as the AsyncAPI has it


async def test_ticker_initial_snapshot_by_market_id(stream: Connect, ticker: str) -> None:
    async with stream() as reader:
        await subscribe(reader, 1, ["ticker"], market_ticker=ticker, send_initial_snapshot=True)
        first = await reader.of_type("ticker")
    async with stream() as reader:
        market_id = first["msg"]["market_id"]
        await subscribe(reader, 1, ["ticker"], market_ids=[market_id], send_initial_snapshot=True)
        by_id = await reader.of_type("ticker")
    assert first["msg"]["market_ticker"] == ticker
    assert by_id["msg"]["market_ticker"] == ticker


async def test_lifecycle_and_settled_positions(
    stream: Connect,
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,
    exchange: RunningExchange,
    ticker: str,
) -> None:
    async with stream() as reader:
        await subscribe(reader, 1, ["market_lifecycle_v2", "market_positions"])
        await order(client, ticker, "yes", "buy", 40, 1)
        await order(other, ticker, "yes", "sell", 40, 1)
        bought = await reader.of_type("market_position")
        now = exchange.now_ms()
        with exchange.engine() as engine:
            engine.pause_market(ticker, now)
            engine.resume_market(ticker, now)
            engine.close_market(ticker, now)
            engine.determine_market(ticker, "yes", now)
            engine.settle_market(ticker, now)
        events = [await reader.of_type("market_lifecycle_v2") for _ in range(5)]
        settled = await reader.of_type("market_position")
    assert bought["msg"]["position_fp"] == "1.00"
    assert [e["msg"]["event_type"] for e in events] == [
        "deactivated",
        "activated",
        "close_date_updated",
        "determined",
        "settled",
    ]
    assert events[0]["msg"]["is_deactivated"] is True
    assert events[1]["msg"]["is_deactivated"] is False
    assert events[2]["msg"]["close_ts"] == now // 1000
    assert events[3]["msg"]["result"] == "yes"
    assert events[3]["msg"]["settlement_value"] == "1.0000"
    assert events[4]["msg"]["settled_ts"] == now // 1000
    assert settled["msg"]["position_fp"] == "0.00"
    assert settled["msg"]["realized_pnl_dollars"] == "0.6000"


async def test_order_group_updates_carry_seq(stream: Connect, client: httpx.AsyncClient) -> None:
    async with stream() as reader:
        (sid,) = await subscribe(reader, 1, ["order_group_updates"])
        created = await client.post("/portfolio/order_groups/create", json={"contracts_limit": 5})
        group = created.json()["order_group_id"]
        path = f"/portfolio/order_groups/{group}"
        changes = [
            await client.put(path + "/limit", json={"contracts_limit": 9}),
            await client.put(path + "/trigger"),
            await client.put(path + "/reset"),
            await client.delete(path),
        ]
        assert all(r.is_success for r in changes), [r.text for r in changes]
        updates = [await reader.of_type("order_group_updates") for _ in range(5)]
    assert [u["msg"]["event_type"] for u in updates] == [
        "created",
        "limit_updated",
        "triggered",
        "reset",
        "deleted",
    ]
    assert [u["seq"] for u in updates] == [1, 2, 3, 4, 5]
    assert {u["sid"] for u in updates} == {sid}
    assert {u["msg"]["order_group_id"] for u in updates} == {group}
    assert updates[0]["msg"]["contracts_limit_fp"] == "5.00"
    assert updates[1]["msg"]["contracts_limit_fp"] == "9.00"
    assert "contracts_limit_fp" not in updates[2]["msg"]


async def test_listed_event_announces_event_and_markets(
    stream: Connect, exchange: RunningExchange
) -> None:
    async with stream() as reader:
        await subscribe(reader, 1, ["market_lifecycle_v2"])
        with exchange.engine() as engine:
            event = engine.list_event("KXBTC15M", exchange.now_ms())
        announced = await reader.of_type("event_lifecycle")
        created = [
            await reader.until(
                lambda m: (
                    m.get("type") == "market_lifecycle_v2" and m["msg"]["event_type"] == "created"
                )
            )
            for _ in event.market_tickers
        ]
        # The new markets can be watched at once.
        (sid,) = await subscribe(
            reader, 2, ["orderbook_delta"], market_ticker=event.market_tickers[0]
        )
        snapshot = await reader.of_type("orderbook_snapshot")
    assert announced["msg"]["event_ticker"] == event.event_ticker
    assert announced["msg"]["series_ticker"] == "KXBTC15M"
    assert announced["msg"]["exchange_index"] == 2  # the crypto shard
    assert [c["msg"]["market_ticker"] for c in created] == list(event.market_tickers)
    first = created[0]["msg"]
    assert first["exchange_index"] == 2
    assert first["additional_metadata"]["event_ticker"] == event.event_ticker
    assert first["price_ranges"][0]["start"] == "0.0000"
    assert first["open_ts"] <= first["close_ts"]
    assert snapshot["sid"] == sid


def test_listed_event_survives_a_restore(exchange: RunningExchange) -> None:
    with exchange.engine() as engine:
        event = engine.list_event("KXFED", exchange.now_ms())
        restored = Exchange.restore(json.loads(json.dumps(engine.snapshot())))
    again = restored.get_event(event.event_ticker)
    assert again.market_tickers == event.market_tickers
    assert restored.get_market(event.market_tickers[0]).status == "active"


async def test_cancel_over_rest_reaches_book_and_orders(
    stream: Connect, client: httpx.AsyncClient, ticker: str
) -> None:
    async with stream() as reader:
        await subscribe(reader, 1, ["orderbook_delta", "user_orders"], market_ticker=ticker)
        await reader.of_type("orderbook_snapshot")
        placed = await order(client, ticker, "yes", "buy", 33, 4)
        await reader.of_type("user_order")
        response = await client.delete(f"/portfolio/orders/{placed['order_id']}")
        assert response.status_code == 200, response.text
        canceled = await reader.until(
            lambda m: m["type"] == "user_order" and m["msg"]["status"] == "canceled"
        )
        removed = await reader.until(
            lambda m: m["type"] == "orderbook_delta" and m["msg"]["delta_fp"].startswith("-")
        )
    assert canceled["msg"]["order_id"] == placed["order_id"]
    assert canceled["msg"]["remaining_count_fp"] == "0.00"
    assert removed["msg"]["price_dollars"] == "0.3300"
    assert removed["msg"]["delta_fp"] == "-4.00"


async def test_agents_trades_stream_without_any_rest_call(
    start: StartExchange, key_pair: KeyPair
) -> None:
    exchange = start(agents=True, tick_s=0.05)
    headers = signed_headers(KEY_ID, key_pair[0])
    async with connect(exchange.ws_url, additional_headers=headers) as ws:
        reader = Reader(ws)
        await subscribe(reader, 1, ["trade", "ticker"])
        trade = await reader.of_type("trade", timeout_s=60)
        tick = await reader.of_type("ticker", timeout_s=60)
    assert trade["msg"]["count_fp"] != "0.00"
    assert tick["msg"]["market_ticker"]
