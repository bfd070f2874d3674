"""Portfolio maths: marks, unrealized P&L, totals, and the economics of an order ticket.

All values are `Decimal` dollars. A position is marked on the YES axis first
(mid of a two-sided quote, else the last trade, else no mark at all) and then
converted to the side held: a NO contract is worth 1 − the YES mark. A missing
mark stays `None` all the way to the screen — an unmarked position must never
read as a zero P&L.

The ticket preview (`preview_ticket`) answers "what does this order risk": cost,
the estimated fee (taker for what crosses the book, maker for what rests; all taker, the
worst case, when the book is unknown),
the payout if the outcome wins, the loss if it does not, and the break-even
probability including the fee. Selling contracts you do not hold is the same
trade as buying the other side at 1 − price (kalshi-api.md §4.1), so a sell is
previewed as that opening trade. An order against a position held is previewed
as a close (`pnl.trade_effect`, shown by `ui/preview.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kalshi_tui.domain.fees import FeeFill, order_fee
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Action, OrderBook, Position, Side

ZERO = Decimal(0)
ONE = Decimal(1)


def yes_mark(
    yes_bid: Decimal | None, yes_ask: Decimal | None, last_price: Decimal | None
) -> Decimal | None:
    """The YES mark: mid of a two-sided quote, else the last trade, else None."""
    if yes_bid is not None and yes_ask is not None:
        return (yes_bid + yes_ask) / 2
    return last_price


def market_yes_mark(market: MarketSummary | None) -> Decimal | None:
    """The YES mark of a market summary (`VALUATION_RULE`): its result once determined or
    settled, else `yes_mark`; None for an unknown market."""
    if market is None:
        return None
    settled = market.settled_value
    if settled is not None:
        return settled
    return yes_mark(market.yes_bid, market.yes_ask, market.last_price)


@dataclass(frozen=True, slots=True)
class PositionValue:
    """One position, valued: what the positions pane shows in a row."""

    ticker: str
    side: Side
    contracts: Decimal
    """Contracts held, always ≥ 0; `side` says which."""
    average_cost: Decimal | None
    mark: Decimal | None
    """Value of one contract of `side`, or None without a mark."""
    cost_basis: Decimal
    market_value: Decimal | None
    unrealized_pnl: Decimal | None
    realized_pnl: Decimal
    fees_paid: Decimal


def value_position(position: Position, yes_price_mark: Decimal | None) -> PositionValue:
    """Value `position` at a YES mark (None when the market has no mark)."""
    held = abs(position.contracts)
    side_mark: Decimal | None
    if yes_price_mark is None:
        side_mark = None
    elif position.side == "yes":
        side_mark = yes_price_mark
    else:
        side_mark = ONE - yes_price_mark
    market_value = None if side_mark is None else side_mark * held
    unrealized = None if market_value is None else market_value - position.market_exposure
    return PositionValue(
        ticker=position.ticker,
        side=position.side,
        contracts=held,
        average_cost=position.average_cost,
        mark=side_mark,
        cost_basis=position.market_exposure,
        market_value=market_value,
        unrealized_pnl=unrealized,
        realized_pnl=position.realized_pnl,
        fees_paid=position.fees_paid,
    )


def value_positions(
    positions: Iterable[Position], markets: Mapping[str, MarketSummary]
) -> list[PositionValue]:
    """Value every position at its market's mark, in the order given."""
    return [value_position(p, market_yes_mark(markets.get(p.ticker))) for p in positions]


# --- order ticket ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketValues:
    """A validated order ticket, as the ticket hands it to whoever sends orders."""

    ticker: str
    side: Side
    action: Action
    price: Decimal
    """Limit price of `side`, dollars, on the market's grid."""
    count: Decimal


@dataclass(frozen=True, slots=True)
class TicketPreview:
    """What an order risks and pays, assuming it opens a position: cost at the limit, the
    fee as estimated for the fills the book suggests (taker when nothing says otherwise)."""

    outcome_side: Side
    """The side the trader profits from: buy YES / sell NO → yes; buy NO / sell YES → no."""
    cost: Decimal
    """Cash committed before fees: price × count for a buy, (1 − price) × count for a sell."""
    fee: Decimal
    """The estimated fee (`fees.order_fee`): what the exchange charges is the fills' own."""
    taker_count: Decimal
    """Contracts expected to fill at once, at the taker rate."""
    maker_count: Decimal
    """Contracts expected to rest and fill later, at the maker rate."""
    max_payout: Decimal
    """Paid at settlement if `outcome_side` wins: $1 per contract."""
    max_loss: Decimal
    """Lost if `outcome_side` loses: cost plus fee."""
    max_profit: Decimal
    break_even: Decimal
    """Probability `outcome_side` must have for the trade to break even, fees included."""
    proceeds_if_closing: Decimal | None
    """For a sell: cash received when closing contracts already held (price × count − fee)."""


def crossing_fills(
    side: Side, action: Action, price: Decimal, count: Decimal, book: OrderBook
) -> list[FeeFill]:
    """The taker fills an order would get from `book` right now, best level first, each at
    the price of the side bought (the resting order's price: the taker gets the better one).

    Buying `side` at p (or selling the other side at 1 − p) takes the other side's bids at
    q ≥ 1 − p, paying 1 − q; the book holds only bids (kalshi-api.md §4.2).
    """
    bought: Side = side if action == "buy" else ("no" if side == "yes" else "yes")
    limit = price if action == "buy" else ONE - price
    levels = book.no if bought == "yes" else book.yes
    fills: list[FeeFill] = []
    left = count
    for level in reversed(levels):
        if left <= 0 or ONE - level.price > limit:
            break
        take = min(left, level.count)
        fills.append(FeeFill(take, ONE - level.price, taker=True))
        left -= take
    return fills


def preview_ticket(
    side: Side,
    action: Action,
    price: Decimal,
    count: Decimal,
    *,
    book: OrderBook | None = None,
    post_only: bool = False,
    rests: bool = True,
) -> TicketPreview:
    """The economics of one order. `price` is the price of `side`; `count` must be > 0.

    The fee: post-only rests, so maker; with the market's `book`, what crosses is taker (at
    the levels it takes) and the rest maker — unless the order does not `rest` (IOC, FoK),
    when the rest can only fill by taking; with neither, all taker at the limit."""
    if count <= 0:
        raise ValueError("count must be positive")
    if action == "buy":
        outcome: Side = side
        outcome_price = price
    else:
        outcome = "no" if side == "yes" else "yes"
        outcome_price = ONE - price
    if post_only:
        fills = [FeeFill(count, outcome_price, taker=False)]
    elif book is None:
        fills = [FeeFill(count, outcome_price, taker=True)]
    else:
        fills = crossing_fills(side, action, price, count, book)
        resting = count - sum((f.count for f in fills), ZERO)
        if resting > 0:
            fills.append(FeeFill(resting, outcome_price, taker=not rests))
    fee = order_fee(fills)
    taker_count = sum((f.count for f in fills if f.taker), ZERO)
    cost = outcome_price * count
    max_loss = cost + fee
    return TicketPreview(
        outcome_side=outcome,
        cost=cost,
        fee=fee,
        taker_count=taker_count,
        maker_count=count - taker_count,
        max_payout=count,
        max_loss=max_loss,
        max_profit=count - max_loss,
        break_even=max_loss / count,
        proceeds_if_closing=price * count - fee if action == "sell" else None,
    )
