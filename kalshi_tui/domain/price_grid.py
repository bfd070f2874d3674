"""A market's price grid: which limit prices are valid and how to step between them.

Kalshi describes the grid with `price_ranges` bands `(start, end, step)` in
dollars (kalshi-api.md §4.1): `linear_cent` is one band 0–1 step 0.01,
`tapered_deci_cent` is 0.001 below 0.10 and above 0.90 and 0.01 between. A
price is valid when it lies on the step of a band containing it and strictly
inside (0, 1). Bands share their boundaries (0.10 ends one band and starts the
next), so stepping up from a boundary uses the band above it and stepping down
uses the band below it — which falls out of taking the nearest grid point over
all bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, Inexact, InvalidOperation, localcontext

from kalshi_tui.domain.format import cents, exact_cents

PriceRange = tuple[Decimal, Decimal, Decimal]
"""One band of the grid: (start, end, step), dollars, both ends included."""

ZERO = Decimal(0)
ONE = Decimal(1)

WHOLE_CENT_GRID: tuple[PriceRange, ...] = ((ZERO, ONE, Decimal("0.01")),)
"""The `linear_cent` grid: 1¢ to 99¢ in whole cents. Used until a market says otherwise."""


def _next_in_band(band: PriceRange, price: Decimal) -> Decimal | None:
    """The smallest point of `band` strictly above `price`, if any."""
    start, end, step = band
    if price < start:
        candidate = start
    else:
        steps = ((price - start) / step).to_integral_value(rounding=ROUND_FLOOR) + 1
        candidate = start + steps * step
    return candidate if candidate <= end else None


def _previous_in_band(band: PriceRange, price: Decimal) -> Decimal | None:
    """The largest point of `band` strictly below `price`, if any."""
    start, end, step = band
    if price > end:
        # The band's last point: `end` itself when it lies on the step.
        steps = ((end - start) / step).to_integral_value(rounding=ROUND_FLOOR)
    else:
        steps = ((price - start) / step).to_integral_value(rounding=ROUND_CEILING) - 1
    candidate = start + steps * step
    return candidate if candidate >= start else None


def next_above(price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> Decimal | None:
    """The nearest valid price strictly above `price`, or None at the top of the grid."""
    floor = max(price, ZERO)
    candidates = [c for band in grid if (c := _next_in_band(band, floor)) is not None]
    valid = [c for c in candidates if ZERO < c < ONE]
    return min(valid) if valid else None


def next_below(price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> Decimal | None:
    """The nearest valid price strictly below `price`, or None at the bottom of the grid."""
    ceiling = min(price, ONE)
    candidates = [c for band in grid if (c := _previous_in_band(band, ceiling)) is not None]
    valid = [c for c in candidates if ZERO < c < ONE]
    return max(valid) if valid else None


def lowest_price(grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> Decimal | None:
    """The lowest valid price of the grid (0.01 on the whole-cent grid)."""
    return next_above(ZERO, grid)


def highest_price(grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> Decimal | None:
    """The highest valid price of the grid (0.99 on the whole-cent grid)."""
    return next_below(ONE, grid)


def is_on_grid(price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> bool:
    """Whether `price` is a valid limit price: inside (0, 1) and on a band's step."""
    if not ZERO < price < ONE:
        return False
    return any(start <= price <= end and _on_step(price, start, step) for start, end, step in grid)


def _on_step(price: Decimal, start: Decimal, step: Decimal) -> bool:
    """`price - start` is a whole number of steps, computed exactly: with more digits than
    Decimal's precision (0.1 followed by 40 zeros and a 1) the subtraction would round
    onto the grid, so an inexact result means off the grid."""
    with localcontext() as context:
        context.traps[Inexact] = True
        try:
            return (price - start) % step == 0
        except (Inexact, InvalidOperation):
            return False


def clamp(price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> Decimal:
    """Pull a price into (0, 1) exclusive: at or below 0 → lowest, at or above 1 → highest."""
    if price <= ZERO:
        return lowest_price(grid) or price
    if price >= ONE:
        return highest_price(grid) or price
    return price


def step_up(
    price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID, steps: int = 1
) -> Decimal:
    """Move `steps` grid points up; an off-grid price first snaps up to the grid.

    Stops at the highest valid price rather than leaving (0, 1).
    """
    current = price
    for _ in range(steps):
        above = next_above(current, grid)
        if above is None:
            break
        current = above
    return clamp(current, grid)


def step_down(
    price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID, steps: int = 1
) -> Decimal:
    """Move `steps` grid points down; an off-grid price first snaps down to the grid.

    Stops at the lowest valid price rather than leaving (0, 1).
    """
    current = price
    for _ in range(steps):
        below = next_below(current, grid)
        if below is None:
            break
        current = below
    return clamp(current, grid)


def price_problem(price: Decimal, grid: Sequence[PriceRange] = WHOLE_CENT_GRID) -> str | None:
    """Why `price` cannot be a limit price, in words for the trader; None when it is valid."""
    if not ZERO < price < ONE:
        return (
            f"price {exact_cents(price)} is out of range: a price is more than 0¢ and less "
            "than 100¢"
        )
    if not is_on_grid(price, grid):
        below, above = next_below(price, grid), next_above(price, grid)
        nearest = " or ".join(cents(p) for p in (below, above) if p is not None)
        return f"price {exact_cents(price)} is off the market's grid (try {nearest})"
    return None
