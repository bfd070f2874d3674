"""Reads retry transient failures with backoff; writes never retry an unclear outcome
and raise AmbiguousWriteError carrying the client_order_id instead."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from api_testkit import FakeClock, Script, current_only, example, kalshi_error, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import (
    AmbiguousWriteError,
    ExchangeUnavailable,
    InvalidPrice,
    MalformedResponse,
    NotFound,
    OrderRequest,
    RateLimited,
    RequestRejected,
    TransportError,
)

MARKET = {"market": current_only(example("market"))}


def order(client_order_id: str = "coid-1") -> OrderRequest:
    return OrderRequest(
        ticker="KXFED-26DEC-T4.00",
        side="yes",
        action="buy",
        count=Decimal(10),
        price=Decimal("0.43"),
        client_order_id=client_order_id,
    )


V2_ACK = {
    "order_id": "o1",
    "client_order_id": "coid-1",
    "fill_count": "0.00",
    "remaining_count": "10.00",
    "ts_ms": 1,
}


def timeout(request_kind: type[httpx.TransportError] = httpx.ReadTimeout) -> httpx.TransportError:
    return request_kind("boom")


# ---- reads -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(kalshi_error(500, "internal_server_error"), id="500"),
        pytest.param(kalshi_error(503, "service_unavailable"), id="503"),
        pytest.param(respond(429, {"error": "too many requests"}), id="429"),
        pytest.param(httpx.ReadTimeout("timed out"), id="timeout"),
        pytest.param(httpx.ConnectError("refused"), id="connect"),
        pytest.param(httpx.ReadError("connection reset by peer"), id="reset"),
        pytest.param(httpx.RemoteProtocolError("server disconnected"), id="disconnect"),
    ],
)
async def test_reads_retry_transient_failures(failure: object, clock: FakeClock) -> None:
    script = Script(failure, failure, respond(200, MARKET))  # type: ignore[arg-type]
    async with make_client(script, clock) as client:
        market = await client.get_market("KXFED-26DEC-T4.00")
        assert client.stats.retries == 2
    assert market.ticker == "KXFED-26DEC-T4.00"
    assert len(script.requests) == 3
    assert len(clock.sleeps) == 2


async def test_read_backoff_is_jittered_exponential_and_capped(clock: FakeClock) -> None:
    script = Script(kalshi_error(503, "service_unavailable"))
    async with make_client(script, clock, max_read_retries=8) as client:
        with pytest.raises(ExchangeUnavailable):
            await client.get_market("T")
    assert len(script.requests) == 9
    ceilings = [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert len(clock.sleeps) == len(ceilings)
    for delay, ceiling in zip(clock.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ReadTimeout("timed out"), TransportError),
        (respond(429, {"error": "too many requests"}), RateLimited),
    ],
)
async def test_reads_give_up_after_max_retries(
    failure: object, error: type[Exception], clock: FakeClock
) -> None:
    script = Script(failure)  # type: ignore[arg-type]
    async with make_client(script, clock, max_read_retries=4) as client:
        with pytest.raises(error):
            await client.get_market("T")
        assert client.stats.errors == 5
    assert len(script.requests) == 5


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (kalshi_error(404, "not_found"), NotFound),
        (kalshi_error(400, "invalid_parameters"), RequestRejected),
        (respond(200, "<html>maintenance</html>"), MalformedResponse),
    ],
)
async def test_reads_do_not_retry_client_errors(
    failure: httpx.Response, error: type[Exception], clock: FakeClock
) -> None:
    script = Script(failure)
    async with make_client(script, clock) as client:
        with pytest.raises(error):
            await client.get_market("T")
    assert len(script.requests) == 1
    assert clock.sleeps == []


# ---- writes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.ReadTimeout("timed out"), id="read-timeout"),
        pytest.param(httpx.WriteTimeout("timed out"), id="write-timeout"),
        pytest.param(httpx.ReadError("connection reset by peer"), id="reset"),
        pytest.param(httpx.RemoteProtocolError("server disconnected"), id="disconnect"),
        pytest.param(kalshi_error(500, "internal_server_error"), id="500"),
        pytest.param(kalshi_error(502, "service_unavailable"), id="502"),
        pytest.param(respond(201, "<html>oops</html>"), id="html-201"),
        pytest.param(respond(201, '{"order_id": "o1", "fill_count"'), id="truncated-201"),
        pytest.param(respond(201, {"client_order_id": "coid-1"}), id="missing-order-id"),
        pytest.param(
            respond(201, V2_ACK | {"average_fill_price": Decimal("0.43")}), id="float-price"
        ),
    ],
)
async def test_create_with_unclear_outcome_is_ambiguous_and_not_retried(
    failure: object, rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(failure, respond(201, V2_ACK))  # type: ignore[arg-type]
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(AmbiguousWriteError) as info:
            await client.create_order(order())
    assert len(script.requests) == 1
    assert info.value.client_order_id == "coid-1"
    assert info.value.operation == "create_order"
    assert info.value.cause is not None
    assert "coid-1" in str(info.value)


async def test_float_in_json_body_is_detected(rsa_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    # Serialised by hand: a JSON float where Kalshi sends a "$" string.
    body = (
        '{"order_id":"o1","fill_count":"1.00","remaining_count":"9.00","average_fill_price":0.43}'
    )
    script = Script(respond(201, body))
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(AmbiguousWriteError) as info:
            await client.create_order(order())
    assert isinstance(info.value.cause, MalformedResponse)
    assert "float" in str(info.value.cause)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.ConnectError("refused"), id="connect-error"),
        pytest.param(httpx.ConnectTimeout("timed out"), id="connect-timeout"),
        pytest.param(respond(429, {"error": "too many requests"}), id="429"),
    ],
)
async def test_writes_retry_only_what_never_reached_the_exchange(
    failure: object, rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(failure, respond(201, V2_ACK))  # type: ignore[arg-type]
    async with make_client(script, clock, rsa_key) as client:
        ack = await client.create_order(order())
    assert ack.order_id == "o1"
    assert len(script.requests) == 2
    # The retry is the same order, so a mistaken retry would meet 409, not a duplicate.
    assert script.body(0) == script.body(1)


async def test_write_retries_are_bounded(rsa_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    script = Script(httpx.ConnectError("refused"))
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(TransportError, match="not sent"):
            await client.create_order(order())
    assert len(script.requests) == 3


async def test_write_rejections_are_raised_once(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(kalshi_error(400, "invalid_price"))
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(InvalidPrice):
            await client.create_order(order())
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), kalshi_error(503, "service_unavailable")],
)
async def test_unclear_cancel_is_ambiguous(
    failure: object, rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(failure)  # type: ignore[arg-type]
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(AmbiguousWriteError) as info:
            await client.cancel_order("o1")
    assert info.value.operation == "cancel_order"
    assert info.value.order_id == "o1"
    assert len(script.requests) == 1


async def test_stats_count_requests_errors_and_429s(clock: FakeClock) -> None:
    script = Script(
        respond(429, {"error": "too many requests"}),
        kalshi_error(500, "internal_server_error"),
        respond(200, MARKET),
    )

    async def slow(request: httpx.Request) -> httpx.Response:
        clock.now += 0.125
        return script(request)

    async with make_client(Script(slow), clock) as client:
        assert client.stats.last_latency_seconds is None
        await client.get_market("T")
        stats = client.stats
    assert (stats.requests, stats.errors, stats.rate_limited, stats.retries) == (3, 2, 1, 2)
    assert stats.last_latency_seconds == pytest.approx(0.125)
    assert stats.last_status == 200
