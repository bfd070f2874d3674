"""Public market data over loopback: markets, books, trades, events, series, candles."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest
from sim_http_kit import error_code, v1_order

from kalshi_tui.exchange.http.pagination import paginate
from kalshi_tui.exchange.server import RunningExchange


def test_markets_paginate_to_an_empty_cursor(client: httpx.Client) -> None:
    everything = client.get("/markets", params={"limit": 1000}).json()
    assert everything["cursor"] == ""
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/markets", params=params).json()
        seen.extend(market["ticker"] for market in body["markets"])
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            break
    assert pages > 2
    assert seen == [market["ticker"] for market in everything["markets"]]


def test_open_markets_page_in_order_with_the_filter_kept(client: httpx.Client) -> None:
    everything = client.get("/markets", params={"limit": 1000}).json()["markets"]
    series = everything[0]["event_ticker"].split("-")[0]
    open_tickers = [
        m["ticker"]
        for m in everything
        if m["status"] == "active" and m["event_ticker"].startswith(series + "-")
    ]
    assert 3 < len(open_tickers) < len(everything)
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 3, "status": "open", "series_ticker": series}
    while True:
        body = client.get("/markets", params=params).json()
        seen.extend(market["ticker"] for market in body["markets"])
        if not body["cursor"]:
            break
        params["cursor"] = body["cursor"]
    assert seen == open_tickers


def test_a_cursor_resumes_without_rescanning_the_list() -> None:
    items = [f"T{i:05d}" for i in range(50_000)]
    looked_at: list[str] = []

    def key(item: str) -> str:
        looked_at.append(item)
        return item

    first, cursor = paginate(items, 1000, None, key)
    looked_at.clear()
    second, _ = paginate(items, 1000, cursor, key)
    assert second == items[1000:2000]
    assert first == items[:1000]
    # Finding where the page starts looks at the item the cursor names, not the 1,000
    # before it (a scan from the top made paging 50,000 markets quadratic).
    assert len(looked_at) <= 2


@pytest.mark.parametrize("limit", ["1001", "-1", "ten"])
def test_markets_limit_out_of_range(client: httpx.Client, limit: str) -> None:
    response = client.get("/markets", params={"limit": limit})
    assert response.status_code == 400
    assert error_code(response) == "invalid_parameters"


def test_markets_limit_zero_means_the_default(client: httpx.Client) -> None:
    """Kalshi documents `limit` ≥ 0 for markets and trades; 0 takes the default page size."""
    zero = client.get("/markets", params={"limit": 0})
    assert zero.status_code == 200
    assert zero.json() == client.get("/markets").json()
    assert client.get("/markets/trades", params={"limit": 0}).status_code == 200


def test_markets_default_limit_is_100(exchange: RunningExchange, start: object) -> None:
    with httpx.Client(base_url=exchange.base_url) as anonymous:
        body = anonymous.get("/markets").json()
    assert len(body["markets"]) <= 100


@pytest.mark.parametrize("path", ["/markets", "/portfolio/orders", "/portfolio/fills"])
@pytest.mark.parametrize("cursor", ["%%%not-a-cursor", "eyJ4IjoxfQ"])
def test_unknown_cursor_is_an_empty_page(client: httpx.Client, path: str, cursor: str) -> None:
    """Kalshi answers a cursor it never issued with 200 and an empty page."""
    response = client.get(path, params={"cursor": cursor})
    assert response.status_code == 200
    body = response.json()
    assert body["cursor"] == ""
    assert body[path.rsplit("/", 1)[1]] == []


def test_market_filters(client: httpx.Client) -> None:
    markets = client.get("/markets", params={"limit": 1000}).json()["markets"]
    first = markets[0]
    by_event = client.get("/markets", params={"event_ticker": first["event_ticker"]}).json()
    assert by_event["markets"]
    assert {m["event_ticker"] for m in by_event["markets"]} == {first["event_ticker"]}
    series = first["event_ticker"].split("-")[0]
    by_series = client.get("/markets", params={"series_ticker": series}).json()["markets"]
    assert all(m["event_ticker"].startswith(series) for m in by_series)
    pair = [markets[0]["ticker"], markets[-1]["ticker"]]
    by_tickers = client.get("/markets", params={"tickers": ",".join(pair)}).json()["markets"]
    assert sorted(m["ticker"] for m in by_tickers) == sorted(pair)
    open_markets = client.get("/markets", params={"status": "open"}).json()["markets"]
    assert open_markets
    assert all(m["status"] == "active" for m in open_markets)
    assert client.get("/markets", params={"mve_filter": "only"}).json()["markets"] == []
    now = int(time.time())
    closing = client.get("/markets", params={"max_close_ts": now + 10 * 365 * 86400}).json()
    assert len(closing["markets"]) == min(len(markets), 100)
    assert client.get("/markets", params={"min_close_ts": now + 10**9}).json()["markets"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "active"},
        {"status": "open,closed"},
        {"status": "settled", "min_close_ts": "1"},
        {"status": "closed", "min_created_ts": "1"},
        {"mve_filter": "maybe"},
        {"event_ticker": ",".join(f"E{i}" for i in range(11))},
    ],
)
def test_market_filter_errors(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get("/markets", params=params)
    assert response.status_code == 400
    assert error_code(response) == "invalid_parameters"


def test_get_market_and_404(client: httpx.Client, ticker: str) -> None:
    market = client.get(f"/markets/{ticker}").json()["market"]
    assert market["ticker"] == ticker
    response = client.get("/markets/NO-SUCH-MARKET")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_unknown_route_is_a_bare_404(client: httpx.Client) -> None:
    """The router, not the API, answers: no Kalshi error code (docs/WIRE.md)."""
    response = client.get("/no/such/route")
    assert (response.status_code, response.text) == (404, "404 page not found")


def _seed_book(client: httpx.Client, ticker: str) -> None:
    for cents in (30, 35, 38, 40):
        body = v1_order(ticker, yes_price=cents, count=cents - 25)
        assert client.post("/portfolio/orders", json=body).status_code == 201
    for cents in (50, 55):
        body = v1_order(ticker, side="no", no_price=cents, yes_price=None, count=2)
        assert client.post("/portfolio/orders", json=body).status_code == 201


def test_orderbook_ascending_best_last_and_depth(client: httpx.Client, ticker: str) -> None:
    _seed_book(client, ticker)
    book = client.get(f"/markets/{ticker}/orderbook").json()
    assert book["orderbook"]["yes"] == [[30, 5], [35, 10], [38, 13], [40, 15]]
    assert book["orderbook"]["no"] == [[50, 2], [55, 2]]
    assert book["orderbook_fp"]["yes_dollars"][-1] == ["0.4000", "15.00"]
    assert book["orderbook"]["yes_dollars"] == book["orderbook_fp"]["yes_dollars"]
    top = client.get(f"/markets/{ticker}/orderbook", params={"depth": 2}).json()
    assert top["orderbook"]["yes"] == [[38, 13], [40, 15]]
    assert top["orderbook_fp"]["no_dollars"] == [["0.5000", "2.00"], ["0.5500", "2.00"]]
    market = client.get(f"/markets/{ticker}").json()["market"]
    assert market["yes_bid_dollars"] == "0.4000"
    assert market["yes_ask_dollars"] == "0.4500"  # 1 − best NO bid 0.55
    response = client.get(f"/markets/{ticker}/orderbook", params={"depth": "101"})
    assert response.status_code == 400
    # 0 or negative means every level (Kalshi's docs).
    every = client.get(f"/markets/{ticker}/orderbook", params={"depth": "-1"})
    assert every.json() == book


def test_empty_book_and_quotes(client: httpx.Client, ticker: str) -> None:
    book = client.get(f"/markets/{ticker}/orderbook").json()
    assert book["orderbook_fp"] == {"yes_dollars": [], "no_dollars": []}
    market = client.get(f"/markets/{ticker}").json()["market"]
    assert (market["yes_bid_dollars"], market["yes_ask_dollars"]) == ("0.0000", "1.0000")


def test_orderbooks_batch(client: httpx.Client, ticker: str) -> None:
    _seed_book(client, ticker)
    body = client.get("/markets/orderbooks", params={"tickers": ticker}).json()
    assert body["orderbooks"][0]["ticker"] == ticker
    assert body["orderbooks"][0]["orderbook_fp"]["yes_dollars"][-1][0] == "0.4000"
    assert client.get("/markets/orderbooks").status_code == 400
    assert client.get("/markets/orderbooks", params={"tickers": "NOPE"}).status_code == 404


def test_trades_newest_first_and_paginated(
    client: httpx.Client, other: httpx.Client, ticker: str
) -> None:
    _seed_book(client, ticker)
    for _ in range(3):
        taker = v1_order(ticker, side="no", yes_price=None, no_price=60, count=1)
        assert other.post("/portfolio/orders", json=taker).status_code == 201
    trades = client.get("/markets/trades", params={"ticker": ticker, "limit": 1000}).json()
    ours = trades["trades"]
    assert len(ours) >= 3
    stamps = [trade["created_time"] for trade in ours]
    assert stamps == sorted(stamps, reverse=True)
    first_page = client.get("/markets/trades", params={"ticker": ticker, "limit": 2}).json()
    assert len(first_page["trades"]) == 2
    assert first_page["cursor"]
    second = client.get(
        "/markets/trades", params={"ticker": ticker, "limit": 2, "cursor": first_page["cursor"]}
    ).json()
    assert second["trades"][0]["trade_id"] == ours[2]["trade_id"]
    session = client.get("/markets/trades", params={"min_ts": int(time.time()) - 60}).json()
    assert {t["trade_id"] for t in ours[:3]} <= {t["trade_id"] for t in session["trades"]}
    assert client.get("/markets/trades", params={"limit": 1001}).status_code == 400


def test_events_and_event(client: httpx.Client) -> None:
    body = client.get("/events", params={"limit": 2}).json()
    assert len(body["events"]) == 2
    assert body["cursor"]
    assert "markets" not in body["events"][0]
    nested = client.get("/events", params={"limit": 1, "with_nested_markets": "true"}).json()
    event = nested["events"][0]
    assert event["markets"]
    assert all(m["event_ticker"] == event["event_ticker"] for m in event["markets"])
    one = client.get(f"/events/{event['event_ticker']}").json()
    assert one["event"]["event_ticker"] == event["event_ticker"]
    assert [m["ticker"] for m in one["markets"]] == [m["ticker"] for m in event["markets"]]
    assert client.get("/events/NOPE").status_code == 404
    assert client.get("/events", params={"limit": 201}).status_code == 400
    assert client.get("/events", params={"status": "open"}).status_code == 200
    milestones = client.get("/events", params={"with_milestones": "true"}).json()
    assert milestones["milestones"] == []


def test_series(client: httpx.Client) -> None:
    every = client.get("/series").json()["series"]
    assert every
    first = every[0]
    assert client.get(f"/series/{first['ticker']}").json()["series"] == first
    by_category = client.get("/series", params={"category": first["category"]}).json()["series"]
    assert first in by_category
    assert client.get("/series/NOPE").status_code == 404


def test_candlesticks(client: httpx.Client, other: httpx.Client, ticker: str) -> None:
    market = client.get(f"/markets/{ticker}").json()["market"]
    series = client.get(f"/events/{market['event_ticker']}").json()["event"]["series_ticker"]
    now = int(time.time())
    params = {"start_ts": now - 86400, "end_ts": now, "period_interval": 60}
    body = client.get(f"/series/{series}/markets/{ticker}/candlesticks", params=params).json()
    assert body["ticker"] == ticker
    assert body["candlesticks"]
    candle = body["candlesticks"][-1]
    assert {"end_period_ts", "yes_bid", "yes_ask", "price", "volume", "open_interest"} <= set(
        candle
    )
    batch = client.get("/markets/candlesticks", params={"market_tickers": ticker, **params}).json()
    assert batch["markets"][0]["market_ticker"] == ticker
    assert batch["markets"][0]["candlesticks"] == body["candlesticks"]
    wrong_series = client.get(f"/series/NOPE/markets/{ticker}/candlesticks", params=params)
    assert wrong_series.status_code == 404
    bad_period = {**params, "period_interval": 5}
    response = client.get(f"/series/{series}/markets/{ticker}/candlesticks", params=bad_period)
    assert response.status_code == 400
    missing = client.get(f"/series/{series}/markets/{ticker}/candlesticks")
    assert missing.status_code == 400
    assert error_code(missing) == "missing_parameters"


def test_exchange_status_schedule_and_freshness(client: httpx.Client) -> None:
    status = client.get("/exchange/status").json()
    assert status["exchange_active"] is True
    assert status["trading_active"] is True
    schedule = client.get("/exchange/schedule").json()["schedule"]
    assert schedule["maintenance_windows"] == []
    assert schedule["standard_hours"][0]["monday"] == [
        {"open_time": "00:00", "close_time": "23:59"}
    ]
    assert client.get("/exchange/user_data_timestamp").json()["as_of_time"].endswith("Z")


def test_account_limits_and_costs(client: httpx.Client) -> None:
    limits = client.get("/account/limits").json()
    assert limits["usage_tier"] == "basic"
    # Documented: integers; a Basic write bucket holds one second (100 tokens).
    assert limits["write"] == {"refill_rate": 100, "bucket_capacity": 100}
    assert limits["read"] == {"refill_rate": 200, "bucket_capacity": 400}
    assert all(type(value) is int for value in limits["write"].values())
    assert (limits["read_limit"], limits["write_limit"]) == (20, 10)
    costs = client.get("/account/endpoint_costs").json()
    assert costs["default_cost"] == 10
    assert {"method": "GET", "path": "/trade-api/v2/portfolio/orders/{order_id}", "cost": 2} in (
        costs["endpoint_costs"]
    )


def test_candles_without_trades_have_null_prices_and_none_before_the_open(
    client: httpx.Client, ticker: str
) -> None:
    """Issue 15: Kalshi documents a candle's price fields as null when nothing traded; the
    simulator sent an empty object and `previous` 0, and candles from before the market
    existed, which the chart drew as a flat 50¢ history."""
    from kalshi_tui import api
    from kalshi_tui.services import convert

    market = client.get(f"/markets/{ticker}").json()["market"]
    series = client.get(f"/events/{market['event_ticker']}").json()["event"]["series_ticker"]
    now = int(time.time())
    # Minutes ahead of the last trade (no agents run here): nothing traded in them.
    params = {"start_ts": now + 60, "end_ts": now + 600, "period_interval": 1}
    path = f"/series/{series}/markets/{ticker}/candlesticks"
    candles = client.get(path, params=params).json()["candlesticks"]
    assert candles
    for candle in candles:
        price = candle["price"]
        for name in ("open", "low", "high", "close", "mean"):
            assert price[f"{name}_dollars"] is None, (name, price)
        parsed = api.Candlestick.model_validate(candle)
        assert (parsed.price.open, parsed.price.close, parsed.price.mean) == (None, None, None)
        assert parsed.volume == 0
    # The client keeps None for the chart: no quote mid stands in for a trade.
    parsed_all = tuple(api.Candlestick.model_validate(c) for c in candles)
    history = convert.price_history(ticker, 1, parsed_all)
    assert all(point.price is None for point in history.points)
    # Asked for 120 days of daily candles, a market gets none before it opened.
    opened = int(datetime.fromisoformat(market["open_time"].replace("Z", "+00:00")).timestamp())
    long = {"start_ts": opened - 120 * 86400, "end_ts": now, "period_interval": 1440}
    daily = client.get(path, params=long).json()["candlesticks"]
    assert daily
    assert daily[0]["end_period_ts"] - 86400 < opened <= daily[0]["end_period_ts"]
