"""The automatic kill switch: evaluates the halt triggers once a second and pulls the
kill switch when one fires.

The triggers themselves are pure (`kalshi_tui.domain.triggers`); this loop gathers what
only the services know — consecutive order failures, how long each UNKNOWN order has been
unresolved, unacknowledged reconciliation findings, the measured exchange clock skew, a
journal write failure — and hands the first trigger that fires to
`KillSwitch.trigger(name, message, value=, threshold=)`. Nothing here sends orders; a
halt it raises is persisted, cancels everything and is verified like ctrl+k.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from kalshi_tui import api
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import Store, TradingMode
from kalshi_tui.domain.triggers import Trigger, TriggerState, build_trigger_input, evaluate
from kalshi_tui.services.killswitch import KillSwitch
from kalshi_tui.services.trading import Trading

INTERVAL = 1.0
"""Seconds between evaluations: every trigger fires within one of these."""


class AutoHalt:
    """Runs the halt triggers over the store and the trading services."""

    def __init__(
        self,
        store: Store,
        killswitch: KillSwitch,
        trading: Trading,
        client: api.KalshiClient,
        limits: RiskLimits,
        *,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._killswitch = killswitch
        self._trading = trading
        self._client = client
        self._limits = limits
        self._interval = interval
        self._clock = clock
        self._session_start = clock()
        self.state = TriggerState()
        """Day-start equity and the session's equity peak (see `domain.triggers`)."""
        self.last_fired: Trigger | None = None

    def evaluate_once(self) -> Trigger | None:
        """One evaluation; pulls the kill switch if a trigger fires while not halted."""
        now = self._clock()
        snapshot = self._store.snapshot
        orders = self._trading.orders
        unknown_since = {
            intent.client_order_id: intent.updated_at.timestamp()
            for intent in self._trading.journal.unknown_intents()
        }
        blocking = snapshot.reconciliation.blocking
        mismatch = blocking[0].message if blocking else None
        inp = build_trigger_input(
            snapshot,
            now,
            session_start=self._session_start,
            consecutive_errors=orders.consecutive_failures,
            unknown_since=unknown_since,
            reconciliation_mismatch=mismatch,
            clock_skew_seconds=self._client.clock_skew_seconds,
            journal_error=orders.journal_error,
        )
        self.state, fired = evaluate(self.state, inp, self._limits)
        if fired is None or snapshot.trading.mode is TradingMode.HALTED:
            return None
        self.last_fired = fired
        self._store.log(f"AUTOMATIC HALT ({fired.name}): {fired.message}", level="error")
        self._killswitch.trigger(
            fired.name, fired.message, value=fired.value, threshold=fired.threshold
        )
        return fired

    async def run(self) -> None:
        """Evaluate every `interval` seconds until cancelled; an error is logged, never
        fatal (the next evaluation runs anyway)."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                self.evaluate_once()
            except Exception as exc:  # a bug here must not stop the loop that guards money
                self._store.log(f"automatic halt check failed: {exc!r}", level="error")
