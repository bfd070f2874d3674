"""Hostile exchange responses for the fuzz tests: well-formed bodies for every endpoint the
terminal reads or writes, Hypothesis strategies that break them (missing fields, wrong
types, floats for money, absurd numbers, unknown enums, truncated JSON, HTML pages, empty
bodies), and a client whose transport answers every request with the crafted bytes.

The client is the real `KalshiClient` (signing, retries, classification, wire models);
only the network is replaced, by `httpx.MockTransport`.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import strategies as st

from kalshi_tui import api

BASE_URL = "https://demo-api.kalshi.co/trade-api/v2"
CID = "c0a80101-7f3e-4e55-8d22-1b2c3d4e5f60"
OID = "8f1c2e4a-6b3d-4c11-9a7e-0d2f5b6c7e81"
TICKER = "KXFED-26DEC-T4.00"
D = Decimal

# ---- well-formed bodies (current generation; every money/count value non-zero, so a
# field that silently became zero would show) ------------------------------------------

MARKET: dict[str, Any] = {
    "ticker": TICKER,
    "event_ticker": "KXFED-26DEC",
    "market_type": "binary",
    "title": "Fed above 4.00%?",
    "status": "active",
    "close_time": "2026-12-09T18:55:00Z",
    "yes_bid_dollars": "0.4100",
    "yes_ask_dollars": "0.4300",
    "no_bid_dollars": "0.5700",
    "no_ask_dollars": "0.5900",
    "last_price_dollars": "0.4200",
    "previous_price_dollars": "0.4000",
    "volume_fp": "182340.00",
    "volume_24h_fp": "5120.00",
    "open_interest_fp": "90412.00",
    "strike_type": "greater",
    "floor_strike": D("4.0"),
    "price_level_structure": "linear_cent",
    "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
}
ORDER: dict[str, Any] = {
    "order_id": OID,
    "client_order_id": CID,
    "ticker": TICKER,
    "outcome_side": "yes",
    "book_side": "bid",
    "type": "limit",
    "status": "resting",
    "yes_price_dollars": "0.4300",
    "no_price_dollars": "0.5700",
    "fill_count_fp": "4.00",
    "remaining_count_fp": "6.00",
    "initial_count_fp": "10.00",
    "taker_fees_dollars": "0.0700",
    "maker_fees_dollars": "0.0100",
    "taker_fill_cost_dollars": "1.7200",
    "maker_fill_cost_dollars": "0.4300",
    "created_time": "2026-03-02T14:03:11.482Z",
}
FILL: dict[str, Any] = {
    "fill_id": "5d7e9f01-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
    "order_id": OID,
    "ticker": TICKER,
    "outcome_side": "yes",
    "book_side": "bid",
    "count_fp": "4.00",
    "yes_price_dollars": "0.4300",
    "no_price_dollars": "0.5700",
    "fee_cost": "0.0700",
    "is_taker": True,
    "created_time": "2026-03-02T14:03:11.482Z",
    "ts": 1772460191,
}
POSITION: dict[str, Any] = {
    "ticker": TICKER,
    "position_fp": "4.00",
    "total_traded_dollars": "1.7200",
    "market_exposure_dollars": "1.7200",
    "realized_pnl_dollars": "0.1100",
    "fees_paid_dollars": "0.0700",
}
SETTLEMENT: dict[str, Any] = {
    "ticker": TICKER,
    "event_ticker": "KXFED-26DEC",
    "market_result": "yes",
    "yes_count_fp": "4.00",
    "no_count_fp": "1.00",
    "yes_total_cost_dollars": "1.7200",
    "no_total_cost_dollars": "0.5700",
    "revenue": 400,
    "fee_cost": "0.0700",
    "settled_time": "2026-12-09T19:20:00Z",
}
QUOTE = {
    "open_dollars": "0.40",
    "low_dollars": "0.39",
    "high_dollars": "0.45",
    "close_dollars": "0.41",
}
CANDLE: dict[str, Any] = {
    "end_period_ts": 1772460000,
    "yes_bid": QUOTE,
    "yes_ask": {**QUOTE, "close_dollars": "0.43"},
    "price": {"close_dollars": "0.42", "open_dollars": "0.40"},
    "volume_fp": "12.00",
    "open_interest_fp": "300.00",
}
TRADE: dict[str, Any] = {
    "trade_id": "t-1",
    "ticker": TICKER,
    "count_fp": "5.00",
    "yes_price_dollars": "0.4300",
    "no_price_dollars": "0.5700",
    "taker_outcome_side": "yes",
    "created_time": "2026-03-02T14:03:11Z",
}

READ_BODIES: dict[str, dict[str, Any]] = {
    "exchange_status": {"exchange_active": True, "trading_active": True},
    "markets": {"markets": [MARKET], "cursor": ""},
    "market": {"market": MARKET},
    "orderbook": {
        "orderbook_fp": {
            "yes_dollars": [["0.4100", "250.00"], ["0.4000", "10.00"]],
            "no_dollars": [["0.5700", "120.00"]],
        }
    },
    "trades": {"trades": [TRADE], "cursor": ""},
    "candlesticks": {"candlesticks": [CANDLE]},
    "balance": {"balance_dollars": "100.5000", "portfolio_value_dollars": "12.3400"},
    "positions": {"market_positions": [POSITION], "event_positions": [], "cursor": ""},
    "orders": {"orders": [ORDER], "cursor": ""},
    "order": {"order": ORDER},
    "fills": {"fills": [FILL], "cursor": ""},
    "settlements": {"settlements": [SETTLEMENT], "cursor": ""},
}

PLAN_BODIES: dict[str, dict[str, Any]] = {
    "account_limits": {
        "usage_tier": "basic",
        "read": {"refill_rate": 200, "bucket_capacity": 400},
        "write": {"refill_rate": 100, "bucket_capacity": 100},
        "grants": [],
    },
    "endpoint_costs": {
        "default_cost": 10,
        "endpoint_costs": [
            {"method": "GET", "path": "/trade-api/v2/portfolio/orders/{order_id}", "cost": 2}
        ],
    },
}
"""The start-up rate plan's two answers (`KalshiClient.plan_rate_limits`)."""

