"""The state every route shares: the engine behind its lock, the clock, profile and knobs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from starlette.requests import Request

from kalshi_tui.exchange.engine import Exchange
from kalshi_tui.exchange.http.auth import AuthWindow, KeyRegistry
from kalshi_tui.exchange.http.errors import RateLimited
from kalshi_tui.exchange.http.faults import FaultInjector
from kalshi_tui.exchange.http.ratelimit import Bucket, RateLimiter
from kalshi_tui.exchange.http.units import Profile

P = ParamSpec("P")
R = TypeVar("R")

Connections = dict[tuple[str, int], asyncio.Transport]
"""Open connections by client address, so a fault can drop one without a response."""


class VenueLock:
    """The lock every engine call holds; `after` hooks run just before each release, still
    holding it (the stream publishes what the call changed there, so every change reaches
    subscribers in the order the engine made it, before the REST reply leaves)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.after: list[Callable[[], None]] = []

    def __enter__(self) -> VenueLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for hook in self.after:
                hook()
        finally:
            self._lock.release()


@dataclass
class SimContext:
    """One simulated venue as the HTTP layer sees it."""

    engine: Exchange
    clock: Callable[[], float]
    """True wall-clock seconds; the engine runs on it (faults shift only the HTTP view)."""
    profile: Profile
    faults: FaultInjector
    limiter: RateLimiter
    keys: KeyRegistry
    auth_window: AuthWindow = field(default_factory=AuthWindow)
    lock: VenueLock = field(default_factory=VenueLock)
    """Serialises every engine call (routes, the lifecycle ticker, snapshots)."""
    connections: Connections = field(default_factory=dict)
    stream: object = None
    """The venue's `kalshi_tui.exchange.ws.hub.StreamHub` (set by `create_app`)."""
    _pause_applied: bool = False

    def now_ms(self) -> int:
        """The engine's now, epoch milliseconds."""
        return int(self.clock() * 1000)

    def server_now(self) -> float:
        """The clock the outside sees (Date header, signature window): possibly shifted."""
        return self.clock() + self.faults.config.clock_shift_s

    def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run one engine call under the lock, after applying a pending pause change."""
        with self.lock:
            self.sync_pause()
            return fn(*args, **kwargs)

    def sync_pause(self) -> None:
        """Mirror the `paused` fault into the engine (which then cancels
        cancel_order_on_pause orders); the caller holds the lock."""
        paused = self.faults.config.paused
        if paused != self._pause_applied:
            self.engine.set_trading_active(not paused, self.now_ms())
            self._pause_applied = paused

    def charge(self, account: str, bucket: Bucket, cost: float) -> None:
        """Spend rate-limit tokens or raise RateLimited."""
        if not self.limiter.take(account, bucket, cost):
            raise RateLimited()


def sim(request: Request) -> SimContext:
    """The venue serving this request."""
    context: SimContext = request.app.state.sim
    return context


def user_id(request: Request) -> str:
    """The authenticated account (set by the gateway on every /portfolio and /account route)."""
    account: str = request.scope["state"]["user_id"]
    return account
