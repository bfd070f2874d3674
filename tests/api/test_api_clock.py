"""Clock skew: measured from the exchange's Date header. Beyond the limit, signatures
carry the exchange's time as measured; writes that add exposure are refused with one
clear ClockSkewError (with the fix), while reads and cancels always go out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime

import pytest
from api_testkit import FakeClock, Script, kalshi_error, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import AuthenticationError, ClockSkewError, OrderRequest

STATUS = {"exchange_active": True, "trading_active": True}
BALANCE = {"balance": 1000, "balance_dollars": "10.00", "portfolio_value": 0}
CANCELLED = {"order_id": "o-1", "reduced_by_fp": "5.00"}
ACK = {"order_id": "o-2", "client_order_id": "c-2", "fill_count": "0.00", "remaining_count": "5"}


def new_order() -> OrderRequest:
    return OrderRequest(
        ticker="KXTEST-26",
        side="yes",
        action="buy",
        count=Decimal(5),
        price=Decimal("0.05"),
        client_order_id=str(uuid.uuid4()),
    )


def stamp_ms(script: Script, index: int) -> int:
    return int(script.requests[index].headers["KALSHI-ACCESS-TIMESTAMP"])


def dated(body: object, server_time: float, status: int = 200) -> object:
    """A JSON response whose Date header says `server_time` (Unix seconds)."""
    stamp = format_datetime(datetime.fromtimestamp(server_time, UTC), usegmt=True)
    return respond(status, body, date=stamp)


async def test_skew_is_measured_from_the_date_header(clock: FakeClock) -> None:
    script = Script(dated(STATUS, clock.now + 30))
    async with make_client(script, clock) as client:
        assert client.clock_skew_seconds is None, "nothing measured before a response"
        await client.get_exchange_status()
        skew = client.clock_skew_seconds
    # Date is truncated to the second: the estimate adds half a second.
    assert skew == pytest.approx(30.5)


async def test_large_skew_refuses_new_orders_with_the_fix(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(dated(STATUS, clock.now + 30), respond(201, ACK))
    async with make_client(script, clock, rsa_key) as client:
        await client.get_exchange_status()
        with pytest.raises(ClockSkewError) as info:
            await client.create_order(new_order())
    assert len(script.requests) == 1, "an order is not placed on a wrong clock"
    error = info.value
    assert isinstance(error, AuthenticationError)
    assert error.skew_seconds == pytest.approx(30.5)
    message = str(error)
    assert "POST /portfolio/events/orders" in message
    assert "30.5 s behind the exchange's clock" in message
    assert "Date header" in message
    assert "NTP" in message, "the error says how to fix it"


async def test_clock_ahead_of_the_exchange_is_described(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(dated(STATUS, clock.now - 60))
    async with make_client(script, clock, rsa_key) as client:
        await client.get_exchange_status()
        with pytest.raises(ClockSkewError, match=r"59\.5 s ahead of the exchange's clock"):
            await client.create_order(new_order())


async def test_reads_and_cancels_go_out_under_skew_stamped_with_exchange_time(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    # The kill switch must cancel and verify whatever our clock says.
    script = Script(
        dated(STATUS, clock.now + 30),
        dated(BALANCE, clock.now + 30),
        dated(CANCELLED, clock.now + 30),
    )
    async with make_client(script, clock, rsa_key) as client:
        await client.get_exchange_status()
        await client.get_balance()
        reduction = await client.cancel_order("o-1")
    assert reduction.order_id == "o-1"
    assert script.paths[1:] == [
        "GET /trade-api/v2/portfolio/balance",
        "DELETE /trade-api/v2/portfolio/events/orders/o-1",
    ]
    exchange_ms = (clock.now + 30.5) * 1000
    assert stamp_ms(script, 1) == pytest.approx(exchange_ms, abs=1)
    assert stamp_ms(script, 2) == pytest.approx(exchange_ms, abs=1)


async def test_within_the_limit_requests_are_stamped_with_local_time(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(dated(STATUS, clock.now + 3), dated(BALANCE, clock.now + 3))
    async with make_client(script, clock, rsa_key) as client:
        await client.get_exchange_status()
        await client.get_balance()
    assert stamp_ms(script, 1) == int(clock.now * 1000)


async def test_a_clock_step_replaces_the_estimate_at_once(clock: FakeClock) -> None:
    # Small samples are smoothed (Date has 1 s resolution); a step is taken whole, so
    # signatures are right again after one response.
    script = Script(
        dated(STATUS, clock.now), dated(STATUS, clock.now + 1), dated(STATUS, clock.now + 120)
    )
    async with make_client(script, clock) as client:
        await client.get_exchange_status()
        assert client.clock_skew_seconds == pytest.approx(0.5)
        await client.get_exchange_status()
        assert client.clock_skew_seconds == pytest.approx(0.7)
        await client.get_exchange_status()
        assert client.clock_skew_seconds == pytest.approx(120.5)


async def test_small_skew_is_tolerated(clock: FakeClock, rsa_key: rsa.RSAPrivateKey) -> None:
    script = Script(dated(STATUS, clock.now + 3), dated(BALANCE, clock.now + 3))
    async with make_client(script, clock, rsa_key) as client:
        await client.get_exchange_status()
        balance = await client.get_balance()
        assert client.clock_skew_seconds == pytest.approx(3.5)
    assert balance.balance == 10
    assert len(script.requests) == 2


async def test_the_limit_is_configurable(clock: FakeClock, rsa_key: rsa.RSAPrivateKey) -> None:
    script = Script(dated(STATUS, clock.now + 3))
    async with make_client(script, clock, rsa_key, max_skew_seconds=2) as client:
        await client.get_exchange_status()
        with pytest.raises(ClockSkewError, match="limit 2 s"):
            await client.create_order(new_order())


async def test_unsigned_requests_are_not_blocked_by_skew(clock: FakeClock) -> None:
    # Public market data needs no signature, so a wrong clock does not stop it.
    script = Script(dated(STATUS, clock.now + 600))
    async with make_client(script, clock) as client:
        await client.get_exchange_status()
        await client.get_exchange_status()
    assert len(script.requests) == 2


async def test_fixing_the_clock_clears_the_error_without_a_new_request(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    wall, monotonic = FakeClock(), FakeClock(start=1000.0)
    script = Script(dated(STATUS, wall.now + 30), respond(201, ACK))
    async with make_client(script, wall, rsa_key, monotonic=monotonic) as client:
        await client.get_exchange_status()
        with pytest.raises(ClockSkewError):
            await client.create_order(new_order())
        wall.now += 30  # the user syncs the clock (NTP step)
        assert client.clock_skew_seconds == pytest.approx(0.5)
        await client.create_order(new_order())
    assert len(script.requests) == 2
    assert stamp_ms(script, 1) == int(wall.now * 1000), "local time again once it is right"


async def test_expired_timestamp_401_is_a_clock_skew_error(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    stamp = format_datetime(datetime.fromtimestamp(clock.now - 40, UTC), usegmt=True)
    rejected = kalshi_error(401, "header_timestamp_expired", "timestamp outside window")
    rejected.headers["date"] = stamp
    script = Script(rejected)
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(ClockSkewError) as info:
            await client.get_balance()
    assert len(script.requests) == 1, "an auth failure is not retried"
    assert info.value.status == 401
    assert info.value.code == "header_timestamp_expired"
    assert info.value.skew_seconds == pytest.approx(-39.5)
    assert "39.5 s ahead of the exchange's clock" in str(info.value)
    assert "NTP" in str(info.value)


@pytest.mark.parametrize("header", ["", "yesterday-ish", "Mon, 99 Foo 2026 25:61:61 GMT"])
async def test_missing_or_garbled_date_is_ignored(clock: FakeClock, header: str) -> None:
    response = respond(200, STATUS)
    if header:
        response.headers["date"] = header
    async with make_client(Script(response), clock) as client:
        await client.get_exchange_status()
        assert client.clock_skew_seconds is None
