"""Wire shapes per profile: every required field present, exact decimal and time formats.

legacy/compat must carry every field SDK 3.2.0 requires (kalshi-api.md §3, §9); current every
field of the 2026 generation and none of the removed integer fields.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import (
    COUNT_RE,
    KEY_ID,
    MONEY_RE,
    OTHER_KEY_ID,
    PRICE_RE,
    TIME_RE,
    KalshiAuth,
    error_code,
    v1_order,
    v2_order,
)

from kalshi_tui.exchange.server import RunningExchange


def _fields(text: str) -> set[str]:
    return set(text.split())


MARKET_SDK = _fields(
    """ticker event_ticker market_type title subtitle yes_sub_title no_sub_title created_time
    open_time close_time expiration_time latest_expiration_time settlement_timer_seconds status
    response_price_units yes_bid yes_bid_dollars yes_ask yes_ask_dollars no_bid no_bid_dollars
    no_ask no_ask_dollars last_price last_price_dollars volume volume_24h result can_close_early
    open_interest notional_value notional_value_dollars previous_yes_bid previous_yes_bid_dollars
    previous_yes_ask previous_yes_ask_dollars previous_price previous_price_dollars liquidity
    liquidity_dollars expiration_value category risk_limit_cents tick_size rules_primary
    rules_secondary price_level_structure price_ranges"""
)
MARKET_CURRENT = _fields(
    """ticker event_ticker market_type title subtitle yes_sub_title no_sub_title created_time
    open_time close_time expiration_time latest_expiration_time settlement_timer_seconds status
    yes_bid_dollars yes_ask_dollars no_bid_dollars no_ask_dollars last_price_dollars result
    can_close_early notional_value_dollars previous_yes_bid_dollars previous_yes_ask_dollars
    previous_price_dollars liquidity_dollars expiration_value rules_primary
    rules_secondary price_level_structure price_ranges updated_time volume_fp volume_24h_fp
    open_interest_fp yes_bid_size_fp yes_ask_size_fp exchange_index"""
)
MARKET_REMOVED = _fields(
    """yes_bid yes_ask no_bid no_ask last_price volume volume_24h open_interest previous_yes_bid
    previous_yes_ask previous_price notional_value liquidity response_price_units tick_size
    category risk_limit_cents"""
)
ORDER_SDK = _fields(
    """order_id user_id client_order_id ticker side action type status yes_price no_price
    yes_price_dollars no_price_dollars fill_count remaining_count initial_count taker_fees
    maker_fees taker_fill_cost maker_fill_cost taker_fill_cost_dollars maker_fill_cost_dollars
    queue_position"""
)
ORDER_CURRENT = _fields(
    """order_id user_id client_order_id ticker outcome_side book_side type status
    yes_price_dollars no_price_dollars fill_count_fp remaining_count_fp initial_count_fp
    taker_fees_dollars maker_fees_dollars taker_fill_cost_dollars maker_fill_cost_dollars"""
)
FILL_SDK = _fields(
    """fill_id trade_id order_id ticker market_ticker side action count price yes_price
    no_price yes_price_fixed no_price_fixed is_taker"""
)
FILL_CURRENT = _fields(
    """fill_id trade_id order_id ticker market_ticker count_fp yes_price_dollars
    no_price_dollars is_taker fee_cost outcome_side book_side created_time"""
)
TRADE_SDK = _fields(
    "trade_id ticker price count yes_price no_price yes_price_dollars no_price_dollars taker_side"
)
TRADE_CURRENT = _fields(
    """trade_id ticker count_fp yes_price_dollars no_price_dollars taker_outcome_side
    taker_book_side is_block_trade created_time"""
)
POSITION_SDK = _fields(
    """ticker total_traded total_traded_dollars position market_exposure market_exposure_dollars
    realized_pnl realized_pnl_dollars resting_orders_count fees_paid fees_paid_dollars"""
)
POSITION_CURRENT = _fields(
    """ticker exchange_index total_traded_dollars position_fp market_exposure_dollars
    realized_pnl_dollars fees_paid_dollars last_updated_ts"""
)
EVENT_POSITION_SDK = _fields(
    """event_ticker total_cost total_cost_dollars total_cost_shares event_exposure
    event_exposure_dollars realized_pnl realized_pnl_dollars fees_paid fees_paid_dollars"""
)
EVENT_POSITION_CURRENT = _fields(
    """event_ticker total_cost_dollars total_cost_shares_fp event_exposure_dollars
    realized_pnl_dollars fees_paid_dollars"""
)
SETTLEMENT_SDK = _fields(
    """ticker event_ticker market_result yes_count yes_total_cost no_count no_total_cost revenue
    settled_time fee_cost"""
)
SETTLEMENT_CURRENT = _fields(
    """ticker event_ticker market_result yes_count_fp no_count_fp yes_total_cost_dollars
    no_total_cost_dollars revenue settled_time fee_cost"""
)
EVENT_SDK = _fields(
    """event_ticker series_ticker sub_title title collateral_return_type mutually_exclusive
    category available_on_brokers product_metadata"""
)
SERIES_SDK = _fields(
    """ticker frequency title category tags settlement_sources contract_url contract_terms_url
    fee_type fee_multiplier additional_prohibitions"""
)
CANDLE_SDK = _fields("end_period_ts yes_bid yes_ask price volume open_interest")
CANDLE_CURRENT = _fields("end_period_ts yes_bid yes_ask price volume_fp open_interest_fp")
OHLC_SDK = _fields("open open_dollars low low_dollars high high_dollars close close_dollars")

SDK_MARKET_STATUSES = {"initialized", "active", "closed", "settled", "determined"}
PRICE_KEYS = re.compile(
    r"^(yes|no)_(bid|ask|price)_dollars$|^last_price_dollars$|^previous_.*_dollars$"
    r"|^(open|low|high|close|mean|previous)_dollars$|^average_fill_price$"
)


def walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document."""
    if isinstance(value, dict):
        for name, child in value.items():
            yield name, child
            yield from walk(child, name)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child, key)


