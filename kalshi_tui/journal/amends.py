"""Write-ahead for amends and decreases: the change is journaled durably before it is sent.

    intent = journal.record_amend_intent(order_id, ticker=…, kind="amend", price=…, count=…)
    … send …
    journal.record_amend(order_id, …, intent_seq=intent.seq)      # the exchange amended it
    journal.record_amend_result(intent.seq, order_id, "refused", "…")  # or it did not

An amend intent is an `amend_intent` event (fsynced, like an order intent). It is settled
by the `amend` event of the change (whose payload names the intent's `intent_seq`) or by an
`amend_result` event: `refused` (the exchange said no, or it was never sent) or `resolved`
(its outcome was unknown and the order has since been read back from the exchange). An
`amend_result` of `unknown` records an ambiguous answer and settles nothing. Whatever is not
settled when the terminal starts — it stopped between sending and journaling the answer —
is looked up by order id before trading resumes (`OrderService.resolve_amends`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, cast

from kalshi_tui.journal._codec import decode_optional_decimal, decode_payload, decode_time
from kalshi_tui.journal.fills import JournalFillWrites
from kalshi_tui.journal.records import EventKind

AmendKind = Literal["amend", "decrease"]
AmendOutcome = Literal["refused", "unknown", "resolved"]

SETTLING_OUTCOMES: tuple[AmendOutcome, ...] = ("refused", "resolved")
"""`amend_result` outcomes that settle an amend intent (`unknown` does not)."""


@dataclass(frozen=True, slots=True)
class AmendIntent:
    """One journaled change of a resting order, before (or without) its outcome."""

    seq: int
    """The `amend_intent` event's sequence number: the intent's id."""
    order_id: str
    ticker: str
    kind: AmendKind
    price: Decimal | None
    """An amend's new price of the order's side."""
    count: Decimal | None
    """An amend's new total count (filled plus resting)."""
    reduce_by: Decimal | None
    reduce_to: Decimal | None
    updated_client_order_id: str | None
    """The client_order_id an amend gives the order (how its landing is recognised)."""
    at: datetime


# An intent is settled by a later event on the same order naming its sequence number:
# the `amend` that applied it, or an `amend_result` that refused or resolved it. The
# events_by_order_id index keeps the lookup to that order's few events.
_UNRESOLVED = """
SELECT i.seq, i.order_id, i.at_us, i.payload FROM events AS i
WHERE i.kind = 'amend_intent' AND NOT EXISTS (
    SELECT 1 FROM events AS o
    WHERE o.order_id = i.order_id AND o.seq > i.seq
      AND (o.kind = 'amend' OR (o.kind = 'amend_result'
           AND json_extract(o.payload, '$.outcome') IN ('refused', 'resolved')))
      AND json_extract(o.payload, '$.intent_seq') = i.seq
)
ORDER BY i.seq
"""


def _intent_from_row(row: tuple[Any, ...]) -> AmendIntent:
    seq, order_id, at_us, payload_text = row
    payload = decode_payload(payload_text)

    def amount(key: str) -> Decimal | None:
        value = payload.get(key)
        return decode_optional_decimal(None if value is None else str(value))

    return AmendIntent(
        seq=int(seq),
        order_id=str(order_id),
        ticker=str(payload.get("ticker", "")),
        kind=cast(AmendKind, payload.get("kind", "amend")),
        price=amount("price"),
        count=amount("count"),
        reduce_by=amount("reduce_by"),
        reduce_to=amount("reduce_to"),
        updated_client_order_id=payload.get("updated_client_order_id"),
        at=decode_time(int(at_us)),
    )


class JournalAmendWrites(JournalFillWrites):
    """Amend and decrease intents of an open journal (see the module docstring)."""

    def record_amend_intent(
        self,
        order_id: str,
        *,
        ticker: str,
        kind: AmendKind,
        price: Decimal | None = None,
        count: Decimal | None = None,
        reduce_by: Decimal | None = None,
        reduce_to: Decimal | None = None,
        updated_client_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> AmendIntent:
        """Durably record a change about to be sent (fsync); send it only after this returns.

        Raises `JournalError`/`sqlite3.Error` when it cannot be written (a full disk):
        then nothing may be sent.
        """
        if not order_id:
            raise ValueError("an amend intent needs the order_id")
        if kind not in ("amend", "decrease"):
            raise ValueError(f"kind must be 'amend' or 'decrease', not {kind!r}")
        at_us = self._now_us()
        payload = {
            "kind": kind,
            "ticker": ticker,
            "price": price,
            "count": count,
            "reduce_by": reduce_by,
            "reduce_to": reduce_to,
            "updated_client_order_id": updated_client_order_id,
        }
        with self._transaction(durable=True):
            seq = self._append_event(
                EventKind.AMEND_INTENT, at_us, payload, client_order_id, order_id
            )
        return AmendIntent(
            seq=seq,
            order_id=order_id,
            ticker=ticker,
            kind=kind,
            price=price,
            count=count,
            reduce_by=reduce_by,
            reduce_to=reduce_to,
            updated_client_order_id=updated_client_order_id,
            at=decode_time(at_us),
        )

    def record_amend_result(
        self,
        intent_seq: int,
        order_id: str,
        outcome: AmendOutcome,
        reason: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """What became of an amend intent other than being applied (see the module doc)."""
        if outcome not in ("refused", "unknown", "resolved"):
            raise ValueError(f"unknown amend outcome {outcome!r}")
        payload = {"intent_seq": intent_seq, "outcome": outcome, "reason": reason, **(detail or {})}
        with self._transaction(durable=False):
            self._append_event(EventKind.AMEND_RESULT, self._now_us(), payload, None, order_id)

    def unresolved_amends(self) -> list[AmendIntent]:
        """Amend and decrease intents with no applied, refused or resolved outcome, oldest
        first (at start-up: sent, and the terminal stopped before the answer was
        journaled)."""
        return [_intent_from_row(row) for row in self._conn.execute(_UNRESOLVED)]
