"""The stream's handshake is signed as Kalshi's is, over `timestamp + GET + /trade-api/ws/v2`;
a missing or bad signature is refused with REST's 401 before any upgrade."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.protocol import Event
from ws_kit import KEY_ID, Connect, KeyPair, StartExchange, signed_headers

from kalshi_tui.exchange.server import RunningExchange


async def _refusal(url: str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers=headers):
            pass
    response = refused.value.response
    return response.status_code, json.loads(response.body or b"{}")


async def test_no_headers_is_refused_with_401(exchange: RunningExchange) -> None:
    status, body = await _refusal(exchange.ws_url, {})
    assert status == 401
    assert body["error"]["code"] == "authentication_error"  # type: ignore[index]


async def test_signature_over_another_path_is_refused(
    exchange: RunningExchange, key_pair: KeyPair
) -> None:
    # Signed as if for REST: the stream's path is part of the signed text.
    headers = signed_headers(KEY_ID, key_pair[0], path="/trade-api/v2/portfolio/balance")
    status, body = await _refusal(exchange.ws_url, headers)
    assert status == 401
    assert body["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"  # type: ignore[index]


async def test_key_without_signature_is_refused(
    exchange: RunningExchange, key_pair: KeyPair
) -> None:
    headers = signed_headers(KEY_ID, key_pair[0])
    del headers["KALSHI-ACCESS-SIGNATURE"]
    status, body = await _refusal(exchange.ws_url, headers)
    assert status == 401
    assert body["error"]["code"] == "signature_is_missing_from_headers"  # type: ignore[index]


async def test_unknown_key_is_refused(exchange: RunningExchange, key_pair: KeyPair) -> None:
    status, body = await _refusal(exchange.ws_url, signed_headers("nobody", key_pair[0]))
    assert status == 401
    assert body["error"]["details"] == "NOT_FOUND"  # type: ignore[index]


async def test_signed_handshake_opens_the_stream(stream: Connect) -> None:
    async with stream() as reader:
        await reader.send({"id": 1, "cmd": "list_subscriptions"})
        reply = await reader.next()
    assert reply == {"id": 1, "type": "ok", "msg": []}


class PingRecorder(ClientConnection):
    """The `websockets` client connection, noting the body of every Ping it receives (the
    library still answers each with its Pong)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pings: list[bytes] = []
        self.pinged = asyncio.Event()

    def process_event(self, event: Event) -> None:
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            self.pings.append(bytes(event.data))
            self.pinged.set()
        super().process_event(event)


async def test_heartbeat_pings_and_pongs(start: StartExchange, key_pair: KeyPair) -> None:
    """The server pings with body `heartbeat` (every 10 s on Kalshi; 0.5 s here), keeps the
    connection while the client's Pongs come back (it fails one whose Pong is 2 intervals
    late), and answers the client's own Pings."""
    exchange = start(heartbeat_s=0.5)
    headers = signed_headers(KEY_ID, key_pair[0])
    async with connect(
        exchange.ws_url, additional_headers=headers, create_connection=PingRecorder
    ) as ws:
        assert isinstance(ws, PingRecorder)
        while len(ws.pings) < 3:  # past the pong deadline of the first: our pongs counted
            ws.pinged.clear()
            await asyncio.wait_for(ws.pinged.wait(), 10)
        pong = await ws.ping(b"client")
        await asyncio.wait_for(pong, 10)
        await ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert set(ws.pings) == {b"heartbeat"}
    assert reply["id"] == 2
