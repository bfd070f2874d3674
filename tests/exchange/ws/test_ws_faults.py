"""Stream faults, as the REST faults are injected: a dropped delta (a seq gap), a duplicated
one, delay, a dropped connection, error 25 (buffer overflow), a frozen stream."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosedError
from ws_kit import Connect, Json, Reader

from kalshi_tui.exchange.http.faults import describe, parse_spec
from kalshi_tui.exchange.server import RunningExchange


async def bid(client: httpx.AsyncClient, ticker: str, cents: int) -> None:
    body = {
        "ticker": ticker,
        "side": "yes",
        "action": "buy",
        "count": 1,
        "yes_price": cents,
        "client_order_id": f"ws-{time.monotonic_ns()}",
    }
    response = await client.post("/portfolio/orders", json=body)
    assert response.status_code == 201, response.text


async def book(reader: Reader, ticker: str) -> int:
    await reader.send(
        {
            "id": 1,
            "cmd": "subscribe",
            "params": {"channels": ["orderbook_delta"], "market_ticker": ticker},
        }
    )
    sid: int = (await reader.of_type("subscribed"))["msg"]["sid"]
    await reader.of_type("orderbook_snapshot")
    return sid


async def barrier(reader: Reader, ident: int) -> Json:
    """A command whose reply, queued after everything before it, proves those were sent."""
    await reader.send({"id": ident, "cmd": "list_subscriptions"})
    return await reader.until(lambda m: m.get("id") == ident)


def test_stream_faults_parse_and_describe() -> None:
    spec = (
        "ws_drop_delta=0.5,ws_duplicate_delta=0.25,ws_latency_ms=20,"
        "ws_disconnect=0.01,ws_overflow=0.02,ws_frozen"
    )
    config = parse_spec(spec)
    assert config.ws_frozen
    assert config.ws_latency_ms == 20
    assert parse_spec(describe(config)) == config
    with pytest.raises(ValueError, match="ws_drop_delta"):
        parse_spec("ws_drop_delta=2")


async def test_dropped_delta_leaves_a_seq_gap(
    exchange: RunningExchange, stream: Connect, client: httpx.AsyncClient, ticker: str
) -> None:
    async with stream() as reader:
        await book(reader, ticker)
        exchange.faults.configure("ws_drop_delta=1")
        await bid(client, ticker, 30)
        await barrier(reader, 2)
        exchange.faults.configure()
        await bid(client, ticker, 31)
        delta = await reader.of_type("orderbook_delta")
    assert delta["seq"] == 3  # 1 the snapshot, 2 dropped
    assert delta["msg"]["price_dollars"] == "0.3100"
    assert exchange.faults.injected["stream_drop"] == 1


async def test_duplicated_delta_repeats_its_seq(
    exchange: RunningExchange, stream: Connect, client: httpx.AsyncClient, ticker: str
) -> None:
    async with stream() as reader:
        await book(reader, ticker)
        exchange.faults.configure("ws_duplicate_delta=1")
        await bid(client, ticker, 30)
        first = await reader.of_type("orderbook_delta")
        second = await reader.of_type("orderbook_delta")
    assert first == second
    assert first["seq"] == 2


async def test_delayed_stream_keeps_its_order(
    exchange: RunningExchange, stream: Connect, client: httpx.AsyncClient, ticker: str
) -> None:
    async with stream() as reader:
        await book(reader, ticker)
        exchange.faults.configure("ws_latency_ms=30")
        for cents in (30, 31, 32):
            await bid(client, ticker, cents)
        deltas = [await reader.of_type("orderbook_delta") for _ in range(3)]
    assert [d["seq"] for d in deltas] == [2, 3, 4]
    assert exchange.faults.requests["stream"] >= 3


async def test_disconnect_drops_the_connection_without_a_close_frame(
    exchange: RunningExchange, stream: Connect
) -> None:
    async with stream() as reader:
        exchange.faults.configure("ws_disconnect=1")
        await reader.send({"id": 1, "cmd": "list_subscriptions"})
        with pytest.raises(ConnectionClosedError) as closed:
            await reader.next()
    assert closed.value.rcvd is None  # no close frame: the TCP connection just went away


async def test_overflow_ends_the_subscription_with_error_25(
    exchange: RunningExchange, stream: Connect, client: httpx.AsyncClient, ticker: str
) -> None:
    async with stream() as reader:
        sid = await book(reader, ticker)
        exchange.faults.configure("ws_overflow=1")
        await bid(client, ticker, 30)
        error = await reader.of_type("error")
        listing = await barrier(reader, 2)
    assert error["msg"]["code"] == 25
    assert error["sid"] == sid
    assert listing["msg"] == []  # terminal: the client must resubscribe
    with exchange.engine():
        assert ticker not in exchange.stream.watched()  # the ended subscription let go


async def test_frozen_stream_is_silent_until_it_thaws(
    exchange: RunningExchange, stream: Connect
) -> None:
    async with stream() as reader:
        exchange.faults.configure("ws_frozen")
        await reader.send({"id": 1, "cmd": "list_subscriptions"})
        deadline = time.monotonic() + 10
        while not exchange.faults.injected["stream_frozen_command"]:
            assert time.monotonic() < deadline, "the frozen server never saw the command"
            await asyncio.sleep(0.01)
        exchange.faults.configure()
        reply = await barrier(reader, 2)
    assert reply["id"] == 2
    assert all(m.get("id") != 1 for m in reader.seen)
