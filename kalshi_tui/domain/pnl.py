"""Exact P&L from the user's own fills and settlements: FIFO lots per market, incremental.

Pure and `Decimal` throughout; no I/O. `PnlBook.apply_fill` / `apply_settlement` update one
market in O(lots closed), amortised O(1) per fill, so a journal of a million fills loads in
one streaming pass at start-up and each new fill costs microseconds afterwards.

Semantics (kalshi-api.md §4.1–§4.3):

* Every fill is a *purchase* of one side: buy YES @ p buys YES at p; sell YES @ p buys NO at
  1 − p (and the mirror for NO). A market holds only one side at a time: a purchase of the
  side not held first nets against the held lots, oldest first (FIFO), each YES+NO pair
  paying $1. Buying NO @ q while long YES therefore closes YES lots at 1 − q, exactly like
  selling YES @ 1 − q. Whatever is left over opens new lots of the purchased side.
* Realized P&L (`realized`) is *gross of fees*: per contract closed, proceeds − lot cost.
  Fees are **charged when the fill happens** (opening or closing fill alike) and kept
  apart in `fees`; they are never folded into a lot's cost. `net_realized = realized −
  fees`. These are the exchange's own conventions for `realized_pnl` and `fees_paid`
  (kalshi-api.md §4.2), which is what makes the cross-check exact.
* Settlement: the lots still open are closed against the settlement's `revenue` — $1 per
  winning contract, $0 per losing one, the cost basis back for a void — so realized +=
  revenue − cost of the lots. A settlement's `fee` field is informational and not charged
  again (the simulator reports the market's cumulative trading fees there; Kalshi the
  sub-cent remainder already withheld from `revenue`).
* Unrealized P&L at a YES mark m (mid of a two-sided quote, else the last trade:
  `portfolio.yes_mark`): value of the held side (m, or 1 − m for NO) × contracts − FIFO cost
  of the open lots. No mark means no figure (None), never zero.

The exchange (our simulator, and as far as documented Kalshi) books `realized_pnl` with an
*average* cost basis rather than FIFO. The two differ while a position is partly closed
and agree once it is flat; their sum with the open cost basis (the trading cash flow)
always agrees. So each market also carries the exchange's convention alongside
(`exchange_realized`, `exchange_exposure`: average cost, the closed share of the exposure
floored to $0.000001 as the engine's integer maths does) and `pnl_report.cross_check`
compares those to the cent. The FIFO figures are what the terminal shows.

Day P&L (see `pnl_report`) needs each market's state at the start of the local day: the
first event at or after `day_start` takes that snapshot lazily, so setting a new day start
at midnight is O(1).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_tui.domain.models import Action, Fill, Settlement, Side

ZERO = Decimal(0)
ONE = Decimal(1)
_CENT = Decimal("0.01")


def to_cent(amount: Decimal) -> Decimal:
    """`amount` rounded half-even to the cent, as `format.dollars` displays it: every
    figure the screen adds up (the positions pane's rows, the header's Day) is rounded
    by this one rule before it is summed."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_EVEN)


