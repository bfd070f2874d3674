"""Public market data: markets, books, trades, candlesticks, events, series."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tui.exchange.engine import MarketStamp, MarketView
from kalshi_tui.exchange.http import wire_market as wire
from kalshi_tui.exchange.http.context import sim
from kalshi_tui.exchange.http.errors import invalid_parameters, missing_parameters, not_found
from kalshi_tui.exchange.http.pagination import paginate
from kalshi_tui.exchange.http.params import (
    bool_param,
    choice_param,
    int_param,
    limit_param,
    list_param,
)
from kalshi_tui.exchange.http.replies import reply, seconds_to_ms

_MARKET_STATUSES = ("unopened", "open", "paused", "closed", "settled")
_CANDLE_PERIODS = (1, 60, 1440)


def _time_filters(request: Request, status: str | None) -> list[tuple[str, int | None, int | None]]:
    """The min/max *_ts pairs of GET /markets, each allowed only with matching statuses."""
    query = request.query_params
    allowed = {
        "created": (None, "unopened", "open"),
        "close": (None, "closed"),
        "settled": (None, "settled"),
    }
    filters = []
    for name, statuses in allowed.items():
        low = seconds_to_ms(query, f"min_{name}_ts")
        high = seconds_to_ms(query, f"max_{name}_ts")
        if low is None and high is None:
            continue
        if status not in statuses:
            raise invalid_parameters(f"min/max_{name}_ts cannot be combined with status={status}")
        filters.append((name, low, high))
    return filters


def _market_time(view: MarketStamp, name: str) -> int | None:
    if name == "created":
        return view.created_ms
    if name == "close":
        return view.close_ms
    return view.settlement_ms


async def list_markets(request: Request) -> Response:
    """GET /markets with Kalshi's filters and cursor pagination."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=1000, zero_is_default=True)
    status = choice_param(query, "status", _MARKET_STATUSES)
    event_tickers = list_param(query, "event_ticker", maximum=10)
    tickers = list_param(query, "tickers")
    mve_filter = choice_param(query, "mve_filter", ("only", "exclude"))
    time_filters = _time_filters(request, status)
    min_updated = seconds_to_ms(query, "min_updated_ts")
    engine = context.engine

    def one_page() -> tuple[list[MarketView], str]:
        """Filter and page on tickers (or cheap stamps when a time filter needs them), then
        build full views for the page only; all under one hold of the venue lock, so the
        page matches the filter it was cut by."""
        if mve_filter == "only":
            return [], ""  # the simulator lists no combo (multivariate) markets
        events, series = event_tickers or None, query.get("series_ticker") or None
        if not time_filters and min_updated is None:
            found = engine.list_market_tickers(
                event_tickers=events, series_ticker=series, tickers=tickers or None, status=status
            )
            page_tickers, cursor = paginate(found, limit, query.get("cursor"), key=str)
            return engine.get_markets(page_tickers), cursor
        stamps = engine.list_market_stamps(
            event_tickers=events, series_ticker=series, tickers=tickers or None, status=status
        )
        for name, low, high in time_filters:
            stamps = [
                stamp
                for stamp in stamps
                if (moment := _market_time(stamp, name)) is not None
                and (low is None or moment >= low)
                and (high is None or moment <= high)
            ]
        if min_updated is not None:
            stamps = [stamp for stamp in stamps if stamp.updated_ms >= min_updated]
        page, cursor = paginate(stamps, limit, query.get("cursor"), key=lambda s: s.ticker)
        return engine.get_markets([stamp.ticker for stamp in page]), cursor

    full, cursor = context.call(one_page)
    return reply({"markets": [wire.market(v, context.profile) for v in full], "cursor": cursor})


async def get_market(request: Request) -> Response:
    """GET /markets/{ticker}."""
    context = sim(request)
    view = context.call(context.engine.get_market, request.path_params["ticker"])
    return reply({"market": wire.market(view, context.profile)})


def _depth(request: Request) -> int:
    """`depth`: 1–100 levels a side; 0 or negative means every level."""
    depth = int_param(request.query_params, "depth") or 0
    if depth > 100:
        raise invalid_parameters("depth must be at most 100", str(depth))
    return max(depth, 0)


async def get_orderbook(request: Request) -> Response:
    """GET /markets/{ticker}/orderbook?depth=N."""
    context = sim(request)
    view = context.call(context.engine.get_book, request.path_params["ticker"], _depth(request))
    return reply(wire.book(view, context.profile))


async def get_orderbooks(request: Request) -> Response:
    """GET /markets/orderbooks?tickers=A,B (≤ 100)."""
    context = sim(request)
    tickers = list_param(request.query_params, "tickers", maximum=100)
    if not tickers:
        raise missing_parameters("tickers")
    depth = _depth(request)
    books = []
    for ticker in tickers:
        view = context.call(context.engine.get_book, ticker, depth)
        books.append({"ticker": ticker, **wire.book(view, context.profile)})
    return reply({"orderbooks": books})


