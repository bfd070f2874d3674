"""Matching: crossing, priority, trade price, TIFs, post-only, STP, reduce-only, fees."""

from __future__ import annotations

import pytest
from engine_helpers import (
    T0,
    buy_yes,
    contracts,
    fund,
    money,
    price,
    quiet_exchange,
    sell_yes,
    ticker_of,
)

from kalshi_tui.exchange.engine import Exchange, ExchangeError, OrderInput


@pytest.fixture
def ex() -> Exchange:
    exchange = quiet_exchange()
    for user in ("alice", "bob", "carol"):
        fund(exchange, user, "1000")
    return exchange


@pytest.fixture
def fed(ex: Exchange) -> str:
    return ticker_of(ex, "KXFED")


def test_yes_bid_crosses_no_bid_at_the_resting_price(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.43", 10), T0)  # NO bid at 0.57
    taker = ex.create_order("bob", buy_yes(fed, "0.45", 4), T0)
    assert taker.status == "executed"
    assert taker.taker_fill_cost == 4 * 100 * price("0.43")
    fill = ex.fills("bob")[0]
    assert (fill.yes_price, fill.no_price, fill.is_taker) == (price("0.43"), price("0.57"), True)
    maker_fill = ex.fills("alice")[0]
    assert not maker_fill.is_taker
    assert maker_fill.outcome_side == "no"
    trades = ex.list_trades(ticker=fed)
    assert trades[0].yes_price == price("0.43")
    assert trades[0].taker_book_side == "bid"
    assert len([t for t in ex.list_trades() if t.ticker == fed]) == 1
    assert ex.get_book(fed).no == ((price("0.57"), contracts(6)),)


def test_no_cross_when_prices_sum_below_a_dollar(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.44", 10), T0)
    ex.create_order("bob", buy_yes(fed, "0.43", 10), T0)
    book = ex.get_book(fed)
    assert book.yes[-1][0] + book.no[-1][0] < price("1")
    assert ex.fills("bob") == []


def test_price_time_priority(ex: Exchange, fed: str) -> None:
    first = ex.create_order("alice", sell_yes(fed, "0.50", 2), T0)
    second = ex.create_order("carol", sell_yes(fed, "0.50", 2), T0 + 1)
    better = ex.create_order("carol", sell_yes(fed, "0.49", 1), T0 + 2)
    ex.create_order("bob", buy_yes(fed, "0.50", 4), T0 + 3)
    assert ex.get_order("carol", better.order_id).status == "executed"
    assert ex.get_order("alice", first.order_id).status == "executed"
    assert ex.get_order("carol", second.order_id).fill_count == contracts(1)


def test_queue_position_counts_contracts_ahead(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", buy_yes(fed, "0.30", 5), T0)
    mine = ex.create_order("bob", buy_yes(fed, "0.30", 2), T0)
    assert mine.queue_position == contracts(5)


def test_fees_on_taker_and_maker_with_maker_fee_series(ex: Exchange) -> None:
    btc = ticker_of(ex, "KXBTCD")
    ex.create_order("alice", sell_yes(btc, "0.50", 10), T0)
    taker = ex.create_order("bob", buy_yes(btc, "0.50", 10), T0)
    assert taker.taker_fees == money("0.18")
    maker = ex.orders("alice")[0]
    assert maker.maker_fees == money("0.05")
    assert maker.maker_fill_cost == money("5.00")
    assert ex.fills("alice")[0].fee_cost == money("0.05")
    assert ex.positions("bob")[0].fees_paid == money("0.18")
    assert ex.balance("bob", exchange_index=2).balance == money("1000") - money("5.00") - money(
        "0.18"
    )


def test_no_maker_fee_without_maker_fee_series(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.50", 10), T0)
    ex.create_order("bob", buy_yes(fed, "0.50", 10), T0)
    assert ex.orders("alice")[0].maker_fees == 0


def test_post_only_crossing_is_canceled(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.50", 10), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.50", 3, post_only=True), T0)
    assert order.status == "canceled"
    assert order.last_update_reason == "PostOnlyCrossCancel"
    assert order.fill_count == 0
    assert ex.fills("bob") == []
    assert ex.balance("bob", exchange_index=0).balance == money("1000")
    resting = ex.create_order("bob", buy_yes(fed, "0.49", 3, post_only=True), T0)
    assert resting.status == "resting"


def test_fill_or_kill_without_enough_liquidity(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.50", 3), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.50", 5, time_in_force="fill_or_kill"), T0)
    assert (order.status, order.fill_count) == ("canceled", 0)
    assert order.last_update_reason == "FillOrKillCancel"
    full = ex.create_order("bob", buy_yes(fed, "0.50", 3, time_in_force="fill_or_kill"), T0)
    assert full.status == "executed"
    assert full.fill_count == contracts(3)


def test_immediate_or_cancel_keeps_partial_fill(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.50", 3), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.55", 5, time_in_force="immediate_or_cancel"), T0)
    assert order.status == "canceled"
    assert order.fill_count == contracts(3)
    assert order.remaining_count == 0
    assert ex.get_book(fed).yes == ()
    assert ex.balance("bob").locked == 0


def test_buy_max_cost_caps_the_spend(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.40", 5), T0)
    ex.create_order("alice", sell_yes(fed, "0.60", 5), T0)
    capped = ex.create_order("bob", buy_yes(fed, "0.60", 10, buy_max_cost=money("4.00")), T0)
    assert capped.status == "canceled"
    assert capped.fill_count == 0
    assert capped.time_in_force == "fill_or_kill"
    ok = ex.create_order("bob", buy_yes(fed, "0.60", 10, buy_max_cost=money("5.00")), T0)
    assert ok.status == "executed"


def test_stp_taker_at_cross_stops_the_incoming_order(ex: Exchange, fed: str) -> None:
    ex.create_order("carol", sell_yes(fed, "0.48", 2), T0)
    own = ex.create_order("bob", sell_yes(fed, "0.50", 5), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.55", 10), T0)
    assert order.status == "canceled"
    assert order.last_update_reason == "SelfTradePrevention"
    assert order.fill_count == contracts(2)  # fills before the self-cross stand
    assert ex.get_order("bob", own.order_id).status == "resting"


def test_stp_maker_cancels_the_resting_order_and_continues(ex: Exchange, fed: str) -> None:
    own = ex.create_order("bob", sell_yes(fed, "0.50", 5), T0)
    ex.create_order("alice", sell_yes(fed, "0.52", 5), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.55", 5, self_trade_prevention_type="maker"), T0)
    resting = ex.get_order("bob", own.order_id)
    assert resting.status == "canceled"
    assert resting.last_update_reason == "SelfTradePrevention"
    assert order.status == "executed"
    assert ex.fills("bob")[0].yes_price == price("0.52")


def test_reduce_only_needs_a_position_and_is_capped(ex: Exchange, fed: str) -> None:
    with pytest.raises(ExchangeError) as raised:
        ex.create_order("bob", sell_yes(fed, "0.40", 5, reduce_only=True), T0)
    assert (raised.value.status, raised.value.code) == (400, "invalid_order")
    ex.create_order("alice", sell_yes(fed, "0.50", 5), T0)
    ex.create_order("bob", buy_yes(fed, "0.50", 5), T0)
    with pytest.raises(ExchangeError):
        ex.create_order("bob", buy_yes(fed, "0.40", 5, reduce_only=True), T0)
    ex.create_order("alice", buy_yes(fed, "0.45", 20), T0)
    order = ex.create_order("bob", sell_yes(fed, "0.45", 20, reduce_only=True), T0)
    assert order.initial_count == contracts(5)
    assert order.status == "executed"
    assert ex.positions("bob")[0].position == 0


def test_netting_releases_a_dollar_per_pair(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.40", 10), T0)
    ex.create_order("bob", buy_yes(fed, "0.40", 10), T0)
    ex.create_order("alice", buy_yes(fed, "0.60", 10), T0)
    ex.create_order("bob", sell_yes(fed, "0.60", 10), T0)
    pos = ex.positions("bob")[0]
    assert pos.position == 0
    assert pos.market_exposure == 0
    assert pos.realized_pnl == money("2.00")
    assert pos.total_traded == money("4.00") + money("4.00")  # 10 YES at .40, 10 NO at .40
    fees = pos.fees_paid
    assert ex.balance("bob", exchange_index=0).balance == money("1002") - fees


def test_selling_a_held_position_needs_no_cash() -> None:
    ex = quiet_exchange()
    fed = ticker_of(ex, "KXFED")
    ex.create_user("maker", balance=money("1000"))
    ex.create_user("poor", balance=money("5.18"))
    ex.create_order("maker", sell_yes(fed, "0.50", 10), T0)
    ex.create_order("poor", buy_yes(fed, "0.50", 10), T0)
    assert ex.balance("poor").balance == 0
    # Selling the 10 YES (buying NO at 0.45) is covered by the position; only fees need cash.
    with pytest.raises(ExchangeError) as raised:
        ex.create_order("poor", sell_yes(fed, "0.55", 10), T0)
    assert raised.value.code == "insufficient_balance"  # the worst-case fee is not covered
    ex.deposit("poor", money("0.18"))
    order = ex.create_order("poor", sell_yes(fed, "0.55", 10), T0)
    assert order.status == "resting"
    assert ex.balance("poor").balance == 0


def test_resting_orders_lock_collateral(ex: Exchange, fed: str) -> None:
    order = ex.create_order("bob", buy_yes(fed, "0.40", 10), T0)
    bal = ex.balance("bob", exchange_index=0)
    assert bal.locked == money("4.00") + money("0.17")
    assert bal.balance == money("1000") - bal.locked
    ex.cancel_order("bob", order.order_id, T0)
    assert ex.balance("bob").locked == 0


def test_open_positions_market_exposure_and_portfolio_value(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.43", 4), T0)
    ex.create_order("bob", buy_yes(fed, "0.43", 4), T0)
    ex.create_order("carol", buy_yes(fed, "0.41", 1), T0)
    pos = ex.positions("bob")[0]
    assert (pos.position, pos.market_exposure, pos.fees_paid) == (
        contracts(4),
        money("1.72"),
        money("0.07"),
    )
    assert ex.balance("bob").portfolio_value == 4 * 100 * price("0.41")
    assert ex.event_positions("bob")[0].total_cost == money("1.72")


def test_taker_remainder_rests_without_crossing(ex: Exchange, fed: str) -> None:
    for i, p in enumerate(["0.30", "0.35", "0.40"]):
        ex.create_order("alice", buy_yes(fed, p, 3), T0 + i)
    ex.create_order("bob", sell_yes(fed, "0.32", 8), T0 + 5)
    book = ex.get_book(fed)
    assert book.no == ((price("0.68"), contracts(2)),)
    assert book.yes[-1][0] + book.no[-1][0] < price("1")


def test_legacy_buy_no_is_a_no_bid(ex: Exchange, fed: str) -> None:
    order = ex.create_order("bob", OrderInput(fed, "no", "buy", price("0.60"), 100), T0)
    assert (order.outcome_side, order.book_side, order.no_price) == ("no", "ask", price("0.40"))
    assert ex.get_book(fed).no == ((price("0.40"), 100),)
