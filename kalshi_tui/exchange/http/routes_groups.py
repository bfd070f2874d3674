"""Order groups: a contracts limit shared by several orders, auto-cancelling when hit."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tui.exchange.http import wire_portfolio as wire
from kalshi_tui.exchange.http.context import sim, user_id
from kalshi_tui.exchange.http.errors import invalid_parameters, missing_parameters
from kalshi_tui.exchange.http.params import decimal_field, fixed_point_strings
from kalshi_tui.exchange.http.replies import json_body, reply


def _contracts_limit(body: dict[str, object]) -> int:
    """`contracts_limit` (whole contracts) or `contracts_limit_fp`, in count units."""
    raw = body.get("contracts_limit", body.get("contracts_limit_fp"))
    if raw is None:
        raise missing_parameters("contracts_limit")
    units = decimal_field(raw, "contracts_limit") * 100
    if units != units.to_integral_value() or units < 100:
        raise invalid_parameters("contracts_limit must be at least 1", str(raw))
    return int(units)


def _subaccount(body: dict[str, object]) -> int:
    """The simulator has only the primary account (subaccount 0)."""
    value = body.get("subaccount", 0)
    if value not in (0, None):
        raise invalid_parameters("the simulator has no subaccounts; use 0", str(value))
    return 0


async def create_group(request: Request) -> Response:
    """POST /portfolio/order_groups/create {contracts_limit ≥ 1} → 201 {order_group_id,
    subaccount, exchange_index}."""
    context = sim(request)
    body = await json_body(request)
    if context.profile == "current":
        fixed_point_strings(body, "contracts_limit_fp")
    units = _contracts_limit(body)
    subaccount = _subaccount(body)
    shard = body.get("exchange_index")
    shard = 0 if shard is None else shard
    if isinstance(shard, bool) or not isinstance(shard, int):
        raise invalid_parameters("exchange_index must be an integer shard", repr(shard))
    view = context.call(
        context.engine.create_order_group,
        user_id(request),
        units,
        context.now_ms(),
        exchange_index=shard,
    )
    out: dict[str, object] = {"order_group_id": view.order_group_id}
    if context.profile != "legacy":
        out.update(subaccount=subaccount, exchange_index=view.exchange_index)
    return reply(out, status=201)


async def update_limit(request: Request) -> Response:
    """PUT /portfolio/order_groups/{order_group_id}/limit {contracts_limit}: a new limit; one
    the group has already matched triggers it at once."""
    context = sim(request)
    body = await json_body(request)
    if context.profile == "current":
        fixed_point_strings(body, "contracts_limit_fp")
    units = _contracts_limit(body)
    context.call(
        context.engine.update_order_group_limit,
        user_id(request),
        request.path_params["order_group_id"],
        units,
        context.now_ms(),
    )
    return reply({})


async def list_groups(request: Request) -> Response:
    """GET /portfolio/order_groups."""
    context = sim(request)
    views = context.call(context.engine.list_order_groups, user_id(request))
    return reply({"order_groups": [wire.order_group_summary(v, context.profile) for v in views]})


async def get_group(request: Request) -> Response:
    """GET /portfolio/order_groups/{order_group_id}."""
    context = sim(request)
    view = context.call(
        context.engine.get_order_group, user_id(request), request.path_params["order_group_id"]
    )
    return reply(wire.order_group_detail(view, context.profile))


async def reset_group(request: Request) -> Response:
    """PUT /portfolio/order_groups/{order_group_id}/reset: accept orders again."""
    context = sim(request)
    context.call(
        context.engine.reset_order_group,
        user_id(request),
        request.path_params["order_group_id"],
        context.now_ms(),
    )
    return reply({})


async def trigger_group(request: Request) -> Response:
    """PUT /portfolio/order_groups/{order_group_id}/trigger: cancel and block as if hit."""
    context = sim(request)
    context.call(
        context.engine.trigger_order_group,
        user_id(request),
        request.path_params["order_group_id"],
        context.now_ms(),
    )
    return reply({})


async def delete_group(request: Request) -> Response:
    """DELETE /portfolio/order_groups/{order_group_id}: cancel its orders, forget it."""
    context = sim(request)
    context.call(
        context.engine.delete_order_group,
        user_id(request),
        request.path_params["order_group_id"],
        context.now_ms(),
    )
    return reply({})


ROUTES = [
    Route("/portfolio/order_groups/create", create_group, methods=["POST"]),
    Route("/portfolio/order_groups", list_groups, methods=["GET"]),
    Route("/portfolio/order_groups/{order_group_id}", get_group, methods=["GET"]),
    Route("/portfolio/order_groups/{order_group_id}", delete_group, methods=["DELETE"]),
    Route("/portfolio/order_groups/{order_group_id}/reset", reset_group, methods=["PUT"]),
    Route("/portfolio/order_groups/{order_group_id}/limit", update_limit, methods=["PUT"]),
    Route("/portfolio/order_groups/{order_group_id}/trigger", trigger_group, methods=["PUT"]),
]
