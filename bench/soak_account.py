"""One "process" of the soak: a client, a journal and the trading services, wired the way
`Session` wires them (order group, kill switch, halt watcher, trading), and closable and
reopenable against the same exchange to simulate a restart.

The pieces are built here rather than through `Session` only to pass shorter kill-switch
backoffs and a no-wait client sleep (the soak's time goes into actions, not pauses); the
order of construction and start-up is `Session`'s: the persisted halt applied to the store
first, the app's order group ensured, start-up reconciliation before any order is accepted,
then the halt watcher, which re-runs the halt's clean-up if the journal says HALTED.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui import api
from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal import Journal
from kalshi_tui.services.halt_info import apply_persisted_halt
from kalshi_tui.services.halt_watch import HaltWatcher
from kalshi_tui.services.killswitch import KillSwitch
from kalshi_tui.services.order_group import OrderGroupKeeper
from kalshi_tui.services.pnl import PnlTracker
from kalshi_tui.services.trading import Trading, TradingPlan

CLIENT_TIMEOUT_S = 0.3
"""The soak client's request timeout; a `timeout` fault delays a write past it."""
STARTUP_ATTEMPTS = 200
UNLIMITED_PAGES = 4294967294
"""SQLite's largest `max_page_count`: no limit."""


async def no_wait(_seconds: float) -> None:
    """The client's backoff sleep in the soak: yield, do not wait (faults are not timed)."""
    await asyncio.sleep(0)


def allow_all(draft: OrderDraft) -> Denial | None:
    """The soak's pre-trade gate: every order passes (the soak is about the order path)."""
    del draft
    return None


class Account:
    """The soak's trading process; `open()` / `close()` are a start and a clean exit."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        key: rsa.RSAPrivateKey,
        journal_path: Path,
        clock: Callable[[], float],
        *,
        lag_window: float = 0.0,
        timeout: float = CLIENT_TIMEOUT_S,
        pnl: bool = False,
    ) -> None:
        self._base_url = base_url
        self._key_id = key_id
        self._key = key
        self._path = journal_path
        self._clock = clock
        self._timeout = timeout
        self._plan = TradingPlan(lag_window=lag_window, miss_limit=3)
        self.client: api.KalshiClient | None = None
        self.store = Store(Snapshot(environment="demo"))
        self._trading: Trading | None = None
        self._killswitch: KillSwitch | None = None
        self._watcher: HaltWatcher | None = None
        self.keeper: OrderGroupKeeper | None = None
        self._with_pnl = pnl
        self.pnl: PnlTracker | None = None
        """The P&L tracker, wired as `Session` wires it (with `pnl=True`)."""
        self.disk_full = False
        """While True, the journal connection cannot grow the database (`SQLITE_FULL`)."""

    @property
    def trading(self) -> Trading:
        assert self._trading is not None, "the account is not open"
        return self._trading

    @property
    def killswitch(self) -> KillSwitch:
        assert self._killswitch is not None, "the account is not open"
        return self._killswitch

    @property
    def journal_path(self) -> Path:
        return self._path

    @property
    def journal(self) -> Journal:
        return self.trading.journal

    def open(self) -> None:
        """Build everything (nothing is sent yet; orders are refused until `start`)."""
        self.client = api.KalshiClient(
            self._base_url,
            api.KalshiAuth(self._key_id, self._key, clock=self._clock),
            rate_limits=api.RateLimits.unlimited(),
            timeout=self._timeout,
            clock=self._clock,
            monotonic=time.monotonic,
            sleep=no_wait,
            # The simulated clock stands still while the driver works, so the client's
            # Date-header skew estimate (taken against its monotonic clock) drifts; the
            # exchange checks signatures against the same simulated clock.
            max_skew_seconds=1e9,
        )
        self.store = Store(Snapshot(environment="demo"))
        journal = Journal.open(self._path)
        apply_persisted_halt(journal, self.store)
        keeper = OrderGroupKeeper(self.client, journal)
        self.keeper = keeper
        self._killswitch = KillSwitch(
            self.client,
            journal,
            self.store,
            group_id=lambda: keeper.group_id,
            unacknowledged_findings=lambda: len(self.store.snapshot.reconciliation.blocking),
            on_rearm=self._rearm_order_group,
            attempt_timeout=2.0,
            backoff_start=0.001,
            backoff_cap=0.01,
        )
        self._watcher = HaltWatcher(journal, self._killswitch, self.store)
        self._trading = Trading(self.client, journal, self.store, allow_all, plan=self._plan)
        self._trading.orders.before_submit = self._killswitch.rearmed  # as `Session`
        if self._with_pnl:
            # As `Session`: the tracker catches up with the journal after every fill poll
            # (and on its own tail timer: `tail_pnl`).
            self.pnl = PnlTracker(journal, self.store)
            self._trading.fills.on_fills = self._fills_arrived
        self.set_disk_full(self.disk_full)

    def set_disk_full(self, full: bool) -> None:
        """Make the journal's disk full (or not): `PRAGMA max_page_count` at the current
        size, so every write that needs a new page fails with SQLite's own "database or
        disk is full" (`SQLITE_FULL`), as on a full disk. Per connection: only the app's."""
        self.disk_full = full
        if self._trading is None:
            return
        conn = self.journal._conn  # the app's own connection, through SQLite
        if full:
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            conn.execute(f"PRAGMA max_page_count = {pages}")
        else:
            conn.execute(f"PRAGMA max_page_count = {UNLIMITED_PAGES}")

    def _fills_arrived(self, _new: list[Fill]) -> None:
        if self.pnl is not None:
            self.pnl.catch_up()

    def tail_pnl(self) -> None:
        """The P&L tracker's tail poll (the app's runs every `pnl.TAIL_INTERVAL`)."""
        if self.pnl is not None:
            self.pnl.catch_up()

    def watch(self) -> None:
        """The halt watcher's look at the journal (the app's runs every 0.25 s)."""
        assert self._watcher is not None
        self._watcher.check()

    async def _rearm_order_group(self) -> None:
        """As `Session._rearm_order_group`: reset or replace the group, tell the service."""
        assert self.keeper is not None
        self.trading.orders.order_group_id = await self.keeper.rearm()

    async def start(self) -> int:
        """Order group, then start-up reconciliation (retried while faults refuse it), then
        the halt watcher's first look. Returns the failed attempts."""
        failures = 0
        if self.pnl is not None:
            await self.pnl.load()  # as `Session`, before trading starts
        for _ in range(3):
            try:
                assert self.keeper is not None
                self.trading.orders.order_group_id = await self.keeper.ensure()
                break
            except api.KalshiError:
                failures += 1
        for _ in range(STARTUP_ATTEMPTS):
            try:
                await self.trading.reconciler.startup()
                break
            except api.KalshiError:
                failures += 1
        else:
            raise RuntimeError(f"start-up reconciliation failed {STARTUP_ATTEMPTS} times")
        assert self._watcher is not None
        self._watcher.check()
        await self.killswitch.settled()
        return failures

    async def close(self) -> None:
        """A clean exit: stop the clean-up task, close the journal and the client."""
        if self._killswitch is not None:
            await self._killswitch.close()
        if self.pnl is not None:
            self.pnl.close()
            self.pnl = None
        if self._trading is not None:
            self._trading.close()
        if self.client is not None:
            await self.client.aclose()
        self._trading = self._killswitch = self._watcher = None
        self.client = None
