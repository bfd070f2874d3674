"""Fixtures: a simulated exchange on an ephemeral loopback port and signed httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sim_http_kit import KEY_ID, OTHER_KEY_ID, KalshiAuth, load_private_key

from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange

KeyPair = tuple[rsa.RSAPrivateKey, bytes]


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    private_pem, public_pem = generate_key_pair()
    return load_private_key(private_pem), public_pem


@pytest.fixture(scope="session")
def other_key_pair() -> KeyPair:
    private_pem, public_pem = generate_key_pair()
    return load_private_key(private_pem), public_pem


StartExchange = Callable[..., RunningExchange]


@pytest.fixture
def start(key_pair: KeyPair, other_key_pair: KeyPair) -> Iterator[StartExchange]:
    """Start exchanges (stopped at teardown). Defaults: no agents, no rate limits, two
    accounts — ours (KEY_ID) and a counterparty (OTHER_KEY_ID)."""
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
    """A compat-profile exchange."""
    return start()


@pytest.fixture
def client(exchange: RunningExchange, key_pair: KeyPair) -> Iterator[httpx.Client]:
    """Signed as our account."""
    with httpx.Client(base_url=exchange.base_url, auth=KalshiAuth(KEY_ID, key_pair[0])) as c:
        yield c


@pytest.fixture
def other(exchange: RunningExchange, other_key_pair: KeyPair) -> Iterator[httpx.Client]:
    """Signed as the counterparty account."""
    auth = KalshiAuth(OTHER_KEY_ID, other_key_pair[0])
    with httpx.Client(base_url=exchange.base_url, auth=auth) as c:
        yield c


@pytest.fixture
def ticker(client: httpx.Client) -> str:
    """The first active market."""
    markets = client.get("/markets", params={"status": "open", "limit": 1}).json()["markets"]
    value: str = markets[0]["ticker"]
    return value
