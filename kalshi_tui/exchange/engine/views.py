"""Value types the engine hands out and takes in, and the engine's error.

Units (all exact integers, never floats):

* **price** — units of $0.0001 (`PRICE_SCALE` = 10 000 is $1). Prices are always the *YES*
  price unless a field says ``no_``; ``no_price = PRICE_SCALE - yes_price``.
* **count** — units of 0.01 contract (`COUNT_SCALE` = 100 is one contract).
* **money** — units of $0.000001 (`MONEY_SCALE` = 1 000 000 is $1). A fill's cost is exactly
  ``price × count`` in these units, so fractional contracts at sub-cent prices stay exact. A
  fill's fee keeps the balance on its precision (`kalshi_tui.fee_rounding`). Format
  ``money / 1_000_000`` with 4 decimals for ``_dollars`` strings, ``money // 10_000`` for
  legacy cents.
* **time** — epoch milliseconds (``*_ms``); the engine never reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kalshi_tui.fee_rounding import COUNT_SCALE as COUNT_SCALE
from kalshi_tui.fee_rounding import MONEY_SCALE as MONEY_SCALE
from kalshi_tui.fee_rounding import PRICE_SCALE as PRICE_SCALE

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
BookSide = Literal["bid", "ask"]
TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
OrderStatus = Literal["resting", "canceled", "executed"]
MarketStatus = Literal["initialized", "active", "inactive", "closed", "determined", "finalized"]
MarketResult = Literal["", "yes", "no", "void"]
FeeType = Literal["quadratic", "quadratic_with_maker_fees", "flat"]


class ExchangeError(Exception):
    """A rejected request, carrying the HTTP status and Kalshi error code of docs/WIRE.md."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True, slots=True)
class OrderInput:
    """A new order.

    ``side``/``action`` keep the caller's legacy vocabulary (reported back unchanged); the
    book effect is a YES bid for buy-yes/sell-no and a NO bid for buy-no/sell-yes. ``price``
    is always the YES price. V2 orders: ``OrderInput.from_book_side``.
    """

    ticker: str
    side: Side
    action: Action
    price: int
    """YES limit price (price units)."""
    count: int
    """Contracts (count units, ≥ 1 = 0.01 contract)."""
    client_order_id: str | None = None
    time_in_force: TimeInForce = "good_till_canceled"
    expiration_ms: int | None = None
    """GTC only: the order is canceled at this time."""
    post_only: bool = False
    reduce_only: bool = False
    self_trade_prevention_type: SelfTradePrevention = "taker_at_cross"
    order_group_id: str | None = None
    cancel_order_on_pause: bool = False
    buy_max_cost: int | None = None
    """Money cap on the cost of the fills (fees excluded); forces fill-or-kill."""
    type: Literal["limit", "market"] = "limit"
    exchange_index: int | None = None
    """The shard the order is sent to; None or -1 routes by the ticker (Kalshi's default)."""

    @classmethod
    def from_book_side(
        cls,
        ticker: str,
        book_side: BookSide,
        price: int,
        count: int,
        **options: object,
    ) -> OrderInput:
        """V2 vocabulary: ``bid`` buys YES, ``ask`` sells YES (≡ buys NO at 1 − price)."""
        action: Action = "buy" if book_side == "bid" else "sell"
        return cls(ticker, "yes", action, price, count, **options)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PriceRange:
    """One band of a market's price grid (price units, inclusive start, exclusive end)."""

    start: int
    end: int
    step: int


@dataclass(frozen=True, slots=True)
class SeriesView:
    ticker: str
    frequency: str
    title: str
    category: str
    tags: tuple[str, ...]
    settlement_sources: tuple[tuple[str, str], ...]
    """(name, url) pairs."""
    contract_url: str
    contract_terms_url: str
    fee_type: FeeType
    fee_multiplier: Decimal
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class EventView:
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    category: str
    settlement_sources: tuple[tuple[str, str], ...]
    """(name, url) of each source the event settles on (its series' sources)."""
    mutually_exclusive: bool
    collateral_return_type: str
    strike_date_ms: int | None
    strike_period: str | None
    market_tickers: tuple[str, ...]
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class MarketStamp:
    """The few facts GET /markets filters and pages on, without building a full view."""

    ticker: str
    event_ticker: str
    created_ms: int
    close_ms: int
    settlement_ms: int | None
    updated_ms: int


