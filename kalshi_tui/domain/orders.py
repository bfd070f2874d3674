"""An order as the trader means it, before anything is signed: the unit the pre-trade risk
gate judges and the order service journals and sends.

`OrderDraft` is minted when the ticket opens (its `client_order_id` never changes after
that, so a double Enter is one order) and is converted to the wire request only after the
gate has approved it and the journal has recorded the intent durably.

The gate's contract lives here so the order service and the risk layer agree on it:
`PreTradeGate` is any callable that takes a draft and returns `None` to approve, or a
`Denial` saying why not, with the numbers involved. A denial is a value, never an
exception, and never touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from kalshi_tui.domain.models import Action, Side

TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A limit order in trader terms. `price` is the price of `side` (YES or NO), dollars."""

    client_order_id: str
    ticker: str
    side: Side
    action: Action
    price: Decimal
    count: Decimal
    time_in_force: TimeInForce = "good_till_canceled"
    post_only: bool = False
    reduce_only: bool = False

    @property
    def yes_price(self) -> Decimal:
        """The order's price on the YES scale (the book's single price axis)."""
        return self.price if self.side == "yes" else ONE - self.price

    @property
    def is_yes_bid(self) -> bool:
        """True when the order profits from YES (buy YES or sell NO)."""
        return (self.side == "yes") == (self.action == "buy")

    @property
    def notional(self) -> Decimal:
        """Worst-case cost of the order: price × count of the side bought or sold."""
        return self.price * self.count


@dataclass(frozen=True, slots=True)
class Denial:
    """Why the risk gate refused an order: a stable code, a sentence, and the numbers."""

    code: str
    """Stable reason code, e.g. ``max_order_contracts`` or ``halted``."""
    message: str
    value: Decimal | None = None
    """The measured quantity that breached (contracts, dollars, cents …)."""
    limit: Decimal | None = None
    """The configured limit it was compared with."""

    def __str__(self) -> str:
        return self.message


class PreTradeGate(Protocol):
    """The pre-trade check every order passes before it is journaled or signed.

    Calling the gate is a submission: a gate with state (the risk gate's submit-rate
    window) records the approval. A gate like that also offers `check(draft)`, the same
    verdict without recording anything; `dry_run` uses it.
    """

    def __call__(self, draft: OrderDraft) -> Denial | None: ...


def dry_run(gate: PreTradeGate, draft: OrderDraft) -> Denial | None:
    """The gate's verdict on `draft` now, recording nothing: its `check` method when it has
    one, else the gate itself (a gate without `check` keeps no state)."""
    check = getattr(gate, "check", None)
    verdict: Denial | None = check(draft) if callable(check) else gate(draft)
    return verdict
