"""The app factory: one Starlette application for one simulated venue.

`create_app` takes every dependency explicitly (engine, clock, profile, faults, rate limits,
key registry) so the server, the sim CLI and the tests build the same thing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp

from kalshi_tui.exchange.engine import Exchange, ExchangeError
from kalshi_tui.exchange.http import (
    routes_exchange,
    routes_groups,
    routes_markets,
    routes_orders,
    routes_portfolio,
    routes_transfers,
)
from kalshi_tui.exchange.http.auth import AuthWindow, KeyRegistry
from kalshi_tui.exchange.http.context import Connections, SimContext
from kalshi_tui.exchange.http.errors import (
    ApiError,
    RateLimited,
    RouteMissing,
    current_code,
    error_response,
    route_missing_response,
    too_many_requests,
)
from kalshi_tui.exchange.http.faults import FaultInjector
from kalshi_tui.exchange.http.gateway import PREFIX, Gateway
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig, RateLimiter
from kalshi_tui.exchange.http.units import Profile
from kalshi_tui.exchange.ws import route as ws_route
from kalshi_tui.exchange.ws.hub import StreamHub

log = logging.getLogger(__name__)


async def _api_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        return error_response(exc)
    assert isinstance(exc, ExchangeError)
    code = current_code(exc.code) if request.app.state.sim.profile == "current" else exc.code
    return error_response(ApiError(exc.status, code, exc.message, exc.details))


async def _rate_limited(request: Request, exc: Exception) -> Response:
    return too_many_requests()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return route_missing_response(exc.status_code)
    return error_response(ApiError(exc.status_code, "invalid_parameters", str(exc.detail)))


async def _route_missing(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RouteMissing)
    return route_missing_response(exc.status)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error serving %s %s", request.method, request.url.path)
    return error_response(ApiError(500, "internal_server_error", "internal server error"))


def routes(profile: Profile = "compat") -> list[BaseRoute]:
    """Every REST route under /trade-api/v2 that `profile` serves (`current` serves only
    documented routes)."""
    return [
        *routes_exchange.ROUTES,
        *routes_markets.ROUTES,
        *routes_portfolio.ROUTES,
        *routes_transfers.ROUTES,
        *routes_orders.ROUTES,
        *routes_groups.ROUTES,
        *(routes_orders.SIMULATOR_ONLY if profile != "current" else []),
    ]


def create_app(
    engine: Exchange,
    *,
    keys: KeyRegistry,
    clock: Callable[[], float] = time.time,
    profile: Profile = "compat",
    faults: FaultInjector | None = None,
    rate_limits: RateLimitConfig | None = None,
    auth_window: AuthWindow | None = None,
    connections: Connections | None = None,
) -> tuple[ASGIApp, SimContext]:
    """The ASGI app for one venue (REST under /trade-api/v2, the stream at
    /trade-api/ws/v2), and the context its routes share (for the server/tests)."""
    context = SimContext(
        engine=engine,
        clock=clock,
        profile=profile,
        faults=faults or FaultInjector(),
        limiter=RateLimiter(rate_limits or RateLimitConfig()),
        keys=keys,
        auth_window=auth_window or AuthWindow(),
        connections=connections if connections is not None else {},
    )
    app = Starlette(
        routes=[Mount(PREFIX, routes=routes(profile)), *ws_route.ROUTES],
        exception_handlers={
            ApiError: _api_error,
            ExchangeError: _api_error,
            RateLimited: _rate_limited,
            RouteMissing: _route_missing,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.sim = context
    app.state.stream = context.stream = StreamHub(context)
    return Gateway(app, context), context
