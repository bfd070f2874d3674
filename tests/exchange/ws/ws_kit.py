"""Helpers for the stream tests: signed handshake headers and a reader that waits for the
message a test expects (with a generous timeout, never a fixed sleep)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Generator
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from websockets.asyncio.client import ClientConnection
from ws_contract_table import check

from kalshi_tui.exchange.server import RunningExchange

WS_PATH = "/trade-api/ws/v2"
KEY_ID = "ws-test-key"
OTHER_KEY_ID = "ws-other-key"
TIMEOUT_S = 10.0

Json = dict[str, Any]
KeyPair = tuple[rsa.RSAPrivateKey, bytes]
StartExchange = Callable[..., RunningExchange]
Connect = Callable[..., AbstractAsyncContextManager["Reader"]]


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signed_headers(
    key_id: str, key: rsa.RSAPrivateKey, *, path: str = WS_PATH, method: str = "GET"
) -> dict[str, str]:
    """Kalshi's three headers, RSA-PSS over `timestamp + method + path`."""
    timestamp = str(int(time.time() * 1000))
    message = (timestamp + method + path).encode()
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    signature = base64.b64encode(key.sign(message, pss, hashes.SHA256())).decode()
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": signature,
    }


class KalshiAuth(httpx.Auth):
    """Signs REST requests as `signed_headers` signs the handshake."""

    def __init__(self, key_id: str, key: rsa.RSAPrivateKey) -> None:
        self.key_id = key_id
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = urlsplit(str(request.url)).path
        request.headers.update(
            signed_headers(self.key_id, self.key, path=path, method=request.method)
        )
        yield request


class Reader:
    """Reads a connection, keeping every message seen (for the contract check)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[Json] = []
        self._pending: list[Json] = []

    async def send(self, command: Json) -> None:
        await self.ws.send(json.dumps(command))

    async def next(self, timeout_s: float = TIMEOUT_S) -> Json:
        if self._pending:
            return self._pending.pop(0)
        raw = await asyncio.wait_for(self.ws.recv(), timeout_s)
        message: Json = json.loads(raw)
        self.seen.append(message)
        problems = check(message)  # every message any test reads meets the AsyncAPI
        assert not problems, (problems, message)
        return message

    async def until(self, match: Callable[[Json], bool], timeout_s: float = TIMEOUT_S) -> Json:
        """The first message matching; the others read on the way are kept for later."""
        skipped: list[Json] = []
        deadline = asyncio.get_running_loop().time() + timeout_s
        try:
            while True:
                left = deadline - asyncio.get_running_loop().time()
                message = await self.next(max(left, 0.001))
                if match(message):
                    return message
                skipped.append(message)
        finally:
            self._pending = skipped + self._pending

    async def of_type(self, kind: str, timeout_s: float = TIMEOUT_S) -> Json:
        return await self.until(lambda m: m.get("type") == kind, timeout_s)

    def drain_pending(self) -> list[Json]:
        out, self._pending = self._pending, []
        return out
