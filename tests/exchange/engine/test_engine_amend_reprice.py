"""Regression: an order amended to a new price leaves its old price level for good.

Levels delete lazily (an order off the book is skipped), so a re-priced order that is back
on the book elsewhere must not stay in its old level's queue: it was counted twice in the
level's depth and could be matched at its old price. Found by
`test_engine_properties.py::test_settlement_pays_exactly` (Hypothesis): two 2¢ asks by one
account, the first amended to 1¢, left the 2¢ level with total 1 but two live orders.
"""

from __future__ import annotations

from engine_helpers import (
    T0,
    contracts,
    money,
    price,
    quiet_exchange,
    sell_yes,
    state_of,
    ticker_of,
)

from kalshi_tui.exchange.engine import PRICE_SCALE, Exchange, OrderInput


def funded() -> Exchange:
    ex = quiet_exchange()
    for user in ("u0", "u1"):
        ex.create_user(user, balance=money("100"))
    return ex


def _level_orders(ex: Exchange, ticker: str, yes_price: str) -> list[str]:
    book = state_of(ex).markets[ticker].book
    assert book is not None
    level = book.no.levels.get(PRICE_SCALE - price(yes_price))
    return [] if level is None else [o.order_id for o in level.live()]


def test_repriced_order_leaves_its_old_level() -> None:
    ex = funded()
    ticker = ticker_of(ex, "KXFED")
    first = ex.create_order("u0", sell_yes(ticker, "0.02", 1), T0)
    second = ex.create_order("u0", sell_yes(ticker, "0.02", 1), T0)
    ex.amend_order("u0", first.order_id, T0, price=price("0.01"), count=contracts(1))
    assert _level_orders(ex, ticker, "0.02") == [second.order_id]
    assert _level_orders(ex, ticker, "0.01") == [first.order_id]
    book = state_of(ex).markets[ticker].book
    assert book is not None
    for side in (book.yes, book.no):
        for level in side.levels.values():
            assert level.total == sum(o.remaining for o in level.live())


def test_repriced_order_is_not_matched_at_its_old_price() -> None:
    ex = funded()
    ticker = ticker_of(ex, "KXFED")
    first = ex.create_order("u0", sell_yes(ticker, "0.02", 1), T0)
    second = ex.create_order("u0", sell_yes(ticker, "0.02", 1), T0)
    # The first ask moves away to 3¢; a buyer at 2¢ must meet the second one.
    ex.amend_order("u0", first.order_id, T0, price=price("0.03"), count=contracts(1))
    ex.create_order("u1", OrderInput(ticker, "yes", "buy", price("0.02"), contracts(1)), T0)
    assert ex.get_order("u0", second.order_id).fill_count == contracts(1)
    moved = ex.get_order("u0", first.order_id)
    assert moved.fill_count == 0
    assert moved.yes_price == price("0.03")
