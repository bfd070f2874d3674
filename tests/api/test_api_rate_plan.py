"""The client plans its requests from the account's own limits and endpoint costs, read
from the exchange over loopback at start-up, and falls back to the documented defaults
(saying so) when they cannot be read."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from loopback_kit import Keys, Recorder, client_for, order

from kalshi_tui.api import RateLimits
from kalshi_tui.api._ratelimit import TIER_MARGIN
from kalshi_tui.exchange.http.ratelimit import ENDPOINT_COSTS, RateLimitConfig


async def test_the_plan_is_the_exchanges_limits_and_costs(start: Any, keys: Keys) -> None:
    exchange = start(rate_limits=RateLimitConfig(tier="premier"))
    async with client_for(exchange, keys[0], rate_limits=RateLimits.for_tier("basic")) as client:
        plan = await client.plan_rate_limits()
    assert plan.problems == ()
    assert plan.tier == "premier"
    config = exchange.rate_limiter.config
    for bucket in ("read", "write"):
        rate = config.rate(bucket)
        capacity = config.capacity(bucket)
        assert getattr(plan.limits, f"{bucket}_per_second") == rate * TIER_MARGIN
        assert getattr(plan.limits, f"{bucket}_capacity") == capacity * TIER_MARGIN
    for method, path, cost in ENDPOINT_COSTS:
        assert plan.costs.cost(method, path.replace("{order_id}", "o1")) == cost
    assert "rate limits from the account's premier tier" in plan.describe()


async def test_an_account_below_the_table_gets_no_429_once_planned(start: Any, keys: Keys) -> None:
    # Limits the tier table does not know: 40 write tokens a second, one second's bucket.
    exchange = start(rate_limits=RateLimitConfig(tier="basic", write_per_s=40, write_burst_s=1.0))

    async def burst(planned: bool) -> int:
        limits = RateLimits.for_tier("basic")
        async with client_for(exchange, keys[0], rate_limits=limits, max_read_retries=8) as client:
            ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
            if planned:
                plan = await client.plan_rate_limits()
                assert plan.limits.write_capacity == 40 * TIER_MARGIN
            await asyncio.sleep(1.1)  # the exchange's write bucket refills
            creates = (client.create_order(order(ticker, "0.05")) for _ in range(12))
            await asyncio.gather(*creates, return_exceptions=True)
            return client.stats.rate_limited

    assert await burst(planned=False) > 0, "the table's Basic budget overdraws this account"
    assert await burst(planned=True) == 0


async def test_unreadable_limits_fall_back_to_the_documented_defaults(
    start: Any, keys: Keys
) -> None:
    exchange = start()

    def no_limits(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/account/limits"):
            return httpx.Response(404, content=b"404 page not found\n")
        return None

    basic = RateLimits.for_tier("basic")
    recorder = Recorder(no_limits)
    async with client_for(exchange, keys[0], rate_limits=basic, transport=recorder) as client:
        plan = await client.plan_rate_limits()
        assert plan.limits == basic
        assert plan.tier is None
        [problem] = plan.problems
        assert problem.startswith("could not read /account/limits: ")
        assert "HTTP 404" in problem
        line = plan.describe()
        assert line.startswith("rate limits from the documented defaults: read 180/s")
        assert "write 90/s (burst 90)" in line
        assert (await client.get_exchange_status()).exchange_active
    assert "GET /trade-api/v2/account/endpoint_costs" in recorder.seen
