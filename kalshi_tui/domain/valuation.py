"""The one valuation the screen shows: positions pane rows, its TOTAL row and the header's
"Portfolio" figure all come from `value_portfolio`.

The rule (`VALUATION_RULE`): a position is marked at the mid of the market's YES bid and
ask, at the last trade when the book is one-sided, and is left unmarked (never zero)
without either; a determined or settled market is marked at its result
(`portfolio.market_yes_mark`); a NO contract is worth 1 − the YES mark. With a
journal the rows are the journal's FIFO figures (`snapshot.pnl`), otherwise the exchange's
positions valued by the same rule. The exchange's own `portfolio_value` marks at the bid
and can differ; it is named beside ours, never mixed into it.

Totals add up to the rows shown, exactly: every row figure is rounded half-even to the
cent (as `format.dollars` shows it) and the totals are the sums of those rounded figures,
so the TOTAL row is the sum of the column above it. Flat rows (closed out or settled) stay
in the list, after the open ones, so their realized P&L and fees in the totals are visible.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from kalshi_tui.domain.pnl import to_cent
from kalshi_tui.domain.pnl_report import PositionPnl
from kalshi_tui.domain.portfolio import PositionValue, value_positions
from kalshi_tui.domain.store import Snapshot

VALUATION_RULE = (
    "Positions are marked at the mid of the YES bid and ask (the last trade when the book "
    "is one-sided; a NO contract at 1 − that); without either a position is unmarked and "
    "left out of the value, never counted as zero. Once a market is determined or settled "
    "it is worth its result: $1 a YES contract for yes, $0 for no, a scalar's settlement "
    "value."
)
"""Said in the header's tooltip and on the help screen."""

ZERO = Decimal(0)


def _optional_cent(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else to_cent(amount)


@dataclass(frozen=True, slots=True)
class ValuationTotals:
    """Sums of the rounded row figures (so each equals the sum of the column shown)."""

    cost_basis: Decimal
    market_value: Decimal
    """Value of the marked open positions."""
    unrealized_pnl: Decimal
    """Unrealized P&L of the marked open positions."""
    realized_pnl: Decimal
    """Realized P&L of every row, open and flat."""
    fees_paid: Decimal
    unmarked: int
    """Open positions left out of `market_value` and `unrealized_pnl` for want of a mark."""
    open_positions: int
    flat: int
    """Rows with no contracts left (closed out or settled), included in realized and fees."""


@dataclass(frozen=True, slots=True)
class Valuation:
    """What the positions pane lists and the header totals."""

    rows: tuple[PositionValue, ...]
    """Open positions first (in the source's order), then flat ones; figures rounded to
    the cent except prices (`average_cost`, `mark`), which stay exact."""
    totals: ValuationTotals
    source: Literal["journal", "exchange"]
    exchange_value: Decimal | None
    """The exchange's own `portfolio_value` (marked at the bid), for reference only."""


def _from_journal(position: PositionPnl) -> PositionValue:
    """A journal (FIFO) position in the row shape; realized is before fees, as the
    exchange reports it, with fees in their own column."""
    return PositionValue(
        ticker=position.ticker,
        side=position.side,
        contracts=position.contracts,
        average_cost=position.average_cost,
        mark=position.mark,
        cost_basis=position.cost_basis,
        market_value=position.market_value,
        unrealized_pnl=position.unrealized,
        realized_pnl=position.realized,
        fees_paid=position.fees,
    )


def _rounded(value: PositionValue) -> PositionValue:
    flat = value.contracts == 0
    return replace(
        value,
        cost_basis=to_cent(value.cost_basis),
        market_value=ZERO if flat else _optional_cent(value.market_value),
        unrealized_pnl=ZERO if flat else _optional_cent(value.unrealized_pnl),
        realized_pnl=to_cent(value.realized_pnl),
        fees_paid=to_cent(value.fees_paid),
    )


def value_portfolio(snapshot: Snapshot) -> Valuation:
    """The rows and totals of the portfolio, by `VALUATION_RULE`."""
    pnl = snapshot.pnl
    if pnl is None:
        exact = value_positions(snapshot.positions, snapshot.markets_by_ticker)
        source: Literal["journal", "exchange"] = "exchange"
    else:
        exact = [_from_journal(p) for p in pnl.positions]
        source = "journal"
    rounded = [_rounded(v) for v in exact]
    rows = tuple(v for v in rounded if v.contracts != 0) + tuple(
        v for v in rounded if v.contracts == 0
    )
    cost = value = unrealized = realized = fees = ZERO
    unmarked = open_positions = 0
    for row in rows:
        cost += row.cost_basis
        realized += row.realized_pnl
        fees += row.fees_paid
        if row.contracts == 0:
            continue
        open_positions += 1
        if row.market_value is None or row.unrealized_pnl is None:
            unmarked += 1
            continue
        value += row.market_value
        unrealized += row.unrealized_pnl
    totals = ValuationTotals(
        cost_basis=cost,
        market_value=value,
        unrealized_pnl=unrealized,
        realized_pnl=realized,
        fees_paid=fees,
        unmarked=unmarked,
        open_positions=open_positions,
        flat=len(rows) - open_positions,
    )
    balance = snapshot.balance
    return Valuation(
        rows=rows,
        totals=totals,
        source=source,
        exchange_value=None if balance is None else balance.portfolio_value,
    )
