"""Token-bucket rate limits: 429 with Kalshi's exact body, per account and bucket."""

from __future__ import annotations

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, OTHER_KEY_ID, KalshiAuth, v1_order

from kalshi_tui.exchange.http.ratelimit import RateLimitConfig, RateLimiter, classify


def test_costs_and_buckets() -> None:
    assert classify("GET", "/markets") == ("read", 10)
    assert classify("GET", "/portfolio/orders/abc") == ("read", 2)
    assert classify("POST", "/portfolio/orders") == ("write", 10)
    assert classify("DELETE", "/portfolio/events/orders/abc") == ("write", 2)
    assert classify("DELETE", "/portfolio/events/orders/batched") == ("write", 10)
    assert classify("PUT", "/portfolio/order_groups/g/reset") == ("write", 10)


def test_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimitConfig(read_per_s=100), monotonic=lambda: now[0])
    assert all(limiter.take("a", "read", 10) for _ in range(10))
    assert not limiter.take("a", "read", 10)
    assert limiter.take("b", "read", 10)  # another account has its own bucket
    now[0] += 0.1
    assert limiter.take("a", "read", 10)
    assert not limiter.take("a", "read", 10)


def _client(base_url: str, key_id: str, key_pair: KeyPair) -> httpx.Client:
    return httpx.Client(base_url=base_url, auth=KalshiAuth(key_id, key_pair[0]))


def test_429_under_load(start: StartExchange, key_pair: KeyPair, other_key_pair: KeyPair) -> None:
    exchange = start(rate_limits=RateLimitConfig(read_per_s=50, write_per_s=30))
    with _client(exchange.base_url, KEY_ID, key_pair) as client:
        statuses = [client.get("/portfolio/balance").status_code for _ in range(12)]
        assert statuses[:5] == [200] * 5  # 50 tokens = 5 reads of cost 10
        assert 429 in statuses
        limited = client.get("/portfolio/balance")
        assert limited.status_code == 429
        assert limited.content == b'{"error":"too many requests"}'
        assert not {"retry-after", "x-ratelimit-remaining"} & set(limited.headers)
        ticker = exchange_first_ticker(exchange.base_url)
        writes = [
            client.post("/portfolio/orders", json=v1_order(ticker)).status_code for _ in range(10)
        ]
        assert writes[:6] == [201] * 6  # write burst = 2 s × 30 tokens = 6 creates
        assert 429 in writes
    with _client(exchange.base_url, OTHER_KEY_ID, other_key_pair) as other:
        assert other.get("/portfolio/balance").status_code == 200


def exchange_first_ticker(base_url: str) -> str:
    # Public reads are charged to the client address, not to the signed account.
    with httpx.Client(base_url=base_url) as anonymous:
        ticker: str = anonymous.get("/markets", params={"limit": 1}).json()["markets"][0]["ticker"]
    return ticker


def test_batches_are_charged_per_item(start: StartExchange, key_pair: KeyPair) -> None:
    exchange = start(rate_limits=RateLimitConfig(write_per_s=50))
    ticker = exchange_first_ticker(exchange.base_url)
    with _client(exchange.base_url, KEY_ID, key_pair) as client:
        batch = {"orders": [v1_order(ticker) for _ in range(11)]}
        response = client.post("/portfolio/orders/batched", json=batch)
        assert response.status_code == 429  # 110 tokens > 100-token bucket
        small = client.post("/portfolio/orders/batched", json={"orders": batch["orders"][:5]})
        assert small.status_code == 201


@pytest.mark.parametrize("tier", ["basic", "premier"])
def test_limits_follow_the_tier(start: StartExchange, key_pair: KeyPair, tier: str) -> None:
    exchange = start(rate_limits=RateLimitConfig(tier=tier))
    with _client(exchange.base_url, KEY_ID, key_pair) as client:
        limits = client.get("/account/limits").json()
    assert limits["usage_tier"] == tier
    assert limits["read"]["refill_rate"] == {"basic": 200, "premier": 1000}[tier]