@dataclass(frozen=True, slots=True)
class MarketView:
    """Everything the Kalshi Market object carries (both generations).

    Quotes: ``yes_bid``/``no_bid`` are the best bids (0 when that side is empty), asks are
    ``PRICE_SCALE - other side's best bid`` (``PRICE_SCALE`` when empty), so an empty side reads
    ``"0.0000"``/``"1.0000"`` as Kalshi reports. ``last_price`` and ``previous_*`` are 0 when
    there is no trade. ``status`` uses the current lifecycle vocabulary; the legacy profile maps
    ``inactive`` → ``active`` and ``finalized`` → ``settled``.
    """

    ticker: str
    event_ticker: str
    series_ticker: str
    market_type: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    category: str
    status: MarketStatus
    result: MarketResult
    created_ms: int
    open_ms: int
    close_ms: int
    expected_expiration_ms: int
    expiration_ms: int
    latest_expiration_ms: int
    settlement_timer_seconds: int
    determination_ms: int | None
    settlement_ms: int | None
    updated_ms: int
    can_close_early: bool
    yes_bid: int
    yes_ask: int
    no_bid: int
    no_ask: int
    yes_bid_size: int
    yes_ask_size: int
    last_price: int
    previous_yes_bid: int
    previous_yes_ask: int
    previous_price: int
    volume: int
    """Count units, all time (synthetic history + session)."""
    volume_24h: int
    open_interest: int
    notional_value: int
    """Price units paid per winning contract (always PRICE_SCALE)."""
    settlement_value: int | None
    """Price units paid per YES contract once determined (None before)."""
    strike_type: str | None
    floor_strike: Decimal | None
    cap_strike: Decimal | None
    rules_primary: str
    rules_secondary: str
    price_level_structure: str
    price_ranges: tuple[PriceRange, ...]
    fee_waiver_expiration_ms: int | None = None
    early_close_condition: str | None = None
    risk_limit_cents: int = 0
    liquidity: int = 0
    expiration_value: str = ""
    is_provisional: bool = False
    exchange_index: int = 0
    """The shard the market trades on (its event's)."""


@dataclass(frozen=True, slots=True)
class BookView:
    """Resting bids, each side ascending by price (best bid last), as (price, count) pairs."""

    ticker: str
    yes: tuple[tuple[int, int], ...]
    no: tuple[tuple[int, int], ...]
    """NO bids at NO prices (a NO bid at q is a YES ask at PRICE_SCALE − q)."""


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order. Fill costs are in the purchased side's price (YES bids: YES price)."""

    order_id: str
    user_id: str
    client_order_id: str
    ticker: str
    event_ticker: str
    side: Side
    action: Action
    outcome_side: Side
    """buy-yes/sell-no → yes; buy-no/sell-yes → no."""
    book_side: BookSide
    """bid ≡ YES bid (outcome yes), ask ≡ NO bid (outcome no)."""
    type: str
    time_in_force: TimeInForce
    status: OrderStatus
    yes_price: int
    no_price: int
    initial_count: int
    fill_count: int
    remaining_count: int
    taker_fill_count: int
    maker_fill_count: int
    taker_fees: int
    maker_fees: int
    taker_fill_cost: int
    maker_fill_cost: int
    created_ms: int
    last_update_ms: int
    last_update_reason: str | None
    expiration_ms: int | None
    self_trade_prevention_type: SelfTradePrevention
    order_group_id: str | None
    cancel_order_on_pause: bool
    post_only: bool
    reduce_only: bool
    queue_position: int
    """Count units ahead of this order at its price (0 when not resting)."""
    exchange_index: int = 0

    @property
    def average_fill_price(self) -> int | None:
        """Average YES price of the fills (price units, rounded down), None when unfilled."""
        if self.fill_count == 0:
            return None
        paid = (self.taker_fill_cost + self.maker_fill_cost) // self.fill_count
        return paid if self.outcome_side == "yes" else PRICE_SCALE - paid


