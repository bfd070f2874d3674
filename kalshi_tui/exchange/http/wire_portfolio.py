"""Portfolio objects on the wire: orders, fills, positions, settlements, balance, groups.

Profiles as in `wire_market`: `legacy` carries the SDK 3.2.0 fields (integer cents and whole
contracts plus `_dollars`), `current` the 2026 ones (`_dollars`/`_fp`, `outcome_side`,
`book_side`), `compat` both.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from kalshi_tui.exchange.engine import (
    COUNT_SCALE,
    MONEY_SCALE,
    BalanceView,
    CancelResult,
    EventPositionView,
    FillView,
    OrderGroupView,
    OrderView,
    PositionView,
    SettlementView,
    TransferView,
)
from kalshi_tui.exchange.http.timefmt import rfc3339_ms
from kalshi_tui.exchange.http.units import (
    Profile,
    count_int,
    count_str,
    money_cents,
    money_str,
    price_cents,
    price_float,
    price_str,
)

Json = dict[str, Any]


def _ts(ms: int | None) -> str | None:
    return rfc3339_ms(ms) if ms is not None else None


def _money(out: Json, name: str, value: int, profile: Profile) -> None:
    if profile != "current":
        out[name] = money_cents(value)
    out[name + "_dollars"] = money_str(value)


def order(view: OrderView, profile: Profile) -> Json:
    """An Order object (GET, V1 create/cancel/amend/decrease, batch items)."""
    out: Json = {
        "order_id": view.order_id,
        "user_id": view.user_id,
        "client_order_id": view.client_order_id,
        "ticker": view.ticker,
        "side": view.side,
        "action": view.action,
        "type": view.type,
        "status": view.status,
    }
    if profile != "current":
        out["yes_price"] = price_cents(view.yes_price)
        out["no_price"] = price_cents(view.no_price)
        out["fill_count"] = count_int(view.fill_count)
        out["remaining_count"] = count_int(view.remaining_count)
        out["initial_count"] = count_int(view.initial_count)
        out["queue_position"] = 0  # always 0 on Kalshi (deprecated)
    out["yes_price_dollars"] = price_str(view.yes_price)
    out["no_price_dollars"] = price_str(view.no_price)
    _money(out, "taker_fees", view.taker_fees, profile)
    _money(out, "maker_fees", view.maker_fees, profile)
    _money(out, "taker_fill_cost", view.taker_fill_cost, profile)
    _money(out, "maker_fill_cost", view.maker_fill_cost, profile)
    out["expiration_time"] = _ts(view.expiration_ms)
    out["created_time"] = _ts(view.created_ms)
    out["last_update_time"] = _ts(view.last_update_ms)
    out["self_trade_prevention_type"] = view.self_trade_prevention_type
    out["order_group_id"] = view.order_group_id
    out["cancel_order_on_pause"] = view.cancel_order_on_pause
    if profile != "legacy":
        out["outcome_side"] = view.outcome_side
        out["book_side"] = view.book_side
        out["fill_count_fp"] = count_str(view.fill_count)
        out["remaining_count_fp"] = count_str(view.remaining_count)
        out["initial_count_fp"] = count_str(view.initial_count)
        out["last_update_reason"] = view.last_update_reason  # changelog 2026-06-04
        out["subaccount_number"] = 0
        out["exchange_index"] = view.exchange_index
    if profile == "compat":  # the simulator's own additions
        out["time_in_force"] = view.time_in_force
        out["post_only"] = view.post_only
        out["reduce_only"] = view.reduce_only
    return out


def _average_fee(view: OrderView) -> str | None:
    if view.fill_count == 0:
        return None
    fees = Decimal(view.taker_fees + view.maker_fees) / MONEY_SCALE
    per_contract = fees / (Decimal(view.fill_count) / COUNT_SCALE)
    return str(per_contract.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def order_v2(view: OrderView, ts_ms: int, profile: Profile) -> Json:
    """The V2 create/amend reply (docs/WIRE.md); `status` is the simulator's addition, sent
    in `compat` only."""
    out: Json = {
        "order_id": view.order_id,
        "client_order_id": view.client_order_id,
        "fill_count": count_str(view.fill_count),
        "remaining_count": count_str(view.remaining_count),
        "ts_ms": ts_ms,
    }
    if profile == "compat":
        out["status"] = view.status
    average_price = view.average_fill_price
    if average_price is not None:
        out["average_fill_price"] = price_str(average_price)
        out["average_fee_paid"] = _average_fee(view)
    return out


def cancel_v1(result: CancelResult, profile: Profile) -> Json:
    """V1 cancel reply `{order, reduced_by}`."""
    out: Json = {"order": order(result.order, profile)}
    if profile != "current":
        out["reduced_by"] = count_int(result.reduced_by)
    if profile != "legacy":
        out["reduced_by_fp"] = count_str(result.reduced_by)
    return out


def cancel_v2(result: CancelResult, ts_ms: int) -> Json:
    """V2 cancel reply (also each item of a V2 batch cancel)."""
    return {
        "order_id": result.order.order_id,
        "client_order_id": result.order.client_order_id,
        "reduced_by": count_str(result.reduced_by),
        "ts_ms": ts_ms,
    }


def decrease_v2(result: CancelResult, ts_ms: int, profile: Profile) -> Json:
    """V2 decrease reply: the order's `remaining_count` after the decrease (`reduced_by`
    too in `compat`, for clients of the simulator's older reply)."""
    out: Json = {
        "order_id": result.order.order_id,
        "client_order_id": result.order.client_order_id,
        "remaining_count": count_str(result.order.remaining_count),
        "ts_ms": ts_ms,
    }
    if profile == "compat":
        out["reduced_by"] = count_str(result.reduced_by)
    return out


