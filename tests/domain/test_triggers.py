"""Automatic halt triggers: each fires on the first evaluation that sees the breach, and
not below its threshold."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

import pytest
from risk_world import NOW, health, position, resting, snapshot

from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.triggers import (
    Trigger,
    TriggerInput,
    TriggerState,
    build_trigger_input,
    evaluate,
)

D = Decimal
LIMITS = RiskLimits()
START = D("1000.00")


def started(equity: Decimal = START) -> TriggerState:
    state, fired = evaluate(TriggerState(), TriggerInput(now=NOW, equity=equity), LIMITS)
    assert fired is None
    return state


def once(inp: TriggerInput, state: TriggerState | None = None) -> Trigger | None:
    return evaluate(state or started(), inp, LIMITS)[1]


def fired(inp: TriggerInput, name: str, state: TriggerState | None = None) -> Trigger:
    trigger = once(inp, state)
    assert trigger is not None, f"{name} did not fire"
    assert trigger.name == name, trigger
    return trigger


def quiet(**fields: object) -> TriggerInput:
    return dataclasses.replace(TriggerInput(now=NOW + 5, equity=START), **fields)  # type: ignore[arg-type]


def test_nothing_fires_on_a_quiet_account() -> None:
    assert once(quiet()) is None


def test_daily_loss_fires_at_the_limit() -> None:
    assert once(quiet(equity=START - D("99.99"))) is None
    trigger = fired(quiet(equity=START - D("100.00")), "daily_loss")
    assert (trigger.value, trigger.threshold) == (D("100.00"), D("100.00"))


def test_daily_loss_resets_at_utc_midnight() -> None:
    midnight = datetime.fromtimestamp(NOW, UTC).replace(hour=0, minute=0, second=0)
    next_day = midnight.timestamp() + 86_400 + 1
    state = started()
    # Yesterday's loss does not count today: the day starts from the equity seen first.
    state, trigger = evaluate(state, TriggerInput(now=next_day, equity=START - 150), LIMITS)
    assert trigger is None
    assert state.day_start_equity == START - 150
    trigger = evaluate(state, TriggerInput(now=next_day + 1, equity=START - 250), LIMITS)[1]
    assert trigger is not None
    assert trigger.name == "daily_loss"


def test_drawdown_from_the_session_peak() -> None:
    limits = dataclasses.replace(LIMITS, daily_loss_limit_dollars=D(1000))
    state, _ = evaluate(started(), quiet(equity=START + 150), limits)
    assert state.peak_equity == START + 150
    assert evaluate(state, quiet(equity=START - D("49.99")), limits)[1] is None
    trigger = evaluate(state, quiet(equity=START - 50), limits)[1]
    assert trigger is not None
    assert trigger.name == "drawdown"
    assert (trigger.value, trigger.threshold) == (D(200), D("200.00"))


def test_drawdown_counts_a_peak_carried_in_the_state() -> None:
    limits = dataclasses.replace(LIMITS, daily_loss_limit_dollars=D(1000))
    _state, trigger = evaluate(TriggerState(peak_equity=START + 200), quiet(equity=START), limits)
    assert trigger is not None
    assert trigger.name == "drawdown"


def test_unknown_equity_skips_money_triggers() -> None:
    assert once(quiet(equity=None)) is None


def test_position_over_its_limit() -> None:
    assert once(quiet(positions=MappingProxyType({"EV-A": D(-500)}))) is None
    trigger = fired(
        quiet(positions=MappingProxyType({"EV-A": D(-501), "EV-B": D(3)})), "position_limit"
    )
    assert (trigger.value, trigger.threshold) == (D(501), D(500))
    assert "EV-A" in trigger.message


def test_consecutive_errors() -> None:
    assert once(quiet(consecutive_errors=4)) is None
    trigger = fired(quiet(consecutive_errors=5), "consecutive_errors")
    assert (trigger.value, trigger.threshold) == (D(5), D(5))


def test_unknown_order_unresolved_too_long() -> None:
    since = MappingProxyType({"c-1": NOW + 5 - 30, "c-2": NOW})
    assert once(quiet(unknown_since=since)) is None
    since = MappingProxyType({"c-1": NOW + 5 - 30.5, "c-2": NOW})
    trigger = fired(quiet(unknown_since=since), "unknown_order")
    assert (trigger.value, trigger.threshold) == (D("30.5"), D("30.0"))
    assert "c-1" in trigger.message


def test_reconciliation_mismatch() -> None:
    trigger = fired(quiet(reconciliation_mismatch="EV-A: 5 held, exchange 7"), "reconciliation")
    assert "EV-A" in trigger.message


def test_journal_write_failure() -> None:
    trigger = fired(quiet(journal_error="disk I/O error"), "journal_failure")
    assert trigger.message == "disk I/O error"


@pytest.mark.parametrize("skew", [2.5, -2.5])
def test_clock_skew(skew: float) -> None:
    assert once(quiet(clock_skew_seconds=2.0)) is None
    assert once(quiet(clock_skew_seconds=-2.0)) is None
    trigger = fired(quiet(clock_skew_seconds=skew), "clock_skew")
    assert (trigger.value, trigger.threshold) == (D("2.5"), D("2.0"))


def test_stale_data() -> None:
    assert once(quiet(feed_ages=MappingProxyType({"portfolio": 120.0}))) is None
    ages = MappingProxyType({"portfolio": 121.0, "markets": 3.0})
    trigger = fired(quiet(feed_ages=ages), "stale_data")
    assert (trigger.value, trigger.threshold) == (D("121.0"), D("120.0"))
    assert "portfolio" in trigger.message


def test_the_most_serious_trigger_is_reported_first() -> None:
    inp = quiet(journal_error="disk full", consecutive_errors=9, equity=START - 500)
    assert fired(inp, "journal_failure").message == "disk full"


# --- from a snapshot -----------------------------------------------------------------------


def test_equity_adds_back_collateral_locked_by_resting_orders() -> None:
    # Resting: buy 10 YES at 0.40 locks $4 plus its $0.17 taker fee; selling 5 of the 20
    # YES held locks only its $0.09 fee; the exchange values the 20 YES held at $8.
    snap = snapshot(
        cash="96.00",
        portfolio_value="8.00",
        positions=[position("EV-A", "20", "8.00")],
        orders=[
            resting("EV-A", "yes", "buy", "0.40", "10", "o1"),
            resting("EV-A", "yes", "sell", "0.45", "5", "o2"),
        ],
    )
    inp = build_trigger_input(snap, NOW, session_start=NOW - 100)
    assert inp.equity == D("96.00") + D("4.00") + D("0.17") + D("0.09") + D("8.00")
    assert inp.positions == {"EV-A": D(20)}


def test_feed_ages_come_from_health_and_session_start() -> None:
    health_map = MappingProxyType(
        {"exchange": health(5.0), "markets": health(None), "portfolio": health(130.0)}
    )
    snap = snapshot(health_map=health_map)
    inp = build_trigger_input(snap, NOW, session_start=NOW - 60)
    assert dict(inp.feed_ages) == {"exchange": 5.0, "markets": 60.0, "portfolio": 130.0}
    trigger = once(inp, started())
    assert trigger is not None
    assert trigger.name == "stale_data"


def test_no_balance_means_no_equity_not_zero() -> None:
    inp = build_trigger_input(snapshot(cash=None), NOW, session_start=NOW)
    assert inp.equity is None


def test_service_inputs_pass_through() -> None:
    inp = build_trigger_input(
        snapshot(),
        NOW,
        session_start=NOW,
        consecutive_errors=3,
        unknown_since={"c-9": NOW - 1},
        reconciliation_mismatch="x",
        clock_skew_seconds=0.4,
        journal_error="y",
    )
    assert (inp.consecutive_errors, dict(inp.unknown_since)) == (3, {"c-9": NOW - 1})
    assert (inp.reconciliation_mismatch, inp.clock_skew_seconds, inp.journal_error) == (
        "x",
        0.4,
        "y",
    )