def check_formats(document: Any) -> None:
    """`_dollars` strings, `_fp` strings and `*_time` strings have their exact formats."""
    for key, value in walk(document):
        if not isinstance(value, str):
            continue
        if PRICE_KEYS.match(key):
            assert re.match(PRICE_RE, value), (key, value)
        elif key.endswith(("_dollars", "_fixed")) or key in ("fee_cost", "average_fee_paid"):
            assert re.match(MONEY_RE, value), (key, value)
        elif key.endswith("_fp"):
            assert re.match(COUNT_RE, value), (key, value)
        elif key.endswith("_time") or key in ("last_updated_ts", "as_of_time"):
            assert re.match(TIME_RE, value), (key, value)


def check_object(obj: dict[str, Any], profile: str, sdk: set[str], current: set[str]) -> None:
    if profile in ("legacy", "compat"):
        assert not sdk - set(obj), sorted(sdk - set(obj))
    if profile in ("current", "compat"):
        assert not current - set(obj), sorted(current - set(obj))
    if profile == "legacy":
        assert not {key for key in obj if key.endswith("_fp")}, obj
    check_formats(obj)


class Scene:
    """A venue with one settled market (fills, positions, settlement) and one open one."""

    def __init__(self, exchange: RunningExchange, ours: httpx.Client, theirs: httpx.Client):
        self.exchange = exchange
        self.client = ours
        markets = ours.get("/markets", params={"status": "open", "limit": 2}).json()["markets"]
        self.settled, self.open = markets[0]["ticker"], markets[1]["ticker"]
        for ticker in (self.settled, self.open):
            self.order(theirs, ticker, "no", 57, 10)
            self.order(ours, ticker, "yes", 50, 4)
            self.order(ours, ticker, "yes", 30, 2)
        group = ours.post("/portfolio/order_groups/create", json={"contracts_limit": 5})
        assert group.status_code == 201
        with exchange.engine() as engine:
            now = exchange.now_ms()
            engine.close_market(self.settled, now)
            engine.determine_market(self.settled, "yes", now)
            engine.settle_market(self.settled, now)

    def order(self, client: httpx.Client, ticker: str, side: str, cents: int, count: int) -> None:
        if self.exchange.profile == "legacy":
            body = v1_order(ticker, side=side, count=count, yes_price=None)
            body["yes_price" if side == "yes" else "no_price"] = cents
            response = client.post("/portfolio/orders", json=body)
        else:
            yes_price = cents if side == "yes" else 100 - cents
            body = v2_order(
                ticker,
                side="bid" if side == "yes" else "ask",
                price=f"0.{yes_price:02d}00",
                count=f"{count}.00",
            )
            response = client.post("/portfolio/events/orders", json=body)
        assert response.status_code == 201, response.text