def fill(view: FillView, profile: Profile) -> Json:
    """A Fill."""
    out: Json = {
        "fill_id": view.fill_id,
        "trade_id": view.trade_id,
        "order_id": view.order_id,
        "ticker": view.ticker,
        "market_ticker": view.ticker,
        "side": view.side,
        "action": view.action,
        "is_taker": view.is_taker,
        "created_time": _ts(view.created_ms),
        "ts": view.created_ms // 1000,
    }
    if profile != "legacy":
        out["exchange_index"] = view.exchange_index
        out["subaccount_number"] = 0
    if profile != "current":
        paid = view.yes_price if view.side == "yes" else view.no_price
        out["client_order_id"] = view.client_order_id
        out["count"] = count_int(view.count)
        out["price"] = price_float(paid)
        out["yes_price"] = price_cents(view.yes_price)
        out["no_price"] = price_cents(view.no_price)
        out["yes_price_fixed"] = price_str(view.yes_price)
        out["no_price_fixed"] = price_str(view.no_price)
    if profile != "legacy":
        out["count_fp"] = count_str(view.count)
        out["yes_price_dollars"] = price_str(view.yes_price)
        out["no_price_dollars"] = price_str(view.no_price)
        out["fee_cost"] = money_str(view.fee_cost)
        out["outcome_side"] = view.outcome_side
        out["book_side"] = view.book_side
    if profile == "compat":
        out["post_position_fp"] = count_str(view.post_position)
    return out


def position(view: PositionView, profile: Profile) -> Json:
    """A MarketPosition."""
    out: Json = {"ticker": view.ticker}
    _money(out, "total_traded", view.total_traded, profile)
    if profile != "current":
        out["position"] = (
            count_int(view.position) if view.position >= 0 else -count_int(-view.position)
        )
        out["resting_orders_count"] = view.resting_orders_count
    _money(out, "market_exposure", view.market_exposure, profile)
    _money(out, "realized_pnl", view.realized_pnl, profile)
    _money(out, "fees_paid", view.fees_paid, profile)
    out["last_updated_ts"] = _ts(view.last_updated_ms)
    if profile != "legacy":
        out["position_fp"] = count_str(view.position)
        out["exchange_index"] = view.exchange_index
    if profile == "compat":
        out["volume_fp"] = count_str(view.volume)
    return out


