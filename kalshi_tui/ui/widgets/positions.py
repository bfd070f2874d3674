"""Positions with marks and P&L, and a portfolio totals row.

Each row: market, side held, contracts, average cost, mark, market value,
unrealized P&L, realized P&L and fees. Rows and totals come from
`kalshi_tui.domain.valuation.value_portfolio`, the function the header's
"Portfolio" figure uses too, so the two always agree; its docstring states the
valuation rule (mid of the YES quote, else the last trade, else unmarked). Every
TOTAL is the sum of the rounded figures in the column above it. Flat rows (closed
out or settled markets) stay listed after the open ones, side "flat", so the
realized P&L and fees the totals include are on screen. Positions without a mark
are left out of the value and unrealized totals and counted instead, so a missing
quote never reads as zero.

The pane is fed by the portfolio poller; marks come from the market list, so a
stale market feed is named in the title too.

When the session trades, the figures are the journal's own (`snapshot.pnl`: FIFO lots
from every journaled fill, `services/pnl.py`), and the last column says whether the
exchange agrees for that market ("✓") or not ("Δ", with the differences in the title),
so a fill the journal missed can never hide behind the exchange's numbers. Without a
journal the exchange's positions are shown as they are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from rich.text import Text

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.portfolio import PositionValue
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.domain.valuation import VALUATION_RULE, ValuationTotals, value_portfolio
from kalshi_tui.ui.widgets.feed_state import apply_feed_state, feed_staleness
from kalshi_tui.ui.widgets.fit_columns import FitColumn, Reduce
from kalshi_tui.ui.widgets.table_fit import FittedTable

FEED = "portfolio"
"""Health key of the poller that feeds this pane."""

MARKS_FEED = "markets"
"""Health key of the poller whose quotes mark the positions."""

TOTAL_KEY = "__total__"
"""Row key of the totals row (never a Kalshi ticker: tickers have no underscores)."""

COLUMNS: tuple[FitColumn, ...] = (
    FitColumn("ticker", "Market", "Mkt"),
    FitColumn("side", "Side", "Side"),
    FitColumn("qty", "Qty", "Qty"),
    FitColumn("avg", "Avg", "Avg"),
    FitColumn("mark", "Mark", "Mark"),
    FitColumn("value", "Value", "Value"),
    FitColumn("unrealized", "Unrealized", "Unreal"),
    FitColumn("realized", "Realized", "Real"),
    FitColumn("fees", "Fees", "Fees"),
    FitColumn("check", "Chk", "✓"),
)

REDUCTIONS: tuple[Reduce, ...] = (
    Reduce("short"),
    Reduce("ticker"),
    Reduce("drop", "check"),
    Reduce("drop", "avg"),
    Reduce("drop", "mark"),
    Reduce("drop", "value"),
)
"""What gives way when the pane is narrow, in order: headers, the ticker, then the columns
least needed beside the P&L (Unrealized, Realized and Fees are always shown)."""


class PositionsPane(FittedTable):
    """Positions table. Call `show(snapshot, now)` on store changes."""

    BINDING_GROUP_TITLE = "Positions"

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"positions", "markets", "markets_by_ticker", "health", "pnl"}
    )
    """Snapshot fields this pane renders; ages change with time too, so also `show` on a tick."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "positions--gain",
        "positions--loss",
        "positions--total",
        "positions--yes",
        "positions--no",
        "positions--flat",
    }

    DEFAULT_CSS = """
    PositionsPane {
        border: round $primary;
        height: 1fr;
    }
    PositionsPane > .positions--gain { color: $success; }
    PositionsPane > .positions--loss { color: $error; }
    PositionsPane > .positions--total { text-style: bold; }
    PositionsPane > .positions--yes { color: $success; }
    PositionsPane > .positions--no { color: $error; }
    PositionsPane > .positions--flat { color: $text-muted; }
    PositionsPane.-stale {
        color: $text-disabled;
        border: round $foreground 25%;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, name=name, id=id, classes=classes)
        self._shown: object = None
        self.tooltip = VALUATION_RULE
        apply_feed_state(self, "Positions", None)

    FIT_COLUMNS = COLUMNS
    FIT_REDUCTIONS = REDUCTIONS

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Redraw when positions, marks or staleness changed; otherwise return at once."""
        pnl = snapshot.pnl
        differing: frozenset[str] = frozenset()
        if pnl is not None:
            differing = frozenset(d.ticker for d in pnl.differences)
        valuation = value_portfolio(snapshot)
        stale = feed_staleness(snapshot, FEED, now)
        marks_stale = feed_staleness(snapshot, MARKS_FEED, now)
        key = (valuation.rows, stale, marks_stale, pnl is None, differing, self.fit_width())
        if key == self._shown:
            return
        self._shown = key
        self._remember(snapshot, now)

        notes = [note for note in (stale, marks_stale and f"marks {marks_stale}") if note]
        title = "Positions"
        if valuation.totals.flat:
            title += f" · {valuation.totals.flat} flat"
        if pnl is not None:
            title += f" · journal Δ {len(differing)} vs exchange" if differing else " · journal ✓"
        apply_feed_state(self, title, " · ".join(notes) if notes else None)
        # Only portfolio staleness greys the pane; stale marks are named, not greyed.
        self.set_class(stale is not None, "-stale")

        styled = stale is None
        rows: list[tuple[str, tuple[Text, ...]]] = []
        for value in valuation.rows:
            check = "" if pnl is None else ("Δ" if value.ticker in differing else "✓")
            rows.append((value.ticker, (*self._row(value, styled), Text(check))))
        rows.append((TOTAL_KEY, (*self._total_row(valuation.totals, styled), Text(""))))
        self.fill(rows)

    def _style(self, component: str, styled: bool) -> Style:
        """A component class's style (theme colours from DEFAULT_CSS), or none while stale."""
        return self.get_component_rich_style(component) if styled else Style.null()

    def _pnl(self, amount: Decimal | None, styled: bool) -> Text:
        """A signed P&L cell, green above zero and red below."""
        text = fmt.signed_dollars(amount)
        if amount is None or amount == 0:
            return Text(text, justify="right")
        component = "positions--gain" if amount > 0 else "positions--loss"
        return Text(text, style=self._style(component, styled), justify="right")

    def _row(self, value: PositionValue, styled: bool) -> tuple[Text, ...]:
        if value.contracts == 0:
            flat = self._style("positions--flat", styled)
            return (
                Text(value.ticker, style=flat),
                Text("flat", style=flat),
                Text("0", justify="right", style=flat),
                Text(fmt.MISSING, justify="right", style=flat),
                Text(fmt.MISSING, justify="right", style=flat),
                Text(fmt.dollars(value.market_value), justify="right", style=flat),
                Text(fmt.signed_dollars(value.unrealized_pnl), justify="right", style=flat),
                self._pnl(value.realized_pnl, styled),
                Text(fmt.dollars(value.fees_paid), justify="right", style=flat),
            )
        side_style = self._style(f"positions--{value.side}", styled)
        return (
            Text(value.ticker),
            Text(value.side.upper(), style=side_style),
            Text(fmt.count(value.contracts), justify="right"),
            Text(fmt.cents(value.average_cost), justify="right"),
            Text(fmt.cents(value.mark), justify="right"),
            Text(fmt.dollars(value.market_value), justify="right"),
            self._pnl(value.unrealized_pnl, styled),
            self._pnl(value.realized_pnl, styled),
            Text(fmt.dollars(value.fees_paid), justify="right"),
        )

    def _total_row(self, totals: ValuationTotals, styled: bool) -> tuple[Text, ...]:
        bold = self._style("positions--total", styled)
        unmarked = f"{totals.unmarked} unmarked" if totals.unmarked else ""
        row = (
            Text("TOTAL", style=bold),
            Text(""),
            Text(""),
            Text(""),
            Text(unmarked, justify="right"),
            Text(fmt.dollars(totals.market_value), justify="right"),
            self._pnl(totals.unrealized_pnl, styled),
            self._pnl(totals.realized_pnl, styled),
            Text(fmt.dollars(totals.fees_paid), justify="right"),
        )
        for cell in row[5:]:
            cell.stylize(bold)
        return row
