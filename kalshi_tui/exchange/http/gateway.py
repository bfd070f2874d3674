"""The front door every request passes: Date header, faults, authentication, rate limits.

Order matters and mirrors a real venue: injected faults act first (a load balancer fails before
anything else looks at the request), then signature checks, then the token buckets; a
`drop_response` fault lets the write happen and only then drops the connection.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kalshi_tui.exchange.http.auth import authenticate
from kalshi_tui.exchange.http.context import SimContext
from kalshi_tui.exchange.http.errors import (
    TOO_MANY_REQUESTS_BODY,
    ApiError,
)
from kalshi_tui.exchange.http.ratelimit import classify, is_batch
from kalshi_tui.exchange.http.timefmt import http_date

PREFIX = "/trade-api/v2"

_PUBLIC_ACCOUNT_PATHS = frozenset({"/account/endpoint_costs"})
_STATUS_CODES = {
    500: "internal_server_error",
    502: "service_unavailable",
    503: "service_unavailable",
}


class ConnectionDropped(Exception):
    """Raised when a fault must drop a connection the server gave no handle on."""


def needs_auth(path: str) -> bool:
    """Every /portfolio and /account route is signed; market data is public."""
    if path in _PUBLIC_ACCOUNT_PATHS:
        return False
    return path.startswith(("/portfolio", "/account"))


class Gateway:
    """Pure ASGI middleware in front of the Starlette router."""

    def __init__(self, app: ASGIApp, context: SimContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = self.context

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", http_date(context.server_now()).encode()))
                message = {**message, "headers": headers}
            await send(message)

        method: str = scope["method"]
        full_path: str = scope["path"]
        path = full_path[len(PREFIX) :] if full_path.startswith(PREFIX) else full_path
        bucket, cost = classify(method, path)
        decision = context.faults.decide(bucket)
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        if decision.action == "reset":
            await self._drop(scope)
            return
        if decision.action == "error":
            code = _STATUS_CODES[decision.status]
            error = ApiError(decision.status, code, "injected fault", None)
            await _send_json(send_with_date, decision.status, error)
            return
        if decision.action == "rate_limit":
            await _send_raw(send_with_date, 429, TOO_MANY_REQUESTS_BODY)
            return

        account = "ip:" + (scope["client"][0] if scope.get("client") else "unknown")
        if needs_auth(path):
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            try:
                account = authenticate(
                    context.keys,
                    headers,
                    method,
                    full_path,
                    context.server_now(),
                    context.auth_window,
                )
            except ApiError as error:
                await _send_json(send_with_date, error.status, error)
                return
            scope.setdefault("state", {})["user_id"] = account
        scope.setdefault("state", {})["account"] = account
        if not is_batch(method, path) and not context.limiter.take(account, bucket, cost):
            await _send_raw(send_with_date, 429, TOO_MANY_REQUESTS_BODY)
            return

        if decision.action == "drop_response":

            async def swallow(message: Message) -> None:
                """The write is applied; its reply never leaves the server."""

            await self.app(scope, receive, swallow)
            await self._drop(scope)
            return
        await self.app(scope, receive, send_with_date)

    async def _drop(self, scope: Scope) -> None:
        """Close the connection without a response: the client sees a reset/EOF."""
        client = scope.get("client")
        transport = self.context.connections.get(tuple(client)) if client else None
        if transport is None:
            raise ConnectionDropped("fault: connection dropped")
        transport.abort()
        # Let connection_lost run so the server marks the cycle disconnected and does not try
        # to write its own 500 into the closed socket.
        for _ in range(3):
            await asyncio.sleep(0)


async def _send_raw(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_json(send: Send, status: int, error: ApiError) -> None:
    body = json.dumps({"error": error.body()}, separators=(",", ":")).encode()
    await _send_raw(send, status, body)
