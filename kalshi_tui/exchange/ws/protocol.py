"""uvicorn's WebSocket protocol (the `websockets` library's sans-I/O core) with Kalshi's
keep-alive: a Ping frame whose body is `heartbeat` every interval (10 s, as Kalshi's docs
say), the connection failed when no Pong comes back in time; client Pings get Pongs.

The `ws_frozen` fault silences both directions of the keep-alive too, and the endpoint
reaches the connection (to drop it for the `ws_disconnect` fault) through the scope.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

from kalshi_tui.exchange.http.faults import FaultInjector

HEARTBEAT = b"heartbeat"
PROTOCOL_KEY = "kalshi_tui.ws_protocol"
"""Scope extension holding `{"transport": ...}` of the connection."""


def heartbeat_protocol(faults: FaultInjector) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `ws` setting, bound to the venue's faults."""

    class HeartbeatProtocol(WebSocketsSansIOProtocol):
        def handle_connect(self, event: Request) -> None:
            super().handle_connect(event)
            scope: Any = getattr(self, "scope", None)
            if scope is not None:
                scope["extensions"][PROTOCOL_KEY] = {"transport": self.transport}

        def send_keepalive_ping(self) -> None:
            self.ping_timer = None
            if self.close_sent or self.transport.is_closing():
                return
            if faults.config.ws_frozen:
                self.schedule_ping()
                return
            self.pending_ping_payload = HEARTBEAT
            self.ping_sent_at = self.loop.time()
            self.conn.send_ping(HEARTBEAT)
            self.transport.write(b"".join(self.conn.data_to_send()))
            if self.ping_timeout is not None:
                self.pong_timer = self.loop.call_later(self.ping_timeout, self.keepalive_timeout)
            else:
                self.schedule_ping()

        async def send(self, message: Any) -> None:
            await super().send(message)
            # uvicorn does not count a denial response (the 401 of a bad signature) as the
            # end of the handshake and would log an error for it; it is one.
            if message["type"] == "websocket.http.response.body" and not message.get(
                "more_body", False
            ):
                self.handshake_complete = True

        def handle_ping(self) -> None:
            if faults.config.ws_frozen:
                self.conn.data_to_send()  # the automatic Pong, discarded: the stream is silent
                return
            super().handle_ping()

    return HeartbeatProtocol
