"""Portfolio maths against hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Position
from kalshi_tui.domain.portfolio import (
    market_yes_mark,
    preview_ticket,
    value_position,
    value_positions,
    yes_mark,
)
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.domain.valuation import Valuation, value_portfolio


def _position(
    ticker: str, contracts: str, exposure: str, realized: str = "0", fees: str = "0"
) -> Position:
    return Position(
        ticker=ticker,
        contracts=D(contracts),
        market_exposure=D(exposure),
        realized_pnl=D(realized),
        fees_paid=D(fees),
        total_traded=D(exposure),
    )


def _market(ticker: str, bid: str | None, ask: str | None, last: str | None) -> MarketSummary:
    return MarketSummary(
        ticker=ticker,
        event_ticker="EV",
        series_ticker="SER",
        title=ticker,
        status="active",
        yes_bid=None if bid is None else D(bid),
        yes_ask=None if ask is None else D(ask),
        last_price=None if last is None else D(last),
        previous_price=None,
        volume=D(0),
        volume_24h=D(0),
        open_interest=D(0),
        close_time=datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_yes_mark_prefers_mid_then_last_then_none() -> None:
    assert yes_mark(D("0.40"), D("0.44"), D("0.30")) == D("0.42")
    assert yes_mark(D("0.40"), None, D("0.30")) == D("0.30")
    assert yes_mark(None, D("0.44"), D("0.30")) == D("0.30")
    assert yes_mark(None, None, None) is None
    assert market_yes_mark(None) is None


def test_yes_position_marked_at_mid() -> None:
    # 10 YES bought at 40¢ ($4.00); mid (0.44 + 0.48) / 2 = 0.46 → worth $4.60, +$0.60.
    value = value_position(_position("A", "10", "4.00", realized="1.25", fees="0.17"), D("0.46"))
    assert value.side == "yes"
    assert value.contracts == D(10)
    assert value.average_cost == D("0.40")
    assert value.mark == D("0.46")
    assert value.market_value == D("4.60")
    assert value.unrealized_pnl == D("0.60")
    assert value.realized_pnl == D("1.25")
    assert value.fees_paid == D("0.17")


def test_no_position_marked_at_one_minus_yes_mid() -> None:
    # 5 NO bought at 70¢ ($3.50); YES mid 0.35 → NO worth 0.65 → $3.25, −$0.25.
    value = value_position(_position("B", "-5", "3.50"), D("0.35"))
    assert value.side == "no"
    assert value.contracts == D(5)
    assert value.average_cost == D("0.70")
    assert value.mark == D("0.65")
    assert value.market_value == D("3.25")
    assert value.unrealized_pnl == D("-0.25")


def test_no_quote_marks_at_last_price() -> None:
    markets = {"C": _market("C", None, "0.30", "0.22")}
    (value,) = value_positions([_position("C", "4", "1.00")], markets)
    # 4 × 0.22 = 0.88 against a 1.00 cost → −0.12.
    assert value.mark == D("0.22")
    assert value.unrealized_pnl == D("-0.12")


def test_neither_quote_nor_last_leaves_the_position_unmarked() -> None:
    markets = {"D": _market("D", None, None, None)}
    (value,) = value_positions([_position("D", "3", "0.90")], markets)
    assert value.mark is None
    assert value.market_value is None
    assert value.unrealized_pnl is None
    (unknown,) = value_positions([_position("E", "3", "0.90")], {})
    assert unknown.mark is None


def _valued(positions: list[Position], markets: dict[str, MarketSummary]) -> Valuation:
    """The exchange's positions valued the way the positions pane and the header do."""
    return value_portfolio(
        Snapshot(
            markets=tuple(markets.values()),
            markets_by_ticker=MappingProxyType(markets),
            positions=tuple(positions),
        )
    )


def test_totals_sum_marked_positions_and_count_unmarked() -> None:
    markets = {
        "A": _market("A", "0.44", "0.48", "0.45"),
        "B": _market("B", "0.30", "0.40", None),
        "D": _market("D", None, None, None),
    }
    positions = [
        _position("A", "10", "4.00", realized="1.25", fees="0.17"),  # +0.60 at 0.46
        _position("B", "-5", "3.50", realized="-0.50", fees="0.10"),  # NO at 0.65 → −0.25
        _position("D", "3", "0.90", fees="0.03"),  # unmarked
    ]
    totals = _valued(positions, markets).totals
    assert totals.cost_basis == D("8.40")
    assert totals.market_value == D("7.85")
    assert totals.unrealized_pnl == D("0.35")
    assert totals.realized_pnl == D("0.75")
    assert totals.fees_paid == D("0.30")
    assert totals.unmarked == 1


