"""The engine's mutable records: series, events, markets, orders, order groups.

Views (`views.py`) are frozen copies of these made on the way out; nothing outside the engine
ever holds one of these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from kalshi_tui.exchange.engine.book import Book
from kalshi_tui.exchange.engine.views import (
    PRICE_SCALE,
    Action,
    FeeType,
    MarketResult,
    MarketStatus,
    OrderStatus,
    SelfTradePrevention,
    Side,
    TimeInForce,
)


@dataclass(slots=True)
class Series:
    ticker: str
    title: str
    category: str
    frequency: str
    tags: tuple[str, ...]
    fee_type: FeeType
    fee_multiplier: Fraction
    source_name: str
    source_url: str
    exchange_index: int = 0
    """The shard the series' events are created on."""

    @property
    def maker_fees(self) -> bool:
        return self.fee_type == "quadratic_with_maker_fees"


@dataclass(slots=True)
class Event:
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    mutually_exclusive: bool
    strike_date_ms: int | None
    market_tickers: list[str] = field(default_factory=list)
    exchange_index: int = 0
    """The shard every market of the event trades on."""


@dataclass(slots=True)
class Market:
    ticker: str
    event_ticker: str
    series_ticker: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    rules_primary: str
    strike_type: str | None
    floor_strike: str | None
    """Decimal text (kept as text so the catalogue stays cheap and exact)."""
    cap_strike: str | None
    price_level_structure: str
    created_ms: int
    open_ms: int
    close_ms: int
    settlement_timer_seconds: int
    fair: int
    """Fair YES value in price units; the agents' random walk moves it."""
    initial_fair: int
    base_volume: int
    """Count units traded before the session (synthetic history)."""
    base_open_interest: int
    status: MarketStatus = "initialized"
    result: MarketResult = ""
    determination_ms: int | None = None
    settlement_ms: int | None = None
    updated_ms: int = 0
    book: Book | None = None
    """None until first touched; `agents.initial_ladder` says what it will hold."""
    last_price: int = 0
    session_volume: int = 0
    session_open_interest: int = 0
    """Net contracts opened during the session (pairs created minus pairs netted)."""
    trade_log: list[tuple[int, int, int, int, int, int]] = field(default_factory=list)
    """Session trades: (ts_ms, yes_price, count, open_interest_after, yes_bid, yes_ask)."""
    exchange_index: int = 0
    """Its event's shard: the wallet its orders, fills and settlement move."""

    @property
    def open_interest(self) -> int:
        return self.base_open_interest + self.session_open_interest

    @property
    def volume(self) -> int:
        return self.base_volume + self.session_volume


@dataclass(slots=True)
class Order:
    order_id: str
    user_id: str
    client_order_id: str
    ticker: str
    side: Side
    action: Action
    is_yes: bool
    """True for a YES bid (buy YES / sell NO), False for a NO bid."""
    yes_price: int
    initial_count: int
    remaining: int
    time_in_force: TimeInForce
    self_trade_prevention_type: SelfTradePrevention
    order_type: str
    created_ms: int
    expiration_ms: int | None = None
    order_group_id: str | None = None
    cancel_order_on_pause: bool = False
    post_only: bool = False
    reduce_only: bool = False
    status: OrderStatus = "resting"
    last_update_ms: int = 0
    last_update_reason: str | None = None
    fill_count: int = 0
    taker_fill_count: int = 0
    maker_fill_count: int = 0
    taker_fees: int = 0
    maker_fees: int = 0
    taker_fill_cost: int = 0
    maker_fill_cost: int = 0
    seq: int = 0
    """Time priority: lower rests earlier at the same price."""
    fee_reserve: int = 0
    """Money locked for the worst-case taker fee of the remaining count."""
    fee_accumulator: int = 0
    """Rounding fees accumulated over this order's fills, taker and maker alike (money units);
    a whole-cent rebate comes off it once it exceeds $0.01 (`fees.fill_fee`)."""
    on_book: bool = False

    @property
    def own_price(self) -> int:
        """Price of the side this order buys (YES price for YES bids, NO price for NO bids)."""
        return self.yes_price if self.is_yes else PRICE_SCALE - self.yes_price


@dataclass(slots=True)
class OrderGroup:
    order_group_id: str
    user_id: str
    contracts_limit: int
    created_ms: int
    matched: int = 0
    triggered: bool = False
    order_ids: list[str] = field(default_factory=list)
    exchange_index: int = 0
    """The shard the group lives on: only orders in that shard's markets may join it."""
