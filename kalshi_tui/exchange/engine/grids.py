"""Price grids: which YES prices a market accepts (`price_level_structure`, `price_ranges`)."""

from __future__ import annotations

from kalshi_tui.exchange.engine.views import PRICE_SCALE, PriceRange

_CENT = PRICE_SCALE // 100
_DECI_CENT = PRICE_SCALE // 1000

GRIDS: dict[str, tuple[PriceRange, ...]] = {
    "linear_cent": (PriceRange(0, PRICE_SCALE, _CENT),),
    "tapered_deci_cent": (
        PriceRange(0, PRICE_SCALE // 10, _DECI_CENT),
        PriceRange(PRICE_SCALE // 10, PRICE_SCALE * 9 // 10, _CENT),
        PriceRange(PRICE_SCALE * 9 // 10, PRICE_SCALE, _DECI_CENT),
    ),
    "deci_cent": (PriceRange(0, PRICE_SCALE, _DECI_CENT),),
}


def on_grid(structure: str, price: int) -> bool:
    """Whether ``price`` is a tick of the grid (bounds 0 and $1 excluded by the caller)."""
    for band in GRIDS[structure]:
        if band.start <= price < band.end or (price == band.end == PRICE_SCALE):
            return (price - band.start) % band.step == 0
    return False


def tick_at(structure: str, price: int) -> int:
    """The grid step at ``price`` (the finer band wins on a boundary)."""
    steps = [b.step for b in GRIDS[structure] if b.start <= price <= b.end]
    return min(steps) if steps else _CENT


def snap(structure: str, price: int) -> int:
    """Nearest tick at or below ``price``, kept inside (0, $1)."""
    step = tick_at(structure, price)
    for band in GRIDS[structure]:
        if band.start <= price <= band.end:
            price = band.start + (price - band.start) // step * step
            break
    return min(max(price, tick_at(structure, 0)), PRICE_SCALE - tick_at(structure, PRICE_SCALE))
