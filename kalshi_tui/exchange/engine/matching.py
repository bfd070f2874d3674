"""Order entry and matching: validation, crossing, fills, resting and retiring orders.

A YES bid at p crosses a NO bid at q when p + q ≥ $1; the trade happens at the resting order's
price (the taker gets any improvement), the incoming order is the taker, and every match is one
public trade. Prices are compared as each side's own price, so both sides share one code path.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from decimal import Decimal

from kalshi_tui.exchange.engine import accounts
from kalshi_tui.exchange.engine.accounts import Account
from kalshi_tui.exchange.engine.fees import fill_fee, maker_fee, taker_fee, worst_taker_fee
from kalshi_tui.exchange.engine.grids import on_grid
from kalshi_tui.exchange.engine.model import Market, Order
from kalshi_tui.exchange.engine.state import State
from kalshi_tui.exchange.engine.views import (
    MONEY_SCALE,
    PRICE_SCALE,
    ExchangeError,
    FillView,
    OrderInput,
    TradeView,
)


def check_trading(state: State, market: Market) -> None:
    """Exchange-wide pause first (409), then the market's own status (400)."""
    if not state.trading_active or not state.exchange_active:
        raise ExchangeError(409, "trading_is_paused", "trading is paused")
    if market.status != "active":
        raise ExchangeError(400, "market_inactive", f"market is {market.status}", market.ticker)


def _dollars(money: int) -> str:
    return f"{Decimal(money) / MONEY_SCALE:.2f}"


def check_route(market: Market, exchange_index: int | None) -> None:
    """None or -1 routes by the market's ticker; any other index must be the market's shard
    (the market does not exist on another shard's engine)."""
    if exchange_index is None or exchange_index == -1:
        return
    if exchange_index < -1:
        raise ExchangeError(
            400, "invalid_parameters", "exchange_index must be -1 (route by ticker) or a shard"
        )
    if exchange_index != market.exchange_index:
        raise ExchangeError(
            404,
            "not_found",
            f"market not found on exchange index {exchange_index} (it trades on "
            f"{market.exchange_index}; omit exchange_index or send -1 to route by ticker)",
            market.ticker,
        )


def check_price(market: Market, price: int) -> None:
    if not 0 < price < PRICE_SCALE or not on_grid(market.price_level_structure, price):
        raise ExchangeError(400, "invalid_price", "price is off the market's grid", str(price))


def _invalid(message: str) -> ExchangeError:
    return ExchangeError(400, "invalid_order", message)


def validate(state: State, user_id: str, inp: OrderInput, now: int) -> Market:
    """Every check that can refuse an order, in the order a client can act on them."""
    market = state.market(inp.ticker)
    check_route(market, inp.exchange_index)
    account = state.accounts.get(user_id)
    cid = inp.client_order_id
    if cid is not None and account is not None and cid in account.client_order_ids:
        raise ExchangeError(409, "order_already_exists", "order already exists", cid)
    check_trading(state, market)
    if inp.count < 1:
        raise _invalid("count must be at least 0.01")
    check_price(market, inp.price)
    if inp.expiration_ms is not None:
        if inp.time_in_force != "good_till_canceled" or inp.buy_max_cost is not None:
            raise _invalid("expiration is only allowed on good_till_canceled orders")
        if inp.expiration_ms <= now:
            raise _invalid("expiration time is in the past")
    if inp.post_only and (inp.time_in_force != "good_till_canceled" or inp.buy_max_cost):
        raise _invalid("post_only orders must be good_till_canceled")
    if inp.buy_max_cost is not None and inp.buy_max_cost <= 0:
        raise _invalid("buy_max_cost must be positive")
    if inp.order_group_id is not None:
        group = state.groups.get(inp.order_group_id)
        if group is None or group.user_id != user_id:
            raise ExchangeError(404, "not_found", "order group not found", inp.order_group_id)
        if group.triggered:
            raise ExchangeError(
                400, "order_group_limit_reached", "order group limit reached", group.order_group_id
            )
        if group.exchange_index != market.exchange_index:
            raise _invalid(
                f"order group {group.order_group_id} is on exchange index "
                f"{group.exchange_index}; market {market.ticker} trades on "
                f"{market.exchange_index} (order groups do not work across shards)"
            )
    return market


