"""`Journal`: the trading records — intents, orders, fills, settlements — on top of the core.

The order service's sequence is: `record_intent` (durable) → `mark_sent` → send → one of
`record_ack`, `record_reject` (a definite refusal) or `mark_unknown` (timeout, 5xx, reset,
unparseable answer), and for an unknown outcome `resolve_unknown` after looking the order
up by its client_order_id. Every call is one transaction that also appends the
matching row to the `events` log; only the intent itself waits for an fsync (see
`JournalCore._transaction`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from kalshi_tui.domain.models import Action, Order, Side
from kalshi_tui.journal._codec import (
    encode_decimal,
    encode_optional_time,
    encode_payload,
)
from kalshi_tui.journal.amends import JournalAmendWrites
from kalshi_tui.journal.fills import check_direction
from kalshi_tui.journal.records import (
    TRANSITIONS,
    UNRESOLVED_STATES,
    EventKind,
    IntentRecord,
    IntentState,
    JournalError,
)

TIME_IN_FORCE = frozenset({"good_till_canceled", "immediate_or_cancel", "fill_or_kill"})

ZERO = Decimal(0)

# What an order's exchange status means for the intent that placed it.
_STATE_FOR_STATUS = {
    "resting": IntentState.ACKED,
    "executed": IntentState.FILLED,
    "canceled": IntentState.CANCELED,
}


def _state_for(status: str) -> IntentState:
    # An unfamiliar status (the exchange adds some now and then) still means the exchange
    # has the order: acknowledged.
    return _STATE_FOR_STATUS.get(status, IntentState.ACKED)


class Journal(JournalAmendWrites):
    """An open journal. Create with `Journal.open(path)`; close with `close()` or `with`.

        All methods are synchronous and fast (well under a millisecond of work, plus one disk
    fsync for the durable ones: intents, halt, events); asyncio code
        calls them directly from the event loop, in the thread that opened the journal.
    """

    # --- intents --------------------------------------------------------------------------

    def record_intent(
        self,
        client_order_id: str,
        *,
        ticker: str,
        side: Side,
        action: Action,
        price: Decimal,
        count: Decimal,
        tif: str = "good_till_canceled",
        flags: Mapping[str, Any] | None = None,
    ) -> IntentRecord:
        """Durably record an order intent in state `pending`; send the request only after
        this returns. Raises `JournalError` if the client_order_id was journaled before
        (an id is minted once: reusing it would make the exchange's 409 ambiguous)."""
        check_direction(side, action)
        if not client_order_id:
            raise ValueError("client_order_id must not be empty")
        if not ZERO < price < 1:
            raise ValueError(f"price must be between 0 and 1 dollars exclusive, not {price}")
        if count <= 0:
            raise ValueError(f"count must be positive, not {count}")
        if tif not in TIME_IN_FORCE:
            raise ValueError(f"time in force must be one of {sorted(TIME_IN_FORCE)}, not {tif!r}")
        at_us = self._now_us()
        try:
            with self._transaction(durable=True) as conn:
                conn.execute(
                    "INSERT INTO intents (client_order_id, ticker, side, action, price, count, "
                    "tif, flags, created_us, updated_us, state) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                    (
                        client_order_id,
                        ticker,
                        side,
                        action,
                        encode_decimal(price),
                        encode_decimal(count),
                        tif,
                        encode_payload(flags),
                        at_us,
                        at_us,
                    ),
                )
                self._append_event(
                    EventKind.INTENT,
                    at_us,
                    {
                        "ticker": ticker,
                        "side": side,
                        "action": action,
                        "price": price,
                        "count": count,
                        "tif": tif,
                        "flags": dict(flags or {}),
                    },
                    client_order_id,
                )
        except sqlite3.IntegrityError as exc:
            if self.intent(client_order_id) is not None:
                raise JournalError(
                    f"an intent with client_order_id {client_order_id!r} is already journaled; "
                    "mint a new id for a new order"
                ) from exc
            raise
        return self._require_intent(client_order_id)

    def mark_sent(
        self, client_order_id: str, request: Mapping[str, Any] | None = None
    ) -> IntentRecord:
        """Record that the request is leaving the process (`pending` → `sent`)."""
        return self._transition(client_order_id, IntentState.SENT, EventKind.REQUEST, request)

    def withdraw_intent(self, client_order_id: str, reason: str) -> IntentRecord:
        """Drop an intent that was never sent (`pending` → `withdrawn`)."""
        return self._transition(
            client_order_id, IntentState.WITHDRAWN, EventKind.WITHDRAWN, {"reason": reason}
        )

    def record_ack(
        self,
        client_order_id: str,
        order_id: str,
        status: str = "resting",
        *,
        fill_count: Decimal = ZERO,
        remaining_count: Decimal | None = None,
        fees: Decimal = ZERO,
        created_time: datetime | None = None,
        response: Mapping[str, Any] | None = None,
    ) -> IntentRecord:
        """The exchange accepted the order. `status` (resting/executed/canceled — an IOC
        remainder) decides the intent's state; the order is recorded as ours."""
        if not order_id:
            raise ValueError("an acknowledgement needs the exchange's order_id")
        at_us = self._now_us()
        with self._transaction(durable=False):
            intent = self._require_intent(client_order_id)
            if intent.order_id not in (None, order_id):
                raise JournalError(
                    f"intent {client_order_id} is already acknowledged as order "
                    f"{intent.order_id}, not {order_id}"
                )
            order = Order(
                order_id=order_id,
                client_order_id=client_order_id,
                ticker=intent.ticker,
                side=intent.side,
                action=intent.action,
                price=intent.price,
                initial_count=intent.count,
                fill_count=fill_count,
                remaining_count=(
                    intent.count - fill_count if remaining_count is None else remaining_count
                ),
                status=status,
                fees=fees,
                created_time=created_time,
            )
            self._move(intent, _state_for(status), at_us, order_id=order_id)
            self._upsert_order(order, intent_id=client_order_id, adopted=False, at_us=at_us)
            self._append_event(
                EventKind.ACK,
                at_us,
                {"status": status, "fill_count": fill_count, "response": response},
                client_order_id,
                order_id,
            )
        return self._require_intent(client_order_id)

    def record_reject(
        self,
        client_order_id: str,
        code: str,
        message: str,
        *,
        response: Mapping[str, Any] | None = None,
    ) -> IntentRecord:
        """A definite refusal (4xx with an error code): the order does not exist."""
        payload = {"code": code, "message": message, "response": response}
        return self._transition(
            client_order_id,
            IntentState.REJECTED,
            EventKind.REJECT,
            payload,
            reject_code=code,
            reject_message=message,
        )

    def mark_unknown(
        self, client_order_id: str, reason: str, *, detail: Mapping[str, Any] | None = None
    ) -> IntentRecord:
        """The outcome is ambiguous; nothing may be resent until `resolve_unknown`."""
        payload = {"reason": reason, "detail": detail}
        return self._transition(
            client_order_id,
            IntentState.UNKNOWN,
            EventKind.UNKNOWN,
            payload,
            unknown_reason=reason,
        )

    def resolve_unknown(
        self, client_order_id: str, *, order: Order | None, resolution: str
    ) -> IntentRecord:
        """Settle an unresolved intent (`unknown`, or `pending`/`sent` found at start-up).

        `order` is what the exchange has under this client_order_id, or None when it has
        nothing (the intent becomes `not_placed` and may be re-minted under a new id).
        """
        at_us = self._now_us()
        with self._transaction(durable=False):
            intent = self._require_intent(client_order_id)
            if intent.state not in UNRESOLVED_STATES:
                raise JournalError(
                    f"intent {client_order_id} is {intent.state}, nothing to resolve"
                )
            if order is None:
                self._move(intent, IntentState.NOT_PLACED, at_us, resolution=resolution)
            else:
                if order.client_order_id and order.client_order_id != client_order_id:
                    raise ValueError(
                        f"order {order.order_id} belongs to {order.client_order_id}, "
                        f"not {client_order_id}"
                    )
                self._move(
                    intent,
                    _state_for(order.status),
                    at_us,
                    order_id=order.order_id,
                    resolution=resolution,
                )
                self._upsert_order(order, intent_id=client_order_id, adopted=False, at_us=at_us)
            self._append_event(
                EventKind.RESOLVED,
                at_us,
                {
                    "resolution": resolution,
                    "found": order is not None,
                    "status": None if order is None else order.status,
                },
                client_order_id,
                None if order is None else order.order_id,
            )
        return self._require_intent(client_order_id)

    def _transition(
        self,
        client_order_id: str,
        target: IntentState,
        kind: EventKind,
        payload: Mapping[str, Any] | None,
        **columns: Any,
    ) -> IntentRecord:
        at_us = self._now_us()
        with self._transaction(durable=False):
            intent = self._require_intent(client_order_id)
            self._move(intent, target, at_us, **columns)
            self._append_event(kind, at_us, payload, client_order_id, intent.order_id)
        return self._require_intent(client_order_id)

    # --- orders ---------------------------------------------------------------------------

    def record_order(self, order: Order, *, adopted: bool = False) -> bool:
        """Store the exchange's current view of an order; True if anything changed.

        An order new to the journal must belong to one of our intents (matched by
        client_order_id) unless `adopted` is True — an orphan the reconciler takes over.
        A terminal status moves the placing intent to `filled` or `canceled`; an intent
        still unresolved is resolved by the sighting.
        """
        at_us = self._now_us()
        with self._transaction(durable=False):
            existing = self.order(order.order_id)
            if existing is not None:
                if existing.order == order:
                    return False
                intent_id, adopted = existing.intent_id, existing.adopted
            elif adopted:
                intent_id = None
            else:
                intent_id = order.client_order_id
                if not intent_id or self.intent(intent_id) is None:
                    raise JournalError(
                        f"order {order.order_id} (client_order_id {order.client_order_id!r}) "
                        "has no journaled intent; adopt it explicitly if it is to be managed"
                    )
            self._upsert_order(order, intent_id=intent_id, adopted=adopted, at_us=at_us)
            if intent_id is not None:
                self._sync_intent(intent_id, order, at_us)
            kind = EventKind.ADOPTED if adopted and existing is None else EventKind.ORDER
            payload = {
                "status": order.status,
                "price": order.price,
                "fill_count": order.fill_count,
                "remaining_count": order.remaining_count,
            }
            self._append_event(kind, at_us, payload, order.client_order_id, order.order_id)
        return True

    def adopt_order(self, order: Order) -> bool:
        """Record an order the exchange has and no intent of ours placed (flag `adopted`)."""
        return self.record_order(order, adopted=True)

    def record_cancel(
        self,
        order_id: str,
        *,
        reduced_by: Decimal | None = None,
        reason: str | None = None,
        response: Mapping[str, Any] | None = None,
    ) -> None:
        """The order is canceled (by us, the kill switch, or the exchange)."""
        at_us = self._now_us()
        with self._transaction(durable=False) as conn:
            record = self.order(order_id)
            if record is not None:
                conn.execute(
                    "UPDATE orders SET status = 'canceled', remaining_count = '0', "
                    "updated_us = ? WHERE order_id = ?",
                    (at_us, order_id),
                )
                if record.intent_id is not None:
                    self._sync_intent(record.intent_id, None, at_us, IntentState.CANCELED)
            self._append_event(
                EventKind.CANCEL,
                at_us,
                {"reduced_by": reduced_by, "reason": reason, "response": response},
                None if record is None else record.order.client_order_id,
                order_id,
            )

    def record_amend(
        self,
        order_id: str,
        *,
        price: Decimal,
        count: Decimal,
        fill_count: Decimal | None = None,
        updated_client_order_id: str | None = None,
        response: Mapping[str, Any] | None = None,
        intent_seq: int | None = None,
    ) -> None:
        """The exchange amended an order: new `price` (of its side) and new total `count`
        (filled plus resting, as the amend endpoint defines it). `intent_seq` names the
        amend intent this settles (`record_amend_intent`)."""
        at_us = self._now_us()
        with self._transaction(durable=False) as conn:
            record = self.order(order_id)
            if record is None:
                raise JournalError(f"cannot amend order {order_id}: the journal does not know it")
            old = record.order
            filled = old.fill_count if fill_count is None else fill_count
            conn.execute(
                "UPDATE orders SET price = ?, initial_count = ?, fill_count = ?, "
                "remaining_count = ?, client_order_id = ?, updated_us = ? WHERE order_id = ?",
                (
                    encode_decimal(price),
                    encode_decimal(count),
                    encode_decimal(filled),
                    encode_decimal(max(count - filled, ZERO)),
                    updated_client_order_id or old.client_order_id,
                    at_us,
                    order_id,
                ),
            )
            payload = {
                "old_price": old.price,
                "price": price,
                "old_count": old.initial_count,
                "count": count,
                "updated_client_order_id": updated_client_order_id,
                "response": response,
                "intent_seq": intent_seq,
            }
            self._append_event(EventKind.AMEND, at_us, payload, old.client_order_id, order_id)

    def _upsert_order(
        self, order: Order, *, intent_id: str | None, adopted: bool, at_us: int
    ) -> None:
        check_direction(order.side, order.action)
        self._conn.execute(
            "INSERT INTO orders (order_id, client_order_id, intent_id, adopted, ticker, side, "
            "action, price, initial_count, fill_count, remaining_count, status, fees, "
            "created_us, first_seen_us, updated_us) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (order_id) DO UPDATE SET client_order_id = excluded.client_order_id, "
            "price = excluded.price, initial_count = excluded.initial_count, "
            "fill_count = excluded.fill_count, remaining_count = excluded.remaining_count, "
            "status = excluded.status, fees = excluded.fees, "
            "created_us = coalesce(excluded.created_us, orders.created_us), "
            "updated_us = excluded.updated_us",
            (
                order.order_id,
                order.client_order_id or None,
                intent_id,
                int(adopted),
                order.ticker,
                order.side,
                order.action,
                encode_decimal(order.price),
                encode_decimal(order.initial_count),
                encode_decimal(order.fill_count),
                encode_decimal(order.remaining_count),
                order.status,
                encode_decimal(order.fees),
                encode_optional_time(order.created_time),
                at_us,
                at_us,
            ),
        )

    def _sync_intent(
        self,
        intent_id: str,
        order: Order | None,
        at_us: int,
        target: IntentState | None = None,
    ) -> None:
        """Carry an order's news to its intent, where the state machine allows it."""
        intent = self._require_intent(intent_id)
        state = target if target is not None else _state_for(order.status if order else "")
        if state == intent.state or state not in TRANSITIONS[intent.state]:
            return
        columns: dict[str, Any] = {}
        if order is not None and intent.order_id is None:
            columns["order_id"] = order.order_id
        if intent.state in UNRESOLVED_STATES:
            columns["resolution"] = "seen in the exchange's order list"
        self._move(intent, state, at_us, **columns)