MICRO_DOLLARS = Decimal(1_000_000)
"""The engine books money in whole $0.000001; the average-cost shadow floors to it."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch of a timezone-aware time (the journal's time unit)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass a timezone-aware time")
    return (moment - EPOCH) // _MICROSECOND


def purchase_of(side: Side, action: Action, price: Decimal) -> tuple[Side, Decimal]:
    """The side bought and its price: sell YES @ p is buy NO @ 1 − p (and the mirror)."""
    if action == "buy":
        return side, price
    if action == "sell":
        return ("no" if side == "yes" else "yes"), ONE - price
    raise ValueError(f"action must be 'buy' or 'sell', not {action!r}")


@dataclass(slots=True)
class MarketBook:
    """Running P&L state of one market. Read it; change it only through `PnlBook`."""

    ticker: str
    side: Side = "yes"
    """Side of the open lots (meaningless while `contracts` is zero)."""
    lots: deque[list[Decimal]] = field(default_factory=deque)
    """Open lots, oldest first, as mutable `[contracts, price]` pairs."""
    contracts: Decimal = ZERO
    """Contracts held (≥ 0), the sum of the lots."""
    cost: Decimal = ZERO
    """FIFO cost basis of the open lots: Σ contracts × price."""
    realized: Decimal = ZERO
    """Realized P&L before fees (FIFO)."""
    fees: Decimal = ZERO
    exchange_exposure: Decimal = ZERO
    """Cost basis of the open position under the exchange's average-cost convention."""
    exchange_realized: Decimal = ZERO
    """Realized P&L before fees under the exchange's average-cost convention."""
    fill_count: int = 0
    last_us: int = 0
    # Day P&L: state at the start of the day, taken on the market's first event of the day.
    day_key: int | None = None
    """The `day_start` (µs) the day fields below belong to; None: not yet this day."""
    day_start_signed: Decimal = ZERO
    day_start_cost: Decimal = ZERO
    day_realized: Decimal = ZERO
    day_fees: Decimal = ZERO

    @property
    def signed_contracts(self) -> Decimal:
        """Position as the exchange reports it: + YES, − NO."""
        return self.contracts if self.side == "yes" else -self.contracts

    @property
    def net_realized(self) -> Decimal:
        return self.realized - self.fees

    @property
    def average_cost(self) -> Decimal | None:
        return None if self.contracts == 0 else self.cost / self.contracts

    def unrealized(self, yes_price_mark: Decimal | None) -> Decimal | None:
        """Unrealized P&L at a YES mark; zero when flat, None without a mark."""
        if self.contracts == 0:
            return ZERO
        if yes_price_mark is None:
            return None
        side_mark = yes_price_mark if self.side == "yes" else ONE - yes_price_mark
        return side_mark * self.contracts - self.cost


