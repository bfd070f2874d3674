"""Domain models of what the terminal shows: books, balances, positions, orders, fills.

These are independent of the wire generation (legacy cents or current `_dollars`):
pollers convert the API client's wire models into them. Prices are dollars as
`Decimal`, counts are contracts as `Decimal` (Kalshi allows 0.01 contracts), and
money is dollars as `Decimal`. Nothing here is ever a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]

ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price level of resting bids: `count` contracts bid at `price`."""

    price: Decimal
    count: Decimal


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Resting bids on each side of one market.

    Kalshi's book holds only bids: a NO bid at q is a YES ask at 1 − q. Levels are
    ascending by price, best (highest) bid last, as the exchange sends them.
    """

    ticker: str
    yes: tuple[BookLevel, ...]
    no: tuple[BookLevel, ...]

    @property
    def best_yes_bid(self) -> Decimal | None:
        return self.yes[-1].price if self.yes else None

    @property
    def best_no_bid(self) -> Decimal | None:
        return self.no[-1].price if self.no else None

    @property
    def best_yes_ask(self) -> Decimal | None:
        """Best price to buy YES: 1 − the best NO bid."""
        return ONE - self.no[-1].price if self.no else None

    @property
    def best_no_ask(self) -> Decimal | None:
        return ONE - self.yes[-1].price if self.yes else None

    @property
    def spread(self) -> Decimal | None:
        bid, ask = self.best_yes_bid, self.best_yes_ask
        return None if bid is None or ask is None else ask - bid

    @property
    def mid(self) -> Decimal | None:
        bid, ask = self.best_yes_bid, self.best_yes_ask
        return None if bid is None or ask is None else (bid + ask) / 2


@dataclass(frozen=True, slots=True)
class Balance:
    """Account cash and the exchange's valuation of open positions (dollars).

    `cash` is the exchange's available balance over every shard; `shards` breaks it down
    as (exchange_index, free balance) pairs, ascending. Empty means the exchange sent no
    breakdown (an unsharded exchange): everything is on shard 0.
    """

    cash: Decimal
    portfolio_value: Decimal
    shards: tuple[tuple[int, Decimal], ...] = ()

    def by_shard(self) -> tuple[tuple[int, Decimal], ...]:
        """(exchange_index, free balance) for every shard the breakdown names, or shard 0
        holding everything when there is none."""
        return self.shards or ((0, self.cash),)

    def free_on(self, shard: int) -> Decimal:
        """The available balance on one exchange shard (collateral is per shard: an order
        draws only on its own market's shard)."""
        return next((amount for index, amount in self.by_shard() if index == shard), Decimal(0))


@dataclass(frozen=True, slots=True)
class Position:
    """The exchange's view of one market position. `contracts` > 0 is YES, < 0 is NO."""

    ticker: str
    contracts: Decimal
    market_exposure: Decimal
    """Cost basis of the contracts held (dollars)."""
    realized_pnl: Decimal
    fees_paid: Decimal
    total_traded: Decimal

    @property
    def side(self) -> Side:
        return "yes" if self.contracts >= 0 else "no"

    @property
    def average_cost(self) -> Decimal | None:
        """Average price paid per contract held, or None when flat."""
        if self.contracts == 0:
            return None
        return self.market_exposure / abs(self.contracts)


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange reports it. `price` is the price of `side`."""

    order_id: str
    client_order_id: str
    ticker: str
    side: Side
    action: Action
    price: Decimal
    initial_count: Decimal
    fill_count: Decimal
    remaining_count: Decimal
    status: str
    """resting, canceled or executed (kept as a string: unknown values are shown, not dropped)."""
    fees: Decimal
    created_time: datetime | None

    @property
    def yes_price(self) -> Decimal:
        """The order's price on the YES scale (the book's single axis)."""
        return self.price if self.side == "yes" else ONE - self.price

    @property
    def is_yes_bid(self) -> bool:
        """Whether the order rests on the YES side of the book (buy YES or sell NO)."""
        return (self.side == "yes") == (self.action == "buy")


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one of the user's orders."""

    fill_id: str
    order_id: str
    ticker: str
    side: Side
    action: Action
    count: Decimal
    price: Decimal
    """Price of `side` for this fill."""
    is_taker: bool
    fee: Decimal
    created_time: datetime


@dataclass(frozen=True, slots=True)
class Settlement:
    """A market settlement credited to the account."""

    ticker: str
    result: str
    """yes, no, void or scalar."""
    yes_count: Decimal
    no_count: Decimal
    revenue: Decimal
    fee: Decimal
    settled_time: datetime


@dataclass(frozen=True, slots=True)
class ExchangeState:
    """Exchange-wide status: is it up, and is trading allowed."""

    exchange_active: bool
    trading_active: bool
    resume_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One candle's close on the YES price axis, for the chart."""

    ts: int
    """Unix seconds at the end of the period."""
    price: Decimal | None
    volume: Decimal


@dataclass(frozen=True, slots=True)
class PriceHistory:
    """Recent price history of one market at one period."""

    ticker: str
    period_minutes: int
    points: tuple[PricePoint, ...]
