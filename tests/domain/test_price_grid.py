"""The price grid: validity, stepping across band boundaries, clamping into (0, 1)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kalshi_tui.domain.price_grid import (
    WHOLE_CENT_GRID,
    PriceRange,
    clamp,
    highest_price,
    is_on_grid,
    lowest_price,
    price_problem,
    step_down,
    step_up,
)

TAPERED: tuple[PriceRange, ...] = (
    (D("0"), D("0.10"), D("0.001")),
    (D("0.10"), D("0.90"), D("0.01")),
    (D("0.90"), D("1"), D("0.001")),
)
"""Kalshi's `tapered_deci_cent`: 0.1¢ ticks in the tails, whole cents between."""


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("0.01", True),
        ("0.99", True),
        ("0.5", True),
        ("0.505", False),
        ("0", False),
        ("1", False),
        ("-0.01", False),
        ("1.01", False),
    ],
)
def test_is_on_grid_whole_cent(price: str, expected: bool) -> None:
    assert is_on_grid(D(price), WHOLE_CENT_GRID) is expected


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("0.045", True),
        ("0.0451", False),
        ("0.10", True),
        ("0.105", False),
        ("0.11", True),
        ("0.905", True),
        ("0.999", True),
        ("0.001", True),
    ],
)
def test_is_on_grid_tapered(price: str, expected: bool) -> None:
    assert is_on_grid(D(price), TAPERED) is expected


def test_step_whole_cent() -> None:
    assert step_up(D("0.50")) == D("0.51")
    assert step_down(D("0.50")) == D("0.49")
    assert step_up(D("0.50"), steps=5) == D("0.55")


def test_step_stops_inside_open_interval() -> None:
    assert step_up(D("0.99")) == D("0.99")
    assert step_down(D("0.01")) == D("0.01")
    assert step_up(D("0.98"), steps=10) == D("0.99")


def test_step_across_band_boundaries_uses_the_band_beyond() -> None:
    assert step_up(D("0.10"), TAPERED) == D("0.11")
    assert step_down(D("0.10"), TAPERED) == D("0.099")
    assert step_up(D("0.89"), TAPERED) == D("0.90")
    assert step_up(D("0.90"), TAPERED) == D("0.901")
    assert step_down(D("0.901"), TAPERED) == D("0.90")
    assert step_up(D("0.999"), TAPERED) == D("0.999")


def test_off_grid_price_snaps_in_the_direction_of_the_step() -> None:
    assert step_up(D("0.505")) == D("0.51")
    assert step_down(D("0.505")) == D("0.50")
    assert step_up(D("0.1234"), TAPERED) == D("0.13")
    assert step_down(D("0.0455"), TAPERED) == D("0.045")


def test_clamp_to_open_interval() -> None:
    assert clamp(D("0")) == D("0.01")
    assert clamp(D("-3")) == D("0.01")
    assert clamp(D("1")) == D("0.99")
    assert clamp(D("0.42")) == D("0.42")
    assert clamp(D("1"), TAPERED) == D("0.999")
    assert clamp(D("0"), TAPERED) == D("0.001")


def test_lowest_and_highest() -> None:
    assert (lowest_price(), highest_price()) == (D("0.01"), D("0.99"))
    assert (lowest_price(TAPERED), highest_price(TAPERED)) == (D("0.001"), D("0.999"))


def test_band_whose_end_is_off_its_step() -> None:
    grid: tuple[PriceRange, ...] = ((D("0.05"), D("0.50"), D("0.1")),)
    assert step_up(D("0.45"), grid) == D("0.45")
    assert step_down(D("0.99"), grid) == D("0.45")
    assert is_on_grid(D("0.35"), grid)


def test_price_problem_explains() -> None:
    assert price_problem(D("0.50")) is None
    assert price_problem(D("0")) == (
        "price 0¢ is out of range: a price is more than 0¢ and less than 100¢"
    )
    message = price_problem(D("0.505"))
    assert message is not None
    assert "off the market's grid" in message
    assert "50¢ or 51¢" in message
