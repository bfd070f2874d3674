"""The journal's P&L as the panes show it (published by `services/pnl.py`). Pure values."""

from __future__ import annotations

from dataclasses import dataclass, field

from kalshi_tui.domain.pnl_report import Difference, PnlTotals, PositionPnl


@dataclass(frozen=True, slots=True)
class PnlView:
    """The journal's P&L as the panes show it, with its disagreements with the exchange."""

    positions: tuple[PositionPnl, ...]
    totals: PnlTotals
    differences: tuple[Difference, ...] = ()
    """Where the journal and the exchange disagree (empty: they agree to the cent)."""
    fills: int = 0
    """Fills the book holds."""
    as_of: float = 0.0
    by_ticker: dict[str, PositionPnl] = field(default_factory=dict, compare=False)

    def position(self, ticker: str) -> PositionPnl | None:
        return self.by_ticker.get(ticker)
