"""The market summary the terminal shows in its market list.

A trimmed, immutable view of a Kalshi market built from the wire model by the
market poller. Prices are YES prices in dollars as `Decimal`; `None` means the
side has no quote (never zero: a missing quote must not read as a free price).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

RESOLVED_STATUSES = frozenset({"determined", "finalized", "settled"})
"""Statuses whose result is known: positions are worth the result, not the last price."""


@dataclass(frozen=True, slots=True)
class MarketSummary:
    """One row of the market list."""

    ticker: str
    event_ticker: str
    series_ticker: str
    title: str
    status: str
    """Kalshi lifecycle status: active, inactive (paused), closed, determined, finalized, …"""
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    last_price: Decimal | None
    previous_price: Decimal | None
    """Last price 24 hours ago, for the change column."""
    volume: Decimal
    volume_24h: Decimal
    open_interest: Decimal
    close_time: datetime
    category: str = ""
    price_ranges: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()
    """Valid order prices as (start, end, step) bands; empty means whole cents."""
    exchange_index: int = 0
    """The exchange shard the market trades on (its collateral lives there)."""
    fractional: bool = True
    """Counts may have 2 decimals (every market since 2026-04-17; False only when the
    exchange says so)."""
    open_time: datetime | None = None
    """When the market opened for trading (None when the exchange does not say)."""
    result: str = ""
    """The outcome once known ("yes", "no", a scalar's "scalar"); empty before."""
    settlement_value: Decimal | None = None
    """What one YES contract pays, in dollars, once the result is known (None before)."""

    @property
    def settled_value(self) -> Decimal | None:
        """What a YES contract is worth once the market is determined or settled: its
        settlement value (1 for a yes result, 0 for no, a scalar's value); None while the
        outcome is not known (or the market was voided without one)."""
        if self.status not in RESOLVED_STATUSES:
            return None
        if self.settlement_value is not None:
            return self.settlement_value
        return {"yes": Decimal(1), "no": Decimal(0)}.get(self.result.lower())

    @property
    def change(self) -> Decimal | None:
        """Change of the last price over 24 hours, or None without both prices."""
        if self.last_price is None or self.previous_price is None:
            return None
        return self.last_price - self.previous_price

    @property
    def mid(self) -> Decimal | None:
        """Midpoint of a two-sided quote, else None."""
        if self.yes_bid is None or self.yes_ask is None:
            return None
        return (self.yes_bid + self.yes_ask) / 2
