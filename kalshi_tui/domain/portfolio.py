"""Portfolio maths: marks, unrealized P&L, totals, and the economics of an order ticket.

All values are `Decimal` dollars. A position is marked on the YES axis first
(mid of a two-sided quote, else the last trade, else no mark at all) and then
converted to the side held: a NO contract is worth 1 − the YES mark. A missing
mark stays `None` all the way to the screen — an unmarked position must never
read as a zero P&L.

The ticket preview (`preview_ticket`) answers "what does this order risk": cost,
the taker fee (the worst case: a limit order that crosses pays the taker rate),
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

from kalshi_tui.domain.fees import trading_fee
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Action, Position, Side

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
    """`yes_mark` of a market summary; None for an unknown market."""
    if market is None:
        return None
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
    """What an order risks and pays, assuming it opens a position and fills as taker."""

    outcome_side: Side
    """The side the trader profits from: buy YES / sell NO → yes; buy NO / sell YES → no."""
    cost: Decimal
    """Cash committed before fees: price × count for a buy, (1 − price) × count for a sell."""
    fee: Decimal
    max_payout: Decimal
    """Paid at settlement if `outcome_side` wins: $1 per contract."""
    max_loss: Decimal
    """Lost if `outcome_side` loses: cost plus fee."""
    max_profit: Decimal
    break_even: Decimal
    """Probability `outcome_side` must have for the trade to break even, fees included."""
    proceeds_if_closing: Decimal | None
    """For a sell: cash received when closing contracts already held (price × count − fee)."""


def preview_ticket(
    side: Side, action: Action, price: Decimal, count: Decimal, *, taker: bool = True
) -> TicketPreview:
    """The economics of one order. `price` is the price of `side`; `count` must be > 0."""
    if count <= 0:
        raise ValueError("count must be positive")
    if action == "buy":
        outcome: Side = side
        outcome_price = price
    else:
        outcome = "no" if side == "yes" else "yes"
        outcome_price = ONE - price
    # P(1 − P) is symmetric, so the fee is the same priced on either side.
    fee = trading_fee(count, price, taker=taker)
    cost = outcome_price * count
    max_loss = cost + fee
    return TicketPreview(
        outcome_side=outcome,
        cost=cost,
        fee=fee,
        max_payout=count,
        max_loss=max_loss,
        max_profit=count - max_loss,
        break_even=max_loss / count,
        proceeds_if_closing=price * count - fee if action == "sell" else None,
    )
