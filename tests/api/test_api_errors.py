"""Every row of docs/WIRE.md's error table maps to the documented exception, and the
odd envelopes Kalshi is known to send are still read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_testkit import FakeClock, Script, kalshi_error, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import (
    AuthenticationError,
    ClockSkewError,
    DeprecatedEndpoint,
    ExchangeUnavailable,
    InsufficientBalance,
    InvalidPrice,
    KalshiError,
    MalformedResponse,
    MarketInactive,
    NotFound,
    OrderAlreadyExists,
    OrderRejected,
    OrderRequest,
    PermissionDenied,
    RateLimited,
    RequestRejected,
    TradingPaused,
)
from kalshi_tui.api._errors import error_class_for, parse_error_body

WIRE_TABLE = [
    (400, "invalid_order", OrderRejected),
    (400, "invalid_price", InvalidPrice),
    (400, "invalid_parameters", RequestRejected),
    (400, "missing_parameters", RequestRejected),
    (400, "market_inactive", MarketInactive),
    (400, "insufficient_balance", InsufficientBalance),
    (400, "max_open_orders_exceeded", OrderRejected),
    (400, "order_group_limit_reached", OrderRejected),
    (401, "authentication_error", AuthenticationError),
    (401, "header_timestamp_expired", ClockSkewError),
    (401, "NOT_FOUND", AuthenticationError),
    (404, "not_found", NotFound),
    (409, "order_already_exists", OrderAlreadyExists),
    (409, "trading_is_paused", TradingPaused),
    (410, "deprecated_v1_order_endpoint", DeprecatedEndpoint),
    (500, "internal_server_error", ExchangeUnavailable),
    (502, "service_unavailable", ExchangeUnavailable),
    (503, "service_unavailable", ExchangeUnavailable),
]


@pytest.mark.parametrize(("status", "code", "expected"), WIRE_TABLE)
async def test_wire_table_row_raises_documented_exception(
    status: int,
    code: str,
    expected: type[KalshiError],
    rsa_key: rsa.RSAPrivateKey,
    clock: FakeClock,
) -> None:
    script = Script(kalshi_error(status, code, details="INCORRECT_API_KEY_SIGNATURE"))
    async with make_client(script, clock, rsa_key, max_read_retries=0) as client:
        with pytest.raises(KalshiError) as info:
            await client.get_market("KXFED-26DEC-T4.00")
    assert type(info.value) is expected
    assert info.value.status == status
    assert info.value.code == code


async def test_rate_limit_body_is_a_bare_string(clock: FakeClock) -> None:
    script = Script(respond(429, {"error": "too many requests"}))
    async with make_client(script, clock, max_read_retries=0) as client:
        with pytest.raises(RateLimited, match="too many requests"):
            await client.get_market("T")


async def test_409_is_told_apart_by_code_on_order_create(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    order = OrderRequest(
        ticker="T",
        side="yes",
        action="buy",
        count=Decimal(1),
        price=Decimal("0.5"),
        client_order_id="c1",
    )
    script = Script(
        kalshi_error(409, "order_already_exists", details="c1"),
        kalshi_error(409, "trading_is_paused"),
    )
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(OrderAlreadyExists) as exists:
            await client.create_order(order)
        with pytest.raises(TradingPaused):
            await client.create_order(order)
    assert exists.value.details == "c1"
    assert len(script.requests) == 2  # neither was retried


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            b'{"error":{"code":"invalid_order","message":"bad","details":"x"}}',
            "invalid_order",
            "bad",
        ),
        (b'{"error":"too many requests"}', "too_many_requests", "too many requests"),
        (b'{"code":"invalid_parameters","message":"limit"}', "invalid_parameters", "limit"),
        (b'{"msg":"something broke"}', None, "something broke"),
        (b'["not", "an", "object"]', None, "['not', 'an', 'object']"),
    ],
)
def test_error_envelopes(body: bytes, code: str | None, message: str) -> None:
    info = parse_error_body(body)
    assert info.code == code
    assert info.message == message


def test_html_and_garbage_bodies_are_summarised() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>" + b" " * 5000
    info = parse_error_body(html, "text/html")
    assert info.code is None
    assert info.message.startswith("unreadable body (text/html")
    assert len(info.message) < 300
    assert parse_error_body(b"", "").message == "empty body (unknown content type)"
    assert "unreadable" in parse_error_body(b"\xff\xfe\x00", "").message


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "INVALID_PRICE", InvalidPrice),  # case-insensitive
        (400, "MARKET_INACTIVE", MarketInactive),
        (404, "user_not_found:_9b0f6b43", NotFound),  # not a prefix of not_found...
        (400, "not_found:_abc", NotFound),  # ...but this one is
        (403, None, PermissionDenied),
        (404, None, NotFound),
        (405, None, RequestRejected),
        (410, None, DeprecatedEndpoint),
        (429, None, RateLimited),
        (504, None, ExchangeUnavailable),
        (418, None, RequestRejected),
    ],
)
def test_classification_falls_back_to_status(
    status: int, code: str | None, expected: type[KalshiError]
) -> None:
    assert error_class_for(status, code) is expected


async def test_html_error_page_becomes_exchange_unavailable(clock: FakeClock) -> None:
    page = respond(502, "<html><body>Bad Gateway</body></html>", **{"content-type": "text/html"})
    async with make_client(Script(page), clock, max_read_retries=0) as client:
        with pytest.raises(ExchangeUnavailable, match="HTTP 502"):
            await client.get_market("T")


async def test_error_messages_never_contain_signatures(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(
        kalshi_error(401, "authentication_error", details="INCORRECT_API_KEY_SIGNATURE")
    )
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_balance()
    signature = script.requests[0].headers["KALSHI-ACCESS-SIGNATURE"]
    assert signature not in str(info.value)
    assert signature[:20] not in repr(info.value.__dict__)


async def test_portfolio_call_without_auth_fails_locally(clock: FakeClock) -> None:
    script = Script()
    async with make_client(script, clock) as client:
        with pytest.raises(AuthenticationError, match="needs an API key"):
            await client.get_balance()
    assert script.requests == []


async def test_unreadable_success_body_is_malformed(clock: FakeClock) -> None:
    script = Script(respond(200, '{"market": {"ticker": "T"'))  # truncated JSON
    async with make_client(script, clock) as client:
        with pytest.raises(MalformedResponse, match="unreadable body"):
            await client.get_market("T")


# The three envelopes Kalshi sends, as the client sees them through a real request.
ENVELOPES = {
    "nested": {"error": {"code": "invalid_parameters", "message": "bad count", "details": "d"}},
    "flat": {"code": "invalid_parameters", "message": "bad count", "details": "d"},
    "bare": {"msg": "bad count"},
}


@pytest.mark.parametrize("shape", sorted(ENVELOPES))
async def test_each_envelope_reaches_the_error_type_with_its_code_and_message(
    shape: str, rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(respond(400, ENVELOPES[shape]))
    async with make_client(script, clock, rsa_key, max_read_retries=0) as client:
        with pytest.raises(RequestRejected) as info:
            await client.get_orders(ticker="T")
    error = info.value
    assert error.status == 400
    assert error.code == (None if shape == "bare" else "invalid_parameters")
    assert error.details == (None if shape == "bare" else "d")
    assert "bad count" in error.message
    assert str(error) == error.message
    assert error.message.startswith("GET /portfolio/orders → HTTP 400")


@pytest.mark.parametrize(
    ("body", "expected", "code"),
    [
        # A JSON number where a fixed-point string belongs: Kalshi's flat 400.
        (
            {"code": "bad_request", "message": "invalid count_fp", "details": "count_fp"},
            RequestRejected,
            "bad_request",
        ),
        # Its answers to a missing signature header and to an unknown key.
        (
            {"code": "signature_is_missing_from_headers", "message": "signature missing"},
            AuthenticationError,
            "signature_is_missing_from_headers",
        ),
        (
            {"error": {"code": "authentication_error", "message": "x", "details": "NOT_FOUND"}},
            AuthenticationError,
            "authentication_error",
        ),
        ({"msg": "Unauthorized"}, AuthenticationError, None),
    ],
)
async def test_recorded_kalshi_refusals(
    body: dict[str, object],
    expected: type[KalshiError],
    code: str | None,
    rsa_key: rsa.RSAPrivateKey,
    clock: FakeClock,
) -> None:
    status = 400 if expected is RequestRejected else 401
    script = Script(respond(status, body))
    async with make_client(script, clock, rsa_key, max_read_retries=0) as client:
        with pytest.raises(KalshiError) as info:
            await client.get_balance()
    assert type(info.value) is expected
    assert (info.value.status, info.value.code) == (status, code)


def test_a_bare_msg_holding_an_object_is_read_too() -> None:
    info = parse_error_body(b'{"msg": {"code": 8, "msg": "Unknown channel name"}}')
    assert (info.code, info.message) == ("8", "Unknown channel name")


@pytest.mark.parametrize("shape", ["nested", "flat"])
async def test_batch_item_errors_in_either_shape(
    shape: str, rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    error = ENVELOPES[shape]["error"] if shape == "nested" else ENVELOPES[shape]
    reply = {"orders": [{"order_id": "o1", "reduced_by": "0.00", "error": error}]}
    script = Script(respond(200, reply))
    async with make_client(script, clock, rsa_key, order_api="v2") as client:
        [item] = await client.batch_cancel_orders(["o1"])
    assert item.error is not None
    assert (item.error.code, item.error.message) == ("invalid_parameters", "bad count")
