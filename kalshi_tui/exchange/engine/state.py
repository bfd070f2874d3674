"""The whole mutable state of one simulated exchange, and deterministic id generation."""

from __future__ import annotations

import hashlib
import heapq
import random
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kalshi_tui.exchange.engine.accounts import Account
from kalshi_tui.exchange.engine.changes import Changes
from kalshi_tui.exchange.engine.model import Event, Market, Order, OrderGroup, Series
from kalshi_tui.exchange.engine.views import ExchangeError, TradeView

if TYPE_CHECKING:
    from kalshi_tui.exchange.engine.history import Past, Recent


def stable_hash(*parts: object) -> int:
    """A 64-bit hash that, unlike `hash()`, is the same in every process."""
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


@dataclass(slots=True)
class State:
    seed: int
    start_ms: int
    now_ms: int
    open_order_limit: int
    agents_enabled: bool
    series: dict[str, Series] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    markets: dict[str, Market] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    groups: dict[str, OrderGroup] = field(default_factory=dict)
    trades: list[TradeView] = field(default_factory=list)
    """Session trades, oldest first."""
    exchange_active: bool = True
    trading_active: bool = True
    deposits: int = 0
    fees_collected: int = 0
    settlement_residual: int = 0
    """Money left in (or taken from) escrow by void settlements at average cost."""
    id_counter: int = 0
    id_salt: int = 0
    """High 64 bits of every id (derived from the seed; cached)."""
    seq_counter: int = 0
    expiries: list[tuple[int, int, str]] = field(default_factory=list)
    """Heap of (expiration_ms, seq, order_id)."""
    lifecycle: list[tuple[int, int, str]] = field(default_factory=list)
    """Heap of (due_ms, stage, ticker); stage 0 open, 1 close, 2 determine, 3 settle."""
    user_resting: dict[str, int] = field(default_factory=dict)
    """ticker → number of resting orders of non-agent users (the agents favour these)."""
    rng: random.Random = field(default_factory=random.Random)
    """The agents' generator (seeded in `Exchange.__init__`)."""
    agent_last_ms: int = 0
    tickers: list[str] = field(default_factory=list)
    """Catalogue order, for cheap random picks."""
    history_cache: OrderedDict[str, Past] = field(default_factory=OrderedDict)
    """LRU of regenerated synthetic pasts (derived data, never persisted)."""
    recent_cache: dict[str, Recent] = field(default_factory=dict)
    """Each market's last synthetic day (small; derived, never persisted)."""
    quote_cache: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    """Top of the initial ladder of markets whose book is not materialised yet."""
    listings: list[tuple[str, int]] = field(default_factory=list)
    """Events listed during the session: (series_ticker, at_ms), replayed on restore."""
    changes: Changes | None = None
    """The stream's record of what changed (None while nobody streams; never persisted)."""

    def next_id(self) -> str:
        """A UUID-shaped id, unique and reproducible for a seed and call sequence."""
        self.id_counter += 1
        if not self.id_salt:
            self.id_salt = stable_hash("id", self.seed) << 64
        value = self.id_salt | self.id_counter
        return str(uuid.UUID(int=value, version=4))

    def next_seq(self) -> int:
        self.seq_counter += 1
        return self.seq_counter

    def market(self, ticker: str) -> Market:
        market = self.markets.get(ticker)
        if market is None:
            raise ExchangeError(404, "not_found", "market not found", ticker)
        return market

    def account(self, user_id: str) -> Account:
        account = self.accounts.get(user_id)
        if account is None:
            account = Account(user_id)
            self.accounts[user_id] = account
        return account

    def user_order(self, user_id: str, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None or order.user_id != user_id:
            raise ExchangeError(404, "not_found", "order not found", order_id)
        return order

    def schedule(self, due_ms: int, stage: int, ticker: str) -> None:
        heapq.heappush(self.lifecycle, (due_ms, stage, ticker))
