"""Order validation, idempotency, cancel, amend, decrease and order groups."""

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
    for user in ("alice", "bob"):
        fund(exchange, user, "1000")
    return exchange


@pytest.fixture
def fed(ex: Exchange) -> str:
    return ticker_of(ex, "KXFED")


def _error(call: object) -> tuple[int, str]:
    assert callable(call)
    with pytest.raises(ExchangeError) as raised:
        call()
    return raised.value.status, raised.value.code


def test_duplicate_client_order_id_is_409_without_side_effect(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.50", 10), T0)
    ex.create_order("bob", buy_yes(fed, "0.40", 1, client_order_id="abc"), T0)
    before = ex.snapshot()
    with pytest.raises(ExchangeError) as raised:
        ex.create_order("bob", buy_yes(fed, "0.55", 5, client_order_id="abc"), T0)
    assert (raised.value.status, raised.value.code, raised.value.details) == (
        409,
        "order_already_exists",
        "abc",
    )
    assert ex.snapshot() == before
    # Another user may use the same id.
    assert ex.create_order("alice", buy_yes(fed, "0.30", 1, client_order_id="abc"), T0)


@pytest.mark.parametrize("bad", ["0.00", "1.00", "0.505", "0.0001"])
def test_off_grid_prices_are_invalid_price(ex: Exchange, fed: str, bad: str) -> None:
    assert _error(lambda: ex.create_order("bob", buy_yes(fed, bad, 1), T0)) == (
        400,
        "invalid_price",
    )


def test_sub_cent_grids(ex: Exchange) -> None:
    eth = ticker_of(ex, "KXETH", "deci_cent")
    assert ex.create_order("bob", buy_yes(eth, "0.123", 1), T0).status == "resting"
    house = ticker_of(ex, "KXHOUSE", "tapered_deci_cent")
    assert ex.create_order("bob", buy_yes(house, "0.055", 1), T0).status == "resting"
    assert ex.create_order("bob", buy_yes(house, "0.955", 1), T0).status == "resting"
    assert _error(lambda: ex.create_order("bob", buy_yes(house, "0.505", 1), T0))[1] == (
        "invalid_price"
    )
    grid = ex.get_market(house).price_ranges
    assert [r.step for r in grid] == [price("0.001"), price("0.01"), price("0.001")]


def test_fractional_counts(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.50", "0.37"), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.50", "1.5"), T0)
    assert order.fill_count == 37
    assert order.remaining_count == 113
    assert _error(lambda: ex.create_order("bob", buy_yes(fed, "0.50", 0), T0)) == (
        400,
        "invalid_order",
    )


def test_validation_codes(ex: Exchange, fed: str) -> None:
    assert _error(lambda: ex.create_order("bob", buy_yes("NOPE", "0.5", 1), T0)) == (
        404,
        "not_found",
    )
    ioc_exp = buy_yes(fed, "0.5", 1, time_in_force="immediate_or_cancel", expiration_ms=T0 + 9)
    assert _error(lambda: ex.create_order("bob", ioc_exp, T0)) == (400, "invalid_order")
    assert _error(lambda: ex.create_order("bob", buy_yes(fed, "0.5", 10_000), T0)) == (
        400,
        "insufficient_balance",
    )
    assert ex.balance("bob", exchange_index=0).balance == money("1000")


def test_open_order_limit() -> None:
    ex = Exchange(seed=1, now=T0, market_count=30, agents=False, open_order_limit=2)
    fed = ticker_of(ex, "KXFED")
    ex.create_user("bob", balance=money("100"))
    ex.create_order("bob", buy_yes(fed, "0.10", 1), T0)
    ex.create_order("bob", buy_yes(fed, "0.11", 1), T0)
    assert _error(lambda: ex.create_order("bob", buy_yes(fed, "0.12", 1), T0)) == (
        400,
        "max_open_orders_exceeded",
    )


