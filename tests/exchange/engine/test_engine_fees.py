"""Fees: kalshi-api.md §5 worked examples, and the exchange's fee rounding: the trade fee rounded
up to $0.0001, a rounding fee to the balance precision, a per-order accumulator that rebates
whole cents (the examples of Kalshi's fee-rounding guide, as our own values)."""

from __future__ import annotations

from fractions import Fraction

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

from kalshi_tui.exchange.engine import Exchange
from kalshi_tui.exchange.engine.fees import (
    CENTICENT,
    fill_fee,
    maker_fee,
    taker_fee,
    worst_taker_fee,
)

ONE = Fraction(1)


def one_fill(count: int, price_units: int, fee: int) -> int:
    """The fee a lone fill charges (fresh accumulator, cent precision)."""
    return fill_fee(count * price_units, fee, 0).net


def test_worked_example_ten_at_fifty_cents() -> None:
    # Trade fees rounded up to $0.0001; one fill of 10 at $0.50 then charges the old cents.
    taker = taker_fee(contracts(10), price("0.50"), ONE)
    maker = maker_fee(contracts(10), price("0.50"), ONE, True)
    assert (taker, maker) == (money("0.1750"), money("0.0438"))
    assert one_fill(contracts(10), price("0.50"), taker) == money("0.18")
    assert one_fill(contracts(10), price("0.50"), maker) == money("0.05")


def test_worked_example_hundred_at_five_cents() -> None:
    fee = taker_fee(contracts(100), price("0.05"), ONE)
    assert fee == money("0.3325")
    assert one_fill(contracts(100), price("0.05"), fee) == money("0.34")


def test_order_example_four_at_43_cents() -> None:
    fee = taker_fee(contracts(4), price("0.43"), ONE)
    assert fee == money("0.0687")  # 0.068628 rounded up
    assert one_fill(contracts(4), price("0.43"), fee) == money("0.07")


def test_fee_is_symmetric_in_the_side() -> None:
    assert taker_fee(contracts(7), price("0.43"), ONE) == taker_fee(
        contracts(7), price("0.57"), ONE
    )


def test_peak_fee_one_contract_rounds_up_to_two_cents() -> None:
    fee = taker_fee(contracts(1), price("0.50"), ONE)
    assert fee == money("0.0175")
    assert one_fill(contracts(1), price("0.50"), fee) == money("0.02")


def test_maker_fee_only_with_maker_fee_series() -> None:
    assert maker_fee(contracts(10), price("0.50"), ONE, False) == 0


def test_multiplier_scales_before_rounding() -> None:
    # 0.07 × 10 × 0.25 × 2 = 0.35 exactly.
    assert taker_fee(contracts(10), price("0.50"), Fraction(2)) == money("0.35")


def test_fractional_and_sub_cent_prices_round_the_trade_fee_up_to_a_centicent() -> None:
    assert taker_fee(contracts("0.01"), price("0.0010"), ONE) == CENTICENT
    assert taker_fee(0, price("0.50"), ONE) == 0
    # 0.07 × 0.03 × 0.3301 × 0.6699 = 0.000464… → $0.0005
    assert taker_fee(contracts("0.03"), price("0.3301"), ONE) == money("0.0005")


# (count, price, trade fee, per fill: (rounding, accumulator, rebate, net fee)), cent precision.
GUIDE_EXAMPLES = [
    (
        "1",
        "0.055",
        "0.0085",
        [
            ("0.0065", "0.0065", "0", "0.0150"),
            ("0.0065", "0.0130", "0.01", "0.0050"),
            ("0.0065", "0.0095", "0", "0.0150"),
        ],
    ),
    (
        "0.30",
        "0.50",
        "0.0041",
        [
            ("0.0059", "0.0059", "0", "0.0100"),
            ("0.0059", "0.0118", "0.01", "0.0000"),
            ("0.0059", "0.0077", "0", "0.0100"),
        ],
    ),
    (
        "0.03",
        "0.3301",
        "0.0005",
        [
            ("0.009597", "0.009597", "0", "0.010097"),
            ("0.009597", "0.019194", "0.01", "0.000097"),
            ("0.009597", "0.018791", "0.01", "0.000097"),
        ],
    ),
]


