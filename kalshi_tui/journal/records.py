"""What the journal hands back: intent, order, event and halt records, and its error type.

Fills and settlements come back as the domain's own `Fill` and `Settlement`; the records
here cover what only the journal knows (an intent's lifecycle, whether an order was
adopted, the event log, the persisted halt).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kalshi_tui.domain.models import Action, Order, Side


class JournalError(Exception):
    """The journal cannot be used as asked: unreadable file, unknown schema, bad transition.

    The message always says which file and what the user (or caller) should do.
    """

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        self.path = path
        super().__init__(message)


class JournalDamaged(JournalError):
    """The journal is missing, empty, another one, has lost committed writes, or has
    damaged pages: kalshi-tui refuses it (see `kalshi-tui journal --accept | --new`)."""


class IntentState(enum.StrEnum):
    """Where one order intent is in its life.

    `pending` → `sent` → `acked` → `filled` | `canceled`; `sent` → `rejected` on a definite
    refusal; `pending`/`sent` → `unknown` on any ambiguous outcome, then `resolve_unknown`
    moves it to `acked`/`filled`/`canceled` (the exchange has it) or `not_placed` (it does
    not). `withdrawn` is an intent dropped before it was sent.

    At start-up `pending` and `sent` intents are as uncertain as `unknown` ones: the
    process may have died after the request left but before the outcome was journaled.
    """

    PENDING = "pending"
    SENT = "sent"
    ACKED = "acked"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    CANCELED = "canceled"
    FILLED = "filled"
    NOT_PLACED = "not_placed"
    WITHDRAWN = "withdrawn"


UNRESOLVED_STATES = frozenset({IntentState.PENDING, IntentState.SENT, IntentState.UNKNOWN})
"""States whose outcome at the exchange is not known; nothing may be resent meanwhile."""

TERMINAL_STATES = frozenset(
    {
        IntentState.REJECTED,
        IntentState.CANCELED,
        IntentState.FILLED,
        IntentState.NOT_PLACED,
        IntentState.WITHDRAWN,
    }
)

# The only transitions the journal accepts. Anything else is a bug in the caller (for
# example acknowledging an intent that was already rejected) and raises JournalError
# instead of quietly rewriting history.
TRANSITIONS: dict[IntentState, frozenset[IntentState]] = {
    IntentState.PENDING: frozenset(
        {
            IntentState.SENT,
            IntentState.UNKNOWN,
            IntentState.REJECTED,
            IntentState.WITHDRAWN,
            IntentState.ACKED,
            IntentState.FILLED,
            IntentState.CANCELED,
            IntentState.NOT_PLACED,
        }
    ),
    IntentState.SENT: frozenset(
        {
            IntentState.ACKED,
            IntentState.FILLED,
            IntentState.CANCELED,
            IntentState.REJECTED,
            IntentState.UNKNOWN,
            IntentState.NOT_PLACED,
        }
    ),
    IntentState.UNKNOWN: frozenset(
        {IntentState.ACKED, IntentState.FILLED, IntentState.CANCELED, IntentState.NOT_PLACED}
    ),
    IntentState.ACKED: frozenset({IntentState.FILLED, IntentState.CANCELED}),
    IntentState.REJECTED: frozenset(),
    IntentState.CANCELED: frozenset(),
    IntentState.FILLED: frozenset(),
    IntentState.NOT_PLACED: frozenset(),
    IntentState.WITHDRAWN: frozenset(),
}


class EventKind(enum.StrEnum):
    """Kinds the journal itself writes. `record_event` also accepts any other string."""

    INTENT = "intent"
    REQUEST = "request"
    ACK = "ack"
    REJECT = "reject"
    UNKNOWN = "unknown"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    ORDER = "order"
    ADOPTED = "adopted"
    CANCEL = "cancel"
    AMEND = "amend"
    AMEND_INTENT = "amend_intent"
    AMEND_RESULT = "amend_result"
    FILL = "fill"
    FILL_CONFLICT = "fill_conflict"
    SETTLEMENT = "settlement"
    RISK_DENIAL = "risk_denial"
    HALT = "halt"
    RESUME = "resume"
    RECONCILIATION = "reconciliation"
    MIGRATION = "migration"


@dataclass(frozen=True, slots=True)
class IntentRecord:
    """One journaled order intent and what became of it."""

    client_order_id: str
    ticker: str
    side: Side
    action: Action
    price: Decimal
    """Price of `side` in dollars."""
    count: Decimal
    tif: str
    """good_till_canceled, immediate_or_cancel or fill_or_kill."""
    flags: dict[str, Any]
    """Order flags as sent (post_only, reduce_only, expiration_time, …)."""
    created_at: datetime
    updated_at: datetime
    state: IntentState
    order_id: str | None
    reject_code: str | None
    reject_message: str | None
    unknown_reason: str | None
    resolution: str | None
    """How an unknown outcome was settled (e.g. "found by client_order_id")."""

    @property
    def is_unresolved(self) -> bool:
        return self.state in UNRESOLVED_STATES


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An exchange order the journal knows, and how it came to know it."""

    order: Order
    adopted: bool
    """True for an order the exchange had that no intent of ours created (an orphan the
    reconciler took over); False for orders acknowledged from our own intents."""
    intent_id: str | None
    """client_order_id of the intent that placed it; None when adopted."""
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One row of the append-only event log."""

    seq: int
    kind: str
    at: datetime
    client_order_id: str | None
    order_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HaltState:
    """The persisted kill-switch state. Survives restarts until explicitly cleared."""

    halted: bool
    trigger: str | None
    """What halted trading: "manual", "remote", "daily_loss", …"""
    value: Decimal | None
    """The measured value that tripped an automatic trigger."""
    threshold: Decimal | None
    reason: str | None
    at: datetime | None
    """When the state last changed; None if it never has."""


NOT_HALTED = HaltState(halted=False, trigger=None, value=None, threshold=None, reason=None, at=None)
