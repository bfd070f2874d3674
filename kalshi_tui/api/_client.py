"""`KalshiClient`: the signed async client for the Kalshi Trade API v2.

One instance per session holds one long-lived `httpx.AsyncClient`. The endpoints
live in mixins by area (`_market_data`, `_portfolio`, `_trading`, `_transfers`); the request
machinery (signing, rate limits, retries, error mapping, clock skew, counters) is
in `_core`.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from ._account import AccountMixin
from ._auth import KalshiAuth
from ._market_data import MarketDataMixin
from ._ratelimit import RateLimits
from ._trading import OrderApiMode, TradingMixin
from ._transfers import TransfersMixin

DEFAULT_MAX_SKEW_SECONDS = 5.0


class KalshiClient(MarketDataMixin, TradingMixin, TransfersMixin, AccountMixin):
    """Typed async access to Kalshi. Use as `async with KalshiClient(...) as client:`.

    `base_url` ends with `/trade-api/v2`. Without `auth` only public market data
    works (portfolio calls raise AuthenticationError without sending).

    Requests go out on httpx's own transport (proxies from the environment included);
    `verify`: True for httpx's default CA bundle (or `SSL_CERT_FILE`), the path of a PEM
    CA bundle to trust instead, or an `ssl.SSLContext`. `transport` replaces httpx's (tests only).

    `clock` is wall time (Unix seconds) used to measure skew against the exchange's
    `Date` header; `monotonic` drives the rate limiter and latency. When a custom
    `clock` is given and `monotonic` is not, the clock serves as both, so a test can
    drive everything from one fake clock. `sleep` is awaited for backoff and
    rate-limit waits.
    """

    def __init__(
        self,
        base_url: str,
        auth: KalshiAuth | None = None,
        *,
        rate_limits: RateLimits | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | str | Path | bool = True,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_read_retries: int = 4,
        order_api: OrderApiMode = "auto",
        max_skew_seconds: float = DEFAULT_MAX_SKEW_SECONDS,
    ) -> None:
        if monotonic is None:
            monotonic = time.monotonic if clock is time.time else clock
        super().__init__(
            base_url,
            auth,
            rate_limits=rate_limits if rate_limits is not None else RateLimits.for_tier("basic"),
            timeout=timeout,
            transport=transport,
            verify=verify,
            clock=clock,
            monotonic=monotonic,
            sleep=sleep,
            max_read_retries=max_read_retries,
            max_skew_seconds=max_skew_seconds,
        )
        self._init_order_api(order_api)
