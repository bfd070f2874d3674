"""A trading session: one client, one store, and the pollers that keep the store fresh.

The UI builds a `Session` through `open_session` (or a test builds one against the
embedded exchange), runs `session.run()` in a worker, and renders the store.
`close()` stops everything: pollers cancelled, the HTTP client closed, and for a
demo session the embedded exchange stopped and its state saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kalshi_tui import api
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.services.feeds import Feeds
from kalshi_tui.services.poller import Poller, make_error_handler

if TYPE_CHECKING:
    from kalshi_tui.exchange.server import RunningExchange


@dataclass(frozen=True, slots=True)
class PollPlan:
    """Intervals and staleness thresholds (seconds) for each concern."""

    exchange: tuple[float, float] = (10.0, 30.0)
    markets: tuple[float, float] = (5.0, 60.0)
    orderbook: tuple[float, float] = (1.0, 5.0)
    history: tuple[float, float] = (30.0, 120.0)
    portfolio: tuple[float, float] = (2.0, 10.0)
    settlements: tuple[float, float] = (60.0, 300.0)


class Session:
    """Owns the client, the store and the pollers of one running terminal."""

    def __init__(
        self,
        client: api.KalshiClient,
        store: Store,
        *,
        plan: PollPlan | None = None,
        exchange: RunningExchange | None = None,
        on_close: Callable[[], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`monotonic` times poll latency; a test freezes it (with the store's clock) for
        deterministic screens."""
        self.client = client
        self.store = store
        self.exchange = exchange
        """The embedded exchange of a demo session (stopped and saved by `close()`)."""
        self.feeds = Feeds(client, store, clock=store.now)
        self._on_close = on_close
        self._closed = False
        plan = plan or PollPlan()
        handler = make_error_handler(store)
        sources = {
            "exchange": (self.feeds.exchange_status, plan.exchange),
            "markets": (self.feeds.markets, plan.markets),
            "orderbook": (self.feeds.orderbook, plan.orderbook),
            "history": (self.feeds.history, plan.history),
            "portfolio": (self.feeds.portfolio, plan.portfolio),
            "settlements": (self.feeds.settlements, plan.settlements),
        }
        self.pollers = {
            name: Poller(
                name,
                poll,
                interval=interval,
                stale_after=stale,
                store=store,
                on_error=handler,
                monotonic=monotonic,
            )
            for name, (poll, (interval, stale)) in sources.items()
        }
        self._unsubscribe = store.subscribe(self._on_store_change)

    @property
    def snapshot(self) -> Snapshot:
        return self.store.snapshot

    async def run(self) -> None:
        """Run every poller until cancelled."""
        async with asyncio.TaskGroup() as group:
            for poller in self.pollers.values():
                group.create_task(poller.run(), name=f"poll-{poller.name}")

    async def refresh(self) -> None:
        """One round of every poll, in dependency order (start-up and tests)."""
        for name in ("exchange", "markets", "orderbook", "history", "portfolio", "settlements"):
            await self.pollers[name].run_once()

    def select(self, ticker: str) -> None:
        """Select a market: its book and chart are fetched now, not at the next tick."""
        if self.store.snapshot.selected == ticker:
            return
        self.store.update(selected=ticker, book=None, history=None)

    def set_history_period(self, minutes: int) -> None:
        if self.store.snapshot.history_period != minutes:
            self.store.update(history_period=minutes, history=None)

    def _on_store_change(self, _snapshot: Snapshot, changed: frozenset[str]) -> None:
        if "selected" in changed:
            self.pollers["orderbook"].poke()
            self.pollers["history"].poke()
        elif "history_period" in changed:
            self.pollers["history"].poke()

    @property
    def closed(self) -> bool:
        """True once `close()` has run: pollers stopped, client closed, demo state saved."""
        return self._closed

    async def close(self) -> None:
        """Stop using the network and release resources (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        with contextlib.suppress(Exception):
            await self.client.aclose()
        if self.exchange is not None:
            self.exchange.stop()
        if self._on_close is not None:
            self._on_close()
