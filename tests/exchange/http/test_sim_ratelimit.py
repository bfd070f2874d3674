"""Token-bucket rate limits: 429 with Kalshi's exact body, per account and bucket."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, OTHER_KEY_ID, KalshiAuth, v1_order, v2_order

from kalshi_tui.exchange.http.ratelimit import RateLimitConfig, RateLimiter, classify
from kalshi_tui.exchange.server import RunningExchange


def test_costs_and_buckets() -> None:
    assert classify("GET", "/markets") == ("read", 10)
    assert classify("GET", "/portfolio/orders/abc") == ("read", 2)
    assert classify("POST", "/portfolio/orders") == ("write", 10)
    assert classify("DELETE", "/portfolio/events/orders/abc") == ("write", 2)
    assert classify("DELETE", "/portfolio/events/orders/batched") == ("write", 10)
    assert classify("PUT", "/portfolio/order_groups/g/reset") == ("write", 10)


OLD_BURSTS = {"read_burst_s": 1.0, "write_burst_s": 2.0}
"""Explicit bucket sizes for the tests of bucket mechanics (the tiers' own are below)."""


def test_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(
        RateLimitConfig(read_per_s=100, read_burst_s=1.0), monotonic=lambda: now[0]
    )
    assert all(limiter.take("a", "read", 10) for _ in range(10))
    assert not limiter.take("a", "read", 10)
    assert limiter.take("b", "read", 10)  # another account has its own bucket
    now[0] += 0.1
    assert limiter.take("a", "read", 10)
    assert not limiter.take("a", "read", 10)


def _client(base_url: str, key_id: str, key_pair: KeyPair) -> httpx.Client:
    return httpx.Client(base_url=base_url, auth=KalshiAuth(key_id, key_pair[0]))


def test_429_under_load(start: StartExchange, key_pair: KeyPair, other_key_pair: KeyPair) -> None:
    exchange = start(rate_limits=RateLimitConfig(**OLD_BURSTS, read_per_s=50, write_per_s=30))
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
    # Documented: Basic writes 100 tokens/s into a 100-token bucket; Premier 1,000 into 2,000.
    write = {"basic": (100, 100), "premier": (1000, 2000)}[tier]
    assert (limits["write"]["refill_rate"], limits["write"]["bucket_capacity"]) == write
    assert all(isinstance(limits[b][k], int) for b in ("read", "write") for k in limits[b])


def _frozen(exchange: RunningExchange, later_s: float = 0.0) -> None:
    """Stop the buckets refilling, so budgets can be counted exactly: their clock stands
    still `later_s` seconds after the real one (never behind what the buckets have seen)."""
    at = time.monotonic() + later_s
    exchange.rate_limiter.monotonic = lambda: at


def _served(send: Callable[[], httpx.Response], attempts: int) -> list[int]:
    return [send().status_code for _ in range(attempts)]


@pytest.mark.parametrize(
    ("tier", "reads", "creates"),
    [("basic", 40, 10), ("advanced", 60, 60), ("expert", 60, 120), ("premier", 100, 200)],
)
def test_each_tier_enforces_its_budget(
    start: StartExchange, key_pair: KeyPair, tier: str, reads: int, creates: int
) -> None:
    """As documented: read buckets hold 2 s of refill in Basic and Advanced, 1 s above; write
    buckets 1 s in Basic, 2 s above; at the default cost of 10 tokens."""
    exchange = start(rate_limits=RateLimitConfig(tier=tier))
    _frozen(exchange)
    ticker = exchange_first_ticker(exchange.base_url)
    with _client(exchange.base_url, KEY_ID, key_pair) as client:
        read = _served(lambda: client.get("/portfolio/balance"), reads + 3)
        assert read == [200] * reads + [429] * 3
        write = _served(
            lambda: client.post("/portfolio/orders", json=v1_order(ticker, yes_price=1)),
            creates + 2,
        )
        assert write == [201] * creates + [429] * 2


def test_per_endpoint_costs(start: StartExchange, key_pair: KeyPair) -> None:
    """GET /portfolio/orders/{id} and the V2 cancel cost 2 tokens, not the default 10."""
    exchange = start(rate_limits=RateLimitConfig(**OLD_BURSTS, read_per_s=100, write_per_s=50))
    ticker = exchange_first_ticker(exchange.base_url)
    with _client(exchange.base_url, KEY_ID, key_pair) as client:
        order_ids = [
            client.post("/portfolio/events/orders", json=v2_order(ticker)).json()["order_id"]
            for _ in range(3)
        ]
        _frozen(exchange)
        # Read bucket: 100 tokens = 50 order lookups at 2, or 10 balance reads at 10.
        lookups = _served(lambda: client.get(f"/portfolio/orders/{order_ids[0]}"), 52)
        assert lookups == [200] * 50 + [429] * 2
        # Write bucket: 100 tokens, 30 spent by the creates above (no refill since).
        _frozen(exchange, later_s=60)  # a minute later: full buckets again
        codes = [client.delete(f"/portfolio/events/orders/{oid}").status_code for oid in order_ids]
        assert codes == [200, 200, 200]  # 6 tokens
        unknown = _served(lambda: client.delete("/portfolio/events/orders/nope"), 48)
        # 94 tokens left: 47 more cancels at 2 (404, but charged), then 429.
        assert unknown == [404] * 47 + [429]
    with httpx.Client(base_url=exchange.base_url) as anonymous:
        listed = anonymous.get("/account/endpoint_costs").json()
    assert listed["default_cost"] == 10
    costs = {(row["method"], row["path"]): row["cost"] for row in listed["endpoint_costs"]}
    for (method, path), cost in costs.items():
        relative = path.removeprefix("/trade-api/v2").replace("{order_id}", "abc")
        assert classify(method, relative)[1] == cost


def test_429_bodies_are_exact_on_every_path(start: StartExchange, key_pair: KeyPair) -> None:
    """The gateway's 429 and a batch route's per-item charge answer the same bare body."""
    exchange = start(rate_limits=RateLimitConfig(**OLD_BURSTS, read_per_s=10, write_per_s=10))
    _frozen(exchange)
    ticker = exchange_first_ticker(exchange.base_url)
    with _client(exchange.base_url, KEY_ID, key_pair) as client:
        client.get("/portfolio/balance")
        limited = [
            client.get("/portfolio/balance"),
            client.post("/portfolio/orders/batched", json={"orders": [v1_order(ticker)] * 3}),
        ]
    for response in limited:
        assert response.status_code == 429
        assert response.content == b'{"error":"too many requests"}'
        assert response.headers["content-type"] == "application/json"
        assert not {h for h in response.headers if h.startswith("x-ratelimit")}
        assert "retry-after" not in response.headers


def test_unknown_tier_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rate-limit tier 'gold'"):
        RateLimitConfig(tier="gold")
