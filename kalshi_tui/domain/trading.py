"""What the order service and the reconciler publish for the panes: orders whose outcome is
not known yet, and reconciliation findings. Pure values, no I/O.

`PendingOrder` is an intent the exchange has not confirmed (in flight, UNKNOWN, or left
unresolved by a crash); the UI shows these as such. A `Finding` is one difference between
the journal and the exchange; an unacknowledged blocking finding stops new orders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from kalshi_tui.domain.models import Action, Side


@dataclass(frozen=True, slots=True)
class PendingOrder:
    """An order intent whose outcome at the exchange is not known yet."""

    client_order_id: str
    ticker: str
    side: Side
    action: Action
    price: Decimal
    count: Decimal
    state: str
    """pending, sent or unknown."""
    in_flight: bool
    """True while this process is waiting for the exchange's answer; False for an UNKNOWN
    order (or one left by a crash) that is being looked up."""
    reason: str = ""
    """Why the outcome is unknown (timeout, reset, 5xx …), when it is."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One difference between the journal and the exchange."""

    finding_id: str
    """Stable for the same difference, so a repeated check does not flag it twice."""
    kind: str
    """adopted_order, missing_order, late_order, position_mismatch, fill_count_mismatch."""
    message: str
    ticker: str | None = None
    order_id: str | None = None
    blocking: bool = True
    """An unacknowledged blocking finding stops new orders."""
    acknowledged: bool = False
    at: float = 0.0
    """Wall-clock time (Unix seconds) it was first flagged."""

    def acknowledge(self) -> Finding:
        return replace(self, acknowledged=True)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The reconciler's latest view: findings so far and when it last ran."""

    findings: tuple[Finding, ...] = ()
    last_run: float | None = None
    """Wall-clock time of the last completed comparison; None before the first."""
    runs: int = 0

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Findings that stop new orders until the user acknowledges them."""
        return tuple(f for f in self.findings if f.blocking and not f.acknowledged)

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.finding_id == finding_id), None)
