"""Fees: kalshi-api.md §5 worked examples and the WIRE.md rounding rule."""

from __future__ import annotations

from fractions import Fraction

from engine_helpers import contracts, money, price

from kalshi_tui.exchange.engine.fees import maker_fee, taker_fee, worst_taker_fee

ONE = Fraction(1)


def test_worked_example_ten_at_fifty_cents() -> None:
    assert taker_fee(contracts(10), price("0.50"), ONE) == money("0.18")
    assert maker_fee(contracts(10), price("0.50"), ONE, True) == money("0.05")


def test_worked_example_hundred_at_five_cents() -> None:
    assert taker_fee(contracts(100), price("0.05"), ONE) == money("0.34")


def test_order_example_four_at_43_cents() -> None:
    assert taker_fee(contracts(4), price("0.43"), ONE) == money("0.07")


def test_fee_is_symmetric_in_the_side() -> None:
    assert taker_fee(contracts(7), price("0.43"), ONE) == taker_fee(
        contracts(7), price("0.57"), ONE
    )


def test_peak_fee_one_contract_rounds_up_to_two_cents() -> None:
    assert taker_fee(contracts(1), price("0.50"), ONE) == money("0.02")


def test_maker_fee_only_with_maker_fee_series() -> None:
    assert maker_fee(contracts(10), price("0.50"), ONE, False) == 0


def test_multiplier_scales_before_rounding() -> None:
    # 0.07 × 10 × 0.25 × 2 = 0.35 exactly.
    assert taker_fee(contracts(10), price("0.50"), Fraction(2)) == money("0.35")


def test_fractional_and_sub_cent_prices_round_up_to_the_cent() -> None:
    assert taker_fee(contracts("0.01"), price("0.0010"), ONE) == money("0.01")
    assert taker_fee(0, price("0.50"), ONE) == 0


def test_worst_fee_uses_the_price_closest_to_fifty_cents() -> None:
    assert worst_taker_fee(contracts(10), price("0.90"), ONE) == money("0.18")
    assert worst_taker_fee(contracts(10), price("0.10"), ONE) == taker_fee(
        contracts(10), price("0.10"), ONE
    )
