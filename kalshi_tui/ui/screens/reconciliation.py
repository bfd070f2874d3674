"""The reconciliation view: every difference the reconciler found between the journal and
the exchange, newest first, and a key to acknowledge the highlighted one.

An unacknowledged blocking finding stops new orders; acknowledging it (journaled by the
reconciler) is the trader saying "I have looked at this and it is explained".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.trading import Finding, Reconciliation


class ReconciliationScreen(ModalScreen[None]):
    """Findings of the reconciler; `a` acknowledges the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Acknowledge", id="reconciliation.acknowledge"),
        Binding("escape,r", "close", "Close", id="reconciliation.close"),
    ]

    DEFAULT_CSS = """
    ReconciliationScreen {
        align: center middle;
    }
    ReconciliationScreen > Vertical {
        width: 90%;
        height: 80%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    ReconciliationScreen DataTable {
        height: 1fr;
    }
    ReconciliationScreen .-heading {
        text-style: bold;
    }
    ReconciliationScreen .-hint {
        color: $text-muted;
    }
    """

    def __init__(
        self,
        current: Callable[[], Reconciliation],
        acknowledge: Callable[[str], None],
    ) -> None:
        super().__init__()
        self._current = current
        self._acknowledge = acknowledge
        self._shown: tuple[Finding, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Reconciliation", classes="-heading", id="reconciliation-heading")
            yield DataTable(id="findings", cursor_type="row")
            yield Label("a acknowledges the highlighted finding · Esc closes", classes="-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Seen", "Kind", "Market", "Finding", "State")
        self.refresh_findings()
        table.focus()
        self.set_interval(1.0, self.refresh_findings)

    def refresh_findings(self) -> None:
        """Redraw from the reconciler's latest view (keeps the cursor on its finding)."""
        reconciliation = self._current()
        findings = tuple(sorted(reconciliation.findings, key=lambda f: -f.at))
        if findings == self._shown:
            return
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        now = time.time()
        for finding in findings:
            if finding.acknowledged:
                state = "acknowledged"
            elif finding.blocking:
                state = "BLOCKS ORDERS"
            else:
                state = "noted"
            table.add_row(
                fmt.age(now - finding.at) if finding.at else "—",
                finding.kind.replace("_", " "),
                Text(finding.ticker or "—"),
                Text(finding.message),
                state,
                key=finding.finding_id,
            )
        self._shown = findings
        if findings:
            table.move_cursor(row=min(keep, len(findings) - 1))
        blocking = len(reconciliation.blocking)
        last = (
            "never run"
            if reconciliation.last_run is None
            else f"last run {fmt.age(now - reconciliation.last_run)} ago"
        )
        heading = f"Reconciliation · {len(findings)} findings, {blocking} blocking · {last}"
        self.query_one("#reconciliation-heading", Label).update(heading)

    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted finding (journaled)."""
        if not self._shown:
            return
        table = self.query_one(DataTable)
        finding = self._shown[min(table.cursor_row, len(self._shown) - 1)]
        if not finding.acknowledged:
            self._acknowledge(finding.finding_id)
        self.refresh_findings()

    def action_close(self) -> None:
        """Back to trading."""
        self.dismiss(None)
