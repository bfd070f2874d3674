"""The central state store: one immutable snapshot of everything the panes render.

Workers write into it with `update(...)`; every write replaces the snapshot with a
new frozen object and tells subscribers which fields changed. The UI subscribes
once and coalesces bursts into one repaint (see `kalshi_tui.ui.bridge`). The store
runs on the application's event loop: it is not thread-safe and needs no locks.

It also keeps a bounded, sequence-numbered log of events (connections, errors,
fills seen, status changes) that the log pane tails.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import (
    Balance,
    ExchangeState,
    Fill,
    Order,
    OrderBook,
    Position,
    PriceHistory,
    Settlement,
)
from kalshi_tui.domain.pnl_view import PnlView
from kalshi_tui.domain.trading import PendingOrder, Reconciliation

LOG_CAPACITY = 5000
"""Log entries kept in memory; older ones are dropped (the journal keeps everything)."""


class TradingMode(enum.Enum):
    """What the terminal lets the trader do."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    """Only orders that reduce a position."""
    HALTED = "HALTED"
    """Only cancels and reads."""


@dataclass(frozen=True, slots=True)
class TradingState:
    mode: TradingMode = TradingMode.ACTIVE
    reason: str = ""
    since: float | None = None
    """Wall-clock time (Unix seconds) the mode was entered."""


@dataclass(frozen=True, slots=True)
class HaltProgress:
    """The kill switch's clean-up after a halt, for the banner (see services/killswitch)."""

    trigger: str
    reason: str
    started: float
    """Wall-clock time (Unix seconds) the halt was triggered."""
    verified: bool = False
    """True once the exchange listed zero resting orders after the cancels (VERIFIED);
    until then the banner says UNVERIFIED."""
    cancelled: int = 0
    """Orders the clean-up cancelled so far."""
    resting: int | None = None
    """Resting orders the exchange listed last time; None before the first listing."""
    elapsed: float | None = None
    """Seconds from the trigger to verification (None while unverified)."""
    attempts: int = 0
    last_error: str = ""
    durable: bool = True
    """False when the journal could not persist the halt (it holds in memory anyway)."""

    @property
    def label(self) -> str:
        return "VERIFIED" if self.verified else "UNVERIFIED"


