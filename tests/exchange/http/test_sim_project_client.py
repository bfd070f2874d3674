"""The project's own client (`kalshi_tui.api.KalshiClient`) against the simulator over
loopback: every endpoint it wraps, in each wire profile and order-route generation, pagination
across pages, and each error path mapped to its exception."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, OTHER_KEY_ID, KalshiAuth

from kalshi_tui import api
from kalshi_tui.exchange.server import RunningExchange

D = Decimal
FAST = api.RateLimits.for_tier("prime")


def _order(ticker: str, coid: str, **overrides: Any) -> api.OrderRequest:
    fields: dict[str, Any] = {
        "ticker": ticker,
        "side": "yes",
        "action": "buy",
        "count": D("5"),
        "price": D("0.40"),
        "client_order_id": coid,
    }
    fields.update(overrides)
    return api.OrderRequest(**fields)


ClientFactory = Callable[..., api.KalshiClient]


@pytest.fixture
async def make_client(key_pair: KeyPair, other_key_pair: KeyPair) -> AsyncIterator[ClientFactory]:
    made: list[api.KalshiClient] = []

    def make(exchange: RunningExchange, *, other: bool = False, **options: Any) -> api.KalshiClient:
        key_id, pair = (OTHER_KEY_ID, other_key_pair) if other else (KEY_ID, key_pair)
        options.setdefault("rate_limits", FAST)
        client = api.KalshiClient(exchange.base_url, api.KalshiAuth(key_id, pair[0]), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.mark.parametrize(
    ("profile", "order_api"),
    [("compat", "auto"), ("current", "auto"), ("legacy", "auto"), ("compat", "v1")],
)
async def test_every_endpoint(
    start: StartExchange, make_client: ClientFactory, profile: str, order_api: str
) -> None:
    exchange = start(profile=profile)
    client = make_client(exchange, order_api=order_api)
    them = make_client(exchange, other=True, order_api=order_api)

    status = await client.get_exchange_status()
    assert status.trading_active is True
    assert (await client.get_exchange_schedule()).standard_hours
    markets = await client.get_all_markets(limit=7)  # five pages
    with exchange.engine() as engine:
        assert [m.ticker for m in markets] == engine.market_tickers()
    market = (await client.get_markets(status="open", limit=1)).markets[0]
    ticker = market.ticker
    assert (await client.get_market(ticker)).ticker == ticker
    event = await client.get_event(market.event_ticker)
    assert ticker in {m.ticker for m in event.markets}
    assert (await client.get_series(event.series_ticker)).ticker == event.series_ticker
    assert event.series_ticker in {s.ticker for s in await client.list_series()}
    assert (await client.get_events(limit=3)).cursor
    balance = await client.get_balance()
    assert balance.balance == D("10000")

    # Resting, amended, decreased; then partly filled by the counterparty.
    ack = await client.create_order(_order(ticker, "c-1"))
    assert (ack.fill_count, ack.remaining_count) == (0, 5)
    book = await client.get_orderbook(ticker)
    assert book.yes[-1].price == D("0.40")
    amended = await client.amend_order(
        api.AmendRequest(
            order_id=ack.order_id,
            ticker=ticker,
            side="yes",
            action="buy",
            price=D("0.42"),
            count=D("8"),
            client_order_id="c-1",
            updated_client_order_id="c-1b",
        )
    )
    assert (amended.order_id, amended.remaining_count) == (ack.order_id, 8)
    reduced = await client.decrease_order(ack.order_id, reduce_by=D("2"))
    assert reduced.order_id == ack.order_id
    sold = await them.create_order(_order(ticker, "t-1", action="sell", price=D("0.42")))
    assert sold.fill_count == 5
    order = await client.get_order(ack.order_id)
    assert (order.fill_count, order.remaining_count, order.yes_price) == (5, 1, D("0.42"))
    assert order.maker_fill_cost == D("2.10")
    found = await client.find_order_by_client_id("c-1b", ticker=ticker)
    assert found is not None
    assert found.order_id == ack.order_id

    (fill,) = await client.get_all_fills()
    assert (fill.count, fill.yes_price, fill.is_taker) == (5, D("0.42"), False)
    positions = await client.get_all_positions()
    (position,) = positions.market_positions
    assert (position.ticker, position.position, position.market_exposure) == (ticker, 5, D("2.10"))
    trades = await client.get_trades(ticker=ticker, limit=1)
    assert trades.trades[0].count == 5
    now = exchange.now_ms() // 1000
    candles = await client.get_candlesticks(
        event.series_ticker, ticker, start_ts=now - 3600, end_ts=now, period_interval=1
    )
    assert candles

    # Batch cancel, cancel-all, single cancel, order groups.
    more = [await client.create_order(_order(ticker, f"b-{n}", price=D("0.10"))) for n in range(3)]
    items = await client.batch_cancel_orders([more[0].order_id, "no-such-order"])
    assert [item.order_id for item in items] == [more[0].order_id, "no-such-order"]
    assert items[1].error is not None
    cancel = await client.cancel_order(more[1].order_id)
    assert cancel.reduced_by == 5
    remaining = await client.cancel_all_orders(ticker=ticker)
    assert set(remaining.order_ids) == {more[2].order_id, ack.order_id}
    assert (await client.get_orders(status="resting")).orders == ()
    group_id = await client.create_order_group(D("10"))
    assert group_id in {g.id for g in await client.get_order_groups()}
    assert (await client.get_order_group(group_id)).id == group_id
    await client.reset_order_group(group_id)
    await client.delete_order_group(group_id)

    with exchange.engine() as engine:
        at = exchange.now_ms()
        engine.close_market(ticker, at)
        engine.determine_market(ticker, "yes", at + 1)
        engine.settle_market(ticker, at + 2)
    (settlement,) = await client.get_all_settlements()
    assert (settlement.market_result, settlement.yes_count, settlement.revenue) == (
        "yes",
        5,
        D("5.00"),
    )


async def test_error_paths_map_to_exceptions(
    start: StartExchange, make_client: ClientFactory
) -> None:
    exchange = start(open_order_limit=3)
    client = make_client(exchange)
    ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker

    with pytest.raises(api.NotFound):
        await client.get_market("NOPE")
    with pytest.raises(api.NotFound):
        await client.cancel_order("no-such-order")
    await client.create_order(_order(ticker, "dup"))
    with pytest.raises(api.OrderAlreadyExists):
        await client.create_order(_order(ticker, "dup"))
    with pytest.raises(api.InvalidPrice):
        await client.create_order(_order(ticker, "grid", price=D("0.405")))
    with pytest.raises(api.InsufficientBalance):
        await client.create_order(_order(ticker, "rich", count=D("100000"), price=D("0.90")))
    await client.create_order(_order(ticker, "two"))
    await client.create_order(_order(ticker, "three"))
    with pytest.raises(api.OrderRejected) as rejected:
        await client.create_order(_order(ticker, "four"))
    assert rejected.value.code == "max_open_orders_exceeded"
    await client.cancel_all_orders()

    with exchange.engine() as engine:
        engine.pause_market(ticker, exchange.now_ms())
    with pytest.raises(api.MarketInactive):
        await client.create_order(_order(ticker, "paused-market"))
    with exchange.engine() as engine:
        engine.resume_market(ticker, exchange.now_ms())

    exchange.faults.configure("paused")
    with pytest.raises(api.TradingPaused):
        await client.create_order(_order(ticker, "paused"))
    exchange.faults.configure("write_rate_limit=1")
    with pytest.raises(api.RateLimited):
        await client.create_order(_order(ticker, "limited"))
    # A 5xx or a dropped reply leaves a write's outcome unknown to the client; the
    # simulator refused the first (5xx before anything) and applied the second.
    exchange.faults.configure("write_error=1,error_status=503")
    with pytest.raises(api.AmbiguousWriteError) as unknown:
        await client.create_order(_order(ticker, "down"))
    assert isinstance(unknown.value.cause, api.ExchangeUnavailable)
    exchange.faults.configure("drop_response=1")
    with pytest.raises(api.AmbiguousWriteError):
        await client.create_order(_order(ticker, "lost"))
    exchange.faults.configure()
    assert await client.find_order_by_client_id("down", ticker=ticker) is None
    assert await client.find_order_by_client_id("lost", ticker=ticker) is not None

    # Reads: a 5xx is retried (and here then succeeds); without retries it surfaces.
    exchange.faults.configure("read_error=1,error_status=502")
    once = make_client(exchange, max_read_retries=0)
    with pytest.raises(api.ExchangeUnavailable):
        await once.get_balance()
    exchange.faults.configure("read_error=0.5,seed=3")
    retrying = make_client(exchange, sleep=_no_sleep)
    assert (await retrying.get_balance()).balance > 0
    exchange.faults.configure()


async def _no_sleep(seconds: float) -> None:
    """Retries without waiting out the backoff."""


async def test_signature_failures(
    start: StartExchange, make_client: ClientFactory, key_pair: KeyPair
) -> None:
    exchange = start()
    stranger = api.KalshiClient(
        exchange.base_url, api.KalshiAuth("unknown-key", key_pair[0]), rate_limits=FAST
    )
    try:
        with pytest.raises(api.AuthenticationError):
            await stranger.get_balance()
    finally:
        await stranger.aclose()
    skewed = api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, key_pair[0], clock=lambda: time.time() - 120),
        rate_limits=FAST,
    )
    try:
        with pytest.raises(api.ClockSkewError) as raised:
            await skewed.get_balance()
        assert raised.value.code == "header_timestamp_expired"
    finally:
        await skewed.aclose()
    exchange.faults.configure("clock_shift_s=300")  # now the server's clock is off
    with pytest.raises(api.ClockSkewError):
        await make_client(exchange).get_balance()


async def test_current_profile_refuses_v1_orders(
    start: StartExchange, make_client: ClientFactory
) -> None:
    exchange = start(profile="current")
    forced_v1 = make_client(exchange, order_api="v1")
    ticker = (await forced_v1.get_markets(status="open", limit=1)).markets[0].ticker
    with pytest.raises(api.DeprecatedEndpoint):
        await forced_v1.create_order(_order(ticker, "v1"))
    legacy = start(profile="legacy")
    auto = make_client(legacy)  # V2 is missing there: auto mode falls back to V1
    ticker = (await auto.get_markets(status="open", limit=1)).markets[0].ticker
    assert (await auto.create_order(_order(ticker, "fallback"))).remaining_count == 5


def test_a_route_the_profile_lacks_is_a_bare_404(start: StartExchange, key_pair: KeyPair) -> None:
    """Unlike `not_found` for an unknown order, a missing route carries no Kalshi error code:
    that difference is what lets a client fall back from V2 to V1."""
    legacy = start(profile="legacy")
    with httpx.Client(base_url=legacy.base_url, auth=KalshiAuth(KEY_ID, key_pair[0])) as raw:
        missing = raw.post("/portfolio/events/orders", json={})
        assert (missing.status_code, missing.text) == (404, "404 page not found")
        assert missing.headers["content-type"].startswith("text/plain")
        unknown_order = raw.delete("/portfolio/orders/no-such-order")
        assert unknown_order.json()["error"]["code"] == "not_found"
        assert raw.get("/no/such/route").text == "404 page not found"
        assert (raw.delete("/markets").status_code, raw.delete("/markets").text) == (
            405,
            "405 method not allowed",
        )