PROFILES = ["legacy", "compat", "current"]


@pytest.fixture(params=PROFILES)
def scene(
    request: pytest.FixtureRequest,
    start: StartExchange,
    key_pair: KeyPair,
    other_key_pair: KeyPair,
) -> Iterator[Scene]:
    exchange = start(profile=request.param)
    with (
        httpx.Client(base_url=exchange.base_url, auth=KalshiAuth(KEY_ID, key_pair[0])) as ours,
        httpx.Client(
            base_url=exchange.base_url, auth=KalshiAuth(OTHER_KEY_ID, other_key_pair[0])
        ) as theirs,
    ):
        yield Scene(exchange, ours, theirs)


def test_market_shapes(scene: Scene) -> None:
    profile = scene.exchange.profile
    body = scene.client.get("/markets", params={"limit": 1000}).json()
    assert body["cursor"] == ""
    for market in body["markets"]:
        check_object(market, profile, MARKET_SDK, MARKET_CURRENT)
        if profile == "current":
            assert not MARKET_REMOVED & set(market)
        else:
            assert market["status"] in SDK_MARKET_STATUSES
            assert market["result"] in ("yes", "no", "")
            for key in ("yes_bid", "volume", "open_interest", "tick_size", "notional_value"):
                assert type(market[key]) is int
        for band in market["price_ranges"]:
            assert all(re.match(PRICE_RE, band[k]) for k in ("start", "end", "step"))
    settled = scene.client.get(f"/markets/{scene.settled}").json()["market"]
    assert settled["status"] == ("finalized" if profile == "current" else "settled")
    check_object(settled, profile, MARKET_SDK, MARKET_CURRENT)


def test_book_shapes(scene: Scene) -> None:
    profile = scene.exchange.profile
    book = scene.client.get(f"/markets/{scene.open}/orderbook").json()
    if profile == "current":
        assert set(book) == {"orderbook_fp"}
    else:
        legacy = book["orderbook"]
        assert {"yes", "no", "yes_dollars", "no_dollars"} <= set(legacy)
        assert legacy["yes"][-1] == [30, 2]
        assert all(isinstance(p, str) and isinstance(c, str) for p, c in legacy["yes_dollars"])
    if profile != "legacy":
        assert book["orderbook_fp"]["yes_dollars"][-1] == ["0.3000", "2.00"]
    else:
        assert "orderbook_fp" not in book
    check_formats(book)
    for level in [*book.get("orderbook_fp", book.get("orderbook", {}))["yes_dollars"]]:
        assert re.match(PRICE_RE, level[0])
        assert re.match(COUNT_RE, level[1])


