"""`pnl.trade_effect`: the preview of a close books what the P&L engine books for the fill."""

from __future__ import annotations

from decimal import Decimal as D

from kalshi_tui.domain.pnl import PnlBook, trade_effect

MICROS = 1_800_000_000_000_000


def test_a_partial_close_takes_the_oldest_lots_like_the_engine() -> None:
    book = PnlBook()
    book.apply_trade("KX", "yes", "buy", D(3), D("0.70"), D(0), MICROS)
    book.apply_trade("KX", "yes", "buy", D(2), D("0.60"), D(0), MICROS + 1)
    market = book.market("KX")
    assert market is not None
    effect = trade_effect("yes", [(q, p) for q, p in market.lots], "yes", "sell", D(4), D("0.65"))
    book.apply_trade("KX", "yes", "sell", D(4), D("0.65"), D(0), MICROS + 2)
    assert (effect.closed, effect.opened) == (D(4), D(0))
    assert effect.proceeds == D("2.60")
    assert effect.closed_cost == D("2.70")  # 3 @ 70¢ + 1 @ 60¢: oldest first
    assert effect.realized == market.realized == D("-0.10")


def test_buying_the_other_side_closes_and_the_rest_opens() -> None:
    effect = trade_effect("yes", [(D(5), D("0.70"))], "no", "buy", D(8), D("0.35"))
    assert (effect.closed, effect.opened, effect.opened_side) == (D(5), D(3), "no")
    assert effect.proceeds == D("3.25")  # a NO bought at 35¢ pairs with a YES: 65¢ back
    assert effect.realized == D("-0.25")
    assert effect.opened_price == D("0.35")


def test_with_nothing_held_everything_opens() -> None:
    effect = trade_effect("yes", [], "yes", "sell", D(5), D("0.65"))
    assert (effect.closed, effect.opened, effect.opened_side) == (D(0), D(5), "no")
    assert effect.opened_price == D("0.35")