class PnlBook:
    """FIFO P&L of every market the account traded, updated one event at a time.

    The caller feeds each fill once (the journal deduplicates by `fill_id`, and
    `Journal.record_fills` returns only the new ones) in exchange-time order as far as it
    knows it. `day_start` is the UTC instant of the local midnight that starts "today"
    (`pnl_report.local_day_start`); change it with `start_day` when the day rolls over.
    """

    def __init__(self, day_start: datetime | None = None) -> None:
        self.markets: dict[str, MarketBook] = {}
        self.day_start_us: int | None = None if day_start is None else to_micros(day_start)
        self.events = 0

    def __iter__(self) -> Iterator[MarketBook]:
        return iter(self.markets.values())

    def market(self, ticker: str) -> MarketBook | None:
        return self.markets.get(ticker)

    def start_day(self, day_start: datetime) -> None:
        """Make `day_start` the start of today (O(1): markets snapshot on their next event)."""
        self.day_start_us = to_micros(day_start)

    def _book(self, ticker: str) -> MarketBook:
        book = self.markets.get(ticker)
        if book is None:
            book = self.markets[ticker] = MarketBook(ticker)
        return book

    def _today(self, book: MarketBook, at_us: int) -> bool:
        """Whether an event at `at_us` falls in today; snapshots the day start if first."""
        day = self.day_start_us
        if day is None or at_us < day:
            return False
        if book.day_key != day:
            book.day_key = day
            book.day_start_signed = book.signed_contracts
            book.day_start_cost = book.cost
            book.day_realized = ZERO
            book.day_fees = ZERO
        return True

    # --- events -----------------------------------------------------------------------------

    def apply_fill(self, fill: Fill) -> MarketBook:
        """Book one fill; returns the market's updated state."""
        return self.apply_trade(
            fill.ticker,
            fill.side,
            fill.action,
            fill.count,
            fill.price,
            fill.fee,
            to_micros(fill.created_time),
        )

    def apply_trade(
        self,
        ticker: str,
        side: Side,
        action: Action,
        count: Decimal,
        price: Decimal,
        fee: Decimal,
        at_us: int,
    ) -> MarketBook:
        """`apply_fill` from plain values (the journal's fast start-up path)."""
        if count <= 0:
            raise ValueError(f"{ticker}: fill count must be positive, not {count}")
        if side not in ("yes", "no"):
            raise ValueError(f"side must be 'yes' or 'no', not {side!r}")
        bought, paid = purchase_of(side, action, price)
        book = self._book(ticker)
        today = self._today(book, at_us)
        realized_before = book.realized
        book.fees += fee
        remaining = count
        if book.contracts and book.side != bought:
            remaining = self._close(book, count, ONE - paid)
        if remaining:
            if not book.contracts:
                book.side = bought
            lots = book.lots
            if lots and lots[-1][1] == paid:
                lots[-1][0] += remaining  # same price as the newest lot: FIFO-equivalent
            else:
                lots.append([remaining, paid])
            book.contracts += remaining
            book.cost += remaining * paid
            book.exchange_exposure += remaining * paid
        book.fill_count += 1
        if at_us > book.last_us:
            book.last_us = at_us
        if today:
            book.day_realized += book.realized - realized_before
            book.day_fees += fee
        self.events += 1
        return book

    def _close(self, book: MarketBook, count: Decimal, proceeds: Decimal) -> Decimal:
        """Close up to `count` held contracts at `proceeds` each, FIFO; returns the rest."""
        held = book.contracts
        pairs = count if count < held else held
        # The exchange's average-cost convention: the closed share of the exposure,
        # floored to the micro-dollar like the engine's integer `exposure * pairs // held`.
        removed = (book.exchange_exposure * MICRO_DOLLARS * pairs // held) / MICRO_DOLLARS
        book.exchange_exposure -= removed
        book.exchange_realized += pairs * proceeds - removed
        lots = book.lots
        left = pairs
        closed_cost = ZERO
        while left:
            lot = lots[0]
            quantity, price = lot
            if quantity <= left:
                lots.popleft()
                closed_cost += quantity * price
                left -= quantity
            else:
                lot[0] = quantity - left
                closed_cost += left * price
                left = ZERO
        book.realized += pairs * proceeds - closed_cost
        book.cost -= closed_cost
        book.contracts = held - pairs
        if not book.contracts:
            book.cost = ZERO  # exact anyway; also drops a "-0"
        return count - pairs

    def apply_settlement(self, settlement: Settlement) -> MarketBook:
        """Close every open lot of the market against the settlement's revenue."""
        return self.apply_settlement_values(
            settlement.ticker, settlement.revenue, to_micros(settlement.settled_time)
        )

    def apply_settlement_values(self, ticker: str, revenue: Decimal, at_us: int) -> MarketBook:
        book = self._book(ticker)
        today = self._today(book, at_us)
        gain = revenue - book.cost
        book.realized += gain
        book.exchange_realized += revenue - book.exchange_exposure
        book.exchange_exposure = ZERO
        book.lots.clear()
        book.contracts = ZERO
        book.cost = ZERO
        if at_us > book.last_us:
            book.last_us = at_us
        if today:
            book.day_realized += gain
        self.events += 1
        return book


@dataclass(frozen=True, slots=True)
class TradeEffect:
    """What one more trade would do to a market's open lots (`trade_effect`)."""

    closed: Decimal
    """Contracts of the held side it closes (0 when it adds to, or opens, a position)."""
    held: Decimal
    """Contracts held before the trade."""
    held_side: Side
    proceeds: Decimal
    """Cash the closing part returns before fees: closed × the price of the held side."""
    closed_cost: Decimal
    """FIFO cost of the lots it closes."""
    realized: Decimal
    """proceeds − closed_cost: the realized P&L of the close, before fees (FIFO)."""
    opened: Decimal
    """Contracts it opens or adds (the rest of the order)."""
    opened_side: Side
    opened_price: Decimal
    """Price per contract of `opened_side` (a sell of YES @ p buys NO @ 1 − p)."""


def trade_effect(
    held_side: Side,
    lots: Iterable[tuple[Decimal, Decimal]],
    side: Side,
    action: Action,
    count: Decimal,
    price: Decimal,
) -> TradeEffect:
    """The effect of trading `count` of `side` at `price` against open `lots` (contracts,
    price paid; oldest first, all of `held_side`), by the P&L engine's own rule: a scratch
    copy of the lots goes through `PnlBook.apply_trade`, so a preview closes the same lots
    (FIFO) and books the same realized P&L as the fill will."""
    book = PnlBook()
    market = book._book("preview")
    market.side = held_side
    for contracts, paid in lots:
        market.lots.append([contracts, paid])
        market.contracts += contracts
        market.cost += contracts * paid
    market.exchange_exposure = market.cost
    held = market.contracts
    bought, paid = purchase_of(side, action, price)
    book.apply_trade("preview", side, action, count, price, ZERO, 0)
    closed = min(count, held) if held and held_side != bought else ZERO
    proceeds = closed * (ONE - paid)
    return TradeEffect(
        closed=closed,
        held=held,
        held_side=held_side,
        proceeds=proceeds,
        closed_cost=proceeds - market.realized,
        realized=market.realized,
        opened=count - closed,
        opened_side=bought,
        opened_price=paid,
    )
