"""The client's fee estimate follows the exchange's fee rounding (issue 12): the trade fee
rounded up to $0.0001, a rounding fee to the balance precision, the order's accumulator
rebating whole cents — the mechanics of Kalshi's fee-rounding guide, worked as our own values
(the trade fees here are the 0.07 formula's, not the guide's illustrative ones)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kalshi_tui.domain.fees import CENTICENT, FeeFill, order_fee, trading_fee
from kalshi_tui.domain.models import BookLevel, OrderBook
from kalshi_tui.domain.portfolio import preview_ticket


def test_a_sub_cent_fill_is_not_rounded_up_to_a_whole_cent() -> None:
    # 1 at $0.055: 0.07 × 0.055 × 0.945 = 0.00363825 → $0.0037; the balance moves
    # −0.0587 → −$0.06, a rounding fee of $0.0013: $0.005 in all (the old rule said $0.01).
    assert trading_fee(D(1), D("0.055")) == D("0.005")


def test_three_sub_cent_fills_cost_what_one_fill_of_three_costs() -> None:
    one_lots = [FeeFill(D(1), D("0.055"))] * 3
    # Accumulator 0.0013, 0.0026, 0.0039: no rebate; 3 × $0.005.
    assert order_fee(one_lots) == D("0.015")
    # One fill of 3: 0.01091… → $0.0110; −0.176 → −$0.18: $0.015 too.
    assert trading_fee(D(3), D("0.055")) == D("0.015")


def test_fractional_fills_rebate_a_cent_once_the_accumulator_passes_it() -> None:
    # 0.30 at $0.50: 0.00525 → $0.0053; −0.1553 → −$0.16, rounding $0.0047 per fill.
    assert trading_fee(D("0.30"), D("0.50")) == D("0.01")
    # Accumulator 0.0047, 0.0094, 0.0141 → the third fill is rebated a cent: $0.01 + $0.01 + $0.
    assert order_fee([FeeFill(D("0.30"), D("0.50"))] * 3) == D("0.02")
    # The single equivalent fill: 0.90 at $0.50, 0.01575 → $0.0158, −0.4658 → −$0.47.
    assert trading_fee(D("0.90"), D("0.50")) == D("0.02")


def test_fractional_count_at_a_sub_cent_price_reaches_six_decimals() -> None:
    # 0.03 at $0.3301: trade fee 0.000464… → $0.0005; −0.010403 → −$0.02: $0.010097.
    fill = FeeFill(D("0.03"), D("0.3301"))
    assert trading_fee(fill.count, fill.price) == D("0.010097")
    # Three fills: the accumulator passes $0.01 on the second and again on the third.
    assert order_fee([fill] * 3) == D("0.010291")  # 0.010097 + 0.000097 + 0.000097


def test_a_direct_member_rounds_to_a_centicent() -> None:
    # −0.010403 floored to −$0.0105: rounding $0.000097 on a $0.0005 trade fee.
    assert trading_fee(D("0.03"), D("0.3301"), precision=CENTICENT) == D("0.000597")


def test_maker_rate_and_multiplier() -> None:
    assert trading_fee(D(10), D("0.50"), taker=False) == D("0.05")  # 0.04375 → 0.0438
    assert trading_fee(D(10), D("0.50"), multiplier=D(2)) == D("0.35")


def test_a_count_or_price_finer_than_the_exchange_takes_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"count 0\.001 is finer"):
        trading_fee(D("0.001"), D("0.50"))
    with pytest.raises(ValueError, match=r"price 0\.00001 is finer"):
        trading_fee(D(1), D("0.00001"))


# YES bids 43¢ × 90, 44¢ × 250; NO bids 53¢ × 120, 54¢ × 180 → YES asks 46¢ × 180, 47¢ × 120.
BOOK = OrderBook(
    ticker="T",
    yes=(BookLevel(D("0.43"), D(90)), BookLevel(D("0.44"), D(250))),
    no=(BookLevel(D("0.53"), D(120)), BookLevel(D("0.54"), D(180))),
)


def test_an_order_inside_the_spread_is_estimated_at_the_maker_rate() -> None:
    # Buy 10 YES at 45¢ rests: 0.0175 × 10 × 0.2475 = 0.0433… → $0.0434, −4.5434 → −$4.55.
    preview = preview_ticket("yes", "buy", D("0.45"), D(10), book=BOOK)
    assert (preview.fee, preview.taker_count, preview.maker_count) == (D("0.05"), 0, 10)


def test_a_crossing_order_is_estimated_at_the_taker_rate() -> None:
    preview = preview_ticket("yes", "buy", D("0.46"), D(10), book=BOOK)
    assert (preview.fee, preview.taker_count, preview.maker_count) == (D("0.18"), 10, 0)
    # A sell of YES at 44¢ takes the 44¢ YES bid (it buys NO at 56¢).
    sell = preview_ticket("yes", "sell", D("0.44"), D(10), book=BOOK)
    assert (sell.fee, sell.taker_count) == (D("0.18"), 10)


def test_post_only_is_maker_even_at_a_crossing_price() -> None:
    preview = preview_ticket("yes", "buy", D("0.46"), D(10), book=BOOK, post_only=True)
    assert (preview.fee, preview.taker_count, preview.maker_count) == (D("0.05"), 0, 10)


def test_a_partly_crossing_order_splits_taker_and_maker() -> None:
    # 180 take the 46¢ ask: 3.12984 → $3.1299, −85.9299 → −$85.93 ($3.13, accumulator
    # 0.0001); 20 rest at 46¢ as maker: 0.08694 → $0.0870, −9.287 → −$9.29 ($0.09).
    preview = preview_ticket("yes", "buy", D("0.46"), D(200), book=BOOK)
    assert (preview.fee, preview.taker_count, preview.maker_count) == (D("3.22"), 180, 20)


def test_buying_no_walks_the_yes_bids_best_first() -> None:
    # NO asks: 56¢ × 250, 57¢ × 90; 300 at 57¢ take 250 at 56¢ and 50 at 57¢.
    preview = preview_ticket("no", "buy", D("0.57"), D(300), book=BOOK)
    expected = order_fee([FeeFill(D(250), D("0.56")), FeeFill(D(50), D("0.57"))])
    assert (preview.fee, preview.taker_count) == (expected, 300)
    assert expected == D("5.17")


def test_without_a_book_the_estimate_is_all_taker_at_the_limit() -> None:
    assert preview_ticket("yes", "buy", D("0.45"), D(10)).fee == trading_fee(D(10), D("0.45"))


def test_an_order_that_never_rests_is_all_taker() -> None:
    # IOC/FoK: 180 take the 46¢ ask ($3.13); the other 20 can only fill by taking ($0.35).
    preview = preview_ticket("yes", "buy", D("0.46"), D(200), book=BOOK, rests=False)
    assert (preview.fee, preview.taker_count, preview.maker_count) == (D("3.48"), 200, 0)
