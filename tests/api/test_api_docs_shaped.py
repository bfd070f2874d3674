"""The client against answers shaped as Kalshi documents them, for every route it calls.

Each body comes from the project's contract table (`docs_bodies`): only the required fields
("minimal"), then also every optional nullable field as null ("nullable"). The real
`KalshiClient` reads it through httpx's MockTransport; each case checks that the values
served come back (ids, tickers, prices, counts, times) and that a null comes back None,
never 0 or "". The last tests keep the list complete: every public method that sends a
request has a case, and every route named in `kalshi_tui/api` is driven by one.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_testkit import BASE_URL, KEY_ID, FakeClock
from cryptography.hazmat.primitives.asymmetric import rsa
from docs_bodies import (
    TABLE,
    VARIANTS,
    Variant,
    docs_body,
    docs_status,
    docs_value,
    violations,
)

import kalshi_tui.api
from kalshi_tui.api import (
    AmendRequest,
    KalshiAuth,
    KalshiClient,
    Market,
    Order,
    OrderRequest,
    RateLimits,
)
from kalshi_tui.api._ratelimit import TIER_MARGIN

API_PACKAGE = Path(kalshi_tui.api.__file__).parent
PREFIX = "/trade-api/v2"


def template_of(method: str, path: str) -> str | None:
    """The documented route ("GET /markets/{ticker}") a request path falls under; a literal
    segment wins over a parameter (`/markets/trades` is not a market)."""
    matches = []
    for route in TABLE:
        verb, template = route.split(" ", 1)
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if verb == method and re.fullmatch(pattern, path):
            matches.append(route)
    return min(matches, key=lambda route: route.count("{"), default=None)


class DocsExchange:
    """A MockTransport handler answering every documented route with its docs-shaped body
    (the same body each time; a request for a further page gets the body with the blank
    cursor that ends a listing). Records the route of every request."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.bodies: dict[str, Any] = {}
        self.seen: list[str] = []
        self.undocumented: list[str] = []
        self.requests: list[httpx.Request] = []

    def body(self, route: str) -> Any:
        """The body served for `route` (generated once; a case may adjust it first)."""
        if route not in self.bodies:
            self.bodies[route] = docs_body(route, self.variant)
        return self.bodies[route]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(PREFIX)
        route = template_of(request.method, path)
        if route is None:
            self.undocumented.append(f"{request.method} {path}")
            return httpx.Response(404, text="404 page not found")
        self.seen.append(route)
        body = self.body(route)
        if request.url.params.get("cursor") and isinstance(body, dict) and "cursor" in body:
            body = {**body, "cursor": ""}
        return httpx.Response(docs_status(route), json=body)


def client_for(exchange: DocsExchange, key: rsa.RSAPrivateKey, order_api: Any) -> KalshiClient:
    clock = FakeClock()
    return KalshiClient(
        BASE_URL,
        KalshiAuth(KEY_ID, key, clock=clock),
        transport=httpx.MockTransport(exchange),
        clock=clock,
        sleep=clock.sleep,
        rate_limits=RateLimits.unlimited(),
        order_api=order_api,
    )


