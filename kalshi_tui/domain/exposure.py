"""Worst-case exposure maths shared by the pre-trade gate and the halt triggers.

Everything is on the YES axis. A *leg* is an order's unfilled quantity: an order that
may still fill (a resting order, an order in flight, or the order being judged). A
YES-bid leg (buy YES, or sell NO) adds to the signed position; a YES-ask leg (sell YES,
or buy NO) subtracts from it. Kalshi nets YES against NO in one market (kalshi-api.md
§4.2), so selling what you do not hold is buying the other side at 1 − price.

"Worst case" means any subset of the legs may fill: each leg is counted where it hurts
and ignored where it would help, and each pays the taker fee.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kalshi_tui.domain.fees import trading_fee
from kalshi_tui.domain.models import Balance, Order, Position
from kalshi_tui.domain.orders import OrderDraft

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Leg:
    """Contracts of one order that may still fill, on the YES axis."""

    ticker: str
    is_yes_bid: bool
    yes_price: Decimal
    count: Decimal

    @property
    def fee(self) -> Decimal:
        """The worst-case (taker) fee if the whole leg fills in one fill at its limit."""
        own_price = self.yes_price if self.is_yes_bid else ONE - self.yes_price
        return trading_fee(self.count, own_price, taker=True)


def leg_of_order(order: Order) -> Leg:
    """The unfilled remainder of a resting order."""
    return Leg(order.ticker, order.is_yes_bid, order.yes_price, order.remaining_count)


def leg_of_draft(draft: OrderDraft) -> Leg:
    """The whole of an order not yet on the exchange."""
    return Leg(draft.ticker, draft.is_yes_bid, draft.yes_price, draft.count)


def worst_position(contracts: Decimal, legs: Iterable[Leg], *, yes_bid: bool) -> Decimal:
    """The signed position if every leg in one direction fills (YES-bids or YES-asks)."""
    total = contracts
    for leg in legs:
        if leg.is_yes_bid == yes_bid:
            total += leg.count if yes_bid else -leg.count
    return total


def opening_count(contracts: Decimal, leg: Leg) -> Decimal:
    """How much of `leg` opens or adds to a position (the rest closes the opposite side)."""
    closable = max(ZERO, -contracts) if leg.is_yes_bid else max(ZERO, contracts)
    return max(ZERO, leg.count - closable)


def opening_cost(contracts: Decimal, leg: Leg) -> Decimal:
    """Cash `leg` needs before fees: the price of the side bought, for the opening part."""
    side_price = leg.yes_price if leg.is_yes_bid else ONE - leg.yes_price
    return side_price * opening_count(contracts, leg)


def market_worst_loss(
    position: Position | None, legs: Iterable[Leg], *, fees: bool = True
) -> Decimal:
    """The most one market can lose at settlement, never below zero.

    Loss under each outcome is the cost basis of the position minus its payout, plus for
    every leg that loses under that outcome what it would lose (legs that would gain are
    assumed not to fill), plus every leg's fee.
    """
    loss_yes = loss_no = ZERO
    if position is not None and position.contracts != 0:
        held = abs(position.contracts)
        loss_yes = position.market_exposure - (held if position.contracts > 0 else ZERO)
        loss_no = position.market_exposure - (held if position.contracts < 0 else ZERO)
    for leg in legs:
        fee = leg.fee if fees else ZERO
        if leg.is_yes_bid:
            loss_no += leg.count * leg.yes_price
        else:
            loss_yes += leg.count * (ONE - leg.yes_price)
        loss_yes += fee
        loss_no += fee
    return max(loss_yes, loss_no, ZERO)


def locked_collateral(positions: Mapping[str, Position], orders: Iterable[Order]) -> Decimal:
    """Estimated cash the exchange holds for resting orders (it is not in `Balance.cash`).

    Per market the closing capacity of the position is used up first, in the order the
    orders are listed; what remains of each order locks the price of the side it buys.
    Each order also reserves the taker fee of its remaining count. This is an estimate:
    the exchange may net bids on both sides of one market into a smaller lock.
    """
    remaining = {ticker: p.contracts for ticker, p in positions.items()}
    total = ZERO
    for order in orders:
        leg = leg_of_order(order)
        contracts = remaining.get(order.ticker, ZERO)
        total += opening_cost(contracts, leg) + leg.fee
        closed = leg.count - opening_count(contracts, leg)
        # Capacity used by this order is not available to the next one.
        remaining[order.ticker] = contracts + closed if leg.is_yes_bid else contracts - closed
    return total


def account_equity(
    balance: Balance, positions: Mapping[str, Position], orders: Iterable[Order]
) -> Decimal:
    """Cash + collateral locked by resting orders + the exchange's valuation of positions.

    Its change over a day is realized plus unrealized P&L with fees included (fees leave
    cash), provided no money was deposited or withdrawn.
    """
    return balance.cash + locked_collateral(positions, orders) + balance.portfolio_value