def test_totals_of_nothing_are_zero() -> None:
    totals = _valued([], {}).totals
    assert totals.cost_basis == 0
    assert totals.unmarked == 0


def test_preview_buy_yes() -> None:
    # kalshi-api.md §5: 10 × 0.50 taker → fee 0.175 → $0.18.
    preview = preview_ticket("yes", "buy", D("0.50"), D(10))
    assert preview.outcome_side == "yes"
    assert preview.cost == D("5.00")
    assert preview.fee == D("0.18")
    assert preview.max_payout == D(10)
    assert preview.max_loss == D("5.18")
    assert preview.max_profit == D("4.82")
    assert preview.break_even == D("0.518")
    assert preview.proceeds_if_closing is None


def test_preview_sell_yes_is_buying_no_at_the_complement() -> None:
    # Sell 100 YES at 0.95 ≡ buy 100 NO at 0.05: cost $5.00, fee 0.3325 → $0.34.
    preview = preview_ticket("yes", "sell", D("0.95"), D(100))
    assert preview.outcome_side == "no"
    assert preview.cost == D("5.00")
    assert preview.fee == D("0.34")
    assert preview.max_loss == D("5.34")
    assert preview.break_even == D("0.0534")
    assert preview.proceeds_if_closing == D("94.66")


def test_preview_rejects_non_positive_count() -> None:
    with pytest.raises(ValueError, match="positive"):
        preview_ticket("no", "buy", D("0.50"), D(0))


def test_totals_are_the_sums_of_the_rounded_rows() -> None:
    # Exact values 2.976 + 1.846 = 4.822 ($4.82) while the rows read $2.98 and $1.85.
    markets = {
        "A": _market("A", "0.5950", "0.5954", None),  # mark 0.5952 × 5 = 2.976
        "B": _market("B", "0.9220", "0.9240", None),  # mark 0.923 × 2 = 1.846
    }
    positions = [_position("A", "5", "2.900"), _position("B", "2", "2.300")]
    valuation = _valued(positions, markets)
    a, b = valuation.rows
    assert (a.market_value, b.market_value) == (D("2.98"), D("1.85"))
    assert valuation.totals.market_value == D("4.83")
    # Unrealized +0.076 and −0.454 (exact sum −0.378): the rows read +$0.08 and −$0.45.
    assert (a.unrealized_pnl, b.unrealized_pnl) == (D("0.08"), D("-0.45"))
    assert valuation.totals.unrealized_pnl == D("-0.37")


def test_flat_rows_are_listed_after_open_ones_and_counted_in_realized() -> None:
    markets = {"A": _market("A", "0.44", "0.48", None)}
    positions = [
        _position("Z", "0", "0", realized="2.00", fees="0.05"),
        _position("A", "10", "4.00", realized="1.25", fees="0.17"),
    ]
    valuation = _valued(positions, markets)
    assert [row.ticker for row in valuation.rows] == ["A", "Z"]
    assert valuation.totals.flat == 1
    assert valuation.totals.open_positions == 1
    assert valuation.totals.realized_pnl == D("3.25")
    assert valuation.totals.market_value == D("4.60")


def test_a_determined_or_settled_market_is_worth_its_result() -> None:
    """Issue 15: a determined market was still marked at its last price (40¢)."""
    from dataclasses import replace

    live = _market("T", "0.38", "0.42", "0.40")
    assert market_yes_mark(live) == D("0.40")
    # The result is known but not yet settled: the result, not the book or the last trade.
    yes = replace(live, status="determined", result="yes", settlement_value=D(1))
    no = replace(live, status="determined", result="no", settlement_value=D(0))
    assert market_yes_mark(yes) == D(1)
    assert market_yes_mark(no) == D(0)
    # Without a settlement value the result says it; a scalar pays its settlement value.
    assert market_yes_mark(replace(live, status="finalized", result="no")) == D(0)
    scalar = replace(live, status="settled", result="scalar", settlement_value=D("0.37"))
    assert market_yes_mark(scalar) == D("0.37")
    # A result on a market not yet determined does not count.
    assert market_yes_mark(replace(live, result="yes")) == D("0.40")
    # The header and the positions pane share `value_portfolio`: 10 YES after a yes → $10.
    positions = [_position("T", "10", "4.00"), _position("N", "-5", "3.00")]
    markets = {"T": yes, "N": replace(no, ticker="N")}
    valuation = _valued(positions, markets)
    assert [row.market_value for row in valuation.rows] == [D("10.00"), D("5.00")]
    assert valuation.totals.market_value == D("15.00")
    assert valuation.totals.unrealized_pnl == D("8.00")
