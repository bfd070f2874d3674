"""The stream's messages on the wire, field for field as Kalshi's AsyncAPI names them.

Numbers as in REST's `current` profile (`kalshi_tui.exchange.http.units`): prices `$` strings
with 4 decimals, counts `_fp` strings with 2, money `_dollars` strings with 4; times `ts_ms`
epoch milliseconds beside the deprecated seconds (`ts`) and RFC 3339 (`time`) fields.
Which messages carry `seq` is the AsyncAPI's: order book snapshots and deltas and order
group updates do; the others do not. The caller adds `sid` (and `seq`).
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from kalshi_tui.exchange.engine import (
    PRICE_SCALE,
    EventView,
    FillView,
    MarketView,
    OrderView,
    PositionView,
    TradeView,
)
from kalshi_tui.exchange.http.timefmt import rfc3339_ms
from kalshi_tui.exchange.http.units import count_str, money_str, price_str

Json = dict[str, Any]

SEQ_TYPES = frozenset({"orderbook_snapshot", "orderbook_delta", "order_group_updates"})
"""Message types that carry the subscription's `seq` (the AsyncAPI's required fields)."""


@lru_cache(maxsize=65_536)
def market_id(ticker: str) -> str:
    """The market's UUID: the engine keys markets by ticker, so the stream derives a stable
    one (the same for a ticker in every run)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshi-tui-sim:market:{ticker}"))


def book_levels(levels: tuple[tuple[int, int], ...], *, flip: bool = False) -> list[list[str]]:
    """`[[price_dollars, count_fp], ...]` ascending; ``flip`` reports NO bids at the YES
    price (`use_yes_price`)."""
    if flip:
        return [[price_str(PRICE_SCALE - p), count_str(c)] for p, c in reversed(levels)]
    return [[price_str(p), count_str(c)] for p, c in levels]


def snapshot(
    ticker: str,
    yes: tuple[tuple[int, int], ...],
    no: tuple[tuple[int, int], ...],
    use_yes_price: bool,
) -> Json:
    msg: Json = {"market_ticker": ticker, "market_id": market_id(ticker)}
    if yes:
        msg["yes_dollars_fp"] = book_levels(yes)
    if no:
        msg["no_dollars_fp"] = book_levels(no, flip=use_yes_price)
    return {"type": "orderbook_snapshot", "msg": msg}


def delta(ticker: str, side: str, price: int, change: int, ts_ms: int, use_yes_price: bool) -> Json:
    shown = PRICE_SCALE - price if side == "no" and use_yes_price else price
    sign = "-" if change < 0 else ""
    return {
        "type": "orderbook_delta",
        "msg": {
            "market_ticker": ticker,
            "market_id": market_id(ticker),
            "price_dollars": price_str(shown),
            "delta_fp": sign + count_str(abs(change)),
            "side": side,
            "ts": rfc3339_ms(ts_ms),
            "ts_ms": ts_ms,
        },
    }


TickerFields = tuple[int, int, int, int, int, int, int]
"""`Exchange.ticker_fields`: (yes bid, size, no bid, size, last price, volume, OI)."""


def ticker(name: str, fields: TickerFields, last_size: int, ts_ms: int) -> Json:
    yes_bid, yes_size, no_bid, no_size, last, volume, open_interest = fields
    yes_ask = PRICE_SCALE - no_bid if no_bid else PRICE_SCALE
    return {
        "type": "ticker",
        "msg": {
            "market_ticker": name,
            "market_id": market_id(name),
            "price_dollars": price_str(last),
            "yes_bid_dollars": price_str(yes_bid),
            "yes_ask_dollars": price_str(yes_ask),
            "yes_bid_size_fp": count_str(yes_size),
            "yes_ask_size_fp": count_str(no_size),
            "last_trade_size_fp": count_str(last_size),
            "volume_fp": count_str(volume),
            "open_interest_fp": count_str(open_interest),
            # Whole dollars at $0.50 a contract: the ratio of the AsyncAPI's own example
            # (the docs define these no further; see docs/WIRE.md).
            "dollar_volume": volume // 200,
            "dollar_open_interest": open_interest // 200,
            "ts": ts_ms // 1000,
            "ts_ms": ts_ms,
            "time": rfc3339_ms(ts_ms),
        },
    }


def trade(view: TradeView) -> Json:
    return {
        "type": "trade",
        "msg": {
            "trade_id": view.trade_id,
            "market_ticker": view.ticker,
            "yes_price_dollars": price_str(view.yes_price),
            "no_price_dollars": price_str(view.no_price),
            "count_fp": count_str(view.count),
            "taker_side": view.taker_outcome_side,
            "taker_outcome_side": view.taker_outcome_side,
            "taker_book_side": view.taker_book_side,
            "is_block_trade": view.is_block_trade,
            "ts": view.created_ms // 1000,
            "ts_ms": view.created_ms,
        },
    }


def fill(view: FillView) -> Json:
    return {
        "type": "fill",
        "msg": {
            "trade_id": view.trade_id,
            "order_id": view.order_id,
            "market_ticker": view.ticker,
            "exchange_index": view.exchange_index,
            "is_taker": view.is_taker,
            "side": view.side,
            "yes_price_dollars": price_str(view.yes_price),
            "count_fp": count_str(view.count),
            "fee_cost": money_str(view.fee_cost),
            "action": view.action,
            "outcome_side": view.outcome_side,
            "book_side": view.book_side,
            "ts": view.created_ms // 1000,
            "ts_ms": view.created_ms,
            "client_order_id": view.client_order_id,
            "post_position_fp": _signed_count(view.post_position),
            "purchased_side": view.outcome_side,
        },
    }