Call = Callable[[api.KalshiClient], Awaitable[object]]

READS: dict[str, Call] = {
    "exchange_status": lambda c: c.get_exchange_status(),
    "markets": lambda c: c.get_markets(status="open"),
    "market": lambda c: c.get_market(TICKER),
    "orderbook": lambda c: c.get_orderbook(TICKER, depth=30),
    "trades": lambda c: c.get_trades(ticker=TICKER),
    "candlesticks": lambda c: c.get_candlesticks(
        "KXFED", TICKER, start_ts=1, end_ts=2, period_interval=60
    ),
    "balance": lambda c: c.get_balance(),
    "positions": lambda c: c.get_positions(),
    "orders": lambda c: c.get_orders(status="resting"),
    "order": lambda c: c.get_order(OID),
    "fills": lambda c: c.get_fills(limit=100),
    "settlements": lambda c: c.get_settlements(limit=100),
}


def order_request(client_order_id: str = CID) -> api.OrderRequest:
    return api.OrderRequest(
        ticker=TICKER,
        side="yes",
        action="buy",
        count=D(5),
        price=D("0.43"),
        client_order_id=client_order_id,
    )


AMEND = api.AmendRequest(
    order_id=OID,
    ticker=TICKER,
    side="yes",
    action="buy",
    price=D("0.44"),
    count=D(10),
    client_order_id=CID,
    updated_client_order_id="c0a80101-7f3e-4e55-8d22-1b2c3d4e5f61",
)


@dataclass(frozen=True)
class Write:
    api: api.OrderApiMode
    call: Call
    body: dict[str, Any]


