"""The local token buckets pace requests on virtual time and keep a reserve of the
write budget that only cancels may spend."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from api_testkit import FakeClock, Script, current_only, example, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import EndpointCosts, OrderRequest, RateLimiter, RateLimits, TokenBucket
from kalshi_tui.api._ratelimit import TIER_MARGIN

# Kalshi's Basic rates without the presets' margin, one-second reads and two-second
# writes (the plain defaults; Basic itself holds one second of writes, see below).
BASIC = RateLimits(read_per_second=200, write_per_second=100)


def test_tier_presets() -> None:
    basic = RateLimits.for_tier("basic", margin=1.0)
    assert (basic.read_per_second, basic.write_per_second) == (200, 100)
    assert RateLimits.for_tier("prime", margin=1.0).write_per_second == 4000
    # Documented capacities: Basic writes hold one second, reads two; above Basic,
    # writes hold two seconds, and reads above Advanced one.
    assert (basic.write_burst_seconds, basic.read_burst_seconds) == (1.0, 2.0)
    assert (basic.write_capacity, basic.read_capacity) == (100, 400)
    premier = RateLimits.for_tier("premier", margin=1.0)
    assert (premier.write_capacity, premier.read_capacity) == (2000, 1000)
    assert RateLimits.for_tier("prestige", margin=1.0).write_per_second == 8000
    with pytest.raises(ValueError, match="unknown tier"):
        RateLimits.for_tier("gold")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="margin"):
        RateLimits.for_tier("basic", margin=1.5)


def test_presets_plan_with_a_margin_below_the_tier() -> None:
    planned = RateLimits.for_tier("basic")
    assert planned.read_per_second == pytest.approx(200 * TIER_MARGIN)
    assert planned.write_per_second == pytest.approx(100 * TIER_MARGIN)
    assert 0.8 <= TIER_MARGIN < 1


async def test_bucket_paces_requests_on_virtual_time(clock: FakeClock) -> None:
    bucket = TokenBucket(200, 200, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(40):
        await bucket.acquire(10)
    # 20 requests come out of the full bucket, the other 20 at 20/s.
    assert clock.now - start == pytest.approx(1.0)


async def test_basic_tier_reads_take_expected_virtual_time(clock: FakeClock) -> None:
    script = Script(respond(200, {"exchange_active": True, "trading_active": True}))
    async with make_client(script, clock, rate_limits=BASIC) as client:
        start = clock.now
        for _ in range(60):
            await client.get_exchange_status()
        assert clock.now - start == pytest.approx(2.0)
        assert client.rate_headroom.read == pytest.approx(0.0)
        clock.now += 0.5
        assert client.rate_headroom.read == pytest.approx(0.5)
    assert len(script.requests) == 60


async def test_get_order_costs_two_tokens(rsa_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    script = Script(respond(200, {"order": current_only(example("order"))}))
    async with make_client(script, clock, rsa_key, rate_limits=BASIC) as c:
        start = clock.now
        for _ in range(100):
            await c.get_order("o1")
        assert clock.now - start == pytest.approx(0.0)  # 100 × 2 = 200 tokens: the full bucket


async def test_ordinary_writes_stop_at_the_cancel_reserve(clock: FakeClock) -> None:
    limiter = RateLimiter(BASIC, clock=clock, sleep=clock.sleep)
    # Write capacity 200 tokens (2 s × 100/s), reserve 20 % = 40 tokens.
    for _ in range(16):
        assert limiter.write.try_acquire(10) == 0
    assert limiter.write.try_acquire(10) == pytest.approx(0.1)  # would dip into the reserve
    for _ in range(20):
        assert limiter.write.try_acquire(2, priority="cancel") == 0
    assert limiter.write.try_acquire(2, priority="cancel") > 0
    assert limiter.headroom.write == pytest.approx(0.0)


async def test_cancels_get_through_while_creates_wait(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    ack = {"order_id": "o", "fill_count": "0.00", "remaining_count": "1.00"}
    cancel = {"order_id": "o", "reduced_by": "1.00"}
    script = Script(
        lambda r: respond(201 if r.method == "POST" else 200, ack if r.method == "POST" else cancel)
    )
    log: list[tuple[str, float]] = []
    async with make_client(script, clock, rsa_key, rate_limits=BASIC) as client:

        async def create(i: int) -> None:
            await client.create_order(
                OrderRequest(
                    ticker="T",
                    side="yes",
                    action="buy",
                    count=Decimal(1),
                    price=Decimal("0.5"),
                    client_order_id=f"c{i}",
                )
            )
            log.append(("create", clock.now))

        async def cancel_one() -> None:
            await client.cancel_order("o")
            log.append(("cancel", clock.now))

        start = clock.now
        await asyncio.gather(*(create(i) for i in range(20)))
        # 16 creates fit above the reserve; 4 more waited for refill.
        creates = [t - start for kind, t in log if kind == "create"]
        assert sum(1 for t in creates if t == 0) == 16
        assert max(creates) > 0
        # The bucket now sits at the reserve: a cancel goes straight through it, while
        # the next create has to wait for refill.
        before, sleeps = clock.now, len(clock.sleeps)
        await cancel_one()
        assert (clock.now, len(clock.sleeps)) == (before, sleeps)
        await create(99)
        assert clock.now > before
    assert [kind for kind, _ in log[-2:]] == ["cancel", "create"]


def test_unlimited_never_waits(clock: FakeClock) -> None:
    limiter = RateLimiter(RateLimits.unlimited(), clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        assert limiter.write.try_acquire(10) == 0
    assert limiter.headroom.read == 1.0


def test_oversized_cost_runs_a_debt_instead_of_waiting_forever(clock: FakeClock) -> None:
    bucket = TokenBucket(100, 200, reserve=40, clock=clock, sleep=clock.sleep)
    assert bucket.try_acquire(400) == 0  # full bucket: let it through
    assert bucket.try_acquire(10) == pytest.approx(2.5)  # 250 tokens short at 100/s


# ---- planning from the account's own limits -------------------------------------------


def test_account_limits_answer_sets_rates_and_capacities() -> None:
    body = {
        "usage_tier": "premier",
        "read": {"refill_rate": 1000, "bucket_capacity": 1000},
        "write": {"refill_rate": 1000, "bucket_capacity": 2000},
        "grants": [],
    }
    limits = RateLimits.from_account(body, margin=1.0)
    assert (limits.read_per_second, limits.read_capacity) == (1000, 1000)
    assert (limits.write_per_second, limits.write_capacity) == (1000, 2000)
    planned = RateLimits.from_account(body)
    assert planned.write_capacity == pytest.approx(2000 * TIER_MARGIN)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"read": {"refill_rate": 200, "bucket_capacity": 400}}, "no `write` bucket"),
        (
            {"read": {"refill_rate": 0, "bucket_capacity": 1}, "write": {}},
            "read.refill_rate must be between 1 and",
        ),
        ([], "no `read` bucket"),
    ],
)
def test_unreadable_account_limits_say_what_is_wrong(body: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        RateLimits.from_account(body)


def test_endpoint_costs_match_paths_with_parameters() -> None:
    costs = EndpointCosts.from_wire(
        {
            "default_cost": 10,
            "endpoint_costs": [
                {"method": "GET", "path": "/trade-api/v2/portfolio/orders/{order_id}", "cost": 1},
                {"method": "DELETE", "path": "/portfolio/events/orders/{order_id}", "cost": 3},
            ],
        }
    )
    assert costs.cost("GET", "/portfolio/orders/abc") == 1
    assert costs.cost("GET", "/portfolio/orders") == 10
    assert costs.cost("DELETE", "/portfolio/events/orders/abc?market_ticker=T") == 3
    assert costs.cost("POST", "/portfolio/events/orders") == 10
    assert costs.per_order("DELETE", "/portfolio/events/orders/{order_id}", 20) == 60
    literal = EndpointCosts.from_wire(
        {
            "default_cost": 10,
            "endpoint_costs": [
                {"method": "DELETE", "path": "/portfolio/events/orders/{order_id}", "cost": 2},
                {"method": "DELETE", "path": "/portfolio/events/orders/batched", "cost": 7},
            ],
        }
    )
    assert literal.cost("DELETE", "/portfolio/events/orders/batched") == 7
    assert literal.cost("DELETE", "/portfolio/events/orders/o9") == 2
    with pytest.raises(ValueError, match="endpoint_costs"):
        EndpointCosts.from_wire({"default_cost": 10})
    # Without the account's list, the documented exceptions apply.
    assert EndpointCosts().cost("DELETE", "/portfolio/events/orders/o1") == 2


async def test_planned_costs_pace_requests(rsa_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    costs = {
        "default_cost": 10,
        "endpoint_costs": [{"method": "GET", "path": "/portfolio/orders/{order_id}", "cost": 5}],
    }
    limits = {
        "usage_tier": "basic",
        "read": {"refill_rate": 200, "bucket_capacity": 200},
        "write": {"refill_rate": 100, "bucket_capacity": 100},
        "grants": [],
    }
    order = {"order": current_only(example("order"))}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/account/limits"):
            return respond(200, limits)
        if request.url.path.endswith("/account/endpoint_costs"):
            return respond(200, costs)
        return respond(200, order)

    async with make_client(Script(answer), clock, rsa_key) as client:
        plan = await client.plan_rate_limits(margin=1.0)
        assert plan.problems == ()
        assert plan.tier == "basic"
        start = clock.now
        for _ in range(80):  # 80 × 5 = 400 tokens: 200 at once, 200 at 200/s
            await client.get_order("o1")
        assert clock.now - start == pytest.approx(1.0, abs=0.05)
