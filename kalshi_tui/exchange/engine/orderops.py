"""Changes to accepted orders: cancel, decrease, amend, expiry, order groups, pauses."""

from __future__ import annotations

import heapq

from kalshi_tui.exchange.engine import accounts, matching
from kalshi_tui.exchange.engine.fees import worst_taker_fee
from kalshi_tui.exchange.engine.model import Market, Order, OrderGroup
from kalshi_tui.exchange.engine.shards import check_shard
from kalshi_tui.exchange.engine.state import State
from kalshi_tui.exchange.engine.views import PRICE_SCALE, ExchangeError


def _resting(state: State, user_id: str, order_id: str) -> Order:
    order = state.user_order(user_id, order_id)
    if order.status != "resting" or not order.on_book:
        raise ExchangeError(404, "not_found", "order is not resting", order_id)
    return order


def _market_active(state: State, order: Order) -> Market:
    market = state.markets[order.ticker]
    if market.status != "active":
        raise ExchangeError(400, "market_inactive", f"market is {market.status}", market.ticker)
    return market


def cancel(state: State, user_id: str, order_id: str, now: int) -> tuple[Order, int]:
    """User cancel: 404 unless resting, 400 market_inactive when the market is not active."""
    order = _resting(state, user_id, order_id)
    market = _market_active(state, order)
    reduced = matching.cancel_resting(state, market, order, "Canceled", now)
    return order, reduced


def decrease(
    state: State,
    user_id: str,
    order_id: str,
    now: int,
    reduce_by: int | None,
    reduce_to: int | None,
) -> tuple[Order, int]:
    if (reduce_by is None) == (reduce_to is None):
        raise ExchangeError(400, "invalid_order", "exactly one of reduce_by, reduce_to")
    order = _resting(state, user_id, order_id)
    market = state.markets[order.ticker]
    matching.check_trading(state, market)
    if reduce_by is not None:
        if reduce_by < 1:
            raise ExchangeError(400, "invalid_order", "reduce_by must be at least 0.01")
        target = max(0, order.remaining - reduce_by)
    else:
        assert reduce_to is not None
        if reduce_to < 0:
            raise ExchangeError(400, "invalid_order", "reduce_to must not be negative")
        target = min(reduce_to, order.remaining)
    if target == 0:
        return order, matching.cancel_resting(state, market, order, "Canceled", now)
    reduced = order.remaining - target
    if reduced:
        _shrink(state, market, order, reduced)
        order.last_update_ms = now
        order.last_update_reason = "Decreased"
    return order, reduced


def _shrink(state: State, market: Market, order: Order, amount: int) -> None:
    """Take ``amount`` off a resting order in place (it keeps its time priority)."""
    assert market.book is not None
    account = state.accounts[order.user_id]
    pos = account.positions[order.ticker]
    market.book.side(order.is_yes).reduce(order.own_price, amount)
    if state.changes is not None:
        state.changes.markets[market.ticker] = None
        state.changes.orders[order.order_id] = order.user_id
    accounts.remove_resting(account, pos, order.is_yes, amount, order.own_price)
    order.remaining -= amount
    multiplier = state.series[market.series_ticker].fee_multiplier
    reserve = worst_taker_fee(order.remaining, order.own_price, multiplier)
    pos.fee_reserve += reserve - order.fee_reserve
    order.fee_reserve = reserve
    account.refresh_lock(pos)