Run = Callable[[KalshiClient, DocsExchange], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    name: str
    methods: tuple[str, ...]
    """The `KalshiClient` methods the case calls."""
    routes: frozenset[str]
    """Exactly the documented routes those calls send."""
    run: Run
    order_api: str = "v2"


CASES: dict[str, Case] = {}


def case(*methods: str, routes: tuple[str, ...], order_api: str = "v2") -> Callable[[Run], Run]:
    def register(run: Run) -> Run:
        name = run.__name__.removeprefix("_")
        CASES[name] = Case(name, methods, frozenset(routes), run, order_api)
        return run

    return register


# ---- reading the served values back --------------------------------------------------


def d(text: str) -> Decimal:
    return Decimal(text)


def cents(value: int) -> Decimal:
    return Decimal(value) / 100


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_market(market: Market, raw: dict[str, Any], variant: Variant) -> None:
    assert (market.ticker, market.event_ticker, market.status) == (
        raw["ticker"],
        raw["event_ticker"],
        raw["status"],
    )
    assert market.yes_bid == d(raw["yes_bid_dollars"])
    assert market.yes_ask == d(raw["yes_ask_dollars"])
    assert market.no_bid == d(raw["no_bid_dollars"])
    assert market.no_ask == d(raw["no_ask_dollars"])
    assert market.last_price == d(raw["last_price_dollars"])
    assert market.previous_price == d(raw["previous_price_dollars"])
    assert market.notional_value == d(raw["notional_value_dollars"])
    assert market.volume == d(raw["volume_fp"])
    assert market.volume_24h == d(raw["volume_24h_fp"])
    assert market.open_interest == d(raw["open_interest_fp"])
    assert market.yes_bid_size == d(raw["yes_bid_size_fp"])
    assert market.yes_ask_size == d(raw["yes_ask_size_fp"])
    assert market.close_time == when(raw["close_time"])
    assert market.latest_expiration_time == when(raw["latest_expiration_time"])
    assert market.settlement_timer_seconds == raw["settlement_timer_seconds"]
    assert (market.title, market.rules_primary) == ("", raw["rules_primary"])
    assert market.can_close_early is True
    assert market.price_grid.is_on_grid(d("0.4300"))
    assert not market.price_grid.is_on_grid(d("0.4350"))
    # Optional nullable fields: absent or null, never a zero.
    assert market.settlement_value is None
    assert (market.floor_strike, market.cap_strike) == (None, None)
    assert market.expected_expiration_time is None
    assert market.fee_waiver_expiration_time is None
    assert market.exchange_index == 0
    if variant == "nullable":
        assert raw["settlement_value_dollars"] is None


def check_order(order: Order, raw: dict[str, Any]) -> None:
    assert (order.order_id, order.client_order_id, order.ticker, order.user_id) == (
        raw["order_id"],
        raw["client_order_id"],
        raw["ticker"],
        raw["user_id"],
    )
    assert (order.status, order.type) == (raw["status"], raw["type"])
    assert (order.outcome_side, order.book_side) == (raw["outcome_side"], raw["book_side"])
    assert (order.side, order.action) == ("yes", "buy")
    assert order.yes_price == d(raw["yes_price_dollars"])
    assert order.no_price == d(raw["no_price_dollars"])
    assert order.fill_count == d(raw["fill_count_fp"])
    assert order.remaining_count == d(raw["remaining_count_fp"])
    assert order.initial_count == d(raw["initial_count_fp"])
    assert order.taker_fees == d(raw["taker_fees_dollars"])
    assert order.maker_fees == d(raw["maker_fees_dollars"])
    assert order.taker_fill_cost == d(raw["taker_fill_cost_dollars"])
    assert order.maker_fill_cost == d(raw["maker_fill_cost_dollars"])
    assert (order.created_time, order.expiration_time, order.last_update_time) == (None,) * 3
    assert order.order_group_id is None
    assert order.self_trade_prevention_type is None
    assert order.last_update_reason is None
    assert order.exchange_index == 0


def order_request(ticker: str = "KXFED-26DEC-T4.00") -> OrderRequest:
    return OrderRequest(
        ticker=ticker,
        side="yes",
        action="buy",
        count=d("2.50"),
        price=d("0.4300"),
        client_order_id="c-docs",
    )


def amend_request() -> AmendRequest:
    return AmendRequest(
        order_id="o1",
        ticker="KXFED-26DEC-T4.00",
        side="yes",
        action="buy",
        price=d("0.4400"),
        count=d("3.00"),
        client_order_id="c-docs",
        updated_client_order_id="c-docs-2",
    )


# ---- market data ---------------------------------------------------------------------


@case("get_exchange_status", routes=("GET /exchange/status",))
async def _exchange_status(client: KalshiClient, ex: DocsExchange) -> None:
    status = await client.get_exchange_status()
    assert (status.exchange_active, status.trading_active) == (True, True)
    assert status.exchange_estimated_resume_time is None


@case("get_exchange_schedule", routes=("GET /exchange/schedule",))
async def _exchange_schedule(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /exchange/schedule")["schedule"]
    schedule = await client.get_exchange_schedule()
    [week] = schedule.standard_hours
    assert week.start_time == when(raw["standard_hours"][0]["start_time"])
    assert week.monday[0].open_time == raw["standard_hours"][0]["monday"][0]["open_time"]
    assert week.sunday[0].close_time == raw["standard_hours"][0]["sunday"][0]["close_time"]
    [window] = schedule.maintenance_windows
    assert window.end_datetime == when(raw["maintenance_windows"][0]["end_datetime"])


@case(
    "get_markets",
    "iter_markets",
    "iter_market_pages",
    "get_all_markets",
    routes=("GET /markets",),
)
async def _markets(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /markets")
    page = await client.get_markets(limit=1000)
    assert page.cursor == raw["cursor"]
    check_market(page.markets[0], raw["markets"][0], ex.variant)
    # The documented cursor is required: a first page, then the one ending with "".
    every = [m async for m in client.iter_markets()]
    pages = [p async for p in client.iter_market_pages()]
    listed = await client.get_all_markets()
    assert len(every) == len(listed) == 2
    assert [len(p) for p in pages] == [1, 1]
    for market in (*every, *listed):
        check_market(market, raw["markets"][0], ex.variant)


@case("get_market", routes=("GET /markets/{ticker}",))
async def _market(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /markets/{ticker}")["market"]
    check_market(await client.get_market(raw["ticker"]), raw, ex.variant)


@case("get_orderbook", routes=("GET /markets/{ticker}/orderbook",))
async def _orderbook(client: KalshiClient, ex: DocsExchange) -> None:
    book = await client.get_orderbook("KXFED-26DEC-T4.00", depth=5)
    assert [(level.price, level.count) for level in book.yes] == [(d("0.4200"), d("13.00"))]
    assert [(level.price, level.count) for level in book.no] == [(d("0.5500"), d("7.25"))]
    assert book.best_yes_ask == d("0.4500")


@case("get_trades", routes=("GET /markets/trades",))
async def _trades(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /markets/trades")
    page = await client.get_trades(ticker="KXFED-26DEC-T4.00")
    assert page.cursor == raw["cursor"]
    [trade] = page.trades
    row = raw["trades"][0]
    assert (trade.trade_id, trade.ticker) == (row["trade_id"], row["ticker"])
    assert trade.count == d(row["count_fp"])
    assert (trade.yes_price, trade.no_price) == (
        d(row["yes_price_dollars"]),
        d(row["no_price_dollars"]),
    )
    assert (trade.taker_side, trade.taker_book_side) == (
        row["taker_outcome_side"],
        row["taker_book_side"],
    )
    assert trade.created_time == when(row["created_time"])
    assert trade.is_block_trade is True


@case("get_candlesticks", routes=("GET /series/{series_ticker}/markets/{ticker}/candlesticks",))
async def _candlesticks(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /series/{series_ticker}/markets/{ticker}/candlesticks")
    [candle] = await client.get_candlesticks(
        "KXFED", "KXFED-26DEC-T4.00", start_ts=1, end_ts=2, period_interval=60
    )
    row = raw["candlesticks"][0]
    assert candle.end_period_ts == row["end_period_ts"]
    assert candle.volume == d(row["volume_fp"])
    assert candle.open_interest == d(row["open_interest_fp"])
    assert candle.yes_bid is not None
    assert candle.yes_ask is not None
    assert candle.yes_bid.open == d(row["yes_bid"]["open_dollars"])
    assert candle.yes_ask.close == d(row["yes_ask"]["close_dollars"])
    # Nothing traded: every traded price is optional (and nullable), so None.
    assert (candle.price.open, candle.price.close, candle.price.mean) == (None, None, None)


def check_event_row(event: Any, raw: dict[str, Any]) -> None:
    assert (event.event_ticker, event.series_ticker) == (raw["event_ticker"], raw["series_ticker"])
    assert (event.title, event.sub_title) == (raw["title"], raw["sub_title"])
    assert event.mutually_exclusive is True
    assert (event.strike_date, event.strike_period) == (None, None)


@case("get_events", routes=("GET /events",))
async def _events(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /events")
    page = await client.get_events(status="open")
    assert page.cursor == raw["cursor"]
    [event] = page.events
    check_event_row(event, raw["events"][0])
    assert event.markets == ()


@case("get_event", routes=("GET /events/{event_ticker}",))
async def _event(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /events/{event_ticker}")
    event = await client.get_event(raw["event"]["event_ticker"])
    check_event_row(event, raw["event"])
    # The documented answer keeps the markets beside the event.
    [market] = event.markets
    check_market(market, raw["markets"][0], ex.variant)


def check_series(series: Any, raw: dict[str, Any]) -> None:
    assert (series.ticker, series.title, series.frequency) == (
        raw["ticker"],
        raw["title"],
        raw["frequency"],
    )
    assert (series.category, series.contract_url) == (raw["category"], raw["contract_url"])
    assert series.fee_type == raw["fee_type"]
    assert series.fee_multiplier == Decimal(str(raw["fee_multiplier"]))
    # `tags` and `settlement_sources` are required but nullable: null reads as empty.
    assert (series.tags, series.settlement_sources) == ((), ())


@case("get_series", routes=("GET /series/{series_ticker}",))
async def _series(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /series/{series_ticker}")["series"]
    check_series(await client.get_series(raw["ticker"]), raw)


@case("list_series", routes=("GET /series",))
async def _list_series(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /series")["series"][0]
    [series] = await client.list_series(category="Economics")
    check_series(series, raw)


# ---- account -------------------------------------------------------------------------


@case("plan_rate_limits", routes=("GET /account/limits", "GET /account/endpoint_costs"))
async def _plan_rate_limits(client: KalshiClient, ex: DocsExchange) -> None:
    limits = ex.body("GET /account/limits")
    costs = ex.body("GET /account/endpoint_costs")
    plan = await client.plan_rate_limits()
    assert plan.problems == ()
    assert plan.tier == limits["usage_tier"]
    read, write = limits["read"], limits["write"]
    assert plan.limits.read_per_second == pytest.approx(read["refill_rate"] * TIER_MARGIN)
    assert plan.limits.write_per_second == pytest.approx(write["refill_rate"] * TIER_MARGIN)
    assert plan.limits.read_capacity == pytest.approx(read["bucket_capacity"] * TIER_MARGIN)
    assert plan.costs.default == costs["default_cost"]
    assert plan.costs.cost("DELETE", "/portfolio/events/orders/o1") == 2
    assert plan.costs.cost("GET", "/markets") == costs["default_cost"]


# ---- portfolio -----------------------------------------------------------------------


@case("get_balance", routes=("GET /portfolio/balance",))
async def _balance(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /portfolio/balance")
    balance = await client.get_balance()
    assert balance.balance == d(raw["balance_dollars"])
    assert balance.portfolio_value == cents(raw["portfolio_value"])
    assert balance.updated_ts == raw["updated_ts"]
    assert balance.breakdown == ()  # optional: not in the minimal answer


@case("get_positions", "get_all_positions", routes=("GET /portfolio/positions",))
async def _positions(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /portfolio/positions")
    for page in (await client.get_positions(), await client.get_all_positions()):
        assert page.cursor is None  # the documented answer has no required cursor
        [market] = page.market_positions
        row = raw["market_positions"][0]
        assert (market.ticker, market.exchange_index) == (row["ticker"], row["exchange_index"])
        assert market.position == d(row["position_fp"])
        assert market.total_traded == d(row["total_traded_dollars"])
        assert market.market_exposure == d(row["market_exposure_dollars"])
        assert market.realized_pnl == d(row["realized_pnl_dollars"])
        assert market.fees_paid == d(row["fees_paid_dollars"])
        assert market.last_updated_ts == when(row["last_updated_ts"])
        assert market.resting_orders_count is None
        [event] = page.event_positions
        row = raw["event_positions"][0]
        assert event.event_ticker == row["event_ticker"]
        assert event.total_cost == d(row["total_cost_dollars"])
        assert event.total_cost_shares == d(row["total_cost_shares_fp"])
        assert event.event_exposure == d(row["event_exposure_dollars"])


@case(
    "get_orders",
    "iter_orders",
    "get_all_orders",
    "find_order_by_client_id",
    routes=("GET /portfolio/orders",),
)
async def _orders(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /portfolio/orders")
    row = raw["orders"][0]
    page = await client.get_orders(status="resting")
    assert page.cursor == raw["cursor"]
    check_order(page.orders[0], row)
    every = [o async for o in client.iter_orders()]
    listed = await client.get_all_orders(ticker=row["ticker"])
    assert len(every) == len(listed) == 2
    for order in (*every, *listed):
        check_order(order, row)
    found = await client.find_order_by_client_id(row["client_order_id"])
    assert found is not None
    check_order(found, row)


@case("get_order", routes=("GET /portfolio/orders/{order_id}",))
async def _order(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /portfolio/orders/{order_id}")["order"]
    check_order(await client.get_order(raw["order_id"]), raw)


@case("get_fills", "iter_fills", "get_all_fills", routes=("GET /portfolio/fills",))
async def _fills(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("GET /portfolio/fills")
    row = raw["fills"][0]
    page = await client.get_fills()
    assert page.cursor == raw["cursor"]
    every = [f async for f in client.iter_fills()]
    listed = await client.get_all_fills(min_ts=1)
    assert len(every) == len(listed) == 2
    for fill in (*page.fills, *every, *listed):
        assert (fill.fill_id, fill.trade_id, fill.order_id, fill.ticker) == (
            row["fill_id"],
            row["trade_id"],
            row["order_id"],
            row["ticker"],
        )
        assert fill.count == d(row["count_fp"])
        assert (fill.yes_price, fill.no_price) == (
            d(row["yes_price_dollars"]),
            d(row["no_price_dollars"]),
        )
        assert fill.fee_cost == d(row["fee_cost"])
        assert (fill.is_taker, fill.exchange_index) == (True, row["exchange_index"])
        assert (fill.side, fill.outcome_side, fill.book_side) == ("yes", "yes", "bid")
        assert (fill.client_order_id, fill.created_time, fill.ts) == (None, None, None)


@case("get_settlements", "get_all_settlements", routes=("GET /portfolio/settlements",))
async def _settlements(client: KalshiClient, ex: DocsExchange) -> None:
    row = ex.body("GET /portfolio/settlements")["settlements"][0]
    page = await client.get_settlements()
    listed = await client.get_all_settlements()
    assert page.cursor is None
    assert len(listed) == 1
    for settlement in (*page.settlements, *listed):
        assert (settlement.ticker, settlement.event_ticker) == (row["ticker"], row["event_ticker"])
        assert settlement.market_result == row["market_result"]
        assert settlement.yes_count == d(row["yes_count_fp"])
        assert settlement.no_count == d(row["no_count_fp"])
        assert settlement.yes_total_cost == d(row["yes_total_cost_dollars"])
        assert settlement.no_total_cost == d(row["no_total_cost_dollars"])
        assert settlement.revenue == cents(row["revenue"])
        assert settlement.fee_cost == d(row["fee_cost"])
        assert settlement.value is None  # required-nullable `value`: null, not $0
        assert settlement.settled_time == when(row["settled_time"])
        assert settlement.exchange_index == row["exchange_index"]


@case(
    "create_order_group",
    "get_order_groups",
    "get_order_group",
    "reset_order_group",
    "trigger_order_group",
    "delete_order_group",
    routes=(
        "POST /portfolio/order_groups/create",
        "GET /portfolio/order_groups",
        "GET /portfolio/order_groups/{order_group_id}",
        "PUT /portfolio/order_groups/{order_group_id}/reset",
        "PUT /portfolio/order_groups/{order_group_id}/trigger",
        "DELETE /portfolio/order_groups/{order_group_id}",
    ),
)
async def _order_groups(client: KalshiClient, ex: DocsExchange) -> None:
    created = ex.body("POST /portfolio/order_groups/create")
    group_id = await client.create_order_group(d("5"))
    assert group_id == created["order_group_id"]
    # The documented list answer is an object with no required fields: no groups.
    assert await client.get_order_groups() == ()
    raw = ex.body("GET /portfolio/order_groups/{order_group_id}")
    group = await client.get_order_group(group_id)
    assert group.id == group_id  # the documented answer does not repeat the id
    assert group.is_auto_cancel_enabled is True
    assert group.order_ids == tuple(raw["orders"])
    assert group.contracts_limit is None
    assert await client.reset_order_group(group_id) is None
    assert await client.trigger_order_group(group_id) is None
    assert await client.delete_order_group(group_id) is None


# ---- order writes, V2 (current) ------------------------------------------------------


@case("create_order", routes=("POST /portfolio/events/orders",))
async def _create_v2(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("POST /portfolio/events/orders")
    ack = await client.create_order(order_request())
    assert ack.order_id == raw["order_id"]
    assert (ack.fill_count, ack.remaining_count) == (
        d(raw["fill_count"]),
        d(raw["remaining_count"]),
    )
    assert ack.ts_ms == raw["ts_ms"]
    assert (ack.status, ack.average_fill_price, ack.order) == (None, None, None)


@case("cancel_order", routes=("DELETE /portfolio/events/orders/{order_id}",))
async def _cancel_v2(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("DELETE /portfolio/events/orders/{order_id}")
    reduction = await client.cancel_order(raw["order_id"], ticker="KXFED-26DEC-T4.00")
    assert reduction.order_id == raw["order_id"]
    assert reduction.reduced_by == d(raw["reduced_by"])
    assert reduction.ts_ms == raw["ts_ms"]
    assert (reduction.remaining_count, reduction.order) == (None, None)


def failed_item(route: str, variant: Variant) -> dict[str, Any]:
    """A batch-cancel item whose `error` is the documented minimal error: `{}` (none of its
    fields is required), which still means the cancel failed."""
    item_schema = TABLE[route][1]["properties"]["orders"]["items"]
    item: dict[str, Any] = docs_value(item_schema, variant)
    item["error"] = docs_value(item_schema["properties"]["error"], variant)
    item["order_id"] = "o-refused"
    assert item["error"] == {}
    return item


@case("batch_cancel_orders", routes=("DELETE /portfolio/events/orders/batched",))
async def _batch_cancel_v2(client: KalshiClient, ex: DocsExchange) -> None:
    route = "DELETE /portfolio/events/orders/batched"
    rows = ex.body(route)["orders"]
    rows.append(failed_item(route, ex.variant))
    ok, failed = await client.batch_cancel_orders([row["order_id"] for row in rows])
    assert (ok.order_id, ok.reduced_by) == (rows[0]["order_id"], d(rows[0]["reduced_by"]))
    assert ok.ok, "a null `error` is no error"
    assert (failed.order_id, failed.ok) == (rows[1]["order_id"], False)


@case(
    "cancel_all_orders",
    routes=("GET /portfolio/orders", "DELETE /portfolio/events/orders/batched"),
)
async def _cancel_all_v2(client: KalshiClient, ex: DocsExchange) -> None:
    resting = ex.body("GET /portfolio/orders")["orders"][0]
    cancelled = ex.body("DELETE /portfolio/events/orders/batched")["orders"][0]
    cancelled["order_id"] = resting["order_id"]
    result = await client.cancel_all_orders()
    # Two listed pages (the documented cursor, then ""), the same order on each.
    assert result.order_ids == (resting["order_id"],) * 2
    assert (result.count, result.failed) == (2, ())
    batch = [r for r in ex.requests if r.method == "DELETE"]
    assert len(batch) == 1


@case("amend_order", routes=("POST /portfolio/events/orders/{order_id}/amend",))
async def _amend_v2(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("POST /portfolio/events/orders/{order_id}/amend")
    result = await client.amend_order(amend_request())
    assert result.order_id == raw["order_id"]
    # `fill_count` and `remaining_count` are optional and nullable: unknown, not zero.
    assert (result.fill_count, result.remaining_count) == (None, None)
    assert (result.order, result.old_order) == (None, None)


@case("decrease_order", routes=("POST /portfolio/events/orders/{order_id}/decrease",))
async def _decrease_v2(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("POST /portfolio/events/orders/{order_id}/decrease")
    reduction = await client.decrease_order(raw["order_id"], reduce_by=d("1.50"))
    assert reduction.order_id == raw["order_id"]
    assert reduction.remaining_count == d(raw["remaining_count"])
    assert reduction.ts_ms == raw["ts_ms"]
    assert reduction.reduced_by is None


# ---- order writes, V1 (retired on Kalshi, still spoken by older deployments) ----------


@case("create_order", routes=("POST /portfolio/orders",), order_api="v1")
async def _create_v1(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("POST /portfolio/orders")["order"]
    ack = await client.create_order(order_request())
    assert (ack.order_id, ack.client_order_id, ack.status) == (
        raw["order_id"],
        raw["client_order_id"],
        raw["status"],
    )
    assert (ack.fill_count, ack.remaining_count) == (
        d(raw["fill_count_fp"]),
        d(raw["remaining_count_fp"]),
    )
    assert ack.order is not None
    check_order(ack.order, raw)


@case("cancel_order", routes=("DELETE /portfolio/orders/{order_id}",), order_api="v1")
async def _cancel_v1(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("DELETE /portfolio/orders/{order_id}")
    reduction = await client.cancel_order(raw["order"]["order_id"])
    assert reduction.order_id == raw["order"]["order_id"]
    assert reduction.reduced_by == d(raw["reduced_by_fp"])
    assert reduction.remaining_count == d(raw["order"]["remaining_count_fp"])
    assert reduction.order is not None
    check_order(reduction.order, raw["order"])


@case("batch_cancel_orders", routes=("DELETE /portfolio/orders/batched",), order_api="v1")
async def _batch_cancel_v1(client: KalshiClient, ex: DocsExchange) -> None:
    route = "DELETE /portfolio/orders/batched"
    rows = ex.body(route)["orders"]
    rows.append(failed_item(route, ex.variant))
    ok, failed = await client.batch_cancel_orders([row["order_id"] for row in rows])
    assert (ok.order_id, ok.reduced_by, ok.ok) == (
        rows[0]["order_id"],
        d(rows[0]["reduced_by_fp"]),
        True,
    )
    assert (failed.order_id, failed.ok) == (rows[1]["order_id"], False)


@case("amend_order", routes=("POST /portfolio/orders/{order_id}/amend",), order_api="v1")
async def _amend_v1(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("POST /portfolio/orders/{order_id}/amend")
    result = await client.amend_order(amend_request())
    assert result.order_id == raw["order"]["order_id"]
    assert result.fill_count == d(raw["order"]["fill_count_fp"])
    assert result.remaining_count == d(raw["order"]["remaining_count_fp"])
    assert result.order is not None
    assert result.old_order is not None
    check_order(result.order, raw["order"])
    check_order(result.old_order, raw["old_order"])


@case("decrease_order", routes=("POST /portfolio/orders/{order_id}/decrease",), order_api="v1")
async def _decrease_v1(client: KalshiClient, ex: DocsExchange) -> None:
    raw = ex.body("POST /portfolio/orders/{order_id}/decrease")["order"]
    reduction = await client.decrease_order(raw["order_id"], reduce_to=d("1.00"))
    assert reduction.order_id == raw["order_id"]
    assert reduction.remaining_count == d(raw["remaining_count_fp"])
    assert reduction.reduced_by is None
    assert reduction.order is not None
    check_order(reduction.order, raw)


# ---- transfers -----------------------------------------------------------------------


@case(
    "transfer_between_shards",
    "get_transfers",
    "iter_transfers",
    "get_transfer",
    routes=(
        "POST /portfolio/intra_exchange_instance_transfer",
        "GET /portfolio/intra_exchange_instance_transfers",
        "GET /portfolio/intra_exchange_instance_transfers/{transfer_id}",
    ),
)
async def _transfers(client: KalshiClient, ex: DocsExchange) -> None:
    made = ex.body("POST /portfolio/intra_exchange_instance_transfer")
    transfer_id = await client.transfer_between_shards(source=0, destination=2, amount=d("12.5000"))
    assert transfer_id == made["transfer_id"]
    row = ex.body("GET /portfolio/intra_exchange_instance_transfers")["transfers"][0]
    page = await client.get_transfers(limit=10)
    every = [t async for t in client.iter_transfers()]
    one = ex.body("GET /portfolio/intra_exchange_instance_transfers/{transfer_id}")["transfer"]
    single = await client.get_transfer(one["transfer_id"])
    assert page.cursor is None
    for transfer, raw in ((*page.transfers, row), (*every, row), (single, one)):
        assert (transfer.transfer_id, transfer.status) == (raw["transfer_id"], raw["status"])
        assert (transfer.source, transfer.destination) == (raw["source"], raw["destination"])
        assert transfer.amount == d(raw["amount"])
        assert (transfer.source_exchange_shard, transfer.destination_exchange_shard) == (
            raw["source_exchange_shard"],
            raw["destination_exchange_shard"],
        )
        assert transfer.created_ts == raw["created_ts"]


# ---- the tests -----------------------------------------------------------------------


async def drive(case_: Case, variant: Variant, key: rsa.RSAPrivateKey) -> DocsExchange:
    exchange = DocsExchange(variant)
    async with client_for(exchange, key, case_.order_api) as client:
        await case_.run(client, exchange)
    return exchange


def test_the_bodies_conform_to_the_docs() -> None:
    """The generator's own check: every body it makes validates against the table."""
    for route, (_status, schema) in TABLE.items():
        for variant in VARIANTS:
            assert violations(schema, docs_body(route, variant)) == [], route


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", sorted(CASES))
async def test_the_client_reads_the_documented_answer(
    name: str, variant: Variant, rsa_key: rsa.RSAPrivateKey
) -> None:
    case_ = CASES[name]
    exchange = await drive(case_, variant, rsa_key)
    assert exchange.undocumented == []
    assert set(exchange.seen) == case_.routes


def requesting_methods() -> set[str]:
    """Every public coroutine (or async iterator) of `KalshiClient` but `aclose`."""
    names = set()
    for name, member in inspect.getmembers(KalshiClient, inspect.isfunction):
        if name.startswith("_") or name == "aclose":
            continue
        returns = str(inspect.signature(member).return_annotation)
        is_async = inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member)
        if is_async or returns.startswith("AsyncIterator"):
            names.add(name)
    return names


_ROUTE_LITERAL = re.compile(r"/(exchange|markets|events|series|portfolio|account)(/\S*)?")


def named_paths() -> set[str]:
    """Every route path written in `kalshi_tui/api`, as a pattern: a constant, or an
    f-string whose placeholders match one path segment (a leading placeholder, such as the
    order API's base path, matches any prefix)."""
    patterns = set()
    for source in sorted(API_PACKAGE.glob("*.py")):
        tree = ast.parse(source.read_text())
        parts_of_fstrings = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if id(node) in parts_of_fstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _ROUTE_LITERAL.fullmatch(node.value):
                    patterns.add(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(node.value)))
            elif isinstance(node, ast.JoinedStr):
                parts = []
                for index, value in enumerate(node.values):
                    if isinstance(value, ast.Constant):
                        parts.append(re.escape(str(value.value)))
                    else:
                        parts.append(".*" if index == 0 else "[^/]+")
                pattern = "".join(parts)
                literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
                starts_with_route = isinstance(node.values[0], ast.Constant) and (
                    _ROUTE_LITERAL.match(str(node.values[0].value))
                )
                leading_base = not isinstance(node.values[0], ast.Constant)
                if starts_with_route or (leading_base and literal.startswith("/")):
                    patterns.add(pattern)
    return patterns


async def test_every_route_the_client_calls_is_driven(rsa_key: rsa.RSAPrivateKey) -> None:
    covered = {method for case_ in CASES.values() for method in case_.methods}
    assert requesting_methods() - covered == set(), "a client method without a docs-shaped case"
    assert covered - requesting_methods() == set()

    seen: set[str] = set()
    for case_ in CASES.values():
        exchange = await drive(case_, "minimal", rsa_key)
        assert exchange.undocumented == [], case_.name
        seen.update(exchange.seen)
    declared = {route for case_ in CASES.values() for route in case_.routes}
    assert seen == declared
    assert declared <= set(TABLE), "every route the client calls is documented"

    paths = {route.split(" ", 1)[1] for route in seen}
    unmatched = {
        pattern
        for pattern in named_paths()
        if not any(re.fullmatch(pattern, path) for path in paths)
    }
    assert unmatched == set(), "a route in kalshi_tui/api that no docs-shaped case drives"
