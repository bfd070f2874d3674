"""Kalshi's own Python SDK (kalshi_python_sync 3.2.0, a pinned test dependency) against the
simulator's legacy and compat profiles.

The SDK validates every response with strict pydantic models (StrictInt cents, required
fields, enum validators) and signs requests with its own RSA-PSS code, so driving it through
every essential endpoint is the sharpest proof that a client written for real Kalshi works
against the simulator unchanged. V1 order mutations only: the SDK predates the V2 routes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import KeyPair, StartExchange
from cryptography.hazmat.primitives import serialization
from sim_http_kit import KEY_ID, OTHER_KEY_ID, PRICE_RE

from kalshi_tui.exchange.server import RunningExchange

sdk = pytest.importorskip("kalshi_python_sync")


def _client(exchange: RunningExchange, key_id: str, key_pair: KeyPair) -> Any:
    pem = key_pair[0].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    configuration = sdk.Configuration(host=exchange.base_url)
    configuration.api_key_id = key_id
    configuration.private_key_pem = pem.decode()
    return sdk.KalshiClient(configuration)


def _all_pages(fetch: Callable[..., Any], field: str, **params: Any) -> list[Any]:
    """Follow the cursor until the simulator says `""`, as an SDK user would."""
    items: list[Any] = []
    cursor = None
    for _ in range(100):
        page = fetch(cursor=cursor, **params)
        items.extend(getattr(page, field))
        if not page.cursor:
            return items
        cursor = page.cursor
    raise AssertionError("pagination never ended")


@pytest.fixture(params=["legacy", "compat"])
def venue(
    request: pytest.FixtureRequest,
    start: StartExchange,
    key_pair: KeyPair,
    other_key_pair: KeyPair,
) -> tuple[RunningExchange, Any, Any]:
    exchange = start(profile=request.param)
    return (
        exchange,
        _client(exchange, KEY_ID, key_pair),
        _client(exchange, OTHER_KEY_ID, other_key_pair),
    )


def test_market_data(venue: tuple[RunningExchange, Any, Any]) -> None:
    exchange, client, _ = venue
    status = client.get_exchange_status()
    assert (status.exchange_active, status.trading_active) == (True, True)
    schedule = client.get_exchange_schedule().schedule
    assert schedule.standard_hours
    assert client.get_user_data_timestamp().as_of_time.tzinfo is not None

    with exchange.engine() as engine:
        expected = [m.ticker for m in engine.list_markets()]
        open_count = len(engine.list_markets(status="open"))
    markets = _all_pages(client.get_markets, "markets", limit=7)
    assert [m.ticker for m in markets] == expected  # every market once, catalogue order
    open_markets = _all_pages(client.get_markets, "markets", limit=4, status="open")
    assert len(open_markets) == open_count
    assert {m.status for m in open_markets} == {"active"}
    market = open_markets[0]
    assert client.get_market(market.ticker).market.ticker == market.ticker
    assert re.fullmatch(PRICE_RE, market.yes_bid_dollars)
    assert re.fullmatch(PRICE_RE, market.last_price_dollars)
    event = client.get_event(market.event_ticker, with_nested_markets=True).event
    assert market.ticker in [m.ticker for m in event.markets]
    events = _all_pages(client.get_events, "events", limit=3)
    assert market.event_ticker in {e.event_ticker for e in events}
    assert len({e.event_ticker for e in events}) == len(events)
    nested = client.get_events(limit=2, with_nested_markets=True).events
    assert all(e.markets for e in nested)
    series = client.get_series(event.series_ticker).series
    assert series.ticker == event.series_ticker
    assert series.fee_type in ("quadratic", "quadratic_with_maker_fees")
    assert event.series_ticker in {s.ticker for s in client.get_series_list().series}

    # The market's trade tape (its seeded past), page by page through the SDK's Trade model.
    with exchange.engine() as engine:
        tape = [t.trade_id for t in engine.list_trades(ticker=market.ticker)]
    trades = _all_pages(client.get_trades, "trades", ticker=market.ticker, limit=25)
    assert [t.trade_id for t in trades] == tape
    assert all(t.yes_price + t.no_price == 100 for t in trades)

    book = client.get_market_orderbook(market.ticker).orderbook
    assert book.yes_dollars == []  # no agents in these tests: the book starts empty
    now_s = int(time.time())
    candles = client.get_market_candlesticks(
        event.series_ticker, market.ticker, now_s - 86_400, now_s, 60
    )
    assert candles.ticker == market.ticker
    assert candles.candlesticks  # the seeded past


def test_orders_fills_positions(venue: tuple[RunningExchange, Any, Any]) -> None:
    exchange, client, counterparty = venue
    ticker = client.get_markets(limit=1, status="open").markets[0].ticker
    assert client.get_balance().balance == 1_000_000

    created = client.create_order(
        ticker=ticker,
        side="yes",
        action="buy",
        count=3,
        yes_price=41,
        client_order_id="sdk-order-1",
        type="limit",
    ).order
    assert created.status.value == "resting"
    assert (created.yes_price, created.no_price, created.remaining_count) == (41, 59, 3)
    book = client.get_market_orderbook(ticker).orderbook
    assert book.yes_dollars[-1] == ["0.4100", "3.00"]
    orders = client.get_orders(status="resting").orders
    assert [order.order_id for order in orders] == [created.order_id]
    fetched = client.get_order(created.order_id).order
    assert fetched.client_order_id == "sdk-order-1"
    assert client.get_order_queue_position(created.order_id).queue_position == 0
    assert client.get_portfolio_resting_order_total_value().total_resting_order_value == 123

    amended = client.amend_order(
        created.order_id,
        ticker=ticker,
        side="yes",
        action="buy",
        client_order_id="sdk-order-1",
        updated_client_order_id="sdk-order-1b",
        yes_price=42,
        count=5,
    )
    assert amended.old_order.yes_price == 41
    assert (amended.order.yes_price, amended.order.remaining_count) == (42, 5)
    decreased = client.decrease_order(amended.order.order_id, reduce_by=1).order
    assert decreased.remaining_count == 4

    # The counterparty sells 4 YES into our bid: we are the maker at 42¢.
    sold = counterparty.create_order(
        ticker=ticker, side="yes", action="sell", count=4, yes_price=42, client_order_id="cp-1"
    ).order
    assert sold.status.value == "executed"
    assert sold.taker_fees == 7  # ceil(0.07 × 4 × 0.42 × 0.58 × 100) = ceil(6.82)
    mine = client.get_order(decreased.order_id).order
    assert mine.status.value == "executed"
    assert (mine.fill_count, mine.maker_fill_cost) == (4, 168)

    fills = client.get_fills().fills
    assert len(fills) == 1
    assert (fills[0].yes_price, fills[0].count, fills[0].is_taker) == (42, 4, False)
    assert fills[0].order_id == decreased.order_id
    assert client.get_fills(order_id="unknown").fills == []
    positions = client.get_positions()
    (position,) = positions.market_positions
    assert (position.ticker, position.position, position.market_exposure) == (ticker, 4, 168)
    assert position.fees_paid == mine.maker_fees
    assert positions.event_positions[0].event_exposure == 168
    balance = client.get_balance()
    assert balance.balance == 1_000_000 - 168 - mine.maker_fees
    trades = client.get_trades(ticker=ticker, limit=1)
    assert (trades.trades[0].yes_price, trades.trades[0].count) == (42, 4)
    assert trades.trades[0].taker_side == "no"
    assert len(_all_pages(client.get_trades, "trades", limit=50)) >= 1

    # Batch create and cancel.
    batch = client.batch_create_orders(
        orders=[
            {"ticker": ticker, "side": "no", "action": "buy", "count": 2, "no_price": 30},
            # $10,000 cannot pay for 200,000 contracts at 99¢: a per-item error.
            {"ticker": ticker, "side": "yes", "action": "buy", "count": 200_000, "yes_price": 99},
        ]
    ).orders
    assert batch[0].order is not None
    assert batch[0].order.no_price == 30
    assert batch[1].error is not None
    assert batch[1].error.code == "insufficient_balance"
    canceled = client.batch_cancel_orders(ids=[batch[0].order.order_id]).orders
    assert canceled[0].reduced_by == 2
    assert client.get_orders(status="resting").orders == []

    # A resting order, cancelled singly.
    resting = client.create_order(
        ticker=ticker, side="no", action="buy", count=2, no_price=20, client_order_id="sdk-2"
    ).order
    result = client.cancel_order(resting.order_id)
    assert result.reduced_by == 2
    assert result.order.status.value == "canceled"
    assert {o.order_id for o in client.get_orders(status="canceled").orders} >= {resting.order_id}

    # Settlement: close, determine YES, settle; the SDK reads the settlement row.
    with exchange.engine() as engine:
        now = exchange.now_ms()
        engine.close_market(ticker, now)
        engine.determine_market(ticker, "yes", now + 1)
        engine.settle_market(ticker, now + 2)
    assert client.get_market(ticker).market.status == "settled"
    (settlement,) = client.get_settlements().settlements
    assert settlement.ticker == ticker
    assert settlement.market_result == "yes"
    assert (settlement.yes_count, settlement.yes_total_cost, settlement.revenue) == (4, 168, 400)
    assert settlement.value == 100
    assert client.get_balance().balance == 1_000_000 - 168 - mine.maker_fees + 400
    assert client.get_positions(count_filter="position").market_positions == []


def test_order_groups(venue: tuple[RunningExchange, Any, Any]) -> None:
    _, client, _ = venue
    group_id = client.create_order_group(contracts_limit=5).order_group_id
    ticker = client.get_markets(limit=1, status="open").markets[0].ticker
    order = client.create_order(
        ticker=ticker,
        side="yes",
        action="buy",
        count=2,
        yes_price=10,
        order_group_id=group_id,
        client_order_id="grp-1",
    ).order
    group = client.get_order_group(group_id)
    assert group.orders == [order.order_id]
    assert group_id in {g.id for g in client.get_order_groups().order_groups}
    client.reset_order_group(group_id)
    client.delete_order_group(group_id)
    assert client.get_order(order.order_id).order.status.value == "canceled"


def test_errors_are_sdk_exceptions(venue: tuple[RunningExchange, Any, Any]) -> None:
    _, client, _ = venue
    with pytest.raises(sdk.NotFoundException):
        client.get_market("NO-SUCH-MARKET")
    ticker = client.get_markets(limit=1, status="open").markets[0].ticker
    order = {"ticker": ticker, "side": "yes", "action": "buy", "count": 1, "yes_price": 10}
    client.create_order(client_order_id="dup", **order)
    with pytest.raises(sdk.ConflictException) as raised:
        client.create_order(client_order_id="dup", **order)
    assert "order_already_exists" in str(raised.value.body)
    with pytest.raises(sdk.BadRequestException) as raised:
        client.create_order(client_order_id="too-big", **{**order, "count": 200_000})
    assert "insufficient_balance" in str(raised.value.body)


def test_every_lifecycle_state_parses(venue: tuple[RunningExchange, Any, Any]) -> None:
    """Paused, closed, determined and void-settled markets stay inside the SDK's enums."""
    exchange, client, counterparty = venue
    paused, voided = (m.ticker for m in client.get_markets(limit=2, status="open").markets)
    counterparty.create_order(
        ticker=voided, side="no", action="buy", count=2, no_price=70, client_order_id="cp-v"
    )
    client.create_order(
        ticker=voided, side="yes", action="buy", count=2, yes_price=30, client_order_id="me-v"
    )
    before = client.get_balance().balance
    with exchange.engine() as engine:
        now = exchange.now_ms()
        engine.pause_market(paused, now)
        engine.close_market(voided, now)
    # SDK 3.2.0 has no "inactive": a paused market reads as active, and refuses orders.
    assert client.get_market(paused).market.status == "active"
    with pytest.raises(sdk.BadRequestException) as raised:
        client.create_order(
            ticker=paused, side="yes", action="buy", count=1, yes_price=5, client_order_id="p"
        )
    assert "market_inactive" in str(raised.value.body)
    assert client.get_market(voided).market.status == "closed"
    with exchange.engine() as engine:
        engine.determine_market(voided, "void", now + 1)
    assert client.get_market(voided).market.status == "determined"
    with exchange.engine() as engine:
        engine.settle_market(voided, now + 2)
    market = client.get_market(voided).market
    assert (market.status, market.result) == ("settled", "")
    (row,) = client.get_settlements(ticker=voided).settlements
    assert row.market_result == "void"
    assert row.revenue == row.yes_total_cost == 60  # the cost basis comes back
    assert client.get_balance().balance == before + 60
    with exchange.engine() as engine:
        engine.resume_market(paused, now + 3)
    assert client.get_market(paused).market.status == "active"