def event_position(view: EventPositionView, profile: Profile) -> Json:
    """An EventPosition."""
    out: Json = {"event_ticker": view.event_ticker}
    _money(out, "total_cost", view.total_cost, profile)
    if profile != "current":
        out["total_cost_shares"] = count_int(view.total_cost_shares)
    if profile != "legacy":
        out["total_cost_shares_fp"] = count_str(view.total_cost_shares)
    _money(out, "event_exposure", view.event_exposure, profile)
    _money(out, "realized_pnl", view.realized_pnl, profile)
    _money(out, "fees_paid", view.fees_paid, profile)
    return out


def settlement(view: SettlementView, profile: Profile) -> Json:
    """A Settlement row; `revenue` stays integer cents in every profile (as observed)."""
    out: Json = {
        "ticker": view.ticker,
        "event_ticker": view.event_ticker,
        "market_result": view.market_result or "void",
        "revenue": money_cents(view.revenue),
        "settled_time": _ts(view.settled_ms),
        "fee_cost": money_str(view.fee_cost),
    }
    if profile != "current":
        out["yes_count"] = count_int(view.yes_count)
        out["yes_total_cost"] = money_cents(view.yes_total_cost)
        out["no_count"] = count_int(view.no_count)
        out["no_total_cost"] = money_cents(view.no_total_cost)
    if profile != "legacy":
        out["yes_count_fp"] = count_str(view.yes_count)
        out["no_count_fp"] = count_str(view.no_count)
        out["yes_total_cost_dollars"] = money_str(view.yes_total_cost)
        out["no_total_cost_dollars"] = money_str(view.no_total_cost)
        out["exchange_index"] = view.exchange_index
    if profile == "compat":
        out["revenue_dollars"] = money_str(view.revenue)
    if view.value is not None:
        out["value"] = price_cents(view.value)
        if profile == "compat":
            out["value_dollars"] = price_str(view.value)
    return out


def balance(view: BalanceView, profile: Profile) -> Json:
    """`GET /portfolio/balance`: integer cents in every profile, `balance_dollars` since 2026."""
    out: Json = {
        "balance": money_cents(view.balance),
        "portfolio_value": money_cents(view.portfolio_value),
        "updated_ts": view.updated_ms // 1000,
    }
    if profile != "legacy":
        out["balance_dollars"] = money_str(view.balance)
        # Free balance per shard the account holds money or positions on (shard 0 always).
        out["balance_breakdown"] = [
            {"exchange_index": row.exchange_index, "balance": money_str(row.balance)}
            for row in view.breakdown
        ]
    if profile == "compat":
        out["portfolio_value_dollars"] = money_str(view.portfolio_value)
    return out


def transfer(view: TransferView) -> Json:
    """An IntraExchangeInstanceTransfer (identical in every profile: the routes are new)."""
    return {
        "transfer_id": view.transfer_id,
        "source": "event_contract",
        "destination": "event_contract",
        "source_exchange_shard": view.source_shard,
        "destination_exchange_shard": view.destination_shard,
        "amount": money_str(view.amount),
        "status": view.status,
        "created_ts": view.created_ms // 1000,
    }


def order_group_summary(view: OrderGroupView, profile: Profile) -> Json:
    """An item of `GET /portfolio/order_groups`."""
    out: Json = {"id": view.order_group_id, "is_auto_cancel_enabled": view.is_auto_cancel_enabled}
    if profile != "legacy":
        out["contracts_limit_fp"] = count_str(view.contracts_limit)
        out["exchange_index"] = view.exchange_index
    if profile == "compat":
        out["matched_count_fp"] = count_str(view.matched_count)
        out["triggered"] = view.triggered
    return out


def order_group_detail(view: OrderGroupView, profile: Profile) -> Json:
    """`GET /portfolio/order_groups/{id}`."""
    out: Json = {
        "is_auto_cancel_enabled": view.is_auto_cancel_enabled,
        "orders": list(view.order_ids),
    }
    if profile != "legacy":
        out["contracts_limit_fp"] = count_str(view.contracts_limit)
        out["exchange_index"] = view.exchange_index
    if profile == "compat":
        out["id"] = view.order_group_id
        out["matched_count_fp"] = count_str(view.matched_count)
        out["triggered"] = view.triggered
    return out
