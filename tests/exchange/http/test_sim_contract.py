"""The `current` profile answers every route as Kalshi's docs describe (issue 12).

One venue is driven over loopback HTTP with real signatures through every route it serves: market
data, portfolio reads, V2 order mutations, order groups. Each body is checked against the
required-fields table kept in the project (`contract_table.py`, derived once from Kalshi's
OpenAPI): required fields present, no field the docs do not list, exact JSON types (integers are
not floats) and formats (fixed-point strings, RFC 3339 times). The V1 mutations, retired on Kalshi
in June 2026 ("Please switch to the V2 endpoints"), answer 410 in `current`; the `compat`
profile still serves them and is checked against the same table (extra legacy fields allowed).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest import KeyPair
from contract_kit import violations
from contract_table import TABLE
from sim_http_kit import KEY_ID, OTHER_KEY_ID, KalshiAuth, v1_order, v2_order
from starlette.routing import Route

from kalshi_tui.exchange.http.app import routes
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.http.routes_orders import V1_MUTATIONS
from kalshi_tui.exchange.http.units import Profile
from kalshi_tui.exchange.server import RunningExchange, start_exchange

Answers = dict[str, list[tuple[int, Any]]]


@dataclass
class Venue:
    """A venue, our client and the counterparty's, and every answer seen per route."""

    exchange: RunningExchange
    me: httpx.Client
    them: httpx.Client
    seen: Answers = field(default_factory=dict)

    def call(self, route: str, path: str | None = None, *, who: str = "me", **kwargs: Any) -> Any:
        """Send `route` ("GET /markets/{ticker}") at `path` (the template filled in); record
        the answer (checked later, per route) and return its JSON body."""
        method, template = route.split(" ", 1)
        client = self.me if who == "me" else self.them
        response = client.request(method, path or template, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        self.seen.setdefault(route, []).append((response.status_code, body))
        return body


@pytest.fixture(scope="module")
def venues(key_pair: KeyPair, other_key_pair: KeyPair) -> Iterator[dict[str, Venue]]:
    """A `current` and a `compat` venue, each driven through its routes once."""
    made: dict[str, Venue] = {}
    try:
        for profile in ("current", "compat"):
            exchange = start_exchange(
                seed=7,
                markets=30,
                agents=False,
                tick_s=3600.0,
                rate_limits=RateLimitConfig(enabled=False),
                keys=[(KEY_ID, key_pair[1])],
                profile=profile,
            )
            exchange.add_key(OTHER_KEY_ID, other_key_pair[1], user_id="counterparty")
            me = httpx.Client(base_url=exchange.base_url, auth=KalshiAuth(KEY_ID, key_pair[0]))
            auth = KalshiAuth(OTHER_KEY_ID, other_key_pair[0])
            them = httpx.Client(base_url=exchange.base_url, auth=auth)
            made[profile] = Venue(exchange, me, them)
        _drive_current(made["current"])
        _drive_v1(made["compat"])
        yield made
    finally:
        for venue in made.values():
            venue.me.close()
            venue.them.close()
            venue.exchange.stop()


def _trade(venue: Venue, ticker: str) -> None:
    """The counterparty rests asks; we take some and rest bids (fills, positions, orders)."""
    for price in ("0.5500", "0.5700"):
        body = v2_order(ticker, side="ask", price=price, count="3.00")
        venue.call("POST /portfolio/events/orders", json=body, who="them")
    venue.call("POST /portfolio/events/orders", json=v2_order(ticker, price="0.5700", count="4"))
    venue.call("POST /portfolio/events/orders", json=v2_order(ticker, price="0.3000", count="2"))


def _drive_current(venue: Venue) -> None:
    now = int(time.time())
    call = venue.call
    call("GET /exchange/status")
    call("GET /exchange/schedule")
    call("GET /exchange/user_data_timestamp")
    call("GET /account/endpoint_costs")
    call("GET /account/limits")

    markets = call("GET /markets", params={"status": "open", "limit": 3})["markets"]
    settled, ticker = markets[0]["ticker"], markets[1]["ticker"]
    event_ticker = markets[1]["event_ticker"]
    for market in (settled, ticker):
        _trade(venue, market)
    with venue.exchange.engine() as engine:
        moment = venue.exchange.now_ms()
        engine.close_market(settled, moment)
        engine.determine_market(settled, "yes", moment)
        engine.settle_market(settled, moment)

    call("GET /markets", params={"limit": 50})
    call("GET /markets", params={"limit": 0})
    call("GET /markets", params={"status": "settled"})
    call("GET /markets/{ticker}", f"/markets/{ticker}")
    call("GET /markets/{ticker}", f"/markets/{settled}")
    call("GET /markets/{ticker}/orderbook", f"/markets/{ticker}/orderbook")
    call("GET /markets/orderbooks", params={"tickers": f"{ticker},{settled}"})
    call("GET /markets/trades", params={"ticker": ticker})
    call("GET /markets/trades", params={"limit": 1000})
    window = {"start_ts": now - 86400, "end_ts": now + 60, "period_interval": 60}
    call("GET /markets/candlesticks", params={"market_tickers": ticker, **window})
    event = call("GET /events/{event_ticker}", f"/events/{event_ticker}")["event"]
    call("GET /events/{event_ticker}", f"/events/{event_ticker}?with_nested_markets=true")
    call("GET /events")
    call("GET /events", params={"with_nested_markets": "true", "limit": 5})
    call("GET /events", params={"status": "settled", "with_milestones": "true"})
    series_ticker = event["series_ticker"]
    call("GET /series")
    call("GET /series/{series_ticker}", f"/series/{series_ticker}")
    call(
        "GET /series/{series_ticker}/markets/{ticker}/candlesticks",
        f"/series/{series_ticker}/markets/{ticker}/candlesticks",
        params=window,
    )

    call("GET /portfolio/balance")
    call("GET /portfolio/balance", params={"exchange_index": 2})
    body = {
        "source": "event_contract",
        "destination": "event_contract",
        "amount": 1_000_000,  # centicents: $100
        "source_exchange_shard": 0,
        "destination_exchange_shard": 2,
    }
    moved = call("POST /portfolio/intra_exchange_instance_transfer", json=body)
    call("GET /portfolio/intra_exchange_instance_transfers")
    call("GET /portfolio/intra_exchange_instance_transfers", params={"limit": 500})
    call(
        "GET /portfolio/intra_exchange_instance_transfers/{transfer_id}",
        f"/portfolio/intra_exchange_instance_transfers/{moved['transfer_id']}",
    )
    call("GET /portfolio/summary/total_resting_order_value")
    call("GET /portfolio/positions")
    call("GET /portfolio/positions", params={"limit": 1000, "count_filter": "position"})
    call("GET /portfolio/fills")
    call("GET /portfolio/fills", params={"limit": 1000})
    call("GET /portfolio/settlements")
    call("GET /portfolio/settlements", params={"limit": 1000})
    orders = call("GET /portfolio/orders")["orders"]
    call("GET /portfolio/orders", params={"limit": 1000, "status": "resting"})
    for order in orders[:3]:
        call("GET /portfolio/orders/{order_id}", f"/portfolio/orders/{order['order_id']}")
    resting = call("GET /portfolio/orders", params={"status": "resting"})["orders"]
    rest_id = resting[0]["order_id"]
    call(
        "GET /portfolio/orders/{order_id}/queue_position",
        f"/portfolio/orders/{rest_id}/queue_position",
    )
    call("GET /portfolio/orders/queue_positions", params={"market_tickers": ticker})

    made = call("POST /portfolio/events/orders", json=v2_order(ticker, price="0.2000", count="9"))
    order_path = f"/portfolio/events/orders/{made['order_id']}"
    amend = {"ticker": ticker, "side": "bid", "price": "0.2100", "count": "8.00"}
    call("POST /portfolio/events/orders/{order_id}/amend", order_path + "/amend", json=amend)
    decrease = {"reduce_by": "2.00"}
    call(
        "POST /portfolio/events/orders/{order_id}/decrease", order_path + "/decrease", json=decrease
    )
    call("DELETE /portfolio/events/orders/{order_id}", order_path)
    batch = [
        v2_order(ticker, price="0.1500"),
        v2_order(ticker, price="0.1600", count="2.50"),
        v2_order(ticker, price="2.0000"),  # refused: an item with an error
    ]
    items = call("POST /portfolio/events/orders/batched", json={"orders": batch})["orders"]
    cancel = {"orders": [{"order_id": item["order_id"]} for item in items[:2]]}
    cancel["orders"].append({"order_id": "no-such-order"})
    call("DELETE /portfolio/events/orders/batched", json=cancel)

    group = call("POST /portfolio/order_groups/create", json={"contracts_limit": 10})
    group_path = f"/portfolio/order_groups/{group['order_group_id']}"
    grouped = v2_order(ticker, price="0.1200", order_group_id=group["order_group_id"])
    call("POST /portfolio/events/orders", json=grouped)
    call("GET /portfolio/order_groups")
    call("GET /portfolio/order_groups/{order_group_id}", group_path)
    limit = {"contracts_limit": 20}
    call("PUT /portfolio/order_groups/{order_group_id}/limit", group_path + "/limit", json=limit)
    call("PUT /portfolio/order_groups/{order_group_id}/trigger", group_path + "/trigger")
    call("PUT /portfolio/order_groups/{order_group_id}/reset", group_path + "/reset")
    call("GET /portfolio/order_groups/{order_group_id}", group_path)
    call("DELETE /portfolio/order_groups/{order_group_id}", group_path)

    for route in sorted(V1_MUTATIONS):
        method, template = route.split(" ", 1)
        path = template.replace("{order_id}", rest_id)
        response = venue.me.request(method, path, json={})
        venue.seen.setdefault(route, []).append((response.status_code, response.json()))


def _drive_v1(venue: Venue) -> None:
    """The V1 mutations, documented but retired on Kalshi, as the `compat` profile serves them."""
    call = venue.call
    ticker = call("GET /markets", params={"status": "open", "limit": 1})["markets"][0]["ticker"]
    order = call("POST /portfolio/orders", json=v1_order(ticker, count=5, yes_price=30))["order"]
    path = f"/portfolio/orders/{order['order_id']}"
    amend = {
        "ticker": ticker,
        "side": "yes",
        "action": "buy",
        "client_order_id": order["client_order_id"],
        "updated_client_order_id": f"{order['client_order_id']}-2",
        "yes_price": 31,
        "count": 5,
    }
    call("POST /portfolio/orders/{order_id}/amend", path + "/amend", json=amend)
    call("POST /portfolio/orders/{order_id}/decrease", path + "/decrease", json={"reduce_by": 1})
    call("DELETE /portfolio/orders/{order_id}", path)
    batch = [v1_order(ticker, yes_price=20), v1_order(ticker, yes_price=21), v1_order(ticker)]
    items = call("POST /portfolio/orders/batched", json={"orders": batch})["orders"]
    ids = [item["order"]["order_id"] for item in items]
    body = {"orders": [{"order_id": ids[0]}, {"order_id": "no-such-order"}]}
    call("DELETE /portfolio/orders/batched", json=body)
    call("DELETE /portfolio/orders/batched", json={"ids": ids[1:]})  # the deprecated body


def _summary(found: list[str]) -> str:
    """The violations with list indexes folded (`$.markets[].category`), each once."""
    return "\n".join(sorted({re.sub(r"\[\d+\]", "[]", line) for line in found}))


def _served(profile: Profile) -> set[str]:
    """Every `METHOD /path` the app serves in `profile` (V1 mutations aside in `current`)."""
    found: set[str] = set()
    for route in routes(profile):
        assert isinstance(route, Route)
        found.update(f"{method} {route.path}" for method in route.methods or () if method != "HEAD")
    if profile == "current":
        found -= V1_MUTATIONS
    return found


def test_every_route_is_documented_and_driven(venues: dict[str, Venue]) -> None:
    served = _served("current")
    assert served - set(TABLE) == set(), "served but not in the docs"
    assert set(TABLE) - V1_MUTATIONS - served == set(), "documented but not served"
    assert served - set(venues["current"].seen) == set(), "served but never driven"
    assert V1_MUTATIONS - set(venues["compat"].seen) == set()


@pytest.mark.parametrize("route", sorted(set(TABLE) - V1_MUTATIONS))
def test_current_answers_match_the_docs(venues: dict[str, Venue], route: str) -> None:
    status, schema = TABLE[route]
    answers = venues["current"].seen.get(route, [])
    assert answers, f"{route} never driven"
    found = [
        problem
        for code, body in answers
        for problem in (violations(schema, body) if code == status else [f"status {code}: {body}"])
    ]
    assert found == [], _summary(found)


@pytest.mark.parametrize("route", sorted(V1_MUTATIONS))
def test_v1_mutations_are_retired_in_current(venues: dict[str, Venue], route: str) -> None:
    ((status, body),) = venues["current"].seen[route]
    assert status == 410
    assert body["error"]["code"] == "deprecated_v1_order_endpoint"
    assert "Please switch to the V2 endpoints" in body["error"]["message"]


@pytest.mark.parametrize("route", sorted(V1_MUTATIONS))
def test_compat_v1_answers_match_the_docs(venues: dict[str, Venue], route: str) -> None:
    _status, schema = TABLE[route]
    answers = venues["compat"].seen[route]
    found = [problem for _, body in answers for problem in violations(schema, body, strict=False)]
    assert found == [], _summary(found)