@pytest.mark.parametrize(("count", "fill_price", "fee", "fills"), GUIDE_EXAMPLES)
def test_fee_rounding_guide_examples(
    count: str, fill_price: str, fee: str, fills: list[tuple[str, str, str, str]]
) -> None:
    """Three fills of one order: the rounding fee restores cent precision, the accumulator
    carries it and rebates a cent once it exceeds $0.01 (accumulator shown before the rebate
    comes off, as the guide does)."""
    cost = contracts(count) * price(fill_price)
    accumulator = 0
    for rounding, accumulated, rebate, net in fills:
        result = fill_fee(cost, money(fee), accumulator)
        assert result.rounding_fee == money(rounding)
        assert result.accumulator + result.rebate == money(accumulated)
        assert result.rebate == money(rebate)
        assert result.net == money(net)
        # The balance moves in whole cents.
        assert (-cost - result.net) % money("0.01") == 0
        accumulator = result.accumulator


def test_direct_member_precision_rounds_to_a_centicent() -> None:
    cost = contracts("0.03") * price("0.3301")  # $0.009903
    result = fill_fee(cost, money("0.0005"), 0, precision=CENTICENT)
    assert result.rounding_fee == money("0.000097")  # −$0.010403 floored to −$0.0105
    assert result.net == money("0.000597")
    assert (-cost - result.net) % CENTICENT == 0


def test_a_rebate_never_makes_a_fill_fee_negative() -> None:
    # An accumulator just at $0.01 and a fill paying under a cent: the rebate waits.
    cost = contracts(1) * price("0.0095")
    result = fill_fee(cost, money("0.0004"), money("0.0100"))
    assert result.net == money("0.0005")
    assert result.rebate == 0
    assert result.accumulator == money("0.0101")


@pytest.fixture
def ex() -> Exchange:
    exchange = quiet_exchange()
    for user in ("alice", "bob"):
        fund(exchange, user, "1000")
    return exchange


def test_many_fills_cost_what_one_fill_costs(ex: Exchange) -> None:
    """Buy 0.90 at $0.50 against three resting 0.30 asks: 0.0053 + 0.0047 rounding per fill,
    a cent rebated on the third. Rounding each fill up to the cent charged $0.03."""
    fed = ticker_of(ex, "KXFED")
    for _ in range(3):
        ex.create_order("alice", sell_yes(fed, "0.50", "0.30"), T0)
    taker = ex.create_order("bob", buy_yes(fed, "0.50", "0.90"), T0)
    assert taker.status == "executed"
    fees = [fill.fee_cost for fill in reversed(ex.fills("bob"))]
    assert fees == [money("0.01"), money("0.01"), 0]
    assert taker.taker_fees == money("0.02")
    one = taker_fee(contracts("0.90"), price("0.50"), ONE)
    assert one_fill(contracts("0.90"), price("0.50"), one) == money("0.02")
    assert ex.balance("bob", exchange_index=0).balance == money("1000") - money("0.45") - money(
        "0.02"
    )
    assert ex.positions("bob")[0].fees_paid == money("0.02")


def test_the_accumulator_carries_from_taker_to_maker_fills(ex: Exchange) -> None:
    """A subpenny order takes one lot, rests, then fills twice as maker: one accumulator."""
    eth = ticker_of(ex, "KXETH", "deci_cent")
    ex.create_order("alice", sell_yes(eth, "0.055", 1), T0)
    order = ex.create_order("bob", buy_yes(eth, "0.055", 3), T0)
    for _ in range(2):
        ex.create_order("alice", sell_yes(eth, "0.055", 1), T0)
    fills = list(reversed(ex.fills("bob")))
    assert [f.is_taker for f in fills] == [True, False, False]
    fee = taker_fee(contracts(1), price("0.055"), ONE)
    first = fill_fee(contracts(1) * price("0.055"), fee, 0)
    assert fills[0].fee_cost == first.net
    final = ex.get_order("bob", order.order_id)
    assert final.status == "executed"
    # Every fill leaves bob's balance on whole cents.
    assert ex.balance("bob", exchange_index=2).balance % money("0.01") == 0


def test_worst_fee_uses_the_price_closest_to_fifty_cents() -> None:
    assert worst_taker_fee(contracts(10), price("0.90"), ONE) == money("0.18")
    # The reserve is what one fill of the whole count at that price charges.
    fee = taker_fee(contracts(10), price("0.10"), ONE)
    assert worst_taker_fee(contracts(10), price("0.10"), ONE) == one_fill(
        contracts(10), price("0.10"), fee
    )
