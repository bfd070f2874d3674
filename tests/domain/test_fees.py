"""Fees at Kalshi's formula, including the worked examples of kalshi-api.md §5."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshi_tui.domain.fees import trading_fee


@pytest.mark.parametrize(
    ("count", "price", "taker", "expected"),
    [
        ("10", "0.50", True, "0.18"),
        ("10", "0.50", False, "0.05"),
        ("100", "0.05", True, "0.34"),
        ("1", "0.50", True, "0.02"),
        ("4", "0.43", True, "0.07"),
    ],
)
def test_fee_examples(count: str, price: str, taker: bool, expected: str) -> None:
    assert trading_fee(Decimal(count), Decimal(price), taker=taker) == Decimal(expected)


def test_fee_is_symmetric_in_yes_and_no_price() -> None:
    assert trading_fee(Decimal(7), Decimal("0.23")) == trading_fee(Decimal(7), Decimal("0.77"))
