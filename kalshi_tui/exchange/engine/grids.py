"""Price grids: which YES prices a market accepts (`price_level_structure`, `price_ranges`)."""

from __future__ import annotations

from kalshi_tui.exchange.engine.views import PRICE_SCALE, PriceRange

_CENT = PRICE_SCALE // 100
_DECI_CENT = PRICE_SCALE // 1000

TICKS = {"whole": _CENT, "half": PRICE_SCALE // 200, "quint": PRICE_SCALE // 500}
TICKS |= {"deci": _DECI_CENT, "centi": PRICE_SCALE // 10_000}
"""The tick names of the ``center_{center}_edge_{edge}_cent`` structures (price units)."""


def _tapered(center: int, edge: int, taper: int = PRICE_SCALE // 10) -> tuple[PriceRange, ...]:
    """The edge tick below ``taper`` and above ``1 − taper``, the center tick between;
    one band when the ticks are equal."""
    if center == edge:
        return (PriceRange(0, PRICE_SCALE, center),)
    return (
        PriceRange(0, taper, edge),
        PriceRange(taper, PRICE_SCALE - taper, center),
        PriceRange(PRICE_SCALE - taper, PRICE_SCALE, edge),
    )


GRIDS: dict[str, tuple[PriceRange, ...]] = {
    "linear_cent": (PriceRange(0, PRICE_SCALE, _CENT),),
    "tapered_deci_cent": _tapered(_CENT, _DECI_CENT),
    "deci_cent": (PriceRange(0, PRICE_SCALE, _DECI_CENT),),
}
"""Every price level structure Kalshi documents, by name (the names are labels: clients
read ``price_ranges``). Whole-cent prices are on every grid."""
for _center, _edge in [
    ("whole", "half"),
    ("whole", "quint"),
    ("half", "half"),
    ("half", "quint"),
    ("half", "deci"),
    ("quint", "quint"),
    ("quint", "deci"),
    ("centi", "centi"),
]:
    GRIDS[f"center_{_center}_edge_{_edge}_cent"] = _tapered(TICKS[_center], TICKS[_edge])
# The combo markets' grid tapers below 1¢ and above 99¢ instead.
GRIDS["center_deci_edge_centi_cent"] = _tapered(_DECI_CENT, TICKS["centi"], _CENT)


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
