"""The `/trade-api/ws/v2` endpoint: the signed handshake, then commands in and messages out.

The handshake is verified exactly as a REST request (`kalshi_tui.exchange.http.auth`), the
signed text being `timestamp + "GET" + "/trade-api/ws/v2"`; a refusal is the REST 401 with
its JSON body, sent instead of the upgrade (Kalshi's docs name no other answer).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from kalshi_tui.exchange.http.auth import authenticate
from kalshi_tui.exchange.http.context import SimContext
from kalshi_tui.exchange.http.errors import ApiError
from kalshi_tui.exchange.http.faults import FaultInjector
from kalshi_tui.exchange.ws.hub import StreamHub
from kalshi_tui.exchange.ws.protocol import PROTOCOL_KEY
from kalshi_tui.exchange.ws.session import Outgoing, StreamSession, encode

WS_PATH = "/trade-api/ws/v2"


async def stream(websocket: WebSocket) -> None:
    context: SimContext = websocket.app.state.sim
    hub: StreamHub = websocket.app.state.stream
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    try:
        user_id = authenticate(
            context.keys, headers, "GET", WS_PATH, context.server_now(), context.auth_window
        )
    except ApiError as error:
        await websocket.send_denial_response(
            JSONResponse({"error": error.body()}, status_code=error.status)
        )
        return
    await websocket.accept()
    session = StreamSession(user_id, asyncio.get_running_loop())
    hub.attach(session)
    sender = asyncio.create_task(_send_forever(websocket, session, context.faults))
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            data = text if text is not None else message.get("bytes") or b""
            if context.faults.config.ws_frozen:
                context.faults.note("stream_frozen_command")
                continue  # a frozen server acts on nothing either
            hub.handle(session, data)
    except WebSocketDisconnect:
        pass
    finally:
        hub.detach(session)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


async def _send_forever(
    websocket: WebSocket, session: StreamSession, faults: FaultInjector
) -> None:
    """Write the outbox in order, applying the stream faults to each message."""
    try:
        while True:
            for item in await session.next_batch():
                if not await _send_one(websocket, session, faults, item):
                    return
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the connection went away; the receive loop ends the session


async def _send_one(
    websocket: WebSocket, session: StreamSession, faults: FaultInjector, item: Outgoing
) -> bool:
    """Send one message; False once the connection is gone."""
    if faults.config.ws_frozen:
        return True
    subscription = item.subscription
    if subscription is not None and not subscription.alive:
        return True
    decision = faults.decide_stream(item.message["type"] == "orderbook_delta")
    if decision.latency_s > 0:
        await asyncio.sleep(decision.latency_s)
    if decision.action == "disconnect":
        _abort(websocket)
        return False
    if decision.action == "overflow" and subscription is not None:
        session.overflow(subscription)
        return True
    if decision.action == "drop":
        return True
    text = encode(item.message)
    await websocket.send_text(text)
    if decision.action == "duplicate":
        await websocket.send_text(text)
    return True


def _abort(websocket: WebSocket) -> None:
    """Drop the TCP connection without a close frame (what a dying server does)."""
    extension: Any = websocket.scope.get("extensions", {}).get(PROTOCOL_KEY)
    if extension is not None:
        extension["transport"].abort()


ROUTES = [WebSocketRoute(WS_PATH, stream)]
