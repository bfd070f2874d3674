"""The embedded exchange for the client's loopback tests: keys, a starter, a signed client."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import KalshiAuth, KalshiClient, OrderRequest, RateLimits
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange

KEY_ID = "loopback-key"
OTHER_KEY_ID = "loopback-counterparty"

Keys = tuple[rsa.RSAPrivateKey, bytes]


def new_keys() -> Keys:
    private_pem, public_pem = generate_key_pair()
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key, public_pem


@pytest.fixture(scope="module")
def keys() -> Keys:
    return new_keys()


@pytest.fixture(scope="module")
def other_keys() -> Keys:
    return new_keys()


@pytest.fixture
def start(keys: Keys, other_keys: Keys) -> Iterator[Any]:
    running: list[RunningExchange] = []

    def _start(**options: Any) -> RunningExchange:
        options.setdefault("seed", 3)
        options.setdefault("markets", 30)
        options.setdefault("agents", False)
        options.setdefault("tick_s", 3600.0)
        options.setdefault("rate_limits", RateLimitConfig(enabled=False))
        exchange = start_exchange(keys=[(KEY_ID, keys[1])], **options)
        exchange.add_key(OTHER_KEY_ID, other_keys[1], user_id="counterparty")
        running.append(exchange)
        return exchange

    yield _start
    for exchange in running:
        exchange.stop()


def client_for(exchange: RunningExchange, key: rsa.RSAPrivateKey, **kwargs: Any) -> KalshiClient:
    kwargs.setdefault("rate_limits", RateLimits.unlimited())
    return KalshiClient(exchange.base_url, KalshiAuth(KEY_ID, key), **kwargs)


def order(ticker: str, price: str, count: int = 5, **kwargs: Any) -> OrderRequest:
    kwargs.setdefault("side", "yes")
    kwargs.setdefault("action", "buy")
    return OrderRequest(
        ticker=ticker,
        count=Decimal(count),
        price=Decimal(price),
        client_order_id=str(uuid.uuid4()),
        **kwargs,
    )


Refusal = Callable[[httpx.Request], httpx.Response | None]


class Recorder(httpx.AsyncBaseTransport):
    """httpx's own transport to the exchange, noting every request as "METHOD path"; a
    `refuse` hook may answer a request itself instead (an exchange refusing a route)."""

    def __init__(self, refuse: Refusal | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.refuse = refuse
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        refused = self.refuse(request) if self.refuse is not None else None
        if refused is not None:
            return refused
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
