"""Hostile answers to the start-up rate plan (`GET /account/limits`, `GET
/account/endpoint_costs`): the plan never raises, never installs a limiter that cannot
pace (no NaN, infinite, absurd or stalling rates and capacities), says why it fell back, and the
client goes on sending requests."""

from __future__ import annotations

import asyncio
import math

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from fuzz_kit import PLAN_BODIES, READ_BODIES, client_for, encode, endpoint_of, response_bodies
from hypothesis import HealthCheck, given, settings

from kalshi_tui import api
from kalshi_tui.api._ratelimit import TIER_MARGIN


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limits=response_bodies(PLAN_BODIES["account_limits"]),
    costs=response_bodies(PLAN_BODIES["endpoint_costs"]),
)
def test_a_hostile_plan_answer_never_breaks_the_client(
    rsa_key: rsa.RSAPrivateKey, limits: bytes, costs: bytes
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        name = endpoint_of(request)
        content = {"account_limits": limits, "endpoint_costs": costs}.get(name)
        if content is None:
            content = encode(READ_BODIES[name])
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    async def run() -> api.RatePlan:
        async with client_for(answer, rsa_key) as client:
            plan = await client.plan_rate_limits()
            for bucket in (client._limiter.read, client._limiter.write):
                # At least one token a second (times the planning margin): never a stall.
                assert bucket.rate >= TIER_MARGIN
                assert bucket.capacity >= TIER_MARGIN
                assert not math.isnan(bucket.rate)
                assert not math.isnan(bucket.capacity)
            assert (await client.get_exchange_status()).exchange_active
            assert (await client.get_order("o1")).order_id
            return plan

    plan = asyncio.run(run())
    if limits != encode(PLAN_BODIES["account_limits"]) and plan.tier is None:
        assert any("/account/limits" in problem for problem in plan.problems)
