"""The trade-history screen: the journal's most recent fills and settlements.

It shows what `kalshi-tui export` writes, newest first, capped to the most recent
`LIMIT` rows of each (a stock `DataTable` is comfortable at that size; the full
history is one `export` away). Times are UTC like the export; money is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Fill, Settlement

LIMIT = 500
"""Rows of each kind shown; the export has everything."""

HistoryRows = tuple[Sequence[Fill], Sequence[Settlement]]
"""(fills, settlements), newest first."""


class HistoryScreen(ModalScreen[None]):
    """Recent fills and settlements from the journal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,h", "close", "Close", id="history.close"),
    ]

    DEFAULT_CSS = """
    HistoryScreen {
        align: center middle;
    }
    HistoryScreen > Vertical {
        width: 90%;
        height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    HistoryScreen DataTable {
        height: 1fr;
    }
    HistoryScreen .-heading {
        text-style: bold;
        margin-top: 1;
    }
    HistoryScreen .-hint {
        color: $text-muted;
    }
    """

    def __init__(self, load: Callable[[], HistoryRows]) -> None:
        super().__init__()
        self._load = load

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Fills (newest first)", classes="-heading", id="fills-heading")
            yield DataTable(id="history-fills", cursor_type="row", zebra_stripes=True)
            yield Label("Settlements", classes="-heading", id="settlements-heading")
            yield DataTable(id="history-settlements", cursor_type="row")
            yield Label(
                "Esc closes · the full history: kalshi-tui export --out FILE.csv", classes="-hint"
            )

    def on_mount(self) -> None:
        try:
            fills, settlements = self._load()
        except Exception as exc:  # a broken journal is reported, never a traceback
            self.query_one("#fills-heading", Label).update(f"Could not read the journal: {exc}")
            return
        table = self.query_one("#history-fills", DataTable)
        table.add_columns("Time (UTC)", "Market", "Action", "Side", "Qty", "Price", "Fee", "Role")
        for fill in list(fills)[:LIMIT]:
            table.add_row(
                fill.created_time.strftime("%Y-%m-%d %H:%M:%S"),
                Text(fill.ticker),
                fill.action,
                fill.side.upper(),
                fmt.count(fill.count),
                fmt.cents(fill.price),
                fmt.exact_dollars(fill.fee),
                "taker" if fill.is_taker else "maker",
            )
        self.query_one("#fills-heading", Label).update(
            f"Fills (newest first, {min(len(fills), LIMIT)} of {len(fills)})"
        )
        done = self.query_one("#history-settlements", DataTable)
        # A settlement's fee is Kalshi's `fee_cost`: the trading fees already paid on the
        # market's fills, not a charge of its own; the heading says so.
        done.add_columns(
            "Settled (UTC)", "Market", "Result", "YES", "NO", "Revenue", "Trading fees paid"
        )
        for settlement in list(settlements)[:LIMIT]:
            done.add_row(
                settlement.settled_time.strftime("%Y-%m-%d %H:%M:%S"),
                Text(settlement.ticker),
                settlement.result,
                fmt.count(settlement.yes_count),
                fmt.count(settlement.no_count),
                fmt.dollars(settlement.revenue),
                fmt.dollars(settlement.fee),
            )
        table.focus()

    def action_close(self) -> None:
        """Back to the trading screen."""
        self.dismiss(None)