def reduce_only_cap(state: State, user_id: str, ticker: str, is_yes: bool) -> int:
    """How much a bid can fill without growing or flipping the user's position."""
    account = state.accounts.get(user_id)
    pos = account.positions.get(ticker) if account is not None else None
    if pos is None:
        return 0
    return pos.no if is_yes else pos.yes


def check(state: State, user_id: str, inp: OrderInput, now: int) -> tuple[Market, int, int]:
    """Every check that can refuse an order, without changing anything.

    Returns the market, the count to accept (reduce-only caps it) and its fee reserve.
    """
    market = validate(state, user_id, inp, now)
    account = state.accounts.get(user_id) or Account(user_id)
    is_yes = (inp.side == "yes") == (inp.action == "buy")
    own_price = inp.price if is_yes else PRICE_SCALE - inp.price
    count = inp.count
    if inp.reduce_only:
        count = min(count, reduce_only_cap(state, user_id, inp.ticker, is_yes))
        if count == 0:
            raise _invalid("reduce_only order would grow the position")
    rests = inp.time_in_force == "good_till_canceled" and inp.buy_max_cost is None
    if rests and account.open_orders >= state.open_order_limit:
        raise ExchangeError(400, "max_open_orders_exceeded", "too many open orders")
    multiplier = state.series[market.series_ticker].fee_multiplier
    pos = account.positions.get(market.ticker) or accounts.Position(
        market.event_ticker, market.exchange_index
    )
    reserve = worst_taker_fee(count, own_price, multiplier)
    needed = accounts.lock_if_added(account, pos, is_yes, count, own_price, reserve)
    check_collateral(account, market.exchange_index, needed)
    return market, count, reserve


def check_collateral(account: Account, shard: int, needed: int) -> None:
    """400 `insufficient_balance` when the shard's cash does not cover what its resting orders
    would lock; collateral on other shards does not count (Kalshi checks it in each shard's
    matching engine)."""
    cash = account.wallets[shard].cash if shard in account.wallets else 0
    if needed > cash:
        raise ExchangeError(
            400,
            "insufficient_balance",
            f"insufficient balance on exchange index {shard}",
            f"exchange_index {shard}: this order and those resting there need "
            f"${_dollars(needed)} of collateral, the shard holds ${_dollars(cash)}; "
            "transfer to it first",
        )


def submit(
    state: State,
    user_id: str,
    inp: OrderInput,
    now: int,
    before_accept: Callable[[Market], object] | None = None,
) -> Order:
    """Check, accept, match and rest (or retire) a new order. Rejections change nothing.

    ``before_accept`` runs between the checks and the acceptance (the facade materialises the
    market's book there, so a refused order does not even do that).
    """
    market, count, reserve = check(state, user_id, inp, now)
    if before_accept is not None:
        before_accept(market)
    assert market.book is not None
    account = state.account(user_id)
    is_yes = (inp.side == "yes") == (inp.action == "buy")
    own_price = inp.price if is_yes else PRICE_SCALE - inp.price
    pos = account.position(market.ticker, market.event_ticker, market.exchange_index)

    order_id = state.next_id()
    order = Order(
        order_id=order_id,
        user_id=user_id,
        client_order_id=inp.client_order_id or order_id,
        ticker=market.ticker,
        side=inp.side,
        action=inp.action,
        is_yes=is_yes,
        yes_price=inp.price,
        initial_count=count,
        remaining=count,
        time_in_force="fill_or_kill" if inp.buy_max_cost is not None else inp.time_in_force,
        self_trade_prevention_type=inp.self_trade_prevention_type,
        order_type=inp.type,
        created_ms=now,
        expiration_ms=inp.expiration_ms,
        order_group_id=inp.order_group_id,
        cancel_order_on_pause=inp.cancel_order_on_pause,
        post_only=inp.post_only,
        reduce_only=inp.reduce_only,
        last_update_ms=now,
        seq=state.next_seq(),
        fee_reserve=reserve,
    )
    if not account.is_agent:
        # Agents never look orders up by id; their books would only grow.
        account.client_order_ids[order.client_order_id] = order_id
        account.order_ids.append(order_id)
    state.orders[order_id] = order
    if order.order_group_id is not None:
        state.groups[order.order_group_id].order_ids.append(order_id)
    accounts.add_resting(account, pos, is_yes, count, own_price)
    pos.fee_reserve += reserve
    account.refresh_lock(pos)
    account.updated_ms = now
    enter(state, market, order, now, inp.buy_max_cost)
    changes = state.changes
    if changes is not None and not account.is_agent:
        changes.orders[order_id] = user_id
    return order


