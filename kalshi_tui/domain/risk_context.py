"""What the pre-trade gate knows about the world when it judges an order.

`build_context(snapshot, now, ...)` turns the store's snapshot into a `RiskContext`; the
gate asks its context provider for a fresh one on every call, so a halt written to the
store blocks the very next order. Wiring is one line::

    gate = RiskGate(limits, lambda: build_context(store.snapshot, store.now(),
                                                  stale_data_seconds=limits.stale_data_seconds,
                                                  in_flight=orders.in_flight()))

What the wiring must supply beyond the snapshot: `in_flight`, the drafts the gate has
approved that the exchange does not show yet (sent, or UNKNOWN). The snapshot holds
resting orders, positions and balance (one "portfolio" poll) and the book of the selected
market only, so the collar can be checked for the selected market alone — which is where
the ticket is opened.

Freshness comes from the store's per-poller `Health`: a feed that never loaded, or whose
last success is older than its threshold, is listed in `stale` with the reason, its age
and its limit, and the gate refuses any order whose checks need it (never reading the
missing data as zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Balance, ExchangeState, Order, OrderBook, Position
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.domain.store import Health, Snapshot, TradingState

EXCHANGE = "exchange"
MARKETS = "markets"
ORDERBOOK = "orderbook"
PORTFOLIO = "portfolio"
GATE_FEEDS = (EXCHANGE, MARKETS, ORDERBOOK, PORTFOLIO)
"""The pollers (store health names) whose data the gate reads."""


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """Why one feed's data cannot be trusted now."""

    reason: str
    age: float | None = None
    """Seconds since its last success; None when it never succeeded."""
    limit: float | None = None
    """The age it may reach."""


def _empty() -> Mapping[str, FeedProblem]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The inputs of one gate decision: the account, the markets and their freshness."""

    now: float
    """Wall-clock Unix seconds (the throttle's clock)."""
    trading: TradingState
    exchange: ExchangeState | None
    markets: Mapping[str, MarketSummary]
    book: OrderBook | None
    """The freshest book the store has (the selected market's)."""
    positions: Mapping[str, Position]
    orders: tuple[Order, ...]
    """Resting orders on the exchange."""
    in_flight: tuple[OrderDraft, ...]
    """Approved orders the exchange does not show yet; counted as if resting."""
    balance: Balance | None
    stale: Mapping[str, FeedProblem] = field(default_factory=_empty)
    """Feed name → why its data cannot be trusted (absent when the feed is fresh)."""


def feed_problem(
    health: Health | None, now: float, max_age: float | None = None
) -> FeedProblem | None:
    """Why a feed's data is unusable now, or None when it is fresh.

    `max_age` tightens the poller's own threshold (the book an order is priced from).
    """
    if health is None:
        return FeedProblem("never polled")
    limit = health.stale_after if max_age is None else min(health.stale_after, max_age)
    age = health.age(now)
    if age is None:
        detail = f" ({health.last_error})" if health.last_error else ""
        return FeedProblem("never loaded" + detail, None, limit)
    if age > limit:
        return FeedProblem(f"{age:.1f} s old (limit {limit:g} s)", age, limit)
    return None


def build_context(
    snapshot: Snapshot,
    now: float,
    *,
    stale_data_seconds: float,
    in_flight: Iterable[OrderDraft] = (),
) -> RiskContext:
    """The gate's inputs from the store snapshot at `now` (Unix seconds)."""
    stale: dict[str, FeedProblem] = {}
    for name in GATE_FEEDS:
        max_age = stale_data_seconds if name == ORDERBOOK else None
        problem = feed_problem(snapshot.health.get(name), now, max_age)
        if problem is not None:
            stale[name] = problem
    if snapshot.exchange is None:
        stale.setdefault(EXCHANGE, FeedProblem("exchange status not loaded"))
    if snapshot.balance is None:
        stale.setdefault(PORTFOLIO, FeedProblem("balance not loaded"))
    return RiskContext(
        now=now,
        trading=snapshot.trading,
        exchange=snapshot.exchange,
        markets=snapshot.markets_by_ticker,
        book=snapshot.book,
        positions=MappingProxyType({p.ticker: p for p in snapshot.positions}),
        orders=snapshot.orders,
        in_flight=tuple(in_flight),
        balance=snapshot.balance,
        stale=MappingProxyType(stale),
    )
