"""Order mutations: V1 (`/portfolio/orders…`) and V2 (`/portfolio/events/orders…`) routes.

The profile decides which generation answers: `current` refuses V1 mutations with 410
`deprecated_v1_order_endpoint` (Kalshi's changelog of 2026-06-18: once deprecated they answer
"Please switch to the V2 endpoints" with a link to the V2 order API), `legacy` has no V2 routes,
and `compat` serves both. Batch routes answer per item and are charged per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tui.exchange.engine import CancelResult, ExchangeError, OrderInput, OrderView
from kalshi_tui.exchange.http import order_input as parse
from kalshi_tui.exchange.http import wire_portfolio as wire
from kalshi_tui.exchange.http.context import SimContext, sim, user_id
from kalshi_tui.exchange.http.errors import (
    ApiError,
    RouteMissing,
    current_code,
    invalid_parameters,
    missing_parameters,
)
from kalshi_tui.exchange.http.params import fixed_point_strings
from kalshi_tui.exchange.http.ratelimit import (
    BATCH_CANCEL_COST_PER_ORDER,
    BATCH_CREATE_COST_PER_ORDER,
)
from kalshi_tui.exchange.http.replies import json_body, reply

MAX_BATCH = 20
V2_ORDER_DOCS = "https://docs.kalshi.com/api-reference/orders/create-order-v2"


def _v1(request: Request) -> SimContext:
    context = sim(request)
    if context.profile == "current":
        raise ApiError(
            410,
            "deprecated_v1_order_endpoint",
            "This endpoint has been deprecated. Please switch to the V2 endpoints.",
            V2_ORDER_DOCS,
        )
    return context


def _v2(request: Request) -> SimContext:
    context = sim(request)
    if context.profile == "legacy":
        raise RouteMissing()  # the legacy generation predates the V2 routes
    return context


_V2_FIXED_POINT = ("count", "price")


def _strict(context: SimContext, body: dict[str, Any], *names: str) -> dict[str, Any]:
    """In `current`, a number in a fixed-point field refuses the request as Kalshi does."""
    if context.profile == "current":
        fixed_point_strings(body, *names)
    return body


def _not_paused(context: SimContext) -> None:
    if context.faults.config.paused:
        raise ApiError(409, "trading_is_paused", "trading is paused on the exchange")


def error_body(error: ApiError | ExchangeError, profile: str) -> dict[str, object]:
    """The inner error object used for batch items."""
    code = current_code(error.code) if profile == "current" else error.code
    body: dict[str, object] = {"code": code, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return body


async def _batch_items(request: Request, key: str) -> list[Any]:
    body = await json_body(request)
    items = body.get(key)
    if items is None:
        raise missing_parameters(key)
    if not isinstance(items, list) or not items:
        raise invalid_parameters(f"{key} must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise invalid_parameters(f"at most {MAX_BATCH} items per batch", str(len(items)))
    return items


def _create_batch(
    context: SimContext, account: str, inputs: Sequence[OrderInput | ApiError]
) -> list[OrderView | ApiError | ExchangeError]:
    """Parse failures stay per item; the valid orders go to the engine in one locked call."""
    valid = [item for item in inputs if isinstance(item, OrderInput)]
    if context.faults.config.paused:
        paused = ApiError(409, "trading_is_paused", "trading is paused on the exchange")
        return [paused if isinstance(item, OrderInput) else item for item in inputs]
    results = iter(context.call(context.engine.batch_create, account, valid, context.now_ms()))
    return [next(results) if isinstance(item, OrderInput) else item for item in inputs]


def _parse_each(items: list[Any], parser: Any) -> list[OrderInput | ApiError]:
    parsed: list[OrderInput | ApiError] = []
    for item in items:
        try:
            if not isinstance(item, dict):
                raise invalid_parameters("each order must be a JSON object")
            parsed.append(parser(item))
        except ApiError as error:
            parsed.append(error)
    return parsed


# ---- V1 ----------------------------------------------------------------------------------


async def create_v1(request: Request) -> Response:
    """POST /portfolio/orders → 201 {order}."""
    context = _v1(request)
    order = parse.parse_v1(await json_body(request))
    _not_paused(context)
    view = context.call(context.engine.create_order, user_id(request), order, context.now_ms())
    return reply({"order": wire.order(view, context.profile)}, status=201)


async def cancel_v1(request: Request) -> Response:
    """DELETE /portfolio/orders/{order_id} → {order, reduced_by}."""
    context = _v1(request)
    result = context.call(
        context.engine.cancel_order,
        user_id(request),
        request.path_params["order_id"],
        context.now_ms(),
    )
    return reply(wire.cancel_v1(result, context.profile))


async def amend_v1(request: Request) -> Response:
    """POST /portfolio/orders/{order_id}/amend → {old_order, order}."""
    context = _v1(request)
    body = await json_body(request)
    account = user_id(request)
    current = context.call(context.engine.get_order, account, request.path_params["order_id"])
    for name in ("ticker", "side", "action"):
        value = body.get(name)
        if value is None:
            raise missing_parameters(name)
        if value != getattr(current, name):
            raise parse.invalid_order(f"{name} does not match the order", str(value))
    price = parse.yes_price_v1(body)
    count = body.get("count")
    if count is None:
        units = current.fill_count + current.remaining_count
    elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise parse.invalid_order("count must be an integer of at least 1", repr(count))
    else:
        units = count * 100
    updated = body.get("updated_client_order_id")
    _not_paused(context)
    result = context.call(
        context.engine.amend_order,
        account,
        current.order_id,
        context.now_ms(),
        price=price,
        count=units,
        updated_client_order_id=updated if isinstance(updated, str) and updated else None,
    )
    return reply(
        {
            "old_order": wire.order(result.old_order, context.profile),
            "order": wire.order(result.order, context.profile),
        }
    )


async def decrease_v1(request: Request) -> Response:
    """POST /portfolio/orders/{order_id}/decrease → {order}."""
    context = _v1(request)
    reduce_by, reduce_to = parse.reduction(await json_body(request), fp=False)
    _not_paused(context)
    result = context.call(
        context.engine.decrease_order,
        user_id(request),
        request.path_params["order_id"],
        context.now_ms(),
        reduce_by=reduce_by,
        reduce_to=reduce_to,
    )
    return reply({"order": wire.order(result.order, context.profile)})


async def batch_create_v1(request: Request) -> Response:
    """POST /portfolio/orders/batched → 201 {orders: [{client_order_id?, order?, error?}]}."""
    context = _v1(request)
    items = await _batch_items(request, "orders")
    account = user_id(request)
    context.charge(account, "write", BATCH_CREATE_COST_PER_ORDER * len(items))
    results = _create_batch(context, account, _parse_each(items, parse.parse_v1))
    out = []
    for item, result in zip(items, results, strict=True):
        row: dict[str, object] = {}
        if isinstance(item, dict) and isinstance(item.get("client_order_id"), str):
            row["client_order_id"] = item["client_order_id"]
        if isinstance(result, OrderView):
            row["client_order_id"] = result.client_order_id
            row["order"] = wire.order(result, context.profile)
        else:
            row["error"] = error_body(result, context.profile)
        out.append(row)
    return reply({"orders": out}, status=201)


def _cancel_each(
    context: SimContext, account: str, ids: list[object]
) -> list[CancelResult | ApiError | ExchangeError]:
    valid = [order_id for order_id in ids if isinstance(order_id, str) and order_id]
    results = iter(context.call(context.engine.batch_cancel, account, valid, context.now_ms()))
    out: list[CancelResult | ApiError | ExchangeError] = []
    for order_id in ids:
        if isinstance(order_id, str) and order_id:
            out.append(next(results))
        elif isinstance(order_id, ApiError):
            out.append(order_id)
        else:
            out.append(invalid_parameters("order ids must be non-empty strings", repr(order_id)))
    return out


def _cancel_target(item: object) -> object:
    """The order id of one `orders` item `{order_id, subaccount?, exchange_index?,
    market_ticker?}` (anything else stays as it is, to fail as that item's error)."""
    if not isinstance(item, dict):
        return item
    subaccount = item.get("subaccount")
    if subaccount not in (None, 0):
        return invalid_parameters("the simulator has no subaccounts; use 0", repr(subaccount))
    return item.get("order_id")


async def _cancel_ids(request: Request, *, ids_allowed: bool) -> list[object]:
    """The order ids of a batch cancel body: documented `{"orders": [{order_id, …}]}`, or the
    deprecated `{"ids": [...]}` where `ids_allowed`."""
    body = await json_body(request)
    key = "orders" if "orders" in body or not ids_allowed else "ids"
    items = body.get(key)
    if items is None:
        raise missing_parameters("orders")
    if not isinstance(items, list) or not items:
        raise invalid_parameters(f"{key} must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise invalid_parameters(f"at most {MAX_BATCH} items per batch", str(len(items)))
    return [_cancel_target(item) for item in items] if key == "orders" else list(items)


async def batch_cancel_v1(request: Request) -> Response:
    """DELETE /portfolio/orders/batched {orders | ids} → {orders: [{order_id, reduced_by_fp,
    order?, error?}]}."""
    context = _v1(request)
    ids = await _cancel_ids(request, ids_allowed=True)
    account = user_id(request)
    context.charge(account, "write", BATCH_CANCEL_COST_PER_ORDER * len(ids))
    out = []
    for order_id, result in zip(ids, _cancel_each(context, account, ids), strict=True):
        if isinstance(result, CancelResult):
            out.append({"order_id": order_id, **wire.cancel_v1(result, context.profile)})
            continue
        row: dict[str, object] = {"order_id": order_id if isinstance(order_id, str) else ""}
        if context.profile != "current":
            row["reduced_by"] = 0
        if context.profile != "legacy":
            row["reduced_by_fp"] = "0.00"
        row["error"] = error_body(result, context.profile)
        out.append(row)
    return reply({"orders": out})


# ---- V2 ----------------------------------------------------------------------------------


async def create_v2(request: Request) -> Response:
    """POST /portfolio/events/orders → 201 {order_id, client_order_id, fill_count, …}."""
    context = _v2(request)
    order = parse.parse_v2(_strict(context, await json_body(request), *_V2_FIXED_POINT))
    _not_paused(context)
    now = context.now_ms()
    view = context.call(context.engine.create_order, user_id(request), order, now)
    return reply(wire.order_v2(view, now, context.profile), status=201)


async def cancel_v2(request: Request) -> Response:
    """DELETE /portfolio/events/orders/{order_id} → {order_id, client_order_id, reduced_by, …}."""
    context = _v2(request)
    if request.query_params.get("subaccount") not in (None, "", "0"):
        raise invalid_parameters("the simulator has no subaccounts; use 0")
    now = context.now_ms()
    result = context.call(
        context.engine.cancel_order, user_id(request), request.path_params["order_id"], now
    )
    return reply(wire.cancel_v2(result, now))


async def amend_v2(request: Request) -> Response:
    """POST /portfolio/events/orders/{order_id}/amend."""
    context = _v2(request)
    body = _strict(context, await json_body(request), *_V2_FIXED_POINT)
    account = user_id(request)
    current = context.call(context.engine.get_order, account, request.path_params["order_id"])
    ticker = body.get("ticker")
    if ticker is None:
        raise missing_parameters("ticker")
    if ticker != current.ticker:
        raise parse.invalid_order("ticker does not match the order", str(ticker))
    if parse.book_side(body) != current.book_side:
        raise parse.invalid_order("side does not match the order", str(body.get("side")))
    price = parse.price_v2(body)
    count = parse.count_v2(body)
    updated = body.get("updated_client_order_id")
    _not_paused(context)
    now = context.now_ms()
    result = context.call(
        context.engine.amend_order,
        account,
        current.order_id,
        now,
        price=price,
        count=count,
        updated_client_order_id=updated if isinstance(updated, str) and updated else None,
    )
    return reply(wire.order_v2(result.order, now, context.profile))


async def decrease_v2(request: Request) -> Response:
    """POST /portfolio/events/orders/{order_id}/decrease → the cancel shape."""
    context = _v2(request)
    body = _strict(context, await json_body(request), "reduce_by", "reduce_to")
    reduce_by, reduce_to = parse.reduction(body, fp=True)
    _not_paused(context)
    now = context.now_ms()
    result = context.call(
        context.engine.decrease_order,
        user_id(request),
        request.path_params["order_id"],
        now,
        reduce_by=reduce_by,
        reduce_to=reduce_to,
    )
    return reply(wire.decrease_v2(result, now, context.profile))


async def batch_create_v2(request: Request) -> Response:
    """POST /portfolio/events/orders/batched → 201 {orders: [V2 reply | {error}]}."""
    context = _v2(request)
    items = await _batch_items(request, "orders")
    for item in items:
        if isinstance(item, dict):
            _strict(context, item, *_V2_FIXED_POINT)
    account = user_id(request)
    context.charge(account, "write", BATCH_CREATE_COST_PER_ORDER * len(items))
    now = context.now_ms()
    results = _create_batch(context, account, _parse_each(items, parse.parse_v2))
    out: list[dict[str, object]] = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, OrderView):
            out.append(wire.order_v2(result, now, context.profile))
            continue
        row: dict[str, object] = {"error": error_body(result, context.profile)}
        if isinstance(item, dict) and isinstance(item.get("client_order_id"), str):
            row["client_order_id"] = item["client_order_id"]
        out.append(row)
    return reply({"orders": out}, status=201)


async def batch_cancel_v2(request: Request) -> Response:
    """DELETE /portfolio/events/orders/batched {orders: [{order_id, …}]} → {orders:
    [{order_id, reduced_by, client_order_id?, ts_ms?, error?}]}; `compat` also takes the
    simulator's older `{ids}` body."""
    context = _v2(request)
    ids = await _cancel_ids(request, ids_allowed=context.profile == "compat")
    account = user_id(request)
    context.charge(account, "write", BATCH_CANCEL_COST_PER_ORDER * len(ids))
    now = context.now_ms()
    out: list[dict[str, object]] = []
    for order_id, result in zip(ids, _cancel_each(context, account, ids), strict=True):
        if isinstance(result, CancelResult):
            out.append(wire.cancel_v2(result, now))
        else:
            row = {"order_id": order_id if isinstance(order_id, str) else "", "reduced_by": "0.00"}
            out.append({**row, "error": error_body(result, context.profile)})
    return reply({"orders": out})


async def cancel_all_v2(request: Request) -> Response:
    """DELETE /portfolio/events/orders[?ticker=] → {count, order_ids} (simulator extension)."""
    context = _v2(request)
    ticker = request.query_params.get("ticker") or None
    ids = context.call(context.engine.cancel_all, user_id(request), context.now_ms(), ticker=ticker)
    return reply({"count": len(ids), "order_ids": ids})


V1_MUTATIONS = frozenset(
    {
        "POST /portfolio/orders",
        "POST /portfolio/orders/batched",
        "DELETE /portfolio/orders/batched",
        "DELETE /portfolio/orders/{order_id}",
        "POST /portfolio/orders/{order_id}/amend",
        "POST /portfolio/orders/{order_id}/decrease",
    }
)
"""The V1 order mutations, retired on Kalshi in June 2026 (410 in the `current` profile)."""

ROUTES = [
    Route("/portfolio/orders", create_v1, methods=["POST"]),
    Route("/portfolio/orders/batched", batch_create_v1, methods=["POST"]),
    Route("/portfolio/orders/batched", batch_cancel_v1, methods=["DELETE"]),
    Route("/portfolio/orders/{order_id}", cancel_v1, methods=["DELETE"]),
    Route("/portfolio/orders/{order_id}/amend", amend_v1, methods=["POST"]),
    Route("/portfolio/orders/{order_id}/decrease", decrease_v1, methods=["POST"]),
    Route("/portfolio/events/orders", create_v2, methods=["POST"]),
    Route("/portfolio/events/orders/batched", batch_create_v2, methods=["POST"]),
    Route("/portfolio/events/orders/batched", batch_cancel_v2, methods=["DELETE"]),
    Route("/portfolio/events/orders/{order_id}", cancel_v2, methods=["DELETE"]),
    Route("/portfolio/events/orders/{order_id}/amend", amend_v2, methods=["POST"]),
    Route("/portfolio/events/orders/{order_id}/decrease", decrease_v2, methods=["POST"]),
]

SIMULATOR_ONLY = [Route("/portfolio/events/orders", cancel_all_v2, methods=["DELETE"])]
"""Routes Kalshi does not document; served in `compat` and `legacy` only."""