@dataclass(frozen=True, slots=True)
class FillView:
    fill_id: str
    trade_id: str
    order_id: str
    client_order_id: str
    user_id: str
    ticker: str
    side: Side
    action: Action
    outcome_side: Side
    book_side: BookSide
    count: int
    yes_price: int
    no_price: int
    is_taker: bool
    fee_cost: int
    created_ms: int
    post_position: int
    """Signed position after this fill (count units, +YES / −NO)."""
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class TradeView:
    trade_id: str
    ticker: str
    count: int
    yes_price: int
    no_price: int
    taker_outcome_side: Side
    """Legacy ``taker_side``."""
    taker_book_side: BookSide
    created_ms: int
    is_block_trade: bool = False


@dataclass(frozen=True, slots=True)
class PositionView:
    ticker: str
    event_ticker: str
    position: int
    """Signed count units: +YES / −NO."""
    total_traded: int
    """Money: gross cost of all fills in the market."""
    market_exposure: int
    """Money: cost basis of the contracts now held."""
    realized_pnl: int
    fees_paid: int
    volume: int
    """Count units traded."""
    resting_orders_count: int
    last_updated_ms: int
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class EventPositionView:
    event_ticker: str
    total_cost: int
    """Money: sum of the markets' exposure."""
    total_cost_shares: int
    """Count units held across the event's markets (absolute)."""
    event_exposure: int
    realized_pnl: int
    fees_paid: int


@dataclass(frozen=True, slots=True)
class SettlementView:
    ticker: str
    event_ticker: str
    market_result: MarketResult
    yes_count: int
    yes_total_cost: int
    no_count: int
    no_total_cost: int
    revenue: int
    """Money credited at settlement."""
    settled_ms: int
    fee_cost: int
    value: int | None
    """Price units paid per YES contract (None for void)."""
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class BalanceView:
    """``balance`` is available cash: cash minus what resting orders lock (the safe reading).

    Money is conserved as ``balance + locked`` + positions' escrow + fees; ``portfolio_value``
    marks positions at the best bid of the held side.
    """

    balance: int
    locked: int
    portfolio_value: int
    updated_ms: int
    breakdown: tuple[ShardBalance, ...] = ()
    """Every shard the account holds money on, by index (Kalshi's `balance_breakdown`)."""


@dataclass(frozen=True, slots=True)
class ShardBalance:
    """The account's money on one exchange shard: ``balance`` free, ``locked`` by its resting
    orders, ``portfolio_value`` of its positions (money units)."""

    exchange_index: int
    balance: int
    locked: int
    portfolio_value: int


@dataclass(frozen=True, slots=True)
class TransferView:
    """An intra-account transfer of collateral between two shards (money units)."""

    transfer_id: str
    source_shard: int
    destination_shard: int
    amount: int
    status: Literal["pending", "complete"]
    created_ms: int


@dataclass(frozen=True, slots=True)
class OrderGroupView:
    order_group_id: str
    user_id: str
    contracts_limit: int
    """Count units."""
    matched_count: int
    is_auto_cancel_enabled: bool
    triggered: bool
    """True once the limit was hit (or trigger called) and until reset."""
    order_ids: tuple[str, ...]
    created_ms: int
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class Ohlc:
    open: int
    high: int
    low: int
    close: int


@dataclass(frozen=True, slots=True)
class Candle:
    """One candlestick. ``price`` is None for a period without trades (then ``previous_price``
    carries the last earlier trade, None if none). ``end_period_ts`` is epoch seconds."""

    end_period_ts: int
    yes_bid: Ohlc
    yes_ask: Ohlc
    price: Ohlc | None
    mean_price: int | None
    previous_price: int | None
    volume: int
    open_interest: int


@dataclass(frozen=True, slots=True)
class ExchangeStatusView:
    exchange_active: bool
    trading_active: bool
    shards: tuple[tuple[int, str], ...] = ()
    """(exchange_index, description) of every shard the venue runs."""


@dataclass(frozen=True, slots=True)
class CancelResult:
    """A cancel or decrease: the order afterwards and how many contracts were taken off."""

    order: OrderView
    reduced_by: int


@dataclass(frozen=True, slots=True)
class AmendResult:
    old_order: OrderView
    order: OrderView
