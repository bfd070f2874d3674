"""Every documented price grid (issue 12), client side: the ticket's grid logic agrees with the
simulator's tick by tick, ↑/↓ visit every tick in order, and the formatters show each tick
exactly (the 0.01¢ display rounding never hides a price a market can trade at)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.price_grid import PriceRange, is_on_grid, step_down, step_up
from kalshi_tui.exchange.engine.grids import GRIDS, on_grid
from kalshi_tui.exchange.engine.views import PRICE_SCALE


def dollars(units: int) -> Decimal:
    return Decimal(units) / PRICE_SCALE


def client_grid(structure: str) -> tuple[PriceRange, ...]:
    """The grid as the client reads it from the market's `price_ranges`."""
    return tuple((dollars(b.start), dollars(b.end), dollars(b.step)) for b in GRIDS[structure])


@pytest.mark.parametrize("structure", sorted(GRIDS))
def test_client_and_simulator_agree_and_every_tick_is_shown_exactly(structure: str) -> None:
    grid = client_grid(structure)
    ticks = [p for p in range(1, PRICE_SCALE) if on_grid(structure, p)]
    for units in range(1, PRICE_SCALE):
        assert is_on_grid(dollars(units), grid) == on_grid(structure, units), units
    for units in ticks:
        price = dollars(units)
        assert Decimal(fmt.cents(price).removesuffix("¢")) / 100 == price, fmt.cents(price)
        assert Decimal(fmt.price_dollars(price)) == price
    # ↑ from each tick is the next tick, ↓ the previous one.
    prices = [dollars(u) for u in ticks]
    for below, above in pairwise(prices):
        assert step_up(below, grid) == above
        assert step_down(above, grid) == below