def test_order_flags_as_the_sdk_sends_them(venue: tuple[RunningExchange, Any, Any]) -> None:
    """Time in force, post-only, buy_max_cost, expiration, reduce-only, sell_position_floor,
    both self-trade-prevention modes and the `_dollars` price field, serialised by the SDK."""
    _, client, counterparty = venue
    ticker = client.get_markets(limit=1, status="open").markets[0].ticker
    base = {"ticker": ticker, "action": "buy", "count": 4}
    counterparty.create_order(side="no", no_price=60, client_order_id="ask-40", **base)

    fok = client.create_order(
        side="yes", yes_price=40, count=5, time_in_force="fill_or_kill", client_order_id="fok",
        ticker=ticker, action="buy",
    ).order  # fmt: skip
    assert (fok.status.value, fok.fill_count) == ("canceled", 0)
    post = client.create_order(
        side="yes", yes_price=40, post_only=True, client_order_id="post", **base
    ).order
    assert (post.status.value, post.fill_count) == ("canceled", 0)
    capped = client.create_order(
        side="yes", yes_price=45, buy_max_cost=100, client_order_id="cap", **base
    ).order
    assert (capped.status.value, capped.fill_count) == ("canceled", 0)  # 4 × 40¢ > $1: FoK
    ioc = client.create_order(
        side="yes",
        yes_price_dollars="0.4000",
        count=6,
        time_in_force="immediate_or_cancel",
        client_order_id="ioc",
        ticker=ticker,
        action="buy",
    ).order
    assert (ioc.status.value, ioc.fill_count, ioc.remaining_count) == ("canceled", 4, 0)

    expires = int(time.time()) + 3600
    resting = client.create_order(
        side="yes", yes_price=10, expiration_ts=expires, client_order_id="gtd", **base
    ).order
    assert resting.expiration_time is not None
    assert abs(resting.expiration_time.timestamp() - expires) < 1
    with pytest.raises(sdk.BadRequestException) as raised:
        client.create_order(
            side="no", action="sell", count=9, no_price=50, reduce_only=True,
            client_order_id="reduce", ticker=ticker,
        )  # fmt: skip
    assert "invalid_order" in str(raised.value.body)  # we hold YES, not NO
    sold = client.create_order(
        side="yes", action="sell", count=2, yes_price=30, sell_position_floor=0,
        client_order_id="floor", ticker=ticker,
    ).order  # fmt: skip
    assert sold.status.value == "resting"  # 30¢ ask against our own 10¢ bid: no cross

    # Self-trade prevention: our ask at 10¢ would hit our own 10¢ bid.
    taker_stp = client.create_order(
        side="yes", action="sell", count=1, yes_price=10, client_order_id="stp-t",
        ticker=ticker, self_trade_prevention_type="taker_at_cross",
    ).order  # fmt: skip
    assert (taker_stp.status.value, taker_stp.fill_count) == ("canceled", 0)
    assert client.get_order(resting.order_id).order.status.value == "resting"
    maker_stp = client.create_order(
        side="yes", action="sell", count=1, yes_price=10, client_order_id="stp-m",
        ticker=ticker, self_trade_prevention_type="maker",
    ).order  # fmt: skip
    assert client.get_order(resting.order_id).order.status.value == "canceled"
    assert maker_stp.status.value == "resting"
    (position,) = client.get_positions(count_filter="position").market_positions
    assert position.position == 4  # only the IOC traded