def enter(state: State, market: Market, order: Order, now: int, max_cost: int | None) -> None:
    """Run an accepted (or re-priced) order against the book, then rest or retire it."""
    book = market.book
    assert book is not None
    opposite = book.side(not order.is_yes)
    best = opposite.best()
    crosses = best is not None and best + order.own_price >= PRICE_SCALE
    if order.post_only and crosses:
        retire(state, order, "PostOnlyCrossCancel", now)
        return
    if order.time_in_force == "fill_or_kill" and not _can_fill(state, market, order, max_cost):
        retire(state, order, "FillOrKillCancel", now)
        return
    stop_reason = match(state, market, order, now) if crosses else None
    if order.status != "resting":
        return
    if order.remaining == 0:
        finish(state, order, "executed", "Filled", now)
    elif stop_reason is not None:
        retire(state, order, stop_reason, now)
    elif order.time_in_force != "good_till_canceled":
        retire(state, order, _REMAINDER_REASON[order.time_in_force], now)
    else:
        rest(state, market, order)


_REMAINDER_REASON = {"immediate_or_cancel": "ImmediateOrCancel", "fill_or_kill": "FillOrKillCancel"}


def rest(state: State, market: Market, order: Order) -> None:
    assert market.book is not None
    market.book.side(order.is_yes).add(order.own_price, order)
    order.on_book = True
    if state.changes is not None:
        state.changes.markets[market.ticker] = None
    account = state.accounts[order.user_id]
    account.open_orders += 1
    account.positions[order.ticker].resting_orders += 1
    if not account.is_agent:
        state.user_resting[order.ticker] = state.user_resting.get(order.ticker, 0) + 1
    if order.expiration_ms is not None:
        heapq.heappush(state.expiries, (order.expiration_ms, order.seq, order.order_id))


def _crossing_orders(market: Market, order: Order) -> Iterator[tuple[int, Order]]:
    assert market.book is not None
    side = market.book.side(not order.is_yes)
    for price in reversed(side.prices):
        if price + order.own_price < PRICE_SCALE:
            return
        for resting in side.levels[price].live():
            yield price, resting


def _can_fill(state: State, market: Market, order: Order, max_cost: int | None) -> bool:
    """Whether matching now would fill the whole order (and within ``max_cost``)."""
    need = order.remaining
    if order.order_group_id is not None:
        group = state.groups[order.order_group_id]
        if group.contracts_limit - group.matched < need:
            return False
    cost = 0
    for price, resting in _crossing_orders(market, order):
        if resting.user_id == order.user_id:
            if order.self_trade_prevention_type == "taker_at_cross":
                return False
            continue
        take = min(need, resting.remaining)
        need -= take
        cost += take * (PRICE_SCALE - price)
        if need == 0:
            return max_cost is None or cost <= max_cost
    return False


