"""The trading-state machine: ACTIVE ↔ REDUCING, anything → HALTED, HALTED → re-arm only.

Each transition is a pure function from the current `TradingState` (the store's) to
either the new state or a `Refusal` saying why not. The caller persists and publishes the
new state; nothing here does I/O.

- `halt` always succeeds, from any mode. Halting an already halted account keeps the first
  reason and time: the cause worth showing is what stopped trading, not the echo.
- `reduce` and `activate` move between ACTIVE and REDUCING; neither leaves HALTED.
- `rearm` is the only way out of HALTED. It needs a reason (it is journaled) and is refused
  while any order is UNKNOWN (sent, outcome unclear) or reconciliation with the exchange is
  unresolved: re-arming then could double an order or trade on a wrong position.
"""

from __future__ import annotations

from dataclasses import dataclass

from kalshi_tui.domain.store import TradingMode, TradingState


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a transition was refused: a stable code and a sentence for the trader."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def _needs_reason(reason: str) -> Refusal | None:
    if not reason.strip():
        return Refusal("reason_required", "give a reason; it is written to the journal")
    return None


def halt(state: TradingState, reason: str, now: float) -> TradingState:
    """Enter HALTED (idempotent: an existing halt keeps its reason and time)."""
    if state.mode is TradingMode.HALTED:
        return state
    return TradingState(TradingMode.HALTED, reason.strip() or "halted", now)


def reduce(state: TradingState, reason: str, now: float) -> TradingState | Refusal:
    """ACTIVE → REDUCING: only orders that shrink a position are accepted."""
    if state.mode is TradingMode.HALTED:
        return Refusal("halted", "trading is HALTED; re-arm to leave it")
    if state.mode is TradingMode.REDUCING:
        return state
    return _needs_reason(reason) or TradingState(TradingMode.REDUCING, reason.strip(), now)


def activate(state: TradingState, reason: str, now: float) -> TradingState | Refusal:
    """REDUCING → ACTIVE. HALTED is left only by `rearm`."""
    if state.mode is TradingMode.HALTED:
        return Refusal("halted", "trading is HALTED; re-arm to leave it")
    if state.mode is TradingMode.ACTIVE:
        return state
    return _needs_reason(reason) or TradingState(TradingMode.ACTIVE, reason.strip(), now)


def rearm(
    state: TradingState,
    reason: str,
    now: float,
    *,
    unknown_orders: int,
    reconciliation_unresolved: str | None,
    to: TradingMode = TradingMode.ACTIVE,
) -> TradingState | Refusal:
    """HALTED → `to` (ACTIVE or REDUCING), refused while anything is unresolved.

    `unknown_orders` counts orders whose outcome is unknown; `reconciliation_unresolved`
    describes an open mismatch with the exchange, or is None when reconciled.
    """
    if state.mode is not TradingMode.HALTED:
        return Refusal("not_halted", f"trading is {state.mode.value}, not HALTED")
    if to is TradingMode.HALTED:
        return Refusal("bad_target", "re-arm into ACTIVE or REDUCING")
    refusal = _needs_reason(reason)
    if refusal is not None:
        return refusal
    if unknown_orders > 0:
        return Refusal(
            "unknown_orders",
            f"{unknown_orders} order(s) are UNKNOWN; resolve them against the exchange first",
        )
    if reconciliation_unresolved:
        return Refusal(
            "reconciliation_unresolved",
            f"reconciliation is unresolved: {reconciliation_unresolved}",
        )
    return TradingState(to, reason.strip(), now)