WRITES: dict[str, Write] = {
    "create_v2": Write(
        "v2",
        lambda c: c.create_order(order_request()),
        {
            "order_id": OID,
            "client_order_id": CID,
            "fill_count": "1.00",
            "remaining_count": "4.00",
            "average_fill_price": "0.4300",
            "ts_ms": 1772460191000,
        },
    ),
    "create_v1": Write("v1", lambda c: c.create_order(order_request()), {"order": ORDER}),
    "cancel_v2": Write(
        "v2", lambda c: c.cancel_order(OID), {"order_id": OID, "reduced_by": "6.00"}
    ),
    "cancel_v1": Write("v1", lambda c: c.cancel_order(OID), {"order": ORDER, "reduced_by": 6}),
    "amend_v2": Write(
        "v2",
        lambda c: c.amend_order(AMEND),
        {"order_id": OID, "fill_count": "4.00", "remaining_count": "6.00"},
    ),
    "amend_v1": Write("v1", lambda c: c.amend_order(AMEND), {"order": ORDER, "old_order": ORDER}),
    "batch_cancel_v2": Write(
        "v2",
        lambda c: c.batch_cancel_orders([OID, "other"]),
        {
            "orders": [
                {"order_id": OID, "reduced_by": "6.00"},
                {"order_id": "other", "error": {"code": "not_found", "message": "gone"}},
            ]
        },
    ),
}

# ---- encoding -----------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A number spelled exactly as given (`1e308`, a 100-digit decimal, `NaN`)."""

    text: str


def encode(tree: object) -> bytes:
    """JSON for `tree`, with Decimals and `Raw` values written verbatim."""
    marks: dict[str, str] = {}

    def default(value: object) -> str:
        if isinstance(value, Decimal):
            text = str(value)
        elif isinstance(value, Raw):
            text = value.text
        else:  # pragma: no cover - the strategies produce nothing else
            raise TypeError(type(value))
        mark = f"@@{len(marks)}@@"
        marks[mark] = text
        return mark

    out = json.dumps(tree, default=default, allow_nan=True)
    for mark, text in marks.items():
        out = out.replace(f'"{mark}"', text)
    return out.encode()


# ---- hostile values -------------------------------------------------------------------

ABSURD_STRINGS = [
    "",
    " ",
    "abc",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "sNaN",
    "1e308",
    "1E+999999",
    "-5.00",
    "-0.0001",
    "1.0000",
    "1.5",
    "99999999999999999999",
    "0." + "3" * 100,
    "1" * 100,
    "0x10",
    "1_000",
    "4,00",
    "٤.٠٠",  # Arabic-Indic digits (Decimal() reads them as 4.00)
    "<b>0.43</b>",
    "\u0000",
    "weird_new_value",
]
ABSURD_NUMBERS: list[object] = [
    0,
    -1,
    -5,
    1,
    100,
    10**30,
    -(10**30),
    2**63,
    10**100,
    D("0.43"),  # a JSON float where a `$` string belongs
    D("1.5"),
    D("-0.01"),
    Raw("1e308"),
    Raw("-1e308"),
    Raw("1e-400"),
    Raw("0." + "7" * 100),
    Raw("1" * 100),
    math.nan,  # Python's json writes (and reads) NaN / Infinity literals
    math.inf,
    -math.inf,
    True,
    False,
]
HOSTILE = st.one_of(
    st.sampled_from(ABSURD_STRINGS),
    st.sampled_from(ABSURD_NUMBERS),
    st.just(None),
    st.just([]),
    st.just({}),
    st.just([None]),
    st.just({"error": "x"}),
    st.text(max_size=8),
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
)

UNKNOWN_ENUMS = ["weird_new_value", "RESTING", "settled_v2", "", "yes ", "maybe"]