def test_portfolio_shapes(scene: Scene) -> None:
    profile = scene.exchange.profile
    client = scene.client
    orders = client.get("/portfolio/orders").json()
    assert orders["cursor"] == ""
    assert len(orders["orders"]) == 4
    for order in orders["orders"]:
        check_object(order, profile, ORDER_SDK, ORDER_CURRENT)
    fills = client.get("/portfolio/fills").json()
    assert fills["fills"]
    for fill in fills["fills"]:
        check_object(fill, profile, FILL_SDK, FILL_CURRENT)
    positions = client.get("/portfolio/positions").json()
    assert positions["market_positions"]
    for row in positions["market_positions"]:
        check_object(row, profile, POSITION_SDK, POSITION_CURRENT)
    for row in positions["event_positions"]:
        check_object(row, profile, EVENT_POSITION_SDK, EVENT_POSITION_CURRENT)
    settlements = client.get("/portfolio/settlements").json()["settlements"]
    assert [row["ticker"] for row in settlements] == [scene.settled]
    for row in settlements:
        check_object(row, profile, SETTLEMENT_SDK, SETTLEMENT_CURRENT)
        assert type(row["revenue"]) is int
    balance = client.get("/portfolio/balance").json()
    assert {"balance", "portfolio_value", "updated_ts"} <= set(balance)
    assert all(type(balance[k]) is int for k in ("balance", "portfolio_value", "updated_ts"))
    if profile != "legacy":
        assert re.match(MONEY_RE, balance["balance_dollars"])
    groups = client.get("/portfolio/order_groups").json()["order_groups"]
    assert {"id", "is_auto_cancel_enabled"} <= set(groups[0])
    detail = client.get(f"/portfolio/order_groups/{groups[0]['id']}").json()
    assert {"is_auto_cancel_enabled", "orders"} <= set(detail)


def test_public_shapes(scene: Scene) -> None:
    profile = scene.exchange.profile
    client = scene.client
    trades = client.get("/markets/trades", params={"ticker": scene.open}).json()
    assert trades["trades"]
    for trade in trades["trades"]:
        check_object(trade, profile, TRADE_SDK, TRADE_CURRENT)
    events = client.get("/events", params={"with_nested_markets": "true"}).json()
    assert events["cursor"] == ""
    for event in events["events"]:
        check_object(event, profile, EVENT_SDK, EVENT_SDK)
        for market in event["markets"]:
            check_object(market, profile, MARKET_SDK, MARKET_CURRENT)
    for series in client.get("/series").json()["series"]:
        check_object(series, profile, SERIES_SDK, SERIES_SDK)
        assert isinstance(series["fee_multiplier"], int | float)
    status = client.get("/exchange/status").json()
    assert {"exchange_active", "trading_active"} <= set(status)
    market = client.get(f"/markets/{scene.open}").json()["market"]
    series_ticker = client.get(f"/events/{market['event_ticker']}").json()["event"]["series_ticker"]
    now = int(time.time())
    candles = client.get(
        f"/series/{series_ticker}/markets/{scene.open}/candlesticks",
        params={"start_ts": now - 3 * 86400, "end_ts": now, "period_interval": 1440},
    ).json()["candlesticks"]
    assert candles
    for candle in candles:
        check_object(candle, profile, CANDLE_SDK, CANDLE_CURRENT)
        if profile != "current":
            assert not OHLC_SDK - set(candle["yes_bid"])
            assert not OHLC_SDK - set(candle["yes_ask"])


def test_generation_routes(scene: Scene) -> None:
    profile = scene.exchange.profile
    client = scene.client
    v1 = client.post("/portfolio/orders", json=v1_order(scene.open, yes_price=10))
    v2 = client.post("/portfolio/events/orders", json=v2_order(scene.open, price="0.1000"))
    if profile == "current":
        assert v1.status_code == 410
        assert error_code(v1) == "deprecated_v1_order_endpoint"
        assert v2.status_code == 201
        check_formats(v2.json())
    elif profile == "legacy":
        assert v1.status_code == 201
        assert v2.status_code == 404
    else:
        assert (v1.status_code, v2.status_code) == (201, 201)
    limits = client.get("/account/limits").json()
    if profile != "current":
        assert {"usage_tier", "read_limit", "write_limit"} <= set(limits)
    if profile != "legacy":
        assert {"usage_tier", "read", "write", "grants"} <= set(limits)