def test_paused_trading_and_paused_market(ex: Exchange, fed: str) -> None:
    keep = ex.create_order("bob", buy_yes(fed, "0.20", 1), T0)
    drop = ex.create_order("bob", buy_yes(fed, "0.21", 1, cancel_order_on_pause=True), T0)
    ex.set_trading_active(False, T0 + 1)
    assert ex.exchange_status().trading_active is False
    assert _error(lambda: ex.create_order("bob", buy_yes(fed, "0.2", 1), T0 + 2)) == (
        409,
        "trading_is_paused",
    )
    dropped = ex.get_order("bob", drop.order_id)
    assert dropped.status == "canceled"
    assert dropped.last_update_reason == "TradingPaused"
    assert ex.get_order("bob", keep.order_id).status == "resting"
    ex.set_trading_active(True, T0 + 3)

    flagged = ex.create_order("bob", buy_yes(fed, "0.22", 1, cancel_order_on_pause=True), T0 + 4)
    ex.pause_market(fed, T0 + 5)
    assert ex.get_market(fed).status == "inactive"
    assert ex.get_order("bob", flagged.order_id).status == "canceled"
    assert _error(lambda: ex.create_order("bob", buy_yes(fed, "0.2", 1), T0 + 6)) == (
        400,
        "market_inactive",
    )
    assert _error(lambda: ex.cancel_order("bob", keep.order_id, T0 + 6)) == (
        400,
        "market_inactive",
    )
    ex.resume_market(fed, T0 + 7)
    assert ex.cancel_order("bob", keep.order_id, T0 + 8).reduced_by == contracts(1)


def test_cancel_and_cancel_again(ex: Exchange, fed: str) -> None:
    order = ex.create_order("bob", buy_yes(fed, "0.30", 6), T0)
    result = ex.cancel_order("bob", order.order_id, T0 + 1)
    assert result.reduced_by == contracts(6)
    assert result.order.status == "canceled"
    assert result.order.remaining_count == 0
    assert _error(lambda: ex.cancel_order("bob", order.order_id, T0 + 2)) == (404, "not_found")
    assert _error(lambda: ex.cancel_order("alice", order.order_id, T0 + 2)) == (404, "not_found")


def test_batch_create_and_cancel_and_cancel_all(ex: Exchange, fed: str) -> None:
    cpi = ticker_of(ex, "KXCPIYOY")
    results = ex.batch_create(
        "bob", [buy_yes(fed, "0.30", 1), buy_yes(fed, "0.305", 1), buy_yes(cpi, "0.20", 1)], T0
    )
    assert isinstance(results[1], ExchangeError)
    assert results[1].code == "invalid_price"
    ids = [r.order_id for r in results if not isinstance(r, ExchangeError)]
    canceled = ex.batch_cancel("bob", [ids[0], "missing"], T0)
    assert not isinstance(canceled[0], ExchangeError)
    assert isinstance(canceled[1], ExchangeError)
    ex.create_order("bob", buy_yes(fed, "0.31", 1), T0)
    assert len(ex.cancel_all("bob", T0, ticker=cpi)) == 1
    assert len(ex.cancel_all("bob", T0)) == 1
    assert ex.orders("bob", status="resting") == []