def _signed_count(count: int) -> str:
    return ("-" if count < 0 else "") + count_str(abs(count))


def position(user_id: str, view: PositionView) -> Json:
    return {
        "type": "market_position",
        "msg": {
            "user_id": user_id,
            "market_ticker": view.ticker,
            "position_fp": _signed_count(view.position),
            "position_cost_dollars": money_str(view.market_exposure),
            "realized_pnl_dollars": money_str(view.realized_pnl),
            "fees_paid_dollars": money_str(view.fees_paid),
            "position_fee_cost_dollars": money_str(view.fees_paid),
            "volume_fp": count_str(view.volume),
        },
    }


def user_order(view: OrderView) -> Json:
    msg: Json = {
        "order_id": view.order_id,
        "user_id": view.user_id,
        "ticker": view.ticker,
        "status": view.status,
        "side": view.side,
        "is_yes": view.side == "yes",
        "outcome_side": view.outcome_side,
        "book_side": view.book_side,
        "yes_price_dollars": price_str(view.yes_price),
        "fill_count_fp": count_str(view.fill_count),
        "remaining_count_fp": count_str(view.remaining_count),
        "initial_count_fp": count_str(view.initial_count),
        "taker_fill_cost_dollars": money_str(view.taker_fill_cost),
        "maker_fill_cost_dollars": money_str(view.maker_fill_cost),
        "taker_fees_dollars": money_str(view.taker_fees),
        "maker_fees_dollars": money_str(view.maker_fees),
        "client_order_id": view.client_order_id,
        "self_trade_prevention_type": view.self_trade_prevention_type,
        "created_time": rfc3339_ms(view.created_ms),
        "created_ts_ms": view.created_ms,
        "last_update_time": rfc3339_ms(view.last_update_ms),
        "last_updated_ts_ms": view.last_update_ms,
        "subaccount_number": 0,
    }
    if view.order_group_id is not None:
        msg["order_group_id"] = view.order_group_id
    if view.expiration_ms is not None:
        msg["expiration_time"] = rfc3339_ms(view.expiration_ms)
        msg["expiration_ts_ms"] = view.expiration_ms
    return {"type": "user_order", "msg": msg}


def lifecycle(view: MarketView, event_type: str, at_ms: int) -> Json:
    """A `market_lifecycle_v2` message; each event type carries the keys the AsyncAPI says
    exist only for it."""
    msg: Json = {"market_ticker": view.ticker, "event_type": event_type}
    if event_type == "created":
        msg.update(_created(view))
    elif event_type in ("activated", "deactivated"):
        msg["is_deactivated"] = event_type == "deactivated"
    elif event_type == "close_date_updated":
        msg["close_ts"] = view.close_ms // 1000
    elif event_type == "determined":
        msg["result"] = view.result
        msg["determination_ts"] = (view.determination_ms or at_ms) // 1000
        if view.settlement_value is not None:  # a void market has none
            msg["settlement_value"] = price_str(view.settlement_value)
    elif event_type == "settled":
        msg["settled_ts"] = (view.settlement_ms or at_ms) // 1000
    return {"type": "market_lifecycle_v2", "msg": msg}


def _created(view: MarketView) -> Json:
    """The keys only a `created` event carries."""
    metadata: Json = {
        "name": view.title,
        "title": view.title,
        "yes_sub_title": view.yes_sub_title,
        "no_sub_title": view.no_sub_title,
        "rules_primary": view.rules_primary,
        "rules_secondary": view.rules_secondary,
        "can_close_early": view.can_close_early,
        "event_ticker": view.event_ticker,
        "expected_expiration_ts": view.expected_expiration_ms // 1000,
    }
    if view.strike_type is not None:
        metadata["strike_type"] = view.strike_type
    if view.floor_strike is not None:
        metadata["floor_strike"] = float(view.floor_strike)
    if view.cap_strike is not None:
        metadata["cap_strike"] = float(view.cap_strike)
    return {
        "exchange_index": view.exchange_index,
        "open_ts": view.open_ms // 1000,
        "close_ts": view.close_ms // 1000,
        "price_level_structure": view.price_level_structure,
        "price_ranges": [
            {"start": price_str(r.start), "end": price_str(r.end), "step": price_str(r.step)}
            for r in view.price_ranges
        ],
        "additional_metadata": metadata,
    }


def event_lifecycle(view: EventView) -> Json:
    msg: Json = {
        "event_ticker": view.event_ticker,
        "exchange_index": view.exchange_index,
        "title": view.title,
        "subtitle": view.sub_title,
        "collateral_return_type": view.collateral_return_type,
        "series_ticker": view.series_ticker,
    }
    if view.strike_date_ms is not None:
        msg["strike_date"] = view.strike_date_ms // 1000
    return {"type": "event_lifecycle", "msg": msg}


def order_group(group_id: str, event_type: str, at_ms: int, contracts_limit: int | None) -> Json:
    msg: Json = {"event_type": event_type, "order_group_id": group_id, "ts_ms": at_ms}
    if contracts_limit is not None and event_type in ("created", "limit_updated"):
        msg["contracts_limit_fp"] = count_str(contracts_limit)
    return {"type": "order_group_updates", "msg": msg}


def error(code: int, text: str, command_id: int | None, market_ticker: str | None = None) -> Json:
    out: Json = {"id": command_id} if command_id else {}
    out.update(type="error", msg={"code": code, "msg": text})
    if market_ticker is not None:
        out["msg"]["market_ticker"] = market_ticker
    return out
