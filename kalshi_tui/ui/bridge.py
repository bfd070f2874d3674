"""Bridges the state store into Textual, coalescing bursts into one repaint.

The store calls subscribers synchronously on every write. Repainting per write
would repaint the screen dozens of times for one portfolio poll, and a 10,000-market
refresh must be one repaint. So the bridge only accumulates the names of changed
fields and flushes them on a timer (`interval`, default 10 Hz). Changes the trader
must see at once — the trading state (a halt) and the selection — flush on the next
turn of the event loop instead of waiting for the tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.timer import Timer

from kalshi_tui.domain.store import Snapshot, Store

Renderer = Callable[[Snapshot, frozenset[str]], None]

URGENT_FIELDS = frozenset({"trading", "halt", "selected"})
"""Fields whose change is painted without waiting for the next tick."""


class StoreBridge:
    """Subscribes to `store` and calls `render(snapshot, changed)` at most once per tick."""

    def __init__(
        self, app: App[Any], store: Store, render: Renderer, *, interval: float = 0.1
    ) -> None:
        self._app = app
        self._store = store
        self._render = render
        self._interval = interval
        self._pending: set[str] = set()
        self._urgent_scheduled = False
        self._timer: Timer | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.flushes = 0

    def start(self) -> None:
        self._unsubscribe = self._store.subscribe(self._on_change)
        self._timer = self._app.set_interval(self._interval, self.flush, name="store-bridge")
        # Paint everything once at start-up.
        self._pending.add("*")
        self.flush()

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _on_change(self, _snapshot: Snapshot, changed: frozenset[str]) -> None:
        self._pending |= changed
        if changed & URGENT_FIELDS and not self._urgent_scheduled:
            self._urgent_scheduled = True
            self._app.call_later(self._flush_urgent)

    def _flush_urgent(self) -> None:
        self._urgent_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Render pending changes now, if there are any."""
        if not self._pending:
            return
        changed = frozenset(self._pending)
        self._pending.clear()
        self.flushes += 1
        self._render(self._store.snapshot, changed)