def amend(
    state: State,
    user_id: str,
    order_id: str,
    now: int,
    price: int,
    count: int,
    new_client_order_id: str | None,
) -> Order:
    """Re-price and/or re-size a resting order (``count`` = filled + desired remaining)."""
    order = _resting(state, user_id, order_id)
    market = state.markets[order.ticker]
    account = state.accounts[user_id]
    if (
        new_client_order_id is not None
        and new_client_order_id != order.client_order_id
        and new_client_order_id in account.client_order_ids
    ):
        raise ExchangeError(
            409, "order_already_exists", "order already exists", new_client_order_id
        )
    matching.check_trading(state, market)
    matching.check_price(market, price)
    remaining = count - order.fill_count
    if remaining < 1:
        raise ExchangeError(400, "invalid_order", "count must exceed the filled count")
    own_price = price if order.is_yes else PRICE_SCALE - price
    pos = account.positions[order.ticker]
    multiplier = state.series[market.series_ticker].fee_multiplier
    reserve = worst_taker_fee(remaining, own_price, multiplier)
    # Balance check against the order as amended, without its current footprint.
    accounts.remove_resting(account, pos, order.is_yes, order.remaining, order.own_price)
    pos.fee_reserve -= order.fee_reserve
    needed = accounts.lock_if_added(account, pos, order.is_yes, remaining, own_price, reserve)
    accounts.add_resting(account, pos, order.is_yes, order.remaining, order.own_price)
    pos.fee_reserve += order.fee_reserve
    matching.check_collateral(account, pos.shard, needed)

    if new_client_order_id is not None:
        order.client_order_id = new_client_order_id
        account.client_order_ids[new_client_order_id] = order.order_id
    order.last_update_ms = now
    order.last_update_reason = "Amended"
    order.initial_count = count
    if state.changes is not None:
        state.changes.orders[order.order_id] = order.user_id
        state.changes.markets[market.ticker] = None
    if price == order.yes_price and remaining <= order.remaining:
        if remaining < order.remaining:
            _shrink(state, market, order, order.remaining - remaining)
        return order
    # A new price or a larger size loses time priority: off the book, re-enter as a taker.
    assert market.book is not None
    market.book.side(order.is_yes).remove(order.own_price, order)
    matching.unrest(state, order)
    matching.release(state, order)
    order.yes_price = price
    order.remaining = remaining
    order.seq = state.next_seq()
    order.fee_reserve = reserve
    accounts.add_resting(account, pos, order.is_yes, remaining, own_price)
    pos.fee_reserve += reserve
    account.refresh_lock(pos)
    matching.enter(state, market, order, now, None)
    return order


def expire(state: State, now: int) -> None:
    """Cancel every GTC order whose expiration time has come."""
    while state.expiries and state.expiries[0][0] <= now:
        _, _, order_id = heapq.heappop(state.expiries)
        order = state.orders.get(order_id)
        expiring = order is not None and order.on_book and order.expiration_ms is not None
        if expiring and order is not None and (order.expiration_ms or 0) <= now:
            market = state.markets[order.ticker]
            matching.cancel_resting(state, market, order, "Expired", now)


def cancel_market_orders(
    state: State, market: Market, reason: str, now: int, only_on_pause: bool = False
) -> None:
    """Cancel the market's resting orders (all, or those flagged cancel_order_on_pause)."""
    book = market.book
    if book is None:
        return
    doomed = [
        order
        for side in (book.yes, book.no)
        for level in list(side.levels.values())
        for order in level.live()
        if not only_on_pause or order.cancel_order_on_pause
    ]
    for order in doomed:
        matching.cancel_resting(state, market, order, reason, now)


def create_group(
    state: State, user_id: str, contracts_limit: int, now: int, exchange_index: int = 0
) -> OrderGroup:
    if contracts_limit < 1:
        raise ExchangeError(400, "invalid_parameters", "contracts_limit must be at least 0.01")
    check_shard(exchange_index)
    state.account(user_id)
    group = OrderGroup(
        state.next_id(), user_id, contracts_limit, now, exchange_index=exchange_index
    )
    state.groups[group.order_group_id] = group
    if state.changes is not None:
        state.changes.groups.append(
            (group.order_group_id, user_id, "created", now, contracts_limit)
        )
    return group


def user_group(state: State, user_id: str, group_id: str) -> OrderGroup:
    group = state.groups.get(group_id)
    if group is None or group.user_id != user_id:
        raise ExchangeError(404, "not_found", "order group not found", group_id)
    return group


def delete_group(state: State, user_id: str, group_id: str, now: int) -> None:
    user_group(state, user_id, group_id)
    matching.trigger_group(state, group_id, now, notify=False)
    del state.groups[group_id]
    if state.changes is not None:
        state.changes.groups.append((group_id, user_id, "deleted", now, None))