@dataclass(frozen=True, slots=True)
class Health:
    """How one poller is doing. Times are wall-clock Unix seconds."""

    interval: float
    stale_after: float
    """Data older than this many seconds is shown as stale."""
    last_success: float | None = None
    last_attempt: float | None = None
    latency: float | None = None
    """Seconds the last successful poll took."""
    errors: int = 0
    consecutive_errors: int = 0
    last_error: str = ""
    registered: float | None = None
    """When the poller was registered (`Store.ensure_health`); None if unknown."""

    def age(self, now: float) -> float | None:
        """Seconds since the last success, or None if it never succeeded."""
        return None if self.last_success is None else max(0.0, now - self.last_success)

    def is_stale(self, now: float) -> bool:
        """True when the data is older than its threshold, or was never loaded."""
        age = self.age(now)
        return age is None or age > self.stale_after

    def is_starting(self, now: float) -> bool:
        """True while a registered poller has not finished its first poll yet, without an
        error, for at most `stale_after` seconds: shown as "loading", not as stale. The risk
        gate still treats the feed as never loaded (`is_stale`)."""
        return (
            self.last_success is None
            and self.consecutive_errors == 0
            and self.registered is not None
            and now - self.registered <= self.stale_after
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    time: float
    level: str
    """info, warning or error."""
    text: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the panes show, at one moment. Never mutated: replaced."""

    environment: str = "demo"
    exchange: ExchangeState | None = None
    markets: tuple[MarketSummary, ...] = ()
    markets_by_ticker: Mapping[str, MarketSummary] = field(
        default_factory=lambda: MappingProxyType({})
    )
    selected: str | None = None
    book: OrderBook | None = None
    history: PriceHistory | None = None
    history_period: int = 60
    """Candle period in minutes for the price chart (1, 60 or 1440)."""
    balance: Balance | None = None
    positions: tuple[Position, ...] = ()
    orders: tuple[Order, ...] = ()
    """Resting orders."""
    fills: tuple[Fill, ...] = ()
    """Recent fills, newest first."""
    settlements: tuple[Settlement, ...] = ()
    health: Mapping[str, Health] = field(default_factory=lambda: MappingProxyType({}))
    trading: TradingState = TradingState()
    halt: HaltProgress | None = None
    """Progress of the kill switch's clean-up; None when trading is not halted."""
    rate_headroom: float | None = None
    """Fraction of the read budget available, 0–1."""
    pending_orders: tuple[PendingOrder, ...] = ()
    """Order intents in flight or UNKNOWN (outcome not confirmed by the exchange)."""
    reconciliation: Reconciliation = field(default_factory=Reconciliation)
    """Journal-versus-exchange findings; unacknowledged blocking ones stop new orders."""
    trading_ready: bool = False
    """True once start-up reconciliation has run and orders may be submitted."""
    pnl: PnlView | None = None
    """FIFO P&L from the journal, cross-checked against the exchange; None until loaded."""

    def market(self, ticker: str | None) -> MarketSummary | None:
        return None if ticker is None else self.markets_by_ticker.get(ticker)


Subscriber = Callable[[Snapshot, frozenset[str]], None]

_FIELDS = frozenset(f.name for f in dataclasses.fields(Snapshot))


class Store:
    """Holds the current snapshot and notifies subscribers of changes."""

    def __init__(
        self, snapshot: Snapshot | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._snapshot = snapshot or Snapshot()
        self._subscribers: list[Subscriber] = []
        self._clock = clock
        self._log: deque[LogEntry] = deque(maxlen=LOG_CAPACITY)
        self._log_seq = 0

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def now(self) -> float:
        return self._clock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(snapshot, changed_fields)` after every change; returns an unsubscriber."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def update(self, **changes: Any) -> None:
        """Replace the named fields. Unknown names are a programming error."""
        unknown = set(changes) - _FIELDS
        if unknown:
            raise TypeError(f"Snapshot has no field(s) {sorted(unknown)}")
        if "markets" in changes and "markets_by_ticker" not in changes:
            markets: tuple[MarketSummary, ...] = tuple(changes["markets"])
            changes["markets"] = markets
            changes["markets_by_ticker"] = MappingProxyType({m.ticker: m for m in markets})
        self._snapshot = dataclasses.replace(self._snapshot, **changes)
        self._publish(frozenset(changes))

    # --- health -------------------------------------------------------------------------

    def ensure_health(self, name: str, interval: float, stale_after: float) -> None:
        """Register a poller so its pane can show "never loaded" before its first poll."""
        if name not in self._snapshot.health:
            self._set_health(
                name,
                Health(interval=interval, stale_after=stale_after, registered=self._clock()),
            )

    def record_success(self, name: str, latency: float) -> None:
        now = self._clock()
        old = self._snapshot.health.get(name) or Health(interval=0.0, stale_after=10.0)
        self._set_health(
            name,
            dataclasses.replace(
                old, last_success=now, last_attempt=now, latency=latency, consecutive_errors=0
            ),
        )

    def record_failure(self, name: str, error: str) -> Health:
        now = self._clock()
        old = self._snapshot.health.get(name) or Health(interval=0.0, stale_after=10.0)
        new = dataclasses.replace(
            old,
            last_attempt=now,
            errors=old.errors + 1,
            consecutive_errors=old.consecutive_errors + 1,
            last_error=error,
        )
        self._set_health(name, new)
        return new

    def _set_health(self, name: str, value: Health) -> None:
        health = dict(self._snapshot.health)
        health[name] = value
        self.update(health=MappingProxyType(health))

    # --- log ----------------------------------------------------------------------------

    def log(self, text: str, level: str = "info") -> LogEntry:
        """Append an event to the log tail."""
        self._log_seq += 1
        entry = LogEntry(seq=self._log_seq, time=self._clock(), level=level, text=text)
        self._log.append(entry)
        self._publish(frozenset({"log"}))
        return entry

    def log_since(self, seq: int) -> list[LogEntry]:
        """Entries with a sequence number above `seq`, oldest first."""
        if not self._log or self._log[-1].seq <= seq:
            return []
        return [e for e in self._log if e.seq > seq]

    def _publish(self, changed: frozenset[str]) -> None:
        snapshot = self._snapshot
        for callback in list(self._subscribers):
            callback(snapshot, changed)