def match(state: State, market: Market, taker: Order, now: int) -> str | None:
    """Fill ``taker`` against crossing resting orders; returns why it stopped early, if so."""
    book = market.book
    assert book is not None
    opposite = book.side(not taker.is_yes)
    while taker.remaining > 0 and taker.status == "resting":
        price = opposite.best()
        if price is None or price + taker.own_price < PRICE_SCALE:
            return None
        maker = opposite.levels[price].front()
        assert maker is not None
        if maker.user_id == taker.user_id:
            if taker.self_trade_prevention_type == "taker_at_cross":
                return "SelfTradePrevention"
            cancel_resting(state, market, maker, "SelfTradePrevention", now)
            continue
        count = min(taker.remaining, maker.remaining)
        if maker.reduce_only:
            cap = reduce_only_cap(state, maker.user_id, market.ticker, maker.is_yes)
            if cap == 0:
                cancel_resting(state, market, maker, "ReduceOnlyCancel", now)
                continue
            count = min(count, cap)
        if taker.reduce_only:
            count = min(count, reduce_only_cap(state, taker.user_id, market.ticker, taker.is_yes))
            if count == 0:
                return "ReduceOnlyCancel"
        count = min(count, _group_room(state, taker), _group_room(state, maker))
        execute(state, market, taker, maker, count, price, now)
        if maker.remaining == 0:
            opposite_done(state, maker, now)
        _count_group(state, market, maker, count, now)
        _count_group(state, market, taker, count, now)
    return None


def _group_room(state: State, order: Order) -> int:
    if order.order_group_id is None:
        return order.remaining
    group = state.groups[order.order_group_id]
    return group.contracts_limit - group.matched


def _count_group(state: State, market: Market, order: Order, count: int, now: int) -> None:
    if order.order_group_id is None:
        return
    group = state.groups.get(order.order_group_id)
    if group is None:
        return
    group.matched += count
    if group.matched >= group.contracts_limit and not group.triggered:
        trigger_group(state, group.order_group_id, now)


def trigger_group(state: State, group_id: str, now: int, *, notify: bool = True) -> None:
    """Cancel every live order of the group and block it until reset (``notify`` False: the
    group is being deleted, which the stream reports instead)."""
    group = state.groups[group_id]
    group.triggered = True
    if notify and state.changes is not None:
        state.changes.groups.append((group_id, group.user_id, "triggered", now, None))
    for order_id in group.order_ids:
        order = state.orders.get(order_id)
        if order is None or order.status != "resting":
            continue
        if order.on_book:
            cancel_resting(state, state.markets[order.ticker], order, "OrderGroupTriggered", now)
        else:
            retire(state, order, "OrderGroupTriggered", now)


