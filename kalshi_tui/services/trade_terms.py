"""Express the exchange's orders and fills in the terms the trader used.

The V2 order API speaks one YES book: "buy NO @ 40¢" is placed as an `ask` at 60¢ and the
exchange reports it back as "sell YES @ 60¢". Both have the same economic effect (the
position goes 1 contract NO-wards at the same cost), but the journal must describe an
order and its fills the way its intent did, or the order's price would silently change
side. These helpers rewrite an order or fill into a given side/action when (and only
when) it is the same direction on the book.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from kalshi_tui.domain.models import Action, Fill, Order, Side

ONE = Decimal(1)


def _yes_bid(side: Side, action: Action) -> bool:
    return (side == "yes") == (action == "buy")


def _price_as(side: Side, price: Decimal, target: Side) -> Decimal:
    return price if side == target else ONE - price


def order_as(order: Order, side: Side, action: Action) -> Order:
    """`order` in `side`/`action` terms if it is the same book direction, else unchanged."""
    if (order.side, order.action) == (side, action) or order.is_yes_bid != _yes_bid(side, action):
        return order
    price = _price_as(order.side, order.price, side)
    return dataclasses.replace(order, side=side, action=action, price=price)


def fill_as(fill: Fill, side: Side, action: Action) -> Fill:
    """`fill` in `side`/`action` terms if it is the same book direction, else unchanged."""
    if (fill.side, fill.action) == (side, action):
        return fill
    if _yes_bid(fill.side, fill.action) != _yes_bid(side, action):
        return fill
    price = _price_as(fill.side, fill.price, side)
    return dataclasses.replace(fill, side=side, action=action, price=price)


def signed_contracts(side: Side, action: Action, count: Decimal) -> Decimal:
    """Effect on the net YES position: buy YES / sell NO add, sell YES / buy NO subtract."""
    return count if _yes_bid(side, action) else -count
