"""Signed portfolio reads: balance, positions, fills, settlements, orders, queue positions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tui.exchange.engine import OrderView
from kalshi_tui.exchange.http import wire_portfolio as wire
from kalshi_tui.exchange.http.context import sim, user_id
from kalshi_tui.exchange.http.errors import invalid_parameters
from kalshi_tui.exchange.http.pagination import paginate
from kalshi_tui.exchange.http.params import choice_param, int_param, limit_param, list_param
from kalshi_tui.exchange.http.replies import reply, seconds_to_ms
from kalshi_tui.exchange.http.units import count_int, count_str, money_cents, money_str


async def balance(request: Request) -> Response:
    """GET /portfolio/balance."""
    context = sim(request)
    shard = int_param(request.query_params, "exchange_index")
    view = context.call(context.engine.balance, user_id(request), exchange_index=shard)
    return reply(wire.balance(view, context.profile))


async def resting_order_value(request: Request) -> Response:
    """GET /portfolio/summary/total_resting_order_value: price × remaining of resting orders
    (the cash locked for worst-case fees is not part of it)."""
    context = sim(request)
    views = context.call(context.engine.orders, user_id(request), status="resting")
    # price units (1e-4 $) × count units (1e-2) = money units (1e-6 $)
    by_shard: dict[int, int] = {0: 0}
    for v in views:
        own = v.yes_price if v.outcome_side == "yes" else v.no_price
        by_shard[v.exchange_index] = by_shard.get(v.exchange_index, 0) + own * v.remaining_count
    value = sum(by_shard.values())
    body: dict[str, object] = {"total_resting_order_value": money_cents(value)}
    if context.profile != "legacy":
        body["resting_order_value_breakdown"] = [
            {"exchange_index": shard, "balance": money_str(by_shard[shard])}
            for shard in sorted(by_shard)
        ]
    if context.profile == "compat":
        body["total_resting_order_value_dollars"] = money_str(value)
    return reply(body)


async def positions(request: Request) -> Response:
    """GET /portfolio/positions: market rows paginated, event rows for the same filter."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=1000)
    count_filter = list_param(query, "count_filter")
    if any(name not in ("position", "total_traded") for name in count_filter):
        raise invalid_parameters("count_filter takes position and/or total_traded")
    event_tickers = list_param(query, "event_ticker", maximum=10)
    account = user_id(request)
    ticker = query.get("ticker") or None
    rows = []
    event_rows = []
    targets: list[str | None] = [*event_tickers] or [None]
    for event_ticker in targets:
        rows.extend(
            context.call(
                context.engine.positions,
                account,
                ticker=ticker,
                event_ticker=event_ticker,
                exchange_index=int_param(query, "exchange_index"),
            )
        )
        event_rows.extend(
            context.call(context.engine.event_positions, account, event_ticker=event_ticker)
        )
    if count_filter:
        rows = [
            row
            for row in rows
            if ("position" in count_filter and row.position != 0)
            or ("total_traded" in count_filter and row.total_traded != 0)
        ]
    if ticker is not None:
        held = {row.event_ticker for row in rows}
        event_rows = [row for row in event_rows if row.event_ticker in held]
    page, cursor = paginate(rows, limit, query.get("cursor"), key=lambda row: row.ticker)
    return reply(
        {
            "market_positions": [wire.position(row, context.profile) for row in page],
            "event_positions": [wire.event_position(row, context.profile) for row in event_rows],
            "cursor": cursor,
        }
    )


async def fills(request: Request) -> Response:
    """GET /portfolio/fills, newest first."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=1000)
    views = context.call(
        context.engine.fills,
        user_id(request),
        ticker=query.get("ticker") or None,
        order_id=query.get("order_id") or None,
        min_ms=seconds_to_ms(query, "min_ts"),
        max_ms=seconds_to_ms(query, "max_ts"),
        exchange_index=int_param(query, "exchange_index"),
    )
    page, cursor = paginate(views, limit, query.get("cursor"), key=lambda view: view.fill_id)
    return reply({"fills": [wire.fill(v, context.profile) for v in page], "cursor": cursor})


async def settlements(request: Request) -> Response:
    """GET /portfolio/settlements, newest first."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=1000)
    views = context.call(
        context.engine.settlements,
        user_id(request),
        ticker=query.get("ticker") or None,
        event_ticker=query.get("event_ticker") or None,
        min_ms=seconds_to_ms(query, "min_ts"),
        max_ms=seconds_to_ms(query, "max_ts"),
    )
    page, cursor = paginate(
        views, limit, query.get("cursor"), key=lambda view: f"{view.ticker}@{view.settled_ms}"
    )
    return reply(
        {"settlements": [wire.settlement(v, context.profile) for v in page], "cursor": cursor}
    )


