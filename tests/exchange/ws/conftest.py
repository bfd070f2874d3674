"""Fixtures: a simulated exchange on loopback, signed REST clients, signed stream
connections (the `websockets` client library, as Kalshi's own quick start uses)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import connect
from ws_kit import (
    KEY_ID,
    OTHER_KEY_ID,
    Connect,
    KalshiAuth,
    KeyPair,
    Reader,
    StartExchange,
    load_private_key,
    signed_headers,
)

from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    private_pem, public_pem = generate_key_pair()
    return load_private_key(private_pem), public_pem


@pytest.fixture(scope="session")
def other_key_pair() -> KeyPair:
    private_pem, public_pem = generate_key_pair()
    return load_private_key(private_pem), public_pem


@pytest.fixture
def start(key_pair: KeyPair, other_key_pair: KeyPair) -> Iterator[StartExchange]:
    """Start exchanges (stopped at teardown): no agents, no rate limits, two accounts."""
    running: list[RunningExchange] = []

    def _start(**options: Any) -> RunningExchange:
        options.setdefault("seed", 1)
        options.setdefault("markets", 30)
        options.setdefault("agents", False)
        options.setdefault("tick_s", 3600.0)
        options.setdefault("rate_limits", RateLimitConfig(enabled=False))
        options.setdefault("keys", [(KEY_ID, key_pair[1])])
        exchange = start_exchange(**options)
        exchange.add_key(OTHER_KEY_ID, other_key_pair[1], user_id="counterparty")
        running.append(exchange)
        return exchange

    yield _start
    for exchange in running:
        exchange.stop()


@pytest.fixture
def exchange(start: StartExchange) -> RunningExchange:
    return start()


@pytest.fixture
async def client(exchange: RunningExchange, key_pair: KeyPair) -> AsyncIterator[httpx.AsyncClient]:
    auth = KalshiAuth(KEY_ID, key_pair[0])
    async with httpx.AsyncClient(base_url=exchange.base_url, auth=auth) as c:
        yield c


@pytest.fixture
async def other(
    exchange: RunningExchange, other_key_pair: KeyPair
) -> AsyncIterator[httpx.AsyncClient]:
    auth = KalshiAuth(OTHER_KEY_ID, other_key_pair[0])
    async with httpx.AsyncClient(base_url=exchange.base_url, auth=auth) as c:
        yield c


@pytest.fixture
def ticker(exchange: RunningExchange) -> str:
    """The first active market."""
    with exchange.engine() as engine:
        return engine.list_markets(status="open")[0].ticker


@pytest.fixture
def stream(exchange: RunningExchange, key_pair: KeyPair) -> Connect:
    """`async with stream() as reader:` a signed connection as our account."""

    @asynccontextmanager
    async def _open(
        key_id: str = KEY_ID, key: rsa.RSAPrivateKey | None = None, url: str | None = None
    ) -> AsyncIterator[Reader]:
        headers = signed_headers(key_id, key or key_pair[0])
        async with connect(url or exchange.ws_url, additional_headers=headers) as ws:
            yield Reader(ws)

    return _open