def paths(tree: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path to a node of `tree` (the root excluded)."""
    found: list[tuple[object, ...]] = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append((*prefix, key))
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found.append((*prefix, index))
            found.extend(paths(value, (*prefix, index)))
    return found


def _parent(tree: Any, path: tuple[object, ...]) -> Any:
    node = tree
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated(draw: st.DrawFn, body: dict[str, Any]) -> object:
    """`body` with one to three hostile edits: delete, replace, add an extra field, or
    set an enum-like string to a value the client has never seen."""
    tree: Any = copy.deepcopy(body)
    for _ in range(draw(st.integers(1, 3))):
        if not isinstance(tree, (dict, list)):
            break
        targets = paths(tree)
        op = draw(st.sampled_from(["delete", "replace", "replace", "extra", "enum", "root"]))
        if op == "root":
            tree = copy.deepcopy(draw(st.one_of(HOSTILE, st.just([tree]), st.just({"data": tree}))))
            continue
        if not targets:
            continue
        path = draw(st.sampled_from(targets))
        parent = _parent(tree, path)
        key = path[-1]
        if op == "delete":
            if isinstance(parent, dict):
                del parent[key]
            else:
                del parent[key]  # type: ignore[arg-type]
        elif op == "replace":
            parent[key] = copy.deepcopy(draw(HOSTILE))  # st.just values are shared
        elif op == "extra":
            if isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=12))] = copy.deepcopy(draw(HOSTILE))
        elif isinstance(parent[key], str):
            parent[key] = draw(st.sampled_from(UNKNOWN_ENUMS))
    return tree


HTML = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center>"
    b"</body></html>"
)
RAW_BODIES = [
    b"",
    b" \n",
    b"null",
    b"[]",
    b"{}",
    b'""',
    b"0",
    b"true",
    HTML,
    b"\xff\xfe\x00garbage",
    b"\xef\xbb\xbf{}",  # a UTF-8 byte-order mark
    b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than the JSON decoder's recursion
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"NaN",
    b"1e999999",
    b'{"order_id": "x", "order_id": null}',
]


@st.composite
def response_bodies(draw: st.DrawFn, body: dict[str, Any]) -> bytes:
    """The bytes of a hostile answer built from `body`."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "truncated", "raw", "intact"]))
    if kind == "raw":
        return draw(st.sampled_from(RAW_BODIES))
    if kind == "intact":
        return encode(body)
    content = encode(draw(mutated(body)))
    if kind == "truncated" and len(content) > 1:
        content = content[: draw(st.integers(0, len(content) - 1))]
    return content


STATUSES = st.sampled_from([200, 200, 200, 200, 201, 204, 400, 401, 404, 409, 429, 500, 502, 503])
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json", "text/html; charset=utf-8", "text/plain", ""]
)


@dataclass
class Canned:
    """A transport answer: every request gets the same status, type and bytes."""

    status: int
    content: bytes
    content_type: str = "application/json"
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers = {"content-type": self.content_type} if self.content_type else {}
        return httpx.Response(self.status, content=self.content, headers=headers)


async def _no_sleep(_seconds: float) -> None:
    return None


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    key: Any,
    *,
    order_api: api.OrderApiMode = "auto",
) -> api.KalshiClient:
    """A signed client whose every request is answered by `handler`, with no retries
    or backoff sleeps (one request per call keeps hundreds of examples fast)."""
    return api.KalshiClient(
        BASE_URL,
        api.KalshiAuth("fuzz-key-id", key),
        transport=httpx.MockTransport(handler),
        rate_limits=api.RateLimits.unlimited(),
        sleep=_no_sleep,
        max_read_retries=0,
        order_api=order_api,
    )


def decimals_in(value: object) -> list[object]:
    """Every number inside a dumped model (to check none is a float)."""
    found: list[object] = []
    if isinstance(value, dict):
        for item in value.values():
            found.extend(decimals_in(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(decimals_in(item))
    elif isinstance(value, (float, Decimal)):
        found.append(value)
    return found


# ---- routing ---------------------------------------------------------------------------

ROUTES: list[tuple[str, str]] = [
    (r"/exchange/status$", "exchange_status"),
    (r"/markets/trades$", "trades"),
    (r"/markets/[^/]+/orderbook$", "orderbook"),
    (r"/candlesticks$", "candlesticks"),
    (r"/markets/[^/]+$", "market"),
    (r"/markets$", "markets"),
    (r"/portfolio/balance$", "balance"),
    (r"/portfolio/positions$", "positions"),
    (r"/portfolio/orders/[^/]+$", "order"),
    (r"/portfolio/orders$", "orders"),
    (r"/portfolio/fills$", "fills"),
    (r"/portfolio/settlements$", "settlements"),
    (r"/account/limits$", "account_limits"),
    (r"/account/endpoint_costs$", "endpoint_costs"),
]


def endpoint_of(request: httpx.Request) -> str:
    path = request.url.path
    for pattern, name in ROUTES:
        if re.search(pattern, path):
            return name
    raise AssertionError(f"unexpected request {path}")
