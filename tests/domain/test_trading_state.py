"""The trading-state machine: halts always succeed, only a clean re-arm leaves HALTED."""

from __future__ import annotations

import pytest

from kalshi_tui.domain.store import TradingMode, TradingState
from kalshi_tui.domain.trading_state import Refusal, activate, halt, rearm, reduce

ACTIVE = TradingState()
REDUCING = TradingState(TradingMode.REDUCING, "near the loss limit", 10.0)
HALTED = TradingState(TradingMode.HALTED, "daily_loss: down $100", 20.0)


@pytest.mark.parametrize("state", [ACTIVE, REDUCING])
def test_halt_works_from_every_mode(state: TradingState) -> None:
    assert halt(state, "ctrl+k", 30.0) == TradingState(TradingMode.HALTED, "ctrl+k", 30.0)


def test_a_second_halt_keeps_the_first_cause() -> None:
    assert halt(HALTED, "drawdown", 40.0) is HALTED


def test_halt_without_words_still_halts() -> None:
    assert halt(ACTIVE, "  ", 1.0).mode is TradingMode.HALTED


def test_active_and_reducing_switch_with_a_reason() -> None:
    state = reduce(ACTIVE, "close out", 5.0)
    assert state == TradingState(TradingMode.REDUCING, "close out", 5.0)
    assert isinstance(state, TradingState)
    assert activate(state, "done", 6.0) == TradingState(TradingMode.ACTIVE, "done", 6.0)
    assert reduce(REDUCING, "again", 7.0) is REDUCING
    assert activate(ACTIVE, "again", 7.0) is ACTIVE


def test_switching_needs_a_reason() -> None:
    refusal = reduce(ACTIVE, "", 1.0)
    assert isinstance(refusal, Refusal)
    assert refusal.code == "reason_required"


@pytest.mark.parametrize("move", [reduce, activate])
def test_only_rearm_leaves_halted(move: object) -> None:
    refusal = move(HALTED, "try", 50.0)  # type: ignore[operator]
    assert isinstance(refusal, Refusal)
    assert refusal.code == "halted"
    assert "re-arm" in str(refusal)


def test_rearm_from_halted() -> None:
    state = rearm(
        HALTED, "checked the book", 60.0, unknown_orders=0, reconciliation_unresolved=None
    )
    assert state == TradingState(TradingMode.ACTIVE, "checked the book", 60.0)
    reducing = rearm(
        HALTED,
        "wind down",
        60.0,
        unknown_orders=0,
        reconciliation_unresolved=None,
        to=TradingMode.REDUCING,
    )
    assert isinstance(reducing, TradingState)
    assert reducing.mode is TradingMode.REDUCING


def test_rearm_is_refused_while_an_order_is_unknown() -> None:
    refusal = rearm(HALTED, "go", 60.0, unknown_orders=1, reconciliation_unresolved=None)
    assert isinstance(refusal, Refusal)
    assert refusal.code == "unknown_orders"
    assert "1 order(s) are UNKNOWN" in refusal.message


def test_rearm_is_refused_while_reconciliation_is_unresolved() -> None:
    refusal = rearm(
        HALTED, "go", 60.0, unknown_orders=0, reconciliation_unresolved="EV-A: journal 5, exch 7"
    )
    assert isinstance(refusal, Refusal)
    assert refusal.code == "reconciliation_unresolved"
    assert "EV-A: journal 5, exch 7" in refusal.message


@pytest.mark.parametrize(
    ("state", "reason", "to", "code"),
    [
        (ACTIVE, "go", TradingMode.ACTIVE, "not_halted"),
        (HALTED, "", TradingMode.ACTIVE, "reason_required"),
        (HALTED, "go", TradingMode.HALTED, "bad_target"),
    ],
)
def test_rearm_refusals(state: TradingState, reason: str, to: TradingMode, code: str) -> None:
    refusal = rearm(state, reason, 1.0, unknown_orders=0, reconciliation_unresolved=None, to=to)
    assert isinstance(refusal, Refusal)
    assert refusal.code == code
