"""What the kill switch reports and checks: the halt report, the resume refusals, the
persisted halt at start-up and the wording used by the app, `doctor` and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kalshi_tui.domain.store import Store, TradingMode, TradingState
from kalshi_tui.journal import Journal
from kalshi_tui.journal.records import HaltState


class ResumeRefused(Exception):
    """Re-arming is not safe yet; `problems` says why and what to do."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class HaltReport:
    """What a halt's clean-up achieved."""

    cancelled: int
    elapsed: float
    """Seconds from the trigger to verification (or to giving up at the timeout)."""
    verified: bool
    resting: int | None
    """Resting orders in the last listing (None: the exchange was never reached)."""
    fills_recorded: int
    attempts: int
    last_error: str
    durable: bool

    def summary(self) -> str:
        state = "VERIFIED: zero resting orders" if self.verified else "UNVERIFIED"
        text = f"{state}; cancelled {self.cancelled} order(s) in {self.elapsed:.3f} s"
        if self.fills_recorded:
            text += f"; {self.fills_recorded} fill(s) that raced the cancels recorded"
        if not self.verified:
            left = "unknown" if self.resting is None else str(self.resting)
            text += f"; resting orders left: {left}; last error: {self.last_error or 'none'}"
        if not self.durable:
            text += "; WARNING: the halt could not be written to the journal"
        return text


def resume_problems(journal: Journal, unacknowledged_findings: int = 0) -> list[str]:
    """Why re-arming must wait ([] when it may go ahead)."""
    problems: list[str] = []
    unresolved = journal.unresolved_intents()
    if unresolved:
        ids = ", ".join(intent.client_order_id for intent in unresolved[:5])
        more = f" (+{len(unresolved) - 5} more)" if len(unresolved) > 5 else ""
        problems.append(
            f"{len(unresolved)} order intent(s) have an unknown outcome ({ids}{more}); "
            "let reconciliation resolve them against the exchange first"
        )
    if unacknowledged_findings:
        problems.append(
            f"{unacknowledged_findings} reconciliation finding(s) are unacknowledged; "
            "review and acknowledge them first"
        )
    return problems


def apply_persisted_halt(journal: Journal, store: Store) -> HaltState:
    """At start-up: come up HALTED when the journal says so (the watcher then re-runs
    the clean-up, since a crash may have interrupted the last one)."""
    state = journal.halt_state()
    if state.halted:
        since = state.at.timestamp() if state.at is not None else store.now()
        store.update(trading=TradingState(TradingMode.HALTED, describe_halt(state), since))
    return state


def describe_halt(state: HaltState) -> str:
    """`daily_loss: loss limit (value 612, threshold 500)` style text."""
    text = f"{state.trigger or 'halt'}: {state.reason or 'no reason given'}"
    if state.value is not None and state.threshold is not None:
        text += f" (value {state.value}, threshold {state.threshold})"
    return text


def open_risk(store: Store) -> Decimal:
    """Dollars at risk now: positions' cost basis plus resting orders' cost."""
    snapshot = store.snapshot
    held = sum((abs(p.market_exposure) for p in snapshot.positions), Decimal(0))
    resting = sum((o.price * o.remaining_count for o in snapshot.orders), Decimal(0))
    return held + resting


def halt_time(state: HaltState) -> str:
    """The halt's time for messages: ISO seconds in UTC, or "unknown"."""
    at: datetime | None = state.at
    return "unknown time" if at is None else at.strftime("%Y-%m-%d %H:%M:%S UTC")