def test_amend_reprices_crosses_and_renames(ex: Exchange, fed: str) -> None:
    ex.create_order("alice", sell_yes(fed, "0.45", 3), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.40", 5, client_order_id="one"), T0)
    result = ex.amend_order(
        "bob",
        order.order_id,
        T0 + 1,
        price=price("0.45"),
        count=contracts(5),
        updated_client_order_id="two",
    )
    assert result.old_order.yes_price == price("0.40")
    assert result.old_order.client_order_id == "one"
    assert result.order.fill_count == contracts(3)
    assert result.order.remaining_count == contracts(2)
    assert result.order.client_order_id == "two"
    assert result.order.status == "resting"
    assert _error(
        lambda: ex.create_order("bob", buy_yes(fed, "0.2", 1, client_order_id="two"), T0 + 2)
    ) == (409, "order_already_exists")
    # Size down at the same price keeps the order in place.
    smaller = ex.amend_order("bob", order.order_id, T0 + 3, price=price("0.45"), count=400)
    assert smaller.order.remaining_count == 100
    assert smaller.order.client_order_id == "two"


def test_amend_to_a_taken_client_order_id_is_409(ex: Exchange, fed: str) -> None:
    ex.create_order("bob", buy_yes(fed, "0.10", 1, client_order_id="x"), T0)
    order = ex.create_order("bob", buy_yes(fed, "0.11", 1, client_order_id="y"), T0)
    assert _error(
        lambda: ex.amend_order(
            "bob", order.order_id, T0, price=price("0.12"), count=100, updated_client_order_id="x"
        )
    ) == (409, "order_already_exists")


def test_decrease_by_and_to(ex: Exchange, fed: str) -> None:
    order = ex.create_order("bob", buy_yes(fed, "0.30", 10), T0)
    assert ex.decrease_order("bob", order.order_id, T0, reduce_by=contracts(3)).reduced_by == 300
    assert ex.decrease_order("bob", order.order_id, T0, reduce_to=contracts(2)).reduced_by == 500
    assert ex.get_book(fed).yes == ((price("0.30"), contracts(2)),)
    last = ex.decrease_order("bob", order.order_id, T0, reduce_to=0)
    assert last.order.status == "canceled"
    assert last.reduced_by == contracts(2)
    assert ex.balance("bob").locked == 0


def test_order_group_triggers_at_limit(ex: Exchange, fed: str) -> None:
    group = ex.create_order_group("bob", contracts(5), T0)
    other = ex.create_order(
        "bob", buy_yes(fed, "0.20", 10, order_group_id=group.order_group_id), T0
    )
    ex.create_order("bob", sell_yes(fed, "0.60", 10, order_group_id=group.order_group_id), T0)
    ex.create_order("alice", buy_yes(fed, "0.60", 10), T0)
    view = ex.get_order_group("bob", group.order_group_id)
    assert view.triggered
    assert view.matched_count == contracts(5)
    assert ex.get_order("bob", other.order_id).last_update_reason == "OrderGroupTriggered"
    assert ex.orders("bob", status="resting") == []
    blocked = buy_yes(fed, "0.20", 1, order_group_id=group.order_group_id)
    assert _error(lambda: ex.create_order("bob", blocked, T0)) == (
        400,
        "order_group_limit_reached",
    )
    ex.reset_order_group("bob", group.order_group_id, T0)
    assert ex.create_order("bob", blocked, T0).status == "resting"
    ex.trigger_order_group("bob", group.order_group_id, T0)
    assert ex.orders("bob", status="resting") == []
    assert [g.order_group_id for g in ex.list_order_groups("bob")] == [group.order_group_id]
    ex.delete_order_group("bob", group.order_group_id, T0)
    assert _error(lambda: ex.get_order_group("bob", group.order_group_id)) == (404, "not_found")


def test_expiration_cancels_at_its_time(ex: Exchange, fed: str) -> None:
    order = ex.create_order("bob", buy_yes(fed, "0.30", 1, expiration_ms=T0 + 5_000), T0)
    ex.advance(T0 + 4_999)
    assert ex.get_order("bob", order.order_id).status == "resting"
    ex.advance(T0 + 5_000)
    expired = ex.get_order("bob", order.order_id)
    assert expired.status == "canceled"
    assert expired.last_update_reason == "Expired"


def test_v2_vocabulary(ex: Exchange, fed: str) -> None:
    ask = OrderInput.from_book_side(fed, "ask", price("0.60"), 100, client_order_id="v2")
    order = ex.create_order("bob", ask, T0)
    assert (order.side, order.action, order.book_side, order.outcome_side) == (
        "yes",
        "sell",
        "ask",
        "no",
    )
