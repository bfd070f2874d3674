"""Wire models for the portfolio: balance, positions, orders, fills, settlements, and
the results of order writes.

Orders and fills are exposed with a normalised `side`/`action` even when the
response carries only the 2026 `outcome_side`/`book_side` pair. That pair cannot
tell "buy YES" from "sell NO" (both profit from YES), so such rows normalise to the
*buy* of the outcome they profit from: `bid` → buy YES, `ask` → buy NO. The economic
effect is identical; `outcome_side` and `book_side` are always filled in as well.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import model_validator

from ._numbers import ONE, parse_decimal_string
from ._wire import (
    Action,
    BookSide,
    ExchangeIndex,
    FieldMap,
    Side,
    WireModel,
    blank_cursor,
    money,
)


def _normalise_direction(data: dict[str, Any]) -> dict[str, Any]:
    """Fill side/action/outcome_side/book_side from whichever of them are present."""
    side, action = data.get("side"), data.get("action")
    outcome, book = data.get("outcome_side"), data.get("book_side")
    if side in ("bid", "ask") and book is None:
        # A V2-vocabulary `side` (book side) where the legacy field would be.
        book, side = side, None
    if side in ("yes", "no") and action in ("buy", "sell"):
        pass
    elif outcome in ("yes", "no"):
        side, action = outcome, "buy"
    elif book in ("bid", "ask"):
        side, action = ("yes" if book == "bid" else "no"), "buy"
    else:
        raise ValueError("order direction missing: need side+action, outcome_side or book_side")
    profits_from = side if action == "buy" else ("no" if side == "yes" else "yes")
    return {
        **data,
        "side": side,
        "action": action,
        "outcome_side": profits_from,
        "book_side": "bid" if profits_from == "yes" else "ask",
    }


class _Directional(WireModel):
    side: Side
    action: Action
    outcome_side: Side
    """The outcome this profits from: buy YES and sell NO → "yes"."""
    book_side: BookSide
    """`bid` (profits from YES) or `ask` (profits from NO) on the single YES book."""

    @model_validator(mode="before")
    @classmethod
    def _direction(cls, data: Any) -> Any:
        return _normalise_direction(data) if isinstance(data, dict) else data


class ShardBalance(WireModel):
    """One entry of the balance breakdown: the free balance on one exchange shard."""

    wire_money: ClassVar[FieldMap] = {"balance": (("balance",), None)}
    exchange_index: int
    balance: Decimal
    """Dollars (a fixed-point string on the wire)."""


class Balance(WireModel):
    wire_money: ClassVar[FieldMap] = {
        "balance": money("balance", "balance"),
        "portfolio_value": money("portfolio_value", "portfolio_value"),
    }
    balance: Decimal
    """Available cash, dollars (every shard, unless the request named one)."""
    portfolio_value: Decimal
    """Value of open positions, dollars."""
    updated_ts: int | None = None
    breakdown: tuple[ShardBalance, ...] = ()
    """Free balance per exchange shard (`balance_breakdown`); empty when the exchange does
    not send one (an unsharded venue, a subaccount-restricted key). How a shard's free
    balance is read from it: `domain.models.Balance.free_on`."""

    @model_validator(mode="before")
    @classmethod
    def _breakdown(cls, data: Any) -> Any:
        if isinstance(data, dict) and "breakdown" not in data:
            rows = data.get("balance_breakdown")
            data = {**data, "breakdown": () if rows is None else rows}
        return data


class MarketPosition(WireModel):
    wire_money: ClassVar[FieldMap] = {
        name: money(name, name)
        for name in ("total_traded", "market_exposure", "realized_pnl", "fees_paid")
    }
    wire_counts: ClassVar[FieldMap] = {"position": (("position_fp",), "position")}

    ticker: str
    position: Decimal
    """Signed net contracts: positive YES, negative NO."""
    total_traded: Decimal
    market_exposure: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    last_updated_ts: datetime | None = None
    resting_orders_count: int | None = None
    exchange_index: ExchangeIndex = 0


class EventPosition(WireModel):
    wire_money: ClassVar[FieldMap] = {
        name: money(name, name)
        for name in ("total_cost", "event_exposure", "realized_pnl", "fees_paid")
    }
    wire_counts: ClassVar[FieldMap] = {
        "total_cost_shares": (("total_cost_shares_fp",), "total_cost_shares")
    }

    event_ticker: str
    total_cost: Decimal
    total_cost_shares: Decimal | None = None
    event_exposure: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal


class PositionsPage(WireModel):
    market_positions: tuple[MarketPosition, ...] = ()
    event_positions: tuple[EventPosition, ...] = ()
    cursor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _cursor(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "cursor": blank_cursor(data.get("cursor"))}
            for key in ("market_positions", "event_positions"):
                if data.get(key) is None:
                    data[key] = ()
        return data


class Order(_Directional):
    wire_money: ClassVar[FieldMap] = {
        "yes_price": money("yes_price", "yes_price"),
        "no_price": money("no_price", "no_price"),
        "taker_fees": money("taker_fees", "taker_fees"),
        "maker_fees": money("maker_fees", "maker_fees"),
        "taker_fill_cost": money("taker_fill_cost", "taker_fill_cost"),
        "maker_fill_cost": money("maker_fill_cost", "maker_fill_cost"),
    }
    wire_counts: ClassVar[FieldMap] = {
        name: ((f"{name}_fp",), name) for name in ("fill_count", "remaining_count", "initial_count")
    }

    order_id: str
    client_order_id: str
    user_id: str | None = None
    ticker: str
    type: str = "limit"
    status: str
    """`resting|canceled|executed`; a string so a new status does not break listing."""
    yes_price: Decimal
    no_price: Decimal
    fill_count: Decimal
    remaining_count: Decimal
    initial_count: Decimal
    taker_fees: Decimal
    maker_fees: Decimal
    taker_fill_cost: Decimal
    maker_fill_cost: Decimal
    expiration_time: datetime | None = None
    created_time: datetime | None = None
    last_update_time: datetime | None = None
    last_update_reason: str | None = None
    self_trade_prevention_type: str | None = None
    order_group_id: str | None = None
    cancel_order_on_pause: bool | None = None
    exchange_index: ExchangeIndex = 0

    @model_validator(mode="before")
    @classmethod
    def _complementary_price(cls, data: Any) -> Any:
        # YES + NO = $1; some current payloads carry only the YES price.
        if isinstance(data, dict) and data.get("no_price_dollars") is None:
            yes = data.get("yes_price_dollars")
            if isinstance(yes, str) and data.get("no_price") is None:
                try:
                    yes_price = parse_decimal_string(yes, "yes_price_dollars")
                except ValueError:
                    return data  # the field's own validation reports it
                data = {**data, "no_price_dollars": str(ONE - yes_price)}
        return data

    @property
    def price(self) -> Decimal:
        """The price of the side traded (YES price for a YES order, else NO price)."""
        return self.yes_price if self.side == "yes" else self.no_price

    @property
    def is_resting(self) -> bool:
        return self.status == "resting"


class OrdersPage(WireModel):
    orders: tuple[Order, ...]
    cursor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _cursor(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "cursor": blank_cursor(data.get("cursor"))}
        return data


class Fill(_Directional):
    wire_money: ClassVar[FieldMap] = {
        "yes_price": (("yes_price_dollars", "yes_price_fixed"), "yes_price"),
        "no_price": (("no_price_dollars", "no_price_fixed"), "no_price"),
        "fee_cost": (("fee_cost",), None),
    }
    wire_counts: ClassVar[FieldMap] = {"count": (("count_fp",), "count")}

    fill_id: str
    trade_id: str | None = None
    order_id: str
    client_order_id: str | None = None
    ticker: str
    count: Decimal
    yes_price: Decimal
    no_price: Decimal
    is_taker: bool
    fee_cost: Decimal | None = None
    """Dollars; absent (None, not zero) in legacy payloads."""
    created_time: datetime | None = None
    ts: int | None = None
    exchange_index: ExchangeIndex = 0

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if data.get("fill_id") is None and data.get("trade_id") is not None:
                data["fill_id"] = data["trade_id"]
            if data.get("ticker") is None and data.get("market_ticker") is not None:
                data["ticker"] = data["market_ticker"]
        return data

    @property
    def price(self) -> Decimal:
        return self.yes_price if self.side == "yes" else self.no_price


class FillsPage(WireModel):
    fills: tuple[Fill, ...]
    cursor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _cursor(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "cursor": blank_cursor(data.get("cursor"))}
        return data


class Settlement(WireModel):
    wire_money: ClassVar[FieldMap] = {
        "yes_total_cost": money("yes_total_cost", "yes_total_cost"),
        "no_total_cost": money("no_total_cost", "no_total_cost"),
        "revenue": money("revenue", "revenue"),
        "fee_cost": (("fee_cost",), None),
        "value": money("value", "value"),
    }
    wire_counts: ClassVar[FieldMap] = {
        "yes_count": (("yes_count_fp",), "yes_count"),
        "no_count": (("no_count_fp",), "no_count"),
    }

    ticker: str
    event_ticker: str | None = None
    market_result: str
    """`yes|no|scalar|void`, kept as a string."""
    yes_count: Decimal
    no_count: Decimal
    yes_total_cost: Decimal
    no_total_cost: Decimal
    revenue: Decimal
    """Dollars credited (the wire keeps integer cents)."""
    fee_cost: Decimal | None = None
    value: Decimal | None = None
    """Payout per YES contract, dollars."""
    settled_time: datetime | None = None
    exchange_index: ExchangeIndex = 0


class SettlementsPage(WireModel):
    settlements: tuple[Settlement, ...]
    cursor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _cursor(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "cursor": blank_cursor(data.get("cursor"))}
        return data


class OrderGroup(WireModel):
    wire_counts: ClassVar[FieldMap] = {
        "contracts_limit": (("contracts_limit_fp",), "contracts_limit")
    }
    id: str
    is_auto_cancel_enabled: bool | None = None
    contracts_limit: Decimal | None = None
    order_ids: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if data.get("id") is None and data.get("order_group_id") is not None:
                data["id"] = data["order_group_id"]
            if data.get("order_ids") is None and isinstance(data.get("orders"), list):
                data["order_ids"] = data["orders"]
        return data


class OrderAck(WireModel):
    """The outcome of an order create, whichever API placed it.

    V2 answers with counts and averages only; V1 with the whole order, kept in `order`.
    `status` is optional because real V2 responses do not carry it.
    """

    wire_money: ClassVar[FieldMap] = {
        "average_fill_price": (("average_fill_price",), None),
        "average_fee_paid": (("average_fee_paid",), None),
    }
    wire_counts: ClassVar[FieldMap] = {
        "fill_count": (("fill_count_fp", "fill_count"), "fill_count"),
        "remaining_count": (("remaining_count_fp", "remaining_count"), "remaining_count"),
    }

    order_id: str
    client_order_id: str | None = None
    fill_count: Decimal
    remaining_count: Decimal
    status: str | None = None
    average_fill_price: Decimal | None = None
    average_fee_paid: Decimal | None = None
    ts_ms: int | None = None
    order: Order | None = None

    @classmethod
    def from_order(cls, order: Order) -> OrderAck:
        return cls(
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            fill_count=order.fill_count,
            remaining_count=order.remaining_count,
            status=order.status,
            order=order,
        )


class OrderReduction(WireModel):
    """The outcome of a cancel or decrease: how many contracts stopped resting, or how
    many still rest. V2 cancel answers `reduced_by`, V2 decrease `remaining_count` (and
    no `reduced_by`), V1 cancel `{order, reduced_by_fp}`, V1 decrease `{order}`; the
    V1 order fills in `remaining_count`."""

    wire_counts: ClassVar[FieldMap] = {
        "reduced_by": (("reduced_by_fp", "reduced_by"), "reduced_by"),
        "remaining_count": (("remaining_count_fp", "remaining_count"), "remaining_count"),
    }
    order_id: str
    client_order_id: str | None = None
    reduced_by: Decimal | None = None
    remaining_count: Decimal | None = None
    """Contracts still resting after the change, when the reply says."""
    ts_ms: int | None = None
    order: Order | None = None
    """The order after the change (V1 responses only)."""


class AmendResult(WireModel):
    wire_counts: ClassVar[FieldMap] = {
        "fill_count": (("fill_count_fp", "fill_count"), "fill_count"),
        "remaining_count": (("remaining_count_fp", "remaining_count"), "remaining_count"),
    }
    order_id: str
    client_order_id: str | None = None
    fill_count: Decimal | None = None
    remaining_count: Decimal | None = None
    order: Order | None = None
    old_order: Order | None = None


class ItemError(WireModel):
    """A per-item error inside a batch response (the inner error shape)."""

    code: str | None = None
    message: str = ""
    details: object = None


class BatchCancelItem(WireModel):
    wire_counts: ClassVar[FieldMap] = {
        "reduced_by": (("reduced_by_fp", "reduced_by"), "reduced_by"),
    }
    order_id: str
    reduced_by: Decimal | None = None
    error: ItemError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class CancelAllResult(WireModel):
    """What a cancel-all did: ids cancelled, and items that failed for another reason.

    Orders that were already gone (`not_found`) count as cancelled, since the goal
    (nothing resting) holds.
    """

    count: int
    order_ids: tuple[str, ...] = ()
    failed: tuple[BatchCancelItem, ...] = ()
