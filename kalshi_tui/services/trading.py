"""The trading part of a session: order service, fill confirmation, resolver, reconciler.

    trading = Trading(client, Journal.open(path), store, gate)
    await trading.run()   # start-up reconciliation, then the loops, until cancelled

`run()` first reconciles with the exchange (retrying with backoff while the exchange
cannot be reached); only then does the order service accept orders (before that, a
submit is refused with code `not_reconciled`). Then three pollers run: fills, the
resolver of UNKNOWN orders (woken at once when an order becomes UNKNOWN) and the periodic
reconciliation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kalshi_tui import api
from kalshi_tui.domain.orders import PreTradeGate
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal
from kalshi_tui.services.fills import FillConfirmation
from kalshi_tui.services.orders import OrderService
from kalshi_tui.services.poller import Poller, describe_error, make_error_handler
from kalshi_tui.services.reconcile import DEFAULT_MISS_LIMIT, Reconciler

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TradingPlan:
    """Intervals and staleness thresholds (seconds) of the trading loops."""

    fills: tuple[float, float] = (2.0, 10.0)
    resolver: tuple[float, float] = (1.0, 30.0)
    reconcile: tuple[float, float] = (60.0, 300.0)
    miss_limit: int = DEFAULT_MISS_LIMIT
    """Consecutive reconciliations an open order may be missing before it is flagged."""
    lag_window: float = 5.0
    """Seconds an UNKNOWN order is looked for before it is settled as not placed."""
    startup_retry_max: float = 30.0


class Trading:
    """Owns the journal and everything that writes orders and fills into it."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        store: Store,
        gate: PreTradeGate,
        *,
        plan: TradingPlan | None = None,
        order_group_id: str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        plan = plan or TradingPlan()
        self.plan = plan
        self.journal = journal
        self._store = store
        self._sleep = sleep
        self.orders = OrderService(
            client,
            journal,
            store,
            gate,
            order_group_id=order_group_id,
            lag_window=plan.lag_window,
            sleep=sleep,
        )
        self.fills = FillConfirmation(client, journal, store, self.orders.refresh)
        self.reconciler = Reconciler(
            client, journal, store, self.orders, self.fills, miss_limit=plan.miss_limit
        )
        handler = make_error_handler(store)
        sources = {
            "fills": (self._poll_fills, plan.fills),
            "resolver": (self._resolve, plan.resolver),
            "reconcile": (self._reconcile, plan.reconcile),
        }
        self.pollers = {
            name: Poller(
                name, poll, interval=interval, stale_after=stale, store=store, on_error=handler
            )
            for name, (poll, (interval, stale)) in sources.items()
        }
        self.orders.on_unknown = self.pollers["resolver"].poke
        self._closed = False

    async def _poll_fills(self) -> None:
        await self.fills.poll()

    async def _resolve(self) -> None:
        await self.orders.resolve_all()

    async def _reconcile(self) -> None:
        await self.reconciler.run()

    async def start(self) -> None:
        """Start-up reconciliation, retried with backoff until it succeeds."""
        delay = 1.0
        while True:
            try:
                started = time.monotonic()
                await self.reconciler.startup()
                # The start-up reconciliation is a reconcile poll: its feed is fresh from
                # the moment trading is enabled (never "never loaded" after it).
                self._store.record_success("reconcile", time.monotonic() - started)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the exchange may be briefly unreachable at start
                self._store.log(
                    f"start-up reconciliation failed ({describe_error(exc)}); trading stays "
                    f"disabled, retrying in {delay:.0f}s",
                    level="error",
                )
            await self._sleep(delay)
            delay = min(delay * 2, self.plan.startup_retry_max)

    async def run(self) -> None:
        """Reconcile, then run the trading loops until cancelled."""
        await self.start()
        async with asyncio.TaskGroup() as group:
            for poller in self.pollers.values():
                group.create_task(poller.run(), name=f"trading-{poller.name}")

    def close(self) -> None:
        """Close the journal (idempotent). Cancel `run()` first."""
        if not self._closed:
            self._closed = True
            self.journal.close()