def execute(
    state: State, market: Market, taker: Order, maker: Order, count: int, maker_price: int, now: int
) -> None:
    """One match: both accounts, both orders, the book level, the market and the tape."""
    series = state.series[market.series_ticker]
    multiplier = series.fee_multiplier
    trade_id = state.next_id()
    yes_price = maker_price if maker.is_yes else PRICE_SCALE - maker_price
    netted = 0
    for order, price, is_taker in (
        (maker, maker_price, False),
        (taker, PRICE_SCALE - maker_price, True),
    ):
        account = state.accounts[order.user_id]
        pos = account.positions[market.ticker]
        accounts.remove_resting(account, pos, order.is_yes, count, order.own_price)
        reserve = worst_taker_fee(order.remaining - count, order.own_price, multiplier)
        pos.fee_reserve += reserve - order.fee_reserve
        order.fee_reserve = reserve
        order.remaining -= count
        order.fill_count += count
        order.last_update_ms = now
        netted += accounts.buy(account, pos, order.is_yes, count, price, now)
        account.refresh_lock(pos)
        if is_taker:
            fee = taker_fee(count, price, multiplier)
        else:
            fee = maker_fee(count, price, multiplier, series.maker_fees)
        rounded = fill_fee(count * price, fee, order.fee_accumulator, account.balance_precision)
        order.fee_accumulator = rounded.accumulator
        charged = accounts.charge_fee(account, pos, rounded.net)
        if is_taker:
            order.taker_fill_count += count
            order.taker_fees += charged
            order.taker_fill_cost += count * price
        else:
            order.maker_fill_count += count
            order.maker_fees += charged
            order.maker_fill_cost += count * price
        state.fees_collected += charged
        account.updated_ms = now
        if not account.is_agent:
            fill = FillView(
                fill_id=trade_id,
                trade_id=trade_id,
                order_id=order.order_id,
                client_order_id=order.client_order_id,
                user_id=order.user_id,
                ticker=market.ticker,
                side=order.side,
                action=order.action,
                outcome_side="yes" if order.is_yes else "no",
                book_side="bid" if order.is_yes else "ask",
                count=count,
                yes_price=yes_price,
                no_price=PRICE_SCALE - yes_price,
                is_taker=is_taker,
                fee_cost=charged,
                created_ms=now,
                post_position=pos.signed,
                exchange_index=market.exchange_index,
            )
            account.fills.append(fill)
            if state.changes is not None:
                state.changes.fills.append(fill)
                state.changes.orders[order.order_id] = order.user_id
                state.changes.positions[(order.user_id, market.ticker)] = None
    assert market.book is not None
    market.book.side(maker.is_yes).reduce(maker_price, count)
    market.last_price = yes_price
    market.session_volume += count
    market.session_open_interest += count - netted
    market.updated_ms = now
    yes_best = market.book.yes.best() or 0
    no_best = market.book.no.best()
    yes_ask = PRICE_SCALE - no_best if no_best is not None else PRICE_SCALE
    market.trade_log.append((now, yes_price, count, market.open_interest, yes_best, yes_ask))
    trade = TradeView(
        trade_id=trade_id,
        ticker=market.ticker,
        count=count,
        yes_price=yes_price,
        no_price=PRICE_SCALE - yes_price,
        taker_outcome_side="yes" if taker.is_yes else "no",
        taker_book_side="bid" if taker.is_yes else "ask",
        created_ms=now,
    )
    state.trades.append(trade)
    if state.changes is not None:
        state.changes.trades.append(trade)
        state.changes.markets[market.ticker] = None


def opposite_done(state: State, maker: Order, now: int) -> None:
    """A resting order was filled completely: it leaves the book's accounting."""
    unrest(state, maker)
    finish(state, maker, "executed", "Filled", now)


def unrest(state: State, order: Order) -> None:
    order.on_book = False
    account = state.accounts[order.user_id]
    account.open_orders -= 1
    account.positions[order.ticker].resting_orders -= 1
    if not account.is_agent:
        left = state.user_resting.get(order.ticker, 0) - 1
        if left > 0:
            state.user_resting[order.ticker] = left
        else:
            state.user_resting.pop(order.ticker, None)


def finish(state: State, order: Order, status: str, reason: str, now: int) -> None:
    order.status = "executed" if status == "executed" else "canceled"
    order.last_update_reason = reason
    order.last_update_ms = now
    if state.accounts[order.user_id].is_agent:
        # Agents never look their orders up again; keep memory flat over long sessions.
        state.orders.pop(order.order_id, None)
    elif state.changes is not None:
        state.changes.orders[order.order_id] = order.user_id


def release(state: State, order: Order) -> int:
    """Drop the collateral of an order's remaining count; returns that count."""
    account = state.accounts[order.user_id]
    pos = account.positions[order.ticker]
    reduced = order.remaining
    accounts.remove_resting(account, pos, order.is_yes, reduced, order.own_price)
    pos.fee_reserve -= order.fee_reserve
    order.fee_reserve = 0
    order.remaining = 0
    account.refresh_lock(pos)
    return reduced


def retire(state: State, order: Order, reason: str, now: int) -> int:
    """Cancel an order that is not on the book (it never rested); returns the count taken off."""
    reduced = release(state, order)
    finish(state, order, "canceled", reason, now)
    return reduced


def cancel_resting(state: State, market: Market, order: Order, reason: str, now: int) -> int:
    """Take a resting order off the book and cancel it; returns the count taken off."""
    assert market.book is not None
    market.book.side(order.is_yes).reduce(order.own_price, order.remaining)
    if state.changes is not None:
        state.changes.markets[market.ticker] = None
    unrest(state, order)
    return retire(state, order, reason, now)
