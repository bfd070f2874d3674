"""Fixtures for the kill-switch tests: an embedded exchange on loopback, a signed client
for our account, a real journal file and a store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from halt_kit import KEY_ID, StartExchange, public_pem

from kalshi_tui import api
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import Journal, journal_path


@pytest.fixture(scope="session")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def start(private_key: rsa.RSAPrivateKey) -> Iterator[StartExchange]:
    running: list[RunningExchange] = []

    def _start(**options: Any) -> RunningExchange:
        options.setdefault("seed", 3)
        options.setdefault("markets", 30)
        options.setdefault("agents", False)
        options.setdefault("tick_s", 3600.0)
        options.setdefault("rate_limits", RateLimitConfig(enabled=False))
        options.setdefault("keys", [(KEY_ID, public_pem(private_key))])
        exchange = start_exchange(**options)
        running.append(exchange)
        return exchange

    yield _start
    for exchange in running:
        exchange.stop()


@pytest.fixture
def exchange(start: StartExchange) -> RunningExchange:
    return start()


@pytest.fixture
async def client(
    exchange: RunningExchange, private_key: rsa.RSAPrivateKey
) -> AsyncIterator[api.KalshiClient]:
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key),
        rate_limits=api.RateLimits.unlimited(),
    ) as c:
        yield c


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(journal_path(tmp_path / "account")) as j:
        yield j


@pytest.fixture
def store() -> Store:
    return Store(Snapshot(environment="demo"))


@pytest.fixture
async def counterparty(
    exchange: RunningExchange, private_key: rsa.RSAPrivateKey
) -> AsyncIterator[api.KalshiClient]:
    """A client for a second account on the same exchange (to trade against us)."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    exchange.add_key("counterparty-key", public_pem(other), user_id="counterparty")
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth("counterparty-key", other),
        rate_limits=api.RateLimits.unlimited(),
    ) as c:
        yield c
