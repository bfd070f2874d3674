"""A Kalshi client written from the docs alone drives the `current` profile's V2 routes.

`DocsClient` is what a third-party developer would write from kalshi-api.md §2–§3: plain httpx,
three headers signed per request with RSA-PSS (SHA-256, MGF1, salt 32) over `timestamp_ms +
METHOD + path` (path from the root, without the query), `Decimal` parsing of `_dollars`/`_fp`
strings. It shares no code with `kalshi_tui.api` or the other HTTP tests' signer.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import KeyPair, StartExchange
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sim_http_kit import KEY_ID, OTHER_KEY_ID

from kalshi_tui.exchange.server import RunningExchange

LEGACY_INTEGER_FIELDS = {"yes_bid", "yes_ask", "no_bid", "no_ask", "last_price", "volume"}


class DocsClient:
    """The smallest Kalshi REST client the docs describe."""

    def __init__(self, base_url: str, key_id: str, key: rsa.RSAPrivateKey) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=5.0)
        self.root_path = urlsplit(base_url).path  # "/trade-api/v2"
        self.key_id = key_id
        self.key = key

    def _headers(self, method: str, path: str) -> dict[str, str]:
        timestamp = str(time.time_ns() // 1_000_000)
        message = (timestamp + method + self.root_path + path).encode()
        signature = self.key.sign(
            message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
        return {
            "KALSHI-ACCESS-KEY": self.key_id,
            "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
        }

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers=self._headers(method, path), **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json()

    def pages(self, path: str, field: str, **params: Any) -> list[Any]:
        items: list[Any] = []
        cursor = ""
        for _ in range(200):
            body = self.ok("GET", path, params={**params, **({"cursor": cursor} if cursor else {})})
            items.extend(body[field])
            cursor = body["cursor"]
            if cursor == "":
                return items
        raise AssertionError("pagination never ended")


@pytest.fixture
def venue(
    start: StartExchange, key_pair: KeyPair, other_key_pair: KeyPair
) -> Iterator[tuple[RunningExchange, DocsClient, DocsClient]]:
    exchange = start(profile="current")
    me = DocsClient(exchange.base_url, KEY_ID, key_pair[0])
    them = DocsClient(exchange.base_url, OTHER_KEY_ID, other_key_pair[0])
    yield exchange, me, them
    me.http.close()
    them.http.close()


def _v2(ticker: str, coid: str, side: str, price: str, count: str, **extra: Any) -> dict[str, Any]:
    return {
        "ticker": ticker,
        "client_order_id": coid,
        "side": side,
        "price": price,
        "count": count,
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        **extra,
    }


def test_market_data_current_shapes(venue: tuple[RunningExchange, DocsClient, DocsClient]) -> None:
    exchange, me, _ = venue
    status = me.ok("GET", "/exchange/status")
    assert status["trading_active"] is True
    markets = me.pages("/markets", "markets", limit=6)
    with exchange.engine() as engine:
        assert [m["ticker"] for m in markets] == [m.ticker for m in engine.list_markets()]
    for market in markets:
        assert not LEGACY_INTEGER_FIELDS & set(market), market["ticker"]
        assert Decimal(market["yes_ask_dollars"]) >= Decimal(market["yes_bid_dollars"])
        assert market["status"] in ("initialized", "active", "inactive", "closed", "finalized")
    ticker = next(m["ticker"] for m in markets if m["status"] == "active")
    assert me.ok("GET", f"/markets/{ticker}")["market"]["ticker"] == ticker
    book = me.ok("GET", f"/markets/{ticker}/orderbook")
    assert set(book) == {"orderbook_fp"}
    events = me.pages("/events", "events", limit=5)
    assert len({e["event_ticker"] for e in events}) == len(events)
    assert me.ok("GET", "/markets/trades", params={"limit": 2}) == {"trades": [], "cursor": ""}
    # V1 mutations are gone in the current generation, as on real Kalshi since June 2026.
    v1 = me.call("POST", "/portfolio/orders", json={"ticker": ticker, "side": "yes"})
    assert v1.status_code == 410
    assert v1.json()["error"]["code"] == "deprecated_v1_order_endpoint"


def test_v2_order_lifecycle(venue: tuple[RunningExchange, DocsClient, DocsClient]) -> None:
    exchange, me, them = venue
    ticker = me.ok("GET", "/markets", params={"status": "open", "limit": 1})["markets"][0]["ticker"]
    start_balance = Decimal(me.ok("GET", "/portfolio/balance")["balance_dollars"])
    assert start_balance == Decimal("10000")

    made = me.ok(
        "POST", "/portfolio/events/orders", 201, json=_v2(ticker, "m-1", "bid", "0.4300", "10")
    )
    assert (made["fill_count"], made["remaining_count"]) == ("0.00", "10.00")
    order_id = made["order_id"]
    order = me.ok("GET", f"/portfolio/orders/{order_id}")["order"]
    assert (order["outcome_side"], order["book_side"], order["yes_price_dollars"]) == (
        "yes",
        "bid",
        "0.4300",
    )
    assert not {"yes_price", "fill_count"} & set(order)
    book = me.ok("GET", f"/markets/{ticker}/orderbook")["orderbook_fp"]
    assert book["yes_dollars"][-1] == ["0.4300", "10.00"]

    amended = me.ok(
        "POST",
        f"/portfolio/events/orders/{order_id}/amend",
        json={"ticker": ticker, "side": "bid", "price": "0.4400", "count": "12.00"},
    )
    assert amended["remaining_count"] == "12.00"
    decreased = me.ok(
        "POST", f"/portfolio/events/orders/{order_id}/decrease", json={"reduce_by": "2.00"}
    )
    assert (decreased["order_id"], decreased["remaining_count"]) == (order_id, "10.00")
    assert "reduced_by" not in decreased  # the documented V2 decrease reply

    # The counterparty asks 4 at 0.44: it takes from our bid, we are the maker.
    taken = them.ok(
        "POST", "/portfolio/events/orders", 201, json=_v2(ticker, "t-1", "ask", "0.4400", "4")
    )
    assert (taken["fill_count"], taken["remaining_count"]) == ("4.00", "0.00")
    assert taken["average_fill_price"] == "0.4400"
    fills = me.ok("GET", "/portfolio/fills")["fills"]
    assert [(f["count_fp"], f["yes_price_dollars"], f["is_taker"]) for f in fills] == [
        ("4.00", "0.4400", False)
    ]
    assert (fills[0]["outcome_side"], fills[0]["book_side"]) == ("yes", "bid")
    fee = Decimal(fills[0]["fee_cost"])
    (position,) = me.ok("GET", "/portfolio/positions")["market_positions"]
    assert (position["position_fp"], position["market_exposure_dollars"]) == ("4.00", "1.7600")
    assert Decimal(position["fees_paid_dollars"]) == fee
    balance = Decimal(me.ok("GET", "/portfolio/balance")["balance_dollars"])
    # Still bidding for 6: their cost and their worst-case taker fee stay locked.
    locked = Decimal("0.44") * 6 + Decimal("0.11")  # ceil(0.07 × 6 × 0.44 × 0.56) = $0.11
    assert balance == start_balance - Decimal("1.76") - fee - locked
    trade = me.ok("GET", "/markets/trades", params={"ticker": ticker, "limit": 1})["trades"][0]
    assert (trade["count_fp"], trade["taker_book_side"], trade["taker_outcome_side"]) == (
        "4.00",
        "ask",
        "no",
    )

    canceled = me.ok("DELETE", f"/portfolio/events/orders/{order_id}")
    assert canceled["reduced_by"] == "6.00"
    batch = me.ok(
        "POST",
        "/portfolio/events/orders/batched",
        201,
        json={
            "orders": [
                _v2(ticker, "b-1", "bid", "0.1000", "1"),
                _v2(ticker, "b-2", "ask", "0.9000", "1"),
                _v2(ticker, "b-1", "bid", "0.1000", "1"),  # duplicate id: per-item error
            ]
        },
    )["orders"]
    assert batch[2]["error"]["code"] == "order_already_exists"
    ids = [row["order_id"] for row in batch[:2]]
    body = {"orders": [{"order_id": ids[0], "market_ticker": ticker}]}
    cancelled = me.ok("DELETE", "/portfolio/events/orders/batched", json=body)
    assert cancelled["orders"][0]["reduced_by"] == "1.00"
    # The simulator's old `ids` body and its cancel-all route are not Kalshi's: refused here.
    old = me.call("DELETE", "/portfolio/events/orders/batched", json={"ids": ids[1:]})
    assert (old.status_code, old.json()["error"]["details"]) == (400, "orders")
    assert me.call("DELETE", "/portfolio/events/orders").status_code == 405
    cancelled = me.ok(
        "DELETE", "/portfolio/events/orders/batched", json={"orders": [{"order_id": ids[1]}]}
    )
    assert cancelled["orders"][0]["reduced_by"] == "1.00"

    with exchange.engine() as engine:
        now = exchange.now_ms()
        engine.close_market(ticker, now)
        engine.determine_market(ticker, "no", now + 1)
        engine.settle_market(ticker, now + 2)
    assert me.ok("GET", f"/markets/{ticker}")["market"]["status"] == "finalized"
    (settlement,) = me.ok("GET", "/portfolio/settlements")["settlements"]
    assert (settlement["market_result"], settlement["yes_count_fp"], settlement["revenue"]) == (
        "no",
        "4.00",
        0,
    )
    assert settlement["yes_total_cost_dollars"] == "1.7600"


def test_signature_is_checked(venue: tuple[RunningExchange, DocsClient, DocsClient]) -> None:
    _, me, _ = venue
    assert me.call("GET", "/portfolio/balance").status_code == 200
    unsigned = me.http.get("/portfolio/balance")
    assert unsigned.status_code == 401
    # Signing the path with its query string (a classic mistake) is rejected.
    headers = me._headers("GET", "/portfolio/orders?status=resting")
    wrong = me.http.get("/portfolio/orders", params={"status": "resting"}, headers=headers)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"
