"""The neutral order request and its translation to the V2 and V1 order APIs.

Callers always describe an order the way a trader does: buy or sell YES or NO, at
the price of the side traded. The V2 API (`/portfolio/events/orders`, April 2026)
speaks a single YES book instead: `bid`/`ask` at a YES price. The mapping:

    buy  YES @ p → bid @ p          sell YES @ p → ask @ p
    buy  NO  @ q → ask @ 1 − q      sell NO  @ q → bid @ 1 − q

V1 (`/portfolio/orders`, retired mid-2026) takes side/action directly with
`yes_price_dollars` or `no_price_dollars`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ._numbers import ONE, dollars_to_cents, format_count, format_price
from ._wire import Action, BookSide, Side

TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    """A limit order in trader terms. `price` is the price of `side` (YES or NO)."""

    ticker: str
    side: Side
    action: Action
    count: Decimal
    price: Decimal
    client_order_id: str
    time_in_force: TimeInForce = "good_till_canceled"
    post_only: bool = False
    reduce_only: bool = False
    cancel_order_on_pause: bool = False
    order_group_id: str | None = None
    expiration_ts: int | None = None
    """Unix seconds; only meaningful with good_till_canceled."""
    self_trade_prevention: SelfTradePrevention = "taker_at_cross"
    buy_max_cost: Decimal | None = None
    """Dollars; V1 only (V2 has no equivalent: use fill_or_kill at a limit price)."""

    def __post_init__(self) -> None:
        if self.side not in ("yes", "no") or self.action not in ("buy", "sell"):
            raise ValueError(f"bad direction {self.action} {self.side}")
        if not 0 < self.price < 1:
            raise ValueError(f"price {self.price} must be strictly between 0 and 1")
        if self.count <= 0:
            raise ValueError(f"count {self.count} must be positive")
        format_count(self.count)  # refuses more than 2 decimals
        if not self.client_order_id:
            raise ValueError("client_order_id is required (it makes retries safe)")
        if self.expiration_ts is not None and self.time_in_force != "good_till_canceled":
            raise ValueError("expiration_ts is only allowed with good_till_canceled")

    @property
    def book_side(self) -> BookSide:
        return book_side_of(self.side, self.action)

    @property
    def yes_price(self) -> Decimal:
        return self.price if self.side == "yes" else ONE - self.price


def book_side_of(side: Side, action: Action) -> BookSide:
    """bid for buy YES / sell NO (profits from YES), ask for buy NO / sell YES."""
    return "bid" if (side == "yes") == (action == "buy") else "ask"


def v2_order_body(order: OrderRequest) -> dict[str, Any]:
    """Body for `POST /portfolio/events/orders`."""
    if order.buy_max_cost is not None:
        raise ValueError(
            "buy_max_cost is not part of the V2 order API; send fill_or_kill at a limit "
            "price (count × price caps the cost) instead"
        )
    body: dict[str, Any] = {
        "ticker": order.ticker,
        "client_order_id": order.client_order_id,
        "side": order.book_side,
        "count": format_count(order.count),
        "price": format_price(order.yes_price),
        "time_in_force": order.time_in_force,
        "self_trade_prevention_type": order.self_trade_prevention,
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "cancel_order_on_pause": order.cancel_order_on_pause,
    }
    if order.order_group_id is not None:
        body["order_group_id"] = order.order_group_id
    if order.expiration_ts is not None:
        body["expiration_time"] = order.expiration_ts
    return body


def v1_count_fields(count: Decimal) -> dict[str, Any]:
    """Whole counts as the integer `count` (understood by every V1 server), else `count_fp`."""
    if count == count.to_integral_value():
        return {"count": int(count)}
    return {"count_fp": format_count(count)}


def v1_price_field(side: Side, price: Decimal) -> dict[str, str]:
    return {f"{side}_price_dollars": format_price(price)}


def v1_order_body(order: OrderRequest) -> dict[str, Any]:
    """Body for `POST /portfolio/orders` (legacy V1)."""
    body: dict[str, Any] = {
        "ticker": order.ticker,
        "client_order_id": order.client_order_id,
        "side": order.side,
        "action": order.action,
        "type": "limit",
        **v1_count_fields(order.count),
        **v1_price_field(order.side, order.price),
        "time_in_force": order.time_in_force,
        "self_trade_prevention_type": order.self_trade_prevention,
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "cancel_order_on_pause": order.cancel_order_on_pause,
    }
    if order.order_group_id is not None:
        body["order_group_id"] = order.order_group_id
    if order.expiration_ts is not None:
        body["expiration_ts"] = order.expiration_ts
    if order.buy_max_cost is not None:
        body["buy_max_cost"] = dollars_to_cents(order.buy_max_cost)
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class AmendRequest:
    """Change the price and/or size of a resting order.

    `count` is the new *total* (contracts already filled + desired resting), as both
    APIs define it; `price` is the price of `side`, as in OrderRequest.
    """

    order_id: str
    ticker: str
    side: Side
    action: Action
    price: Decimal
    count: Decimal
    client_order_id: str
    updated_client_order_id: str

    def __post_init__(self) -> None:
        if not 0 < self.price < 1:
            raise ValueError(f"price {self.price} must be strictly between 0 and 1")
        format_count(self.count)


def v2_amend_body(amend: AmendRequest) -> dict[str, Any]:
    yes_price = amend.price if amend.side == "yes" else ONE - amend.price
    return {
        "ticker": amend.ticker,
        "side": book_side_of(amend.side, amend.action),
        "price": format_price(yes_price),
        "count": format_count(amend.count),
        "client_order_id": amend.client_order_id,
        "updated_client_order_id": amend.updated_client_order_id,
    }


def v1_amend_body(amend: AmendRequest) -> dict[str, Any]:
    return {
        "ticker": amend.ticker,
        "side": amend.side,
        "action": amend.action,
        "client_order_id": amend.client_order_id,
        "updated_client_order_id": amend.updated_client_order_id,
        **v1_price_field(amend.side, amend.price),
        **v1_count_fields(amend.count),
    }


def decrease_body(
    api: Literal["v1", "v2"], reduce_by: Decimal | None, reduce_to: Decimal | None
) -> dict[str, Any]:
    """Exactly one of reduce_by / reduce_to; `_fp` strings for V2, integers for V1."""
    if (reduce_by is None) == (reduce_to is None):
        raise ValueError("give exactly one of reduce_by or reduce_to")
    name, value = ("reduce_by", reduce_by) if reduce_by is not None else ("reduce_to", reduce_to)
    assert value is not None
    if api == "v2":
        return {name: format_count(value)}
    if value == value.to_integral_value():
        return {name: int(value)}
    return {f"{name}_fp": format_count(value)}
