"""Every documented price level structure, and the demo's center-tick market (issue 12): the
simulator accepts exactly the prices of the market's own grid, its agents quote on it, its
synthetic history trades on it, and matching fills at those prices exactly."""

from __future__ import annotations

import pytest
from engine_helpers import T0, buy_yes, contracts, money, price, sell_yes, ticker_of

from kalshi_tui.exchange.engine import Exchange, ExchangeError
from kalshi_tui.exchange.engine.grids import GRIDS, on_grid, snap

# (structure, [(start, end, step)]) in dollars, as Kalshi's docs tabulate them.
DOCUMENTED = {
    "linear_cent": [("0", "1", "0.01")],
    "deci_cent": [("0", "1", "0.001")],
    "tapered_deci_cent": [("0", "0.10", "0.001"), ("0.10", "0.90", "0.01"), ("0.90", "1", "0.001")],
    "center_whole_edge_half_cent": [
        ("0", "0.10", "0.005"),
        ("0.10", "0.90", "0.01"),
        ("0.90", "1", "0.005"),
    ],
    "center_whole_edge_quint_cent": [
        ("0", "0.10", "0.002"),
        ("0.10", "0.90", "0.01"),
        ("0.90", "1", "0.002"),
    ],
    "center_half_edge_half_cent": [("0", "1", "0.005")],
    "center_half_edge_quint_cent": [
        ("0", "0.10", "0.002"),
        ("0.10", "0.90", "0.005"),
        ("0.90", "1", "0.002"),
    ],
    "center_half_edge_deci_cent": [
        ("0", "0.10", "0.001"),
        ("0.10", "0.90", "0.005"),
        ("0.90", "1", "0.001"),
    ],
    "center_quint_edge_quint_cent": [("0", "1", "0.002")],
    "center_quint_edge_deci_cent": [
        ("0", "0.10", "0.001"),
        ("0.10", "0.90", "0.002"),
        ("0.90", "1", "0.001"),
    ],
    "center_centi_edge_centi_cent": [("0", "1", "0.0001")],
    "center_deci_edge_centi_cent": [
        ("0", "0.01", "0.0001"),
        ("0.01", "0.99", "0.001"),
        ("0.99", "1", "0.0001"),
    ],
}


@pytest.mark.parametrize("structure", sorted(DOCUMENTED))
def test_every_documented_structure_has_its_bands(structure: str) -> None:
    bands = [(b.start, b.end, b.step) for b in GRIDS[structure]]
    assert bands == [(price(s), price(e), price(t)) for s, e, t in DOCUMENTED[structure]]


@pytest.mark.parametrize("structure", sorted(DOCUMENTED))
def test_on_grid_is_exactly_the_bands_ticks_and_every_whole_cent(structure: str) -> None:
    def documented(p: int) -> bool:
        return any(
            price(s) <= p <= price(e) and (p - price(s)) % price(t) == 0
            for s, e, t in DOCUMENTED[structure]
        )

    for p in range(1, price("1")):
        assert on_grid(structure, p) == documented(p), (structure, p)
    assert all(on_grid(structure, cents * 100) for cents in range(1, 100))


@pytest.fixture
def ex() -> Exchange:
    ex = Exchange(seed=20261121, now=T0, market_count=60, agents=True)
    ex.create_user("bob", balance=money("1000"))
    ex.create_user("alice", balance=money("1000"))
    return ex


def test_the_demo_has_a_center_tick_market_whose_quotes_and_history_are_on_grid(
    ex: Exchange,
) -> None:
    senate = ticker_of(ex, "KXSENATE", "center_half_edge_deci_cent")
    market = ex.get_market(senate)
    assert [r.step for r in market.price_ranges] == [price("0.001"), price("0.005"), price("0.001")]
    book = ex.get_book(senate)
    quotes = [p for p, _ in book.yes] + [price("1") - p for p, _ in book.no]
    assert quotes
    assert all(on_grid("center_half_edge_deci_cent", p) for p in quotes), quotes
    trades = ex.list_trades(ticker=senate)
    assert trades
    assert all(on_grid("center_half_edge_deci_cent", t.yes_price) for t in trades)


def test_a_center_tick_market_takes_half_cents_inside_and_tenths_at_the_edges(
    ex: Exchange,
) -> None:
    senate = ticker_of(ex, "KXSENATE", "center_half_edge_deci_cent")
    for ok in ("0.455", "0.46", "0.053", "0.947", "0.10", "0.90"):
        assert ex.create_order("bob", buy_yes(senate, ok, 1), T0).status in ("resting", "executed")
    for bad in ("0.453", "0.4555", "0.0535"):
        with pytest.raises(ExchangeError) as caught:
            ex.create_order("bob", buy_yes(senate, bad, 1), T0)
        assert caught.value.code == "invalid_price", bad


def test_matching_fills_at_a_sub_cent_price_exactly() -> None:
    ex = Exchange(seed=20261121, now=T0, market_count=60, agents=False)
    ex.create_user("bob", balance=money("1000"))
    ex.create_user("alice", balance=money("1000"))
    senate = ticker_of(ex, "KXSENATE", "center_half_edge_deci_cent")
    ex.create_order("alice", sell_yes(senate, "0.455", "2.5"), T0)
    order = ex.create_order("bob", buy_yes(senate, "0.46", "2.5"), T0)
    assert order.fill_count == contracts("2.5")
    fills = ex.fills("bob")
    assert [(f.yes_price, f.count) for f in fills] == [(price("0.455"), contracts("2.5"))]
    # 2.5 × $0.455 = $1.1375; trade fee 0.07 × 2.5 × 0.455 × 0.545 = 0.04339… → $0.0434,
    # −1.1809 floors to −$1.19: the fill's fee is $0.0525 and the balance moves whole cents.
    assert fills[0].fee_cost == money("0.0525")
    assert ex.balance("bob").balance == money("1000") - money("1.19")


@pytest.mark.parametrize("structure", sorted(DOCUMENTED))
def test_snap_lands_on_the_grid_at_or_below(structure: str) -> None:
    """Agents quote and history trades through `snap`: on every grid it gives a tick."""
    lowest = min(p for p in range(1, price("1")) if on_grid(structure, p))
    for p in range(1, price("1")):
        snapped = snap(structure, p)
        assert on_grid(structure, snapped), (structure, p, snapped)
        assert snapped <= max(p, lowest)
