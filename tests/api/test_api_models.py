"""Wire models read the API reference §9 examples in legacy-only and current-only
form, refuse floats and missing money/ids, and normalise books and directions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from api_testkit import current_only, example, legacy_only
from pydantic import ValidationError

from kalshi_tui.api import (
    Balance,
    Fill,
    Market,
    MarketPosition,
    Order,
    Orderbook,
    PriceGrid,
    PriceRange,
    Settlement,
    Trade,
)

D = Decimal
GENERATIONS = [pytest.param(legacy_only, id="legacy"), pytest.param(current_only, id="current")]


@pytest.mark.parametrize("shape", GENERATIONS)
def test_market_example(shape: Any) -> None:
    raw = shape(example("market"))
    market = Market.from_wire(raw)
    assert (market.yes_bid, market.yes_ask, market.no_bid, market.no_ask) == (
        D("0.41"),
        D("0.43"),
        D("0.57"),
        D("0.59"),
    )
    assert market.last_price == D("0.42")
    assert market.volume == 182340
    assert market.open_interest == 90412
    assert market.status == "active"
    assert market.floor_strike == D("4.0")
    assert market.price_grid.is_on_grid(D("0.43"))
    assert isinstance(market.yes_bid, Decimal)
    if shape is current_only:
        assert market.yes_bid_size == D("250.00")
        assert "yes_bid" not in raw  # the integer really was absent


def test_market_keeps_unknown_status_and_result() -> None:
    raw = current_only(example("market")) | {"status": "disputed", "result": "scalar"}
    market = Market.from_wire(raw)
    assert (market.status, market.result) == ("disputed", "scalar")


def test_market_rejects_float_money() -> None:
    raw = current_only(example("market")) | {"yes_bid_dollars": D("0.41")}
    with pytest.raises(ValidationError, match="JSON float"):
        Market.from_wire(raw)
    legacy = legacy_only(example("market")) | {"yes_bid": D("41.0")}
    with pytest.raises(ValidationError, match="JSON float"):
        Market.from_wire(legacy)


def test_market_missing_price_is_an_error_not_zero() -> None:
    raw = current_only(example("market"))
    del raw["yes_ask_dollars"]
    with pytest.raises(ValidationError, match="yes_ask"):
        Market.from_wire(raw)


def test_models_are_frozen() -> None:
    market = Market.from_wire(current_only(example("market")))
    with pytest.raises(ValidationError):
        market.yes_bid = D("0.5")  # type: ignore[misc]


@pytest.mark.parametrize("shape", GENERATIONS)
def test_order_example(shape: Any) -> None:
    order = Order.from_wire(shape(example("order")))
    assert (order.side, order.action) == ("yes", "buy")
    assert (order.outcome_side, order.book_side) == ("yes", "bid")
    assert (order.yes_price, order.no_price, order.price) == (D("0.43"), D("0.57"), D("0.43"))
    assert (order.fill_count, order.remaining_count, order.initial_count) == (4, 6, 10)
    assert order.taker_fees == D("0.07")
    assert order.taker_fill_cost == D("1.72")
    assert order.client_order_id == "c0a80101-7f3e-4e55-8d22-1b2c3d4e5f60"
    assert order.is_resting


@pytest.mark.parametrize(
    ("outcome", "book", "side"),
    [("yes", "bid", "yes"), ("no", "ask", "no")],
)
def test_order_direction_from_outcome_and_book_side_only(
    outcome: str, book: str, side: str
) -> None:
    raw = current_only(example("order")) | {"outcome_side": outcome, "book_side": book}
    order = Order.from_wire(raw)
    assert (order.side, order.action, order.book_side) == (side, "buy", book)


@pytest.mark.parametrize(
    ("side", "action", "outcome", "book"),
    [
        ("yes", "buy", "yes", "bid"),
        ("yes", "sell", "no", "ask"),
        ("no", "buy", "no", "ask"),
        ("no", "sell", "yes", "bid"),
    ],
)
def test_legacy_direction_fills_outcome_and_book_side(
    side: str, action: str, outcome: str, book: str
) -> None:
    raw = legacy_only(example("order")) | {"side": side, "action": action}
    order = Order.from_wire(raw)
    assert (order.outcome_side, order.book_side) == (outcome, book)


def test_order_without_direction_or_id_is_rejected() -> None:
    raw = current_only(example("order"))
    del raw["outcome_side"], raw["book_side"]
    with pytest.raises(ValidationError, match="direction"):
        Order.from_wire(raw)
    raw = current_only(example("order"))
    del raw["order_id"]
    with pytest.raises(ValidationError, match="order_id"):
        Order.from_wire(raw)


def test_order_no_price_derived_from_yes_price_when_absent() -> None:
    raw = current_only(example("order"))
    del raw["no_price_dollars"]
    assert Order.from_wire(raw).no_price == D("0.57")


@pytest.mark.parametrize("shape", GENERATIONS)
def test_fill_example(shape: Any) -> None:
    fill = Fill.from_wire(shape(example("fill")))
    assert fill.count == 4
    assert (fill.yes_price, fill.no_price) == (D("0.43"), D("0.57"))
    assert fill.is_taker
    assert (fill.side, fill.action) == ("yes", "buy")
    assert fill.fee_cost == D("0.07")  # present in both shapes of the example


def test_fill_legacy_fixed_prices_and_absent_fee_is_none() -> None:
    raw = legacy_only(example("fill"))
    for key in ("yes_price", "no_price", "fee_cost"):
        del raw[key]
    fill = Fill.from_wire(raw)
    assert fill.yes_price == D("0.43")  # from yes_price_fixed
    assert fill.fee_cost is None


@pytest.mark.parametrize("shape", GENERATIONS)
def test_position_example(shape: Any) -> None:
    position = MarketPosition.from_wire(shape(example("position")))
    assert position.position == 4
    assert position.market_exposure == D("1.72")
    assert position.fees_paid == D("0.07")
    assert position.realized_pnl == 0


def test_position_missing_money_is_an_error() -> None:
    raw = current_only(example("position"))
    del raw["fees_paid_dollars"]
    with pytest.raises(ValidationError, match="fees_paid"):
        MarketPosition.from_wire(raw)


@pytest.mark.parametrize("shape", GENERATIONS)
def test_settlement_example(shape: Any) -> None:
    settlement = Settlement.from_wire(shape(example("settlement")))
    assert settlement.revenue == D("4.00")
    assert settlement.yes_count == 4
    assert settlement.yes_total_cost == D("1.72")
    assert settlement.value == D("1.00")
    assert settlement.market_result == "yes"


def test_balance_reads_dollars_first_then_cents() -> None:
    current = Balance.from_wire(
        {"balance": 12345, "balance_dollars": "123.4567", "portfolio_value": 500}
    )
    assert current.balance == D("123.4567")
    assert Balance.from_wire({"balance": 12345, "portfolio_value": 500}).balance == D("123.45")
    with pytest.raises(ValidationError, match="portfolio_value"):
        Balance.from_wire({"balance": 1})


def test_models_built_in_code_take_decimals() -> None:
    balance = Balance(balance=D("1.5"), portfolio_value=D(0))
    assert balance.balance == D("1.5")


def test_trade_current_and_legacy() -> None:
    current = Trade.from_wire(
        {
            "trade_id": "t1",
            "ticker": "T",
            "count_fp": "3.50",
            "yes_price_dollars": "0.4200",
            "no_price_dollars": "0.5800",
            "taker_outcome_side": "no",
            "taker_book_side": "ask",
            "created_time": "2026-03-02T14:03:11Z",
        }
    )
    assert (current.count, current.taker_side) == (D("3.50"), "no")
    legacy = Trade.from_wire(
        {
            "trade_id": "t1",
            "ticker": "T",
            "count": 3,
            "yes_price": 42,
            "no_price": 58,
            "taker_side": "yes",
        }
    )
    assert (legacy.yes_price, legacy.taker_side) == (D("0.42"), "yes")


# ---- order book --------------------------------------------------------------------


CURRENT_BOOK = {
    "orderbook_fp": {
        "yes_dollars": [["0.3900", "500.00"], ["0.4000", "75.00"], ["0.4100", "250.00"]],
        "no_dollars": [["0.5500", "40.00"], ["0.5600", "300.00"], ["0.5700", "120.00"]],
    }
}
LEGACY_BOOK = {
    "orderbook": {"yes": [[39, 500], [40, 75], [41, 250]], "no": [[55, 40], [56, 300], [57, 120]]}
}


@pytest.mark.parametrize("raw", [CURRENT_BOOK, LEGACY_BOOK], ids=["current", "legacy"])
def test_orderbook_example(raw: dict[str, Any]) -> None:
    book = Orderbook.from_wire(raw)
    assert [level.price for level in book.yes] == [D("0.39"), D("0.40"), D("0.41")]
    assert book.yes[-1].count == 250
    assert book.best_yes_bid == D("0.41")
    assert book.best_no_bid == D("0.57")
    assert book.best_yes_ask == D("0.43")
    assert book.best_no_ask == D("0.59")
    assert book.spread == D("0.02")
    assert book.mid == D("0.42")


def test_orderbook_sorts_and_handles_missing_sides() -> None:
    raw = {"orderbook_fp": {"yes_dollars": [["0.4100", "1.00"], ["0.3900", "2.00"]]}}
    book = Orderbook.from_wire(raw)
    assert book.best_yes_bid == D("0.41")
    assert book.no == ()
    assert (book.best_yes_ask, book.spread, book.mid) == (None, None, None)
    assert Orderbook.from_wire({"orderbook": {"yes": None, "no": None}}).yes == ()


def test_legacy_orderbook_prefers_dollar_pairs() -> None:
    raw = {"orderbook": {"yes": [[41, 5]], "yes_dollars": [["0.4150", 5]], "no": None}}
    assert Orderbook.from_wire(raw).best_yes_bid == D("0.4150")


def test_orderbook_rejects_float_prices_and_missing_book() -> None:
    with pytest.raises(ValidationError, match="JSON float"):
        Orderbook.from_wire({"orderbook_fp": {"yes_dollars": [[D("0.41"), "1.00"]]}})
    with pytest.raises(ValidationError, match="neither"):
        Orderbook.from_wire({"something": 1})


# ---- price grid --------------------------------------------------------------------


def tapered() -> PriceGrid:
    return PriceGrid(
        [
            PriceRange(start=D("0"), end=D("0.10"), step=D("0.001")),
            PriceRange(start=D("0.10"), end=D("0.90"), step=D("0.01")),
            PriceRange(start=D("0.90"), end=D("1"), step=D("0.001")),
        ]
    )


def test_price_grid_linear_cent_default() -> None:
    grid = PriceGrid([])
    assert grid.is_on_grid(D("0.43"))
    assert not grid.is_on_grid(D("0.435"))
    assert not grid.is_on_grid(D("0"))
    assert not grid.is_on_grid(D("1"))
    assert grid.next_up(D("0.43")) == D("0.44")
    assert grid.next_down(D("0.43")) == D("0.42")
    assert grid.next_up(D("0.99")) is None
    assert grid.next_down(D("0.01")) is None
    assert grid.next_up(D("0.435")) == D("0.44")
    assert grid.next_down(D("0.435")) == D("0.43")
    assert grid.step_at(D("0.5")) == D("0.01")


def test_price_grid_tapered_bands() -> None:
    grid = tapered()
    assert grid.is_on_grid(D("0.055"))
    assert not grid.is_on_grid(D("0.155"))
    assert grid.step_at(D("0.05")) == D("0.001")
    assert grid.step_at(D("0.50")) == D("0.01")
    assert grid.step_at(D("0.10")) == D("0.01")
    assert grid.next_up(D("0.099")) == D("0.100")
    assert grid.next_up(D("0.10")) == D("0.11")
    assert grid.next_down(D("0.10")) == D("0.099")
    assert grid.next_up(D("0.89")) == D("0.90")
    assert grid.next_up(D("0.90")) == D("0.901")
    assert grid.next_up(D("0.999")) is None
    assert grid.snap(D("0.155")) == D("0.15")
    assert grid.snap(D("0.155"), toward="up") == D("0.16")


def test_price_range_reads_strings_only() -> None:
    band = PriceRange.from_wire({"start": "0.0000", "end": "1.0000", "step": "0.0100"})
    assert band.step == D("0.01")
    with pytest.raises(ValidationError):
        PriceRange.from_wire({"start": D("0"), "end": "1", "step": "0.01"})
