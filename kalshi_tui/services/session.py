"""A trading session: one client, one store, and the pollers that keep the store fresh.

The UI builds a `Session` through `open_session` (or a test builds one against the
embedded exchange), runs `session.run()` in a worker, and renders the store.
`close()` stops everything: pollers cancelled, the HTTP client closed, and for a
demo session the embedded exchange stopped and its state saved.

Given the account's journal (and a pre-trade gate), the session also trades: `session.trading`
holds the order service, fill confirmation and reconciler (`services/trading.py`), and
`run()` starts them with the pollers; orders are accepted once start-up reconciliation
has finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kalshi_tui import api
from kalshi_tui.domain.orders import PreTradeGate
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.services.feeds import Feeds
from kalshi_tui.services.pnl import PnlTracker
from kalshi_tui.services.poller import Poller, describe_error, make_error_handler
from kalshi_tui.services.trading import Trading, TradingPlan

if TYPE_CHECKING:
    from kalshi_tui.domain.models import Fill
    from kalshi_tui.domain.risk_limits import RiskLimits
    from kalshi_tui.exchange.server import RunningExchange
    from kalshi_tui.journal import Journal
    from kalshi_tui.services.alerts import Alerts
    from kalshi_tui.services.auto_halt import AutoHalt
    from kalshi_tui.services.halt_watch import HaltWatcher
    from kalshi_tui.services.killswitch import KillSwitch
    from kalshi_tui.services.order_group import OrderGroupKeeper


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
        journal: Journal | None = None,
        gate: PreTradeGate | None = None,
        trading_plan: TradingPlan | None = None,
        alerts: Alerts | None = None,
        risk_limits: RiskLimits | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`monotonic` times poll latency; a test freezes it (with the store's clock) for
        deterministic screens."""
        if journal is not None and gate is None:
            raise ValueError("a trading session needs a pre-trade gate")
        self.client = client
        self.store = store
        self.exchange = exchange
        """The embedded exchange of a demo session (stopped and saved by `close()`)."""
        self.journal = journal
        """The account's journal; with it the session has a kill switch (comes up HALTED
        when the journal says so) and watches for halts from other processes."""
        self.alerts = alerts
        self.killswitch: KillSwitch | None = None
        self.order_groups: OrderGroupKeeper | None = None
        self.halt_watcher: HaltWatcher | None = None
        if journal is not None:
            self._arm_kill_switch(journal)
        self.feeds = Feeds(client, store, clock=store.now, monotonic=monotonic)
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
        self._unsubscribe_alerts: Callable[[], None] = lambda: None
        self.trading: Trading | None = None
        """Orders, fills and reconciliation; None for a read-only session (no journal)."""
        self.pnl: PnlTracker | None = None
        """FIFO P&L from the journal (`snapshot.pnl`), when trading."""
        if journal is not None and gate is not None:
            self.trading = Trading(client, journal, store, gate, plan=trading_plan)
            self.pnl = PnlTracker(journal, store)
            self.pnl.on_fills = self.feeds.merge_fills
            self.trading.fills.on_fills = self._fills_arrived
            self.trading.orders.on_change = self.pollers["portfolio"].poke
            self.trading.orders.before_submit = self._rearmed
            self.feeds.poll_fills = False  # fill confirmation reads, logs and hands them on
        self.auto_halt: AutoHalt | None = None
        """The automatic kill switch (halt triggers once a second), when trading."""
        if risk_limits is not None:
            self._arm_auto_halt(risk_limits)
        if self.alerts is not None and self.trading is not None:
            self._send_trading_alerts(self.alerts, self.trading)

    def _fills_arrived(self, new: list[Fill]) -> None:
        """New fills, journaled oldest first: the P&L book catches up with the journal
        (these and whatever else was journaled), then the recent-fills list and the
        webhook."""
        tailed = self.pnl.catch_up() if self.pnl is not None else []
        self.feeds.merge_fills([*new, *tailed])
        if self.alerts is not None:
            for fill in new:
                self.alerts.fill(fill)

    def _send_trading_alerts(self, alerts: Alerts, trading: Trading) -> None:
        """Fills, rejects and new reconciliation findings go to the webhook (queued: a slow
        or failing webhook never holds up trading)."""

        trading.orders.on_reject = alerts.reject
        seen: set[str] = set()

        def findings(snapshot: Snapshot, changed: frozenset[str]) -> None:
            if "reconciliation" not in changed:
                return
            for finding in snapshot.reconciliation.findings:
                if finding.finding_id not in seen:
                    seen.add(finding.finding_id)
                    alerts.finding(finding.kind, finding.message)

        self._unsubscribe_alerts = self.store.subscribe(findings)

    def _arm_auto_halt(self, limits: RiskLimits) -> None:
        from kalshi_tui.services.auto_halt import AutoHalt

        if self.trading is not None and self.killswitch is not None:
            self.auto_halt = AutoHalt(
                self.store, self.killswitch, self.trading, self.client, limits
            )

    def _arm_kill_switch(self, journal: Journal) -> None:
        from kalshi_tui.services.halt_info import apply_persisted_halt
        from kalshi_tui.services.halt_watch import HaltWatcher
        from kalshi_tui.services.killswitch import KillSwitch
        from kalshi_tui.services.order_group import OrderGroupKeeper

        apply_persisted_halt(journal, self.store)
        keeper = OrderGroupKeeper(self.client, journal)
        self.order_groups = keeper
        self.killswitch = KillSwitch(
            self.client,
            journal,
            self.store,
            group_id=lambda: keeper.group_id,
            alerts=self.alerts,
            unacknowledged_findings=lambda: len(self.store.snapshot.reconciliation.blocking),
            on_rearm=self._rearm_order_group,
        )
        self.halt_watcher = HaltWatcher(journal, self.killswitch, self.store)

    async def _rearmed(self) -> None:
        """New orders wait for a resume's order-group reset (`KillSwitch.rearmed`)."""
        if self.killswitch is not None:
            await self.killswitch.rearmed()

    async def _rearm_order_group(self) -> None:
        """After a resume: the group reset (or replaced), and the order service told."""
        if self.order_groups is None:
            return
        group_id = await self.order_groups.rearm()
        if self.trading is not None:
            self.trading.orders.order_group_id = group_id

    @property
    def snapshot(self) -> Snapshot:
        return self.store.snapshot

    async def run(self) -> None:
        """Run every poller (and the halt watcher and alert sender) until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.plan_rate_limits(), name="rate-plan")
            for poller in self.pollers.values():
                group.create_task(poller.run(), name=f"poll-{poller.name}")
            if self.halt_watcher is not None:
                group.create_task(self.halt_watcher.run(), name="halt-watch")
            if self.alerts is not None:
                group.create_task(self.alerts.run(), name="alerts")
            if self.trading is not None:
                group.create_task(self._run_trading(self.trading), name="trading")
            if self.auto_halt is not None:
                group.create_task(self.auto_halt.run(), name="auto-halt")
            if self.pnl is not None:
                group.create_task(self.pnl.run(), name="pnl-tail")

    async def plan_rate_limits(self) -> api.RatePlan | None:
        """Plan requests from the account's own limits and endpoint costs; one log line
        says what was planned (a warning when it fell back to the documented defaults).
        Never takes the session down: the client keeps the plan it was built with."""
        try:
            plan = await self.client.plan_rate_limits()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.store.log(
                f"could not read the account's rate limits ({describe_error(exc)}); "
                "planning with the configured tier's",
                level="warning",
            )
            return None
        self.store.log(plan.describe(), level="warning" if plan.problems else "info")
        return plan

    async def _run_trading(self, trading: Trading) -> None:
        """Attach the app's order group (so the exchange itself can cancel our orders on a
        halt), then reconcile and trade."""
        if self.order_groups is not None:
            try:
                trading.orders.order_group_id = await asyncio.wait_for(
                    self.order_groups.ensure(), timeout=10
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an exchange without order groups still trades
                self.store.log(
                    f"could not create the app's order group ({exc}); orders are placed "
                    "without one and a halt cancels them one by one",
                    level="warning",
                )
        if self.pnl is not None:
            try:
                await self.pnl.load()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # P&L is shown, not traded on: never block trading
                self.store.log(f"could not load P&L from the journal: {exc}", level="error")
        await trading.run()

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
        self._unsubscribe_alerts()
        if self.killswitch is not None:
            await self.killswitch.close()
        if self.pnl is not None:
            self.pnl.close()
        if self.trading is not None:
            self.trading.close()
        with contextlib.suppress(Exception):
            await self.client.aclose()
        if self.journal is not None:
            self.journal.close()
        if self.exchange is not None:
            self.exchange.stop()
        if self._on_close is not None:
            self._on_close()
