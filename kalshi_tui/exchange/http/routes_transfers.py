"""Intra-account transfers between exchange shards (Kalshi's intra exchange instance transfer).

`POST /portfolio/intra_exchange_instance_transfer` takes `{source, destination, amount,
source_exchange_shard?, destination_exchange_shard?}`: both instances `event_contract` (the
simulator has no margined instance), the amount an integer number of centicents ($0.0001),
the shards 0–100 (default 0) and ones the venue runs. It answers `{transfer_id}`; the two GET
routes list the account's transfers (newest first) and read one.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tui.exchange.engine import MONEY_SCALE
from kalshi_tui.exchange.http import wire_portfolio as wire
from kalshi_tui.exchange.http.context import sim, user_id
from kalshi_tui.exchange.http.errors import ApiError, invalid_parameters
from kalshi_tui.exchange.http.pagination import paginate
from kalshi_tui.exchange.http.params import limit_param, require
from kalshi_tui.exchange.http.replies import json_body, reply

CENTICENT = MONEY_SCALE // 10_000
"""Money units in one centicent, the transfer amount's unit."""
MAX_SHARD = 100


def integer_expected(name: str, value: object) -> ApiError:
    """400 `bad_request`, flat, for a JSON value that is not an integer where the schema has
    one (Kalshi's decoder refuses the whole body, as for a number in a string field)."""
    kind = type(value).__name__
    return ApiError(
        400,
        "bad_request",
        f"{name} must be a JSON integer (centicents for amount), not {kind} {value!r}",
        f"json: cannot unmarshal {kind} into field {name} of type int64",
        flat=True,
    )


def _integer(body: dict[str, Any], name: str, default: int | None = None) -> int:
    """A JSON integer field; absent (or null) is `default`, or 400 when it is required."""
    value = require(body, name) if default is None else body.get(name)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int):
        raise integer_expected(name, value)
    return value


def _instance(body: dict[str, Any], name: str) -> None:
    value = require(body, name)
    if value != "event_contract":
        raise invalid_parameters(
            f"{name} must be event_contract (the simulator has no margined instance)", repr(value)
        )


def _shard(body: dict[str, Any], name: str) -> int:
    value = _integer(body, name, default=0)
    if not 0 <= value <= MAX_SHARD:
        raise invalid_parameters(f"{name} must be between 0 and {MAX_SHARD}", str(value))
    return value


async def create_transfer(request: Request) -> Response:
    """POST /portfolio/intra_exchange_instance_transfer."""
    context = sim(request)
    body = await json_body(request)
    _instance(body, "source")
    _instance(body, "destination")
    amount = _integer(body, "amount")
    if amount <= 0:
        raise invalid_parameters("amount must be a positive number of centicents", str(amount))
    source = _shard(body, "source_exchange_shard")
    destination = _shard(body, "destination_exchange_shard")
    for name in ("source_subaccount", "destination_subaccount"):
        if body.get(name) not in (None, 0):
            raise invalid_parameters(f"{name}: the simulator has no subaccounts; use 0")
    view = context.call(
        context.engine.transfer,
        user_id(request),
        source,
        destination,
        amount * CENTICENT,
        context.now_ms(),
    )
    return reply({"transfer_id": view.transfer_id})


async def list_transfers(request: Request) -> Response:
    """GET /portfolio/intra_exchange_instance_transfers, newest first (limit 1–500)."""
    context = sim(request)
    query = request.query_params
    limit = limit_param(query, default=100, maximum=500)
    views = context.call(context.engine.transfers, user_id(request))
    page, cursor = paginate(views, limit, query.get("cursor"), key=lambda v: v.transfer_id)
    out: dict[str, object] = {"transfers": [wire.transfer(v) for v in page]}
    if cursor:  # omitted on the last page, as documented
        out["cursor"] = cursor
    return reply(out)


async def get_transfer(request: Request) -> Response:
    """GET /portfolio/intra_exchange_instance_transfers/{transfer_id}."""
    context = sim(request)
    view = context.call(
        context.engine.get_transfer, user_id(request), request.path_params["transfer_id"]
    )
    return reply({"transfer": wire.transfer(view)})


ROUTES = [
    Route("/portfolio/intra_exchange_instance_transfer", create_transfer, methods=["POST"]),
    Route("/portfolio/intra_exchange_instance_transfers", list_transfers, methods=["GET"]),
    Route(
        "/portfolio/intra_exchange_instance_transfers/{transfer_id}", get_transfer, methods=["GET"]
    ),
]
