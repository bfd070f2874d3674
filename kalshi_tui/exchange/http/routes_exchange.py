"""Exchange status and schedule, data freshness, and the account's rate limits."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tui.exchange.http.context import sim
from kalshi_tui.exchange.http.ratelimit import DEFAULT_COST, ENDPOINT_COSTS, TIERS
from kalshi_tui.exchange.http.replies import reply
from kalshi_tui.exchange.http.timefmt import rfc3339

_ALL_DAY = [{"open_time": "00:00", "close_time": "23:59"}]
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


async def exchange_status(request: Request) -> Response:
    """GET /exchange/status; the `paused` fault shows here as trading_active=false."""
    context = sim(request)
    view = context.call(context.engine.exchange_status)
    trading = view.trading_active and not context.faults.config.paused
    body: dict[str, object] = {
        "exchange_active": view.exchange_active,
        "trading_active": trading,
        "exchange_estimated_resume_time": None,
    }
    if context.profile != "legacy":
        body["intra_exchange_transfers_active"] = view.exchange_active
        body["exchange_index_statuses"] = [
            {
                "exchange_index": index,
                "exchange_active": view.exchange_active,
                "trading_active": trading,
                "intra_exchange_transfers_active": view.exchange_active,
                "description": description,
            }
            for index, description in view.shards
        ]
    return reply(body)


async def exchange_schedule(request: Request) -> Response:
    """GET /exchange/schedule: the simulator trades around the clock, no maintenance."""
    context = sim(request)
    now = context.clock()
    week = {day: list(_ALL_DAY) for day in _DAYS}
    return reply(
        {
            "schedule": {
                "standard_hours": [
                    {
                        "start_time": rfc3339(now - now % 86400),
                        "end_time": rfc3339(now - now % 86400 + 365 * 86400),
                        **week,
                    }
                ],
                "maintenance_windows": [],
            }
        }
    )


async def user_data_timestamp(request: Request) -> Response:
    """GET /exchange/user_data_timestamp: how fresh REST portfolio data is (the `lag` fault)."""
    context = sim(request)
    lag_s = context.faults.config.lag_ms / 1000.0
    return reply({"as_of_time": rfc3339(context.clock() - lag_s)})


async def account_limits(request: Request) -> Response:
    """GET /account/limits: the token-bucket shape (current) and the older per-second one."""
    context = sim(request)
    config = context.limiter.config
    body: dict[str, object] = {"usage_tier": config.tier}
    if context.profile != "legacy":
        for bucket in ("read", "write"):
            body[bucket] = {
                "refill_rate": _tokens(config.rate(bucket)),
                "bucket_capacity": _tokens(config.capacity(bucket)),
            }
        body["grants"] = []
    if context.profile != "current":
        # Requests per second at the default cost, as the pre-token-bucket API reported.
        body["read_limit"] = int(config.rate("read") // DEFAULT_COST)
        body["write_limit"] = int(config.rate("write") // DEFAULT_COST)
    return reply(body)


def _tokens(value: float) -> int:
    """Kalshi reports whole tokens; a fractional simulator setting rounds down."""
    return int(value)


async def endpoint_costs(request: Request) -> Response:
    """GET /account/endpoint_costs (public): the exceptions to the default cost (and, in
    `compat`, the tier table, a simulator addition)."""
    body: dict[str, object] = {
        "default_cost": DEFAULT_COST,
        "endpoint_costs": [
            {"method": method, "path": "/trade-api/v2" + path, "cost": cost}
            for method, path, cost in ENDPOINT_COSTS
        ],
    }
    if sim(request).profile == "compat":
        body["tiers"] = {name: {"read": r, "write": w} for name, (r, w) in TIERS.items()}
    return reply(body)


ROUTES = [
    Route("/exchange/status", exchange_status, methods=["GET"]),
    Route("/exchange/schedule", exchange_schedule, methods=["GET"]),
    Route("/exchange/user_data_timestamp", user_data_timestamp, methods=["GET"]),
    Route("/account/limits", account_limits, methods=["GET"]),
    Route("/account/endpoint_costs", endpoint_costs, methods=["GET"]),
]
