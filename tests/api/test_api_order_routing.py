"""The `auto` order API: V2 routes first, V1 only where V2 is missing, V2 again once
V1 is retired; a missing resource or an unclear outcome never switches routes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from api_testkit import FakeClock, Script, example, kalshi_error, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import AmbiguousWriteError, NotFound, OrderRequest

V2 = "POST /trade-api/v2/portfolio/events/orders"
V1 = "POST /trade-api/v2/portfolio/orders"
V2_ACK = {"order_id": "o1", "client_order_id": "c1", "fill_count": "0.00", "remaining_count": "1"}


def order() -> OrderRequest:
    return OrderRequest(
        ticker="KXFED-26DEC-T4.00",
        side="yes",
        action="buy",
        count=Decimal(1),
        price=Decimal("0.43"),
        client_order_id="c1",
    )


def v1_created() -> httpx.Response:
    return respond(201, {"order": example("order")})


def route_gone() -> httpx.Response:
    return httpx.Response(404, content=b"404 page not found\n")


def sim_route_gone() -> httpx.Response:
    return kalshi_error(
        404, "not_found", "route not found", "/trade-api/v2/portfolio/events/orders"
    )


@pytest.mark.parametrize("missing", [route_gone, sim_route_gone], ids=["plain", "simulator"])
async def test_missing_v2_route_falls_back_to_v1_and_stays(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey, missing: Callable[[], httpx.Response]
) -> None:
    script = Script(missing(), v1_created(), v1_created())
    async with make_client(script, clock, rsa_key) as client:
        assert client.order_api == "v2"
        first = await client.create_order(order())
        assert client.order_api == "v1"
        await client.create_order(order())
    assert first.order_id == example("order")["order_id"]
    assert script.paths == [V2, V1, V1], "V2 is not probed again once it was missing"


async def test_missing_market_is_not_a_missing_route(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(kalshi_error(404, "not_found", "market not found", "KXFED-26DEC-T4.00"))
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(NotFound, match="market not found"):
            await client.create_order(order())
        assert client.order_api == "v2"
    assert script.paths == [V2]


async def test_retired_v1_switches_back_to_v2_for_good(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(
        route_gone(),
        v1_created(),
        kalshi_error(410, "deprecated_v1_order_endpoint", "use the V2 order API"),
        respond(201, V2_ACK),
        route_gone(),
    )
    async with make_client(script, clock, rsa_key) as client:
        await client.create_order(order())  # V2 missing → V1
        ack = await client.create_order(order())  # V1 retired → V2
        assert ack.order_id == "o1"
        assert client.order_api == "v2"
        # Once V1 is known to be retired, a V2 404 is an error, not a reason to go back.
        with pytest.raises(NotFound):
            await client.create_order(order())
    assert script.paths == [V2, V1, V1, V2, V2]


async def test_fixed_v2_mode_never_falls_back(clock: FakeClock, rsa_key: rsa.RSAPrivateKey) -> None:
    script = Script(route_gone())
    async with make_client(script, clock, rsa_key, order_api="v2") as client:
        with pytest.raises(NotFound):
            await client.create_order(order())
    assert script.paths == [V2]


async def test_unclear_v2_outcome_is_not_resent_on_v1(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(httpx.ReadTimeout("no answer"))
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(AmbiguousWriteError) as info:
            await client.create_order(order())
        assert client.order_api == "v2"
    assert info.value.client_order_id == "c1"
    assert script.paths == [V2]
