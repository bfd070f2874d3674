"""Hostile exchange responses through the real client: every essential read and write
endpoint, answered with broken bodies, wrong types, floats for money, absurd numbers,
unknown enum values, truncated JSON, HTML pages and empty bodies, with 2xx, 4xx and 5xx.

What must hold: the client raises only its own `KalshiError` tree (never a KeyError,
TypeError, RecursionError, InvalidOperation ...); a body it cannot read after a 2xx is
`MalformedResponse` for a read and `AmbiguousWriteError` for a write (the order may exist);
a missing money, count or id field is never read as zero; a JSON float where a `$` or `_fp`
string belongs is refused; enum-like strings the client has never seen are kept as they are.
"""

from __future__ import annotations

import asyncio
import copy
import re
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fuzz_kit import (
    CONTENT_TYPES,
    OID,
    READ_BODIES,
    READS,
    STATUSES,
    WRITES,
    Call,
    Canned,
    Raw,
    client_for,
    decimals_in,
    encode,
    paths,
    response_bodies,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from kalshi_tui import api
from kalshi_tui.api._numbers import MAX_MAGNITUDE

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


async def outcome(
    call: Call, canned: Canned, key: rsa.RSAPrivateKey, order_api: api.OrderApiMode = "auto"
) -> object | BaseException:
    """The call's result, or the exception it raised (any type: the test judges it)."""
    async with client_for(canned, key, order_api=order_api) as client:
        try:
            return await call(client)
        except Exception as exc:
            return exc


def dumped(result: object) -> object:
    if isinstance(result, BaseModel):
        return result.model_dump()
    if isinstance(result, (list, tuple)):
        return [dumped(item) for item in result]
    return result


def check_numbers(result: object) -> None:
    """Everything numeric that came back is an exact, finite, plausible Decimal."""
    for number in decimals_in(dumped(result)):
        assert isinstance(number, Decimal), f"float {number!r} in a wire model"
        assert number.is_finite(), f"{number} in a wire model"
        assert abs(number) < MAX_MAGNITUDE, f"{number} in a wire model"


@FUZZ
@given(
    name=st.sampled_from(sorted(READS)),
    data=st.data(),
    status=STATUSES,
    content_type=CONTENT_TYPES,
)
def test_reads_raise_only_client_errors(
    rsa_key: rsa.RSAPrivateKey, name: str, data: st.DataObject, status: int, content_type: str
) -> None:
    content = data.draw(response_bodies(READ_BODIES[name]))
    result = asyncio.run(outcome(READS[name], Canned(status, content, content_type), rsa_key))
    event(f"{name}: {type(result).__name__}")
    if isinstance(result, BaseException):
        assert isinstance(result, api.KalshiError), repr(result)
        assert len(str(result)) < 2000, "garbage is summarised, never echoed at length"
        if 200 <= status < 300:
            assert isinstance(result, api.MalformedResponse), repr(result)
        else:
            assert not isinstance(result, api.MalformedResponse), repr(result)
    else:
        assert 200 <= status < 300, f"HTTP {status} returned data: {result!r}"
        check_numbers(result)


@FUZZ
@given(
    name=st.sampled_from(sorted(WRITES)),
    data=st.data(),
    status=STATUSES,
    content_type=CONTENT_TYPES,
)
def test_writes_unreadable_answers_are_ambiguous(
    rsa_key: rsa.RSAPrivateKey, name: str, data: st.DataObject, status: int, content_type: str
) -> None:
    write = WRITES[name]
    content = data.draw(response_bodies(write.body))
    canned = Canned(status, content, content_type)
    result = asyncio.run(outcome(write.call, canned, rsa_key, write.api))
    event(f"{name}: {type(result).__name__}")
    if isinstance(result, BaseException):
        assert isinstance(result, api.KalshiError), repr(result)
        if 200 <= status < 300 or status >= 500:
            # The exchange may have applied it: never reported as a refusal.
            assert isinstance(result, api.AmbiguousWriteError), repr(result)
        else:
            assert not isinstance(result, api.AmbiguousWriteError), repr(result)
    else:
        assert 200 <= status < 300, f"HTTP {status} returned a result: {result!r}"
        check_numbers(result)
    # A write is never blindly resent: one request (429 is retried, and refused first).
    assert len(canned.requests) == (3 if status == 429 else 1)


# ---- deterministic matrices ----------------------------------------------------------

ALL_BODIES: dict[str, tuple[Call, dict[str, Any], api.OrderApiMode]] = {
    **{name: (READS[name], body, "auto") for name, body in READ_BODIES.items()},
    **{name: (w.call, w.body, w.api) for name, w in WRITES.items()},
}


def leaves(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out |= leaves(item, f"{prefix}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        out = {}
        for index, item in enumerate(value):
            out |= leaves(item, f"{prefix}[{index}]")
        return out
    return {prefix: value}


def without(tree: Any, path: tuple[object, ...]) -> Any:
    copied = copy.deepcopy(tree)
    node = copied
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return copied


def key_paths(body: dict[str, Any]) -> list[tuple[object, ...]]:
    """Paths to every dict key (deleting list items is a shorter list, not a gap)."""
    found = []
    for path in paths(body):
        node: Any = body
        for part in path[:-1]:
            node = node[part]
        if isinstance(node, dict):
            found.append(path)
    return found


DELETIONS = [
    pytest.param(name, path, id=f"{name}:{'.'.join(map(str, path))}")
    for name, (_call, body, _api) in ALL_BODIES.items()
    for path in key_paths(body)
]


@pytest.mark.parametrize(("name", "path"), DELETIONS)
def test_a_missing_field_is_never_read_as_zero(
    rsa_key: rsa.RSAPrivateKey, name: str, path: tuple[object, ...]
) -> None:
    call, body, order_api = ALL_BODIES[name]
    whole = asyncio.run(outcome(call, Canned(200, encode(body)), rsa_key, order_api))
    assert not isinstance(whole, BaseException), repr(whole)
    result = asyncio.run(
        outcome(call, Canned(200, encode(without(body, path))), rsa_key, order_api)
    )
    if isinstance(result, BaseException):
        expected = api.MalformedResponse if name in READS else api.AmbiguousWriteError
        assert isinstance(result, expected), repr(result)
        return
    before, after = leaves(dumped(whole)), leaves(dumped(result))
    for where, value in after.items():
        if where not in before or before[where] == value:
            continue
        # Display text (a title) may default to ""; money, counts and ids may not.
        field = where.rsplit(".", 1)[-1]
        if isinstance(before[where], Decimal) or field.endswith(("id", "ticker")):
            assert value is None, f"{where}: {before[where]!r} became {value!r}, not absent"


_DECIMAL_TEXT = re.compile(r"^-?\d+\.\d+$")


def string_numbers(body: dict[str, Any]) -> list[tuple[object, ...]]:
    found = []
    for path in paths(body):
        node: Any = body
        for part in path:
            node = node[part]
        if isinstance(node, str) and _DECIMAL_TEXT.match(node):
            found.append(path)
    return found


FLOATS = [
    pytest.param(name, path, id=f"{name}:{'.'.join(map(str, path))}")
    for name, (_call, body, _api) in ALL_BODIES.items()
    for path in string_numbers(body)
]


@pytest.mark.parametrize(("name", "path"), FLOATS)
def test_a_float_where_a_decimal_string_belongs_is_refused(
    rsa_key: rsa.RSAPrivateKey, name: str, path: tuple[object, ...]
) -> None:
    call, body, order_api = ALL_BODIES[name]
    tree = copy.deepcopy(body)
    node: Any = tree
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = Decimal(node[path[-1]])  # written as a bare JSON number
    result = asyncio.run(outcome(call, Canned(200, encode(tree)), rsa_key, order_api))
    expected = api.MalformedResponse if name in READS else api.AmbiguousWriteError
    assert isinstance(result, expected), repr(result)


ENUMS = [
    ("markets", ("markets", 0, "status"), "status"),
    ("markets", ("markets", 0, "market_type"), "market_type"),
    ("markets", ("markets", 0, "strike_type"), "strike_type"),
    ("markets", ("markets", 0, "price_level_structure"), "price_level_structure"),
    ("market", ("market", "result"), "result"),
    ("orders", ("orders", 0, "status"), "status"),
    ("orders", ("orders", 0, "type"), "type"),
    ("order", ("order", "last_update_reason"), "last_update_reason"),
    ("order", ("order", "self_trade_prevention_type"), "self_trade_prevention_type"),
    ("settlements", ("settlements", 0, "market_result"), "market_result"),
    ("trades", ("trades", 0, "taker_book_side"), "taker_book_side"),
    ("create_v2", ("status",), "status"),
]


@pytest.mark.parametrize(("name", "path", "attribute"), ENUMS)
def test_unknown_harmless_enum_values_are_kept(
    rsa_key: rsa.RSAPrivateKey, name: str, path: tuple[object, ...], attribute: str
) -> None:
    call, body, order_api = ALL_BODIES[name]
    tree = copy.deepcopy(body)
    node: Any = tree
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = "brand_new_value_2027"
    result = asyncio.run(outcome(call, Canned(200, encode(tree)), rsa_key, order_api))
    assert not isinstance(result, BaseException), repr(result)
    item: Any = result
    for listing in ("markets", "orders", "settlements", "trades"):
        if hasattr(item, listing):
            item = getattr(item, listing)[0]
    assert getattr(item, attribute) == "brand_new_value_2027"


# ---- regressions: the examples the fuzz found, kept ------------------------------------


@pytest.mark.parametrize("content", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1}"])
def test_regression_deep_nesting_is_malformed_not_recursion_error(
    rsa_key: rsa.RSAPrivateKey, content: bytes
) -> None:
    """Found by the fuzz: a body nested deeper than the JSON decoder's recursion limit
    raised RecursionError out of the client (on 2xx and in error bodies alike)."""
    read = asyncio.run(outcome(READS["balance"], Canned(200, content), rsa_key))
    assert isinstance(read, api.MalformedResponse), repr(read)
    failed = asyncio.run(outcome(READS["balance"], Canned(503, content), rsa_key))
    assert isinstance(failed, api.ExchangeUnavailable), repr(failed)
    write = WRITES["create_v2"]
    created = asyncio.run(outcome(write.call, Canned(201, content), rsa_key, write.api))
    assert isinstance(created, api.AmbiguousWriteError), repr(created)


@pytest.mark.parametrize("yes_price", ["abc", "", "0.4x", "NaN"])
def test_regression_order_with_only_an_unreadable_yes_price(
    rsa_key: rsa.RSAPrivateKey, yes_price: str
) -> None:
    """Found by the fuzz: an order carrying only `yes_price_dollars`, unreadable, made the
    NO-price derivation raise decimal.InvalidOperation instead of MalformedResponse."""
    order = {k: v for k, v in READ_BODIES["order"]["order"].items() if k != "no_price_dollars"}
    order["yes_price_dollars"] = yes_price
    result = asyncio.run(outcome(READS["order"], Canned(200, encode({"order": order})), rsa_key))
    assert isinstance(result, api.MalformedResponse), repr(result)
    assert "yes_price_dollars" in str(result)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("balance_dollars", "1" * 100),
        ("balance_dollars", "-1000000000000000.00"),
        ("balance", 10**30),
        ("portfolio_value_dollars", "9" * 16 + ".5"),
    ],
)
def test_regression_absurd_amounts_are_malformed(
    rsa_key: rsa.RSAPrivateKey, field: str, value: object
) -> None:
    """Found by the fuzz: a 100-digit balance was accepted, and the balance pane's
    rounding to the cent then raised decimal.InvalidOperation (more than 28 digits)."""
    body = {"balance_dollars": "100.00", "portfolio_value_dollars": "1.00"}
    body.pop(field if field in body else "balance_dollars")
    body[field] = value
    result = asyncio.run(outcome(READS["balance"], Canned(200, encode(body)), rsa_key))
    assert isinstance(result, api.MalformedResponse), repr(result)
    assert "beyond any plausible amount" in str(result)
    assert len(str(result)) < 300


def test_regression_an_absurd_legacy_count_is_malformed(rsa_key: rsa.RSAPrivateKey) -> None:
    """Found by the fuzz: a legacy integer count of 10^15 contracts (an amend answer's
    `fill_count`) passed the bound meant for integer cents."""
    write = WRITES["amend_v2"]
    body = {"order_id": OID, "fill_count": 10**15, "remaining_count": "6.00"}
    result = asyncio.run(outcome(write.call, Canned(200, encode(body)), rsa_key, write.api))
    assert isinstance(result, api.AmbiguousWriteError), repr(result)
    assert "beyond any plausible amount" in str(result)
    book = {"orderbook": {"yes": [[41, 10**15]], "no": []}}
    read = asyncio.run(outcome(READS["orderbook"], Canned(200, encode(book)), rsa_key))
    assert isinstance(read, api.MalformedResponse), repr(read)


@pytest.mark.parametrize("strike", ["1e308", "-1e20", "1E+999999"])
def test_regression_an_absurd_strike_is_malformed(rsa_key: rsa.RSAPrivateKey, strike: str) -> None:
    """Found in review of the fuzz's number check: `floor_strike` (a JSON number, not a
    `$` string) took 1E+308 as it came."""
    market = {**READ_BODIES["market"]["market"], "floor_strike": Raw(strike)}
    result = asyncio.run(outcome(READS["market"], Canned(200, encode({"market": market})), rsa_key))
    assert isinstance(result, api.MalformedResponse), repr(result)
