"""Automatic halt triggers: one pure evaluation per cycle, the first trigger that fires.

The caller builds a `TriggerInput` from the store snapshot (`build_trigger_input`) plus
what only the services know (consecutive failures, UNKNOWN orders, reconciliation, clock
skew, journal health), and calls `evaluate(state, input, limits)`, which returns the new
`TriggerState` and the `Trigger` that fired, or None. A breach fires on the evaluation
that first sees it: there is no debounce.

Thresholds, and whether reaching them fires:

==================  ==================================================  ===========
name                value                                               fires when
==================  ==================================================  ===========
journal_failure     (flag) the journal could not write                  set
reconciliation      (flag) positions/orders disagree with the exchange  set
unknown_order       seconds the oldest UNKNOWN order has been unknown   > timeout
clock_skew          |exchange clock − local clock|, seconds             > limit
stale_data          age of the oldest watched feed, seconds             > limit
daily_loss          start-of-UTC-day equity − equity, dollars           ≥ limit
drawdown            session peak equity − equity, dollars               ≥ limit
position_limit      largest |position| in one market, contracts         > limit
consecutive_errors  consecutive rejected or failed order requests       ≥ limit
==================  ==================================================  ===========

Equity is available cash + collateral locked by resting orders + the exchange's value
of positions (`exposure.account_equity`), so its fall is realized plus unrealized loss
with fees included. The start-of-day equity and the session peak live in `TriggerState`
(explicit, so the wiring can seed the day's start from the journal after a restart).
Deposits and withdrawals move equity too; the wiring should reset the state when it
sees one. When equity is unknown (no balance yet) the two equity triggers are skipped
and `stale_data` covers the gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType

from kalshi_tui.domain.exposure import account_equity
from kalshi_tui.domain.risk_context import EXCHANGE, MARKETS, PORTFOLIO
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import Snapshot

WATCHED_FEEDS = (EXCHANGE, MARKETS, PORTFOLIO)
"""Feeds whose staleness halts trading (the order book follows the selection; it is
checked per order by the gate instead)."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """A halt trigger that fired: what, the measured value, the threshold, a sentence."""

    name: str
    value: Decimal
    threshold: Decimal
    message: str


@dataclass(frozen=True, slots=True)
class TriggerInput:
    """Everything one evaluation looks at."""

    now: float
    equity: Decimal | None
    positions: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    """Signed contracts per market."""
    feed_ages: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    """Seconds since each watched feed last succeeded (since session start if never)."""
    consecutive_errors: int = 0
    unknown_since: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    """client_order_id → when (Unix seconds) the order became UNKNOWN."""
    reconciliation_mismatch: str | None = None
    clock_skew_seconds: float | None = None
    journal_error: str | None = None


@dataclass(frozen=True, slots=True)
class TriggerState:
    """What the triggers remember between evaluations."""

    day: date | None = None
    day_start_equity: Decimal | None = None
    peak_equity: Decimal | None = None


def _num(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def _utc_day(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).date()


def advance(state: TriggerState, now: float, equity: Decimal | None) -> TriggerState:
    """Roll the day over at UTC midnight and raise the peak to the current equity."""
    if equity is None:
        return state
    today = _utc_day(now)
    if state.day != today or state.day_start_equity is None:
        state = replace(state, day=today, day_start_equity=equity)
    if state.peak_equity is None or equity > state.peak_equity:
        state = replace(state, peak_equity=equity)
    return state


def _flags(inp: TriggerInput, limits: RiskLimits) -> Trigger | None:
    if inp.journal_error is not None:
        return Trigger("journal_failure", Decimal(1), Decimal(0), inp.journal_error)
    if inp.reconciliation_mismatch is not None:
        return Trigger("reconciliation", Decimal(1), Decimal(0), inp.reconciliation_mismatch)
    if inp.unknown_since:
        oldest_id = min(inp.unknown_since, key=lambda k: inp.unknown_since[k])
        age = inp.now - inp.unknown_since[oldest_id]
        if age > limits.unknown_order_timeout_seconds:
            return Trigger(
                "unknown_order",
                _num(age),
                _num(limits.unknown_order_timeout_seconds),
                f"order {oldest_id} has been UNKNOWN for {age:.1f} s",
            )
    skew = inp.clock_skew_seconds
    if skew is not None and abs(skew) > limits.max_clock_skew_seconds:
        return Trigger(
            "clock_skew",
            _num(abs(skew)),
            _num(limits.max_clock_skew_seconds),
            f"local clock is {skew:+.1f} s off the exchange's",
        )
    if inp.feed_ages:
        feed = max(inp.feed_ages, key=lambda k: inp.feed_ages[k])
        age = inp.feed_ages[feed]
        if age > limits.stale_halt_seconds:
            return Trigger(
                "stale_data",
                _num(age),
                _num(limits.stale_halt_seconds),
                f"{feed} data is {age:.0f} s old",
            )
    return None


def _money(state: TriggerState, inp: TriggerInput, limits: RiskLimits) -> Trigger | None:
    if inp.equity is None:
        return None
    if state.day_start_equity is not None:
        loss = state.day_start_equity - inp.equity
        if loss >= limits.daily_loss_limit_dollars:
            return Trigger(
                "daily_loss",
                loss,
                limits.daily_loss_limit_dollars,
                f"down ${loss} today (fees included)",
            )
    if state.peak_equity is not None:
        drawdown = state.peak_equity - inp.equity
        if drawdown >= limits.max_drawdown_dollars:
            return Trigger(
                "drawdown",
                drawdown,
                limits.max_drawdown_dollars,
                f"equity ${inp.equity} is ${drawdown} below the session peak ${state.peak_equity}",
            )
    return None


def _trading(inp: TriggerInput, limits: RiskLimits) -> Trigger | None:
    if inp.positions:
        ticker = max(inp.positions, key=lambda k: abs(inp.positions[k]))
        size = abs(inp.positions[ticker])
        if size > limits.max_position_contracts:
            return Trigger(
                "position_limit",
                size,
                limits.max_position_contracts,
                f"{ticker} position of {size} contracts is over the limit",
            )
    if inp.consecutive_errors >= limits.max_consecutive_errors:
        return Trigger(
            "consecutive_errors",
            Decimal(inp.consecutive_errors),
            Decimal(limits.max_consecutive_errors),
            f"{inp.consecutive_errors} order requests in a row were rejected or failed",
        )
    return None


def evaluate(
    state: TriggerState, inp: TriggerInput, limits: RiskLimits
) -> tuple[TriggerState, Trigger | None]:
    """One cycle: the updated state and the first trigger that fired, or None."""
    state = advance(state, inp.now, inp.equity)
    fired = _flags(inp, limits) or _money(state, inp, limits) or _trading(inp, limits)
    return state, fired


def build_trigger_input(
    snapshot: Snapshot,
    now: float,
    *,
    session_start: float,
    consecutive_errors: int = 0,
    unknown_since: Mapping[str, float] | None = None,
    reconciliation_mismatch: str | None = None,
    clock_skew_seconds: float | None = None,
    journal_error: str | None = None,
    watched: Iterable[str] = WATCHED_FEEDS,
) -> TriggerInput:
    """The trigger input from the snapshot plus what the services track themselves."""
    ages: dict[str, float] = {}
    for name in watched:
        health = snapshot.health.get(name)
        last = None if health is None else health.last_success
        ages[name] = max(0.0, now - (session_start if last is None else last))
    equity = None
    if snapshot.balance is not None:
        positions = {p.ticker: p for p in snapshot.positions}
        equity = account_equity(snapshot.balance, positions, snapshot.orders)
    return TriggerInput(
        now=now,
        equity=equity,
        positions=MappingProxyType({p.ticker: p.contracts for p in snapshot.positions}),
        feed_ages=MappingProxyType(ages),
        consecutive_errors=consecutive_errors,
        unknown_since=MappingProxyType(dict(unknown_since or {})),
        reconciliation_mismatch=reconciliation_mismatch,
        clock_skew_seconds=clock_skew_seconds,
        journal_error=journal_error,
    )