def visible_orders(request: Request, views: list[OrderView]) -> list[OrderView]:
    """Apply the `lag_ms` fault: orders younger than the lag are not listed yet."""
    context = sim(request)
    lag_ms = context.faults.config.lag_ms
    if lag_ms <= 0:
        return views
    cutoff = context.now_ms() - lag_ms
    return [view for view in views if view.created_ms <= cutoff]


async def list_orders(request: Request) -> Response:
    """GET /portfolio/orders, newest first."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=1000)
    status = choice_param(query, "status", ("resting", "canceled", "executed"))
    event_tickers = list_param(query, "event_ticker", maximum=10)
    views = context.call(
        context.engine.orders,
        user_id(request),
        ticker=query.get("ticker") or None,
        event_tickers=event_tickers or None,
        status=status,  # type: ignore[arg-type]  # narrowed by choice_param
        min_ms=seconds_to_ms(query, "min_ts"),
        max_ms=seconds_to_ms(query, "max_ts"),
        exchange_index=int_param(query, "exchange_index"),
    )
    views = visible_orders(request, views)
    page, cursor = paginate(views, limit, query.get("cursor"), key=lambda view: view.order_id)
    return reply({"orders": [wire.order(v, context.profile) for v in page], "cursor": cursor})


async def get_order(request: Request) -> Response:
    """GET /portfolio/orders/{order_id}."""
    context = sim(request)
    view = context.call(context.engine.get_order, user_id(request), request.path_params["order_id"])
    return reply({"order": wire.order(view, context.profile)})


def _queue_fields(view: OrderView, profile: str) -> dict[str, object]:
    out: dict[str, object] = {}
    if profile != "current":
        out["queue_position"] = count_int(view.queue_position)
    if profile != "legacy":
        out["queue_position_fp"] = count_str(view.queue_position)
    return out


async def queue_position(request: Request) -> Response:
    """GET /portfolio/orders/{order_id}/queue_position: contracts ahead at the same price."""
    context = sim(request)
    view = context.call(context.engine.get_order, user_id(request), request.path_params["order_id"])
    return reply(_queue_fields(view, context.profile))


async def queue_positions(request: Request) -> Response:
    """GET /portfolio/orders/queue_positions?market_tickers=&event_ticker=."""
    context = sim(request)
    query = request.query_params
    tickers = set(list_param(query, "market_tickers"))
    event_ticker = query.get("event_ticker") or None
    views = context.call(
        context.engine.orders,
        user_id(request),
        event_tickers=[event_ticker] if event_ticker else None,
        status="resting",
    )
    rows = [
        {"order_id": v.order_id, "market_ticker": v.ticker, **_queue_fields(v, context.profile)}
        for v in views
        if not tickers or v.ticker in tickers
    ]
    return reply({"queue_positions": rows})


ROUTES = [
    Route("/portfolio/balance", balance, methods=["GET"]),
    Route("/portfolio/summary/total_resting_order_value", resting_order_value, methods=["GET"]),
    Route("/portfolio/positions", positions, methods=["GET"]),
    Route("/portfolio/fills", fills, methods=["GET"]),
    Route("/portfolio/settlements", settlements, methods=["GET"]),
    Route("/portfolio/orders", list_orders, methods=["GET"]),
    Route("/portfolio/orders/queue_positions", queue_positions, methods=["GET"]),
    Route("/portfolio/orders/{order_id}", get_order, methods=["GET"]),
    Route("/portfolio/orders/{order_id}/queue_position", queue_position, methods=["GET"]),
]