async def list_trades(request: Request) -> Response:
    """GET /markets/trades, newest first."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=1000, zero_is_default=True)
    ticker = query.get("ticker") or None
    if ticker is not None:
        context.call(context.engine.get_market, ticker)  # 404 for an unknown ticker
    views = context.call(
        context.engine.list_trades,
        ticker=ticker,
        min_ms=seconds_to_ms(query, "min_ts"),
        max_ms=seconds_to_ms(query, "max_ts"),
    )
    if query.get("is_block_trade"):
        wanted = bool_param(query, "is_block_trade")
        views = [view for view in views if view.is_block_trade == wanted]
    page, cursor = paginate(views, limit, query.get("cursor"), key=lambda view: view.trade_id)
    return reply({"trades": [wire.trade(v, context.profile) for v in page], "cursor": cursor})


def _candle_window(request: Request) -> tuple[int, int, int]:
    query = request.query_params
    values = []
    for name in ("start_ts", "end_ts", "period_interval"):
        value = int_param(query, name)
        if value is None:
            raise missing_parameters(name)
        values.append(value)
    start, end, period = values
    if period not in _CANDLE_PERIODS:
        raise invalid_parameters("period_interval must be 1, 60 or 1440", str(period))
    if end < start:
        raise invalid_parameters("end_ts must not precede start_ts")
    return start, end, period


async def market_candlesticks(request: Request) -> Response:
    """GET /series/{series_ticker}/markets/{ticker}/candlesticks."""
    context = sim(request)
    series_ticker = request.path_params["series_ticker"]
    ticker = request.path_params["ticker"]
    start, end, period = _candle_window(request)
    market = context.call(context.engine.get_market, ticker)
    if market.series_ticker != series_ticker:
        raise not_found("market", f"{series_ticker}/{ticker}")
    candles = context.call(context.engine.candlesticks, ticker, start, end, period)
    return reply(
        {"ticker": ticker, "candlesticks": [wire.candle(c, context.profile) for c in candles]}
    )


async def batch_candlesticks(request: Request) -> Response:
    """GET /markets/candlesticks?market_tickers=A,B (≤ 100)."""
    context = sim(request)
    tickers = list_param(request.query_params, "market_tickers", maximum=100)
    if not tickers:
        raise missing_parameters("market_tickers")
    start, end, period = _candle_window(request)
    markets = []
    for ticker in tickers:
        candles = context.call(context.engine.candlesticks, ticker, start, end, period)
        markets.append(
            {
                "market_ticker": ticker,
                "candlesticks": [wire.candle(c, context.profile) for c in candles],
            }
        )
    return reply({"markets": markets})


async def list_events(request: Request) -> Response:
    """GET /events (combo events excluded, as on Kalshi)."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=200, maximum=200)
    status = choice_param(query, "status", ("open", "closed", "settled"))
    nested = bool_param(query, "with_nested_markets")
    with_milestones = bool_param(query, "with_milestones")
    wanted = set(list_param(query, "tickers"))
    min_close = seconds_to_ms(query, "min_close_ts")
    views = context.call(
        context.engine.list_events,
        series_ticker=query.get("series_ticker") or None,
        status=status,
    )
    if wanted:
        views = [view for view in views if view.event_ticker in wanted]
    if min_close is not None and views:
        stamps = context.call(
            context.engine.list_market_stamps,
            event_tickers=[view.event_ticker for view in views],
        )
        closing = {stamp.event_ticker for stamp in stamps if stamp.close_ms >= min_close}
        views = [view for view in views if view.event_ticker in closing]
    page, cursor = paginate(views, limit, query.get("cursor"), key=lambda view: view.event_ticker)
    # Nested markets only for the page served (not for every event matching the filter).
    children: dict[str, list[MarketView]] = {}
    if nested and page:
        markets = context.call(
            context.engine.list_markets, event_tickers=[view.event_ticker for view in page]
        )
        for market in markets:
            children.setdefault(market.event_ticker, []).append(market)
    events = [
        wire.event(view, context.profile, children.get(view.event_ticker, []) if nested else None)
        for view in page
    ]
    body: dict[str, object] = {"events": events, "cursor": cursor}
    if with_milestones:
        body["milestones"] = []
    return reply(body)


async def get_event(request: Request) -> Response:
    """GET /events/{event_ticker}: `{event, markets}` (top-level markets kept for old clients)."""
    context = sim(request)
    view = context.call(context.engine.get_event, request.path_params["event_ticker"])
    nested = bool_param(request.query_params, "with_nested_markets")
    markets = context.call(context.engine.list_markets, event_tickers=[view.event_ticker])
    return reply(
        {
            "event": wire.event(view, context.profile, markets if nested else None),
            "markets": [wire.market(m, context.profile) for m in markets],
        }
    )


async def list_series(request: Request) -> Response:
    """GET /series?category&tags."""
    context = sim(request)
    query = request.query_params
    views = context.call(context.engine.list_series, query.get("category") or None)
    tags = set(list_param(query, "tags"))
    if tags:
        views = [view for view in views if tags.intersection(view.tags)]
    return reply({"series": [wire.series(view) for view in views]})


async def get_series(request: Request) -> Response:
    """GET /series/{series_ticker}."""
    context = sim(request)
    view = context.call(context.engine.get_series, request.path_params["series_ticker"])
    return reply({"series": wire.series(view)})


ROUTES = [
    Route("/markets", list_markets, methods=["GET"]),
    Route("/markets/trades", list_trades, methods=["GET"]),
    Route("/markets/orderbooks", get_orderbooks, methods=["GET"]),
    Route("/markets/candlesticks", batch_candlesticks, methods=["GET"]),
    Route("/markets/{ticker}", get_market, methods=["GET"]),
    Route("/markets/{ticker}/orderbook", get_orderbook, methods=["GET"]),
    Route("/events", list_events, methods=["GET"]),
    Route("/events/{event_ticker}", get_event, methods=["GET"]),
    Route("/series", list_series, methods=["GET"]),
    Route("/series/{series_ticker}", get_series, methods=["GET"]),
    Route(
        "/series/{series_ticker}/markets/{ticker}/candlesticks",
        market_candlesticks,
        methods=["GET"],
    ),
]
