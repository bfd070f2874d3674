"""The order service: every new order goes gate → journal → exchange, in that order.

    result = await service.submit(draft)   # an IntentRecord, or a Denial (a value)

`submit` refuses (a `Denial`, nothing journaled as sent, nothing on the network) when the
pre-trade gate says no, before start-up reconciliation has run (`not_reconciled`), while
the journal is halted (`halted`), while an unacknowledged reconciliation finding stands
(`reconciliation`), or while another order in the same market is UNKNOWN
(`unresolved_order`). Otherwise the intent is journaled durably, marked sent, and POSTed
with `cancel_order_on_pause`. The answer becomes an ack, a reject with Kalshi's code, or
UNKNOWN (timeout, reset, 5xx, unreadable body). A 409 `order_already_exists` means the
exchange has the order: it is looked up and acknowledged, never rejected.

An UNKNOWN intent is never resent: `resolve()` lists the account's orders looking for its
client_order_id, retrying for `lag_window` seconds (the exchange's REST view lags its
engine), and settles it as found (acked with the exchange's order) or not placed. The same
client_order_id submitted twice is one order: the second call returns the journaled intent.

Cancels, amends and decreases are in `order_changes.py`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order
from kalshi_tui.domain.orders import Denial, OrderDraft, PreTradeGate, dry_run
from kalshi_tui.domain.shards import shard_of
from kalshi_tui.domain.store import Store
from kalshi_tui.domain.trading import PendingOrder
from kalshi_tui.journal import (
    AmendIntent,
    EventKind,
    IntentRecord,
    IntentState,
    Journal,
    JournalError,
)
from kalshi_tui.services import convert
from kalshi_tui.services.order_changes import OrderChangesMixin
from kalshi_tui.services.poller import describe_error
from kalshi_tui.services.trade_terms import order_as

EXISTS_REASON = "order_already_exists"
"""unknown_reason prefix of an intent the exchange said it has (409) but we could not list
yet; such an intent is never concluded "not placed"."""

LOOKUP_MARGIN_SECONDS = 300
"""How far before an intent's creation the order lookup starts (clock skew headroom)."""

MAX_LOOKUP_INTERVAL = 0.5
"""Longest pause between two lookups of an UNKNOWN order (one listing each)."""

Sleep = Callable[[float], Awaitable[None]]


def describe_draft(draft: OrderDraft | IntentRecord) -> str:
    """ "buy 5 YES @ 43¢ KXFED-26DEC-T4.00" """
    count = draft.count
    return (
        f"{draft.action} {fmt.count(count)} {draft.side.upper()} @ {fmt.cents(draft.price)} "
        f"{draft.ticker}"
    )


def _ack_status(ack: api.OrderAck) -> str:
    """Real V2 acks carry no status; derive it from the counts."""
    if ack.status:
        return ack.status
    if ack.remaining_count > 0:
        return "resting"
    return "executed" if ack.fill_count > 0 else "canceled"


def _finite_or_text(value: Decimal | None) -> Decimal | str | None:
    return value if value is None or value.is_finite() else str(value)


def _implausible_ack(ack: api.OrderAck, count: Decimal) -> str | None:
    """Why an acknowledgement cannot be true of an order for `count` contracts (no order
    id, negative counts, more filled and resting than ordered); None when it can."""
    if not ack.order_id.strip():
        return "the exchange's acknowledgement has no order id"
    filled, resting = ack.fill_count, ack.remaining_count
    if filled < 0 or resting < 0 or filled + resting > count:
        return (
            f"the exchange's acknowledgement has impossible counts (filled {filled}, "
            f"resting {resting} of {count} ordered)"
        )
    return None


class OrderService(OrderChangesMixin):
    """Places, resolves, cancels and amends orders, journaling every step."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        store: Store,
        gate: PreTradeGate,
        *,
        order_group_id: str | None = None,
        lag_window: float = 5.0,
        lookup_interval: float = 0.25,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._journal = journal
        self._store = store
        self._gate = gate
        self.order_group_id = order_group_id
        """An app-owned order group every order joins (None: no group)."""
        self.lag_window = lag_window
        """Seconds after sending during which a missing order may still appear in listings."""
        self._lookup_interval = lookup_interval
        self._sleep = sleep
        self._clock = clock
        self._ready = False
        self._in_flight: set[str] = set()
        self._resolving: set[str] = set()
        self._amending: set[int] = set()
        self._changes: dict[int, AmendIntent] | None = None
        self.on_change: Callable[[], None] | None = None
        """Called after any order changes at the exchange (the session refreshes orders)."""
        self.on_unknown: Callable[[], None] | None = None
        """Called when an intent becomes UNKNOWN (wakes the resolver loop)."""
        self.on_reject: Callable[[str, str, str], object] | None = None
        """Called with (ticker, code, message) when the exchange rejects an order (alerts)."""
        self.before_submit: Callable[[], Awaitable[None]] | None = None
        """Awaited at the start of every submit: the kill switch's `rearmed`, so an order
        placed the moment trading resumes waits for the order group's reset instead of
        being refused by the exchange."""
        self.consecutive_failures = 0
        """Order requests in a row that were rejected, not sent or ended UNKNOWN; an ack
        resets it. The automatic halt trips on it (`[risk] max_consecutive_errors`)."""
        self.journal_error: str | None = None
        """The last failure to write an intent to the journal (trips the automatic halt)."""

    # --- readiness and refusals -------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once start-up reconciliation has run; orders are refused before that."""
        return self._ready

    def enable(self) -> None:
        self._ready = True
        self._store.update(trading_ready=True)
        self.publish()

    def refusal(self, ticker: str) -> Denial | None:
        """Why no order that adds risk may be placed in `ticker` now (None: nothing stops
        it). Cancels and decreases are never refused."""
        if not self._ready:
            return Denial(
                "not_reconciled",
                "trading is not enabled yet: start-up reconciliation with the exchange has "
                "not finished",
            )
        halt = self._journal.halt_state()
        if halt.halted:
            why = f": {halt.reason}" if halt.reason else ""
            return Denial(
                "halted", f"trading is halted ({halt.trigger}){why}; only cancels allowed"
            )
        blocking = self._store.snapshot.reconciliation.blocking
        if blocking:
            return Denial(
                "reconciliation",
                f"{len(blocking)} reconciliation finding(s) need acknowledging first: "
                f"{blocking[0].message}",
            )
        for intent in self._journal.unresolved_intents():
            if intent.ticker == ticker and intent.client_order_id not in self._in_flight:
                return Denial(
                    "unresolved_order",
                    f"order {intent.client_order_id} in {ticker} is {intent.state.upper()}; "
                    "new orders in this market wait until it is resolved",
                )
        for change in self._unresolved_changes().values():
            unknown = change.kind == "amend" and change.seq not in self._amending
            if unknown and change.ticker == ticker:
                return Denial(
                    "unresolved_order",
                    f"the amend of order {change.order_id} in {ticker} has an unknown "
                    "outcome; new orders in this market wait until it is resolved",
                )
        return None

    def _judge(self, draft: OrderDraft, *, dry: bool = False) -> Denial | None:
        """The pre-trade gate's verdict; a gate that fails refuses (fail closed). `dry`:
        ask without recording an approval (see `precheck`)."""
        try:
            return dry_run(self._gate, draft) if dry else self._gate(draft)
        except Exception as exc:
            return Denial("gate_error", f"the pre-trade check failed: {describe_error(exc)}")

    def precheck(self, draft: OrderDraft) -> Denial | None:
        """What `submit` would refuse `draft` for right now (the same refusals and the same
        gate), recording no approval; a refusal is logged and journaled as `submit`'s is.
        The ticket asks before it shows the confirmation, so an order that will certainly
        be refused gets the refusal instead of a dialog; `submit` still judges it again."""
        denial = self.refusal(draft.ticker) or self._judge(draft, dry=True)
        return None if denial is None else self._deny(draft, denial)

    def _deny(self, draft: OrderDraft, denial: Denial) -> Denial:
        self._store.log(f"order refused ({denial.code}): {denial.message}", level="warning")
        payload = {
            "code": denial.code,
            "message": denial.message,
            # A refused NaN or infinite count is journaled as text: the journal stores
            # only finite amounts, and the refusal itself must not fail.
            "value": _finite_or_text(denial.value),
            "limit": _finite_or_text(denial.limit),
            "ticker": draft.ticker,
        }
        self._journal.record_event(
            EventKind.RISK_DENIAL, payload, client_order_id=draft.client_order_id
        )
        return denial

    # --- submit -----------------------------------------------------------------------

    async def submit(self, draft: OrderDraft) -> IntentRecord | Denial:
        """Place `draft` once. Returns the intent (acked, rejected, unknown …) or a Denial."""
        if self.before_submit is not None:
            await self.before_submit()  # before the checks: a halt meanwhile refuses
        existing = self._journal.intent(draft.client_order_id)
        if existing is not None:
            self._store.log(
                f"order {draft.client_order_id} was already submitted ({existing.state}); "
                "not sent again"
            )
            return existing
        denial = self.refusal(draft.ticker) or self._judge(draft)
        if denial is not None:
            return self._deny(draft, denial)
        # The app's order group lives on shard 0, and a group only takes orders on its own
        # shard: an order elsewhere goes out without it (the kill switch still cancels it
        # by listing and batch cancel).
        group = self.order_group_id
        if shard_of(draft.ticker, self._store.snapshot.markets_by_ticker) != 0:
            group = None
        try:
            request = api.OrderRequest(
                ticker=draft.ticker,
                side=draft.side,
                action=draft.action,
                count=draft.count,
                price=draft.price,
                client_order_id=draft.client_order_id,
                time_in_force=draft.time_in_force,
                post_only=draft.post_only,
                reduce_only=draft.reduce_only,
                cancel_order_on_pause=True,
                order_group_id=group,
            )
        except ValueError as exc:
            return self._deny(draft, Denial("invalid_order", f"invalid order: {exc}"))
        flags = {
            "post_only": draft.post_only,
            "reduce_only": draft.reduce_only,
            "cancel_order_on_pause": True,
            "order_group_id": group,
        }
        cid = draft.client_order_id
        # Durable before anything leaves the process; no await between the duplicate check
        # above and this line, so two concurrent submits of one draft cannot both get here.
        try:
            self._journal.record_intent(
                cid,
                ticker=draft.ticker,
                side=draft.side,
                action=draft.action,
                price=draft.price,
                count=draft.count,
                tif=draft.time_in_force,
                flags=flags,
            )
        except (JournalError, sqlite3.Error, ValueError) as exc:
            self.journal_error = str(exc)
            denial = Denial("journal_error", f"could not journal the order ({exc}); not sent")
            self._store.log(f"order refused (journal_error): {denial.message}", level="error")
            return denial
        self._in_flight.add(cid)
        try:
            try:
                self._journal.mark_sent(cid, {"api": self._client.order_api, **flags})
            except (JournalError, sqlite3.Error) as exc:
                self.journal_error = str(exc)
                denial = Denial(
                    "journal_error", f"could not journal the order as sent ({exc}); not sent"
                )
                self._store.log(f"order refused (journal_error): {denial.message}", level="error")
                return denial
            self.publish()
            try:
                return await self._send(request, draft)
            except (JournalError, sqlite3.Error) as exc:
                return self._outcome_not_journaled(cid, draft, exc)
        finally:
            self._in_flight.discard(cid)
            self.publish()

    def _outcome_not_journaled(
        self, cid: str, draft: OrderDraft, exc: Exception
    ) -> IntentRecord | Denial:
        """The order left, but what the exchange answered could not be journaled (a full
        disk): the intent stays `sent`, the resolver and reconciliation read the order back
        by its client id, and `journal_error` trips the automatic halt as for an intent."""
        self.journal_error = str(exc)
        self._store.log(
            f"order {describe_draft(draft)}: sent, but its outcome could not be journaled "
            f"({exc}); it is looked up on the exchange",
            level="error",
        )
        if self.on_unknown is not None:
            self.on_unknown()
        current = self._journal.intent(cid)
        if current is None:  # cannot happen: the intent was journaled before sending
            return Denial("journal_error", f"could not journal the order's outcome ({exc})")
        return current

    async def _send(self, request: api.OrderRequest, draft: OrderDraft) -> IntentRecord:
        cid = draft.client_order_id
        what = describe_draft(draft)
        try:
            ack = await self._client.create_order(request)
        except asyncio.CancelledError:
            self._journal.mark_unknown(cid, "interrupted while the request was in flight")
            raise
        except api.OrderAlreadyExists:
            return await self._acknowledge_existing(cid, what)
        except api.AmbiguousWriteError as exc:
            return self._unknown(cid, what, exc.message)
        except api.KalshiError as exc:
            if exc.status is None:  # refused before sending (connect error, no credentials)
                intent = self._journal.resolve_unknown(
                    cid, order=None, resolution=f"not sent: {describe_error(exc)}"
                )
                self._store.log(f"order NOT SENT: {what}: {describe_error(exc)}", level="error")
                self.consecutive_failures += 1
                return intent
            code = exc.code or type(exc).__name__
            intent = self._journal.record_reject(
                cid, code, exc.message, response={"status": exc.status, "details": exc.details}
            )
            self._store.log(f"order REJECTED ({code}): {what}: {exc.message}", level="error")
            self.consecutive_failures += 1
            if self.on_reject is not None:
                self.on_reject(draft.ticker, code, exc.message)
            return intent
        except Exception as exc:  # anything else: we cannot know whether it was applied
            return self._unknown(cid, what, describe_error(exc))
        problem = _implausible_ack(ack, request.count)
        if problem is not None:  # the exchange said yes, but not to anything we can believe
            return self._unknown(cid, what, problem)
        status = _ack_status(ack)
        intent = self._journal.record_ack(
            cid,
            ack.order_id,
            status,
            fill_count=ack.fill_count,
            remaining_count=ack.remaining_count,
            response={
                "order_id": ack.order_id,
                "status": status,
                "fill_count": ack.fill_count,
                "remaining_count": ack.remaining_count,
                "average_fill_price": ack.average_fill_price,
            },
        )
        self._store.log(f"order {status.upper()}: {what} (id {ack.order_id})")
        self.consecutive_failures = 0
        self._changed()
        return intent

    def _unknown(self, cid: str, what: str, reason: str) -> IntentRecord:
        self.consecutive_failures += 1
        intent = self._journal.mark_unknown(cid, reason)
        self._store.log(
            f"order UNKNOWN: {what}: {reason}; looking it up before anything is resent",
            level="warning",
        )
        if self.on_unknown is not None:
            self.on_unknown()
        return intent

    async def _acknowledge_existing(self, cid: str, what: str) -> IntentRecord:
        """409: the exchange has an order under this id. Find it and acknowledge it."""
        intent = self._journal.mark_unknown(cid, f"{EXISTS_REASON}: the exchange has this id")
        self._store.log(f"order {cid} already exists on the exchange; looking it up")
        try:
            return await self._resolve_intent(intent)
        except api.KalshiError as exc:  # the lookup failed: it stays UNKNOWN for the resolver
            self._store.log(
                f"order {cid}: looking it up failed ({describe_error(exc)}); still UNKNOWN",
                level="warning",
            )
            if self.on_unknown is not None:
                self.on_unknown()
            return self._journal.intent(cid) or intent

    # --- resolving UNKNOWN intents ----------------------------------------------------

    async def resolve(self, client_order_id: str) -> IntentRecord | None:
        """Settle one unresolved intent by finding it on the exchange (see the module doc).

        Returns the intent as it now stands (still unknown if the exchange could not be
        asked, or if a 409 said the order exists and it is not listed yet).
        """
        intent = self._journal.intent(client_order_id)
        if intent is None or not intent.is_unresolved or client_order_id in self._in_flight:
            return intent
        if client_order_id in self._resolving:
            return intent
        if intent.state != IntentState.UNKNOWN:
            # pending/sent left by a previous process: as uncertain as unknown.
            self._store.log(
                f"order {client_order_id} was {intent.state} when the terminal stopped; "
                "looking it up",
                level="warning",
            )
        return await self._resolve_intent(intent)

    async def resolve_all(self) -> list[IntentRecord]:
        """Resolve every unresolved intent not in flight (the resolver loop and start-up),
        and every amend or decrease of unknown outcome (`resolve_changes`)."""
        results = []
        for intent in self._journal.unresolved_intents():
            resolved = await self.resolve(intent.client_order_id)
            if resolved is not None:
                results.append(resolved)
        await self.resolve_changes()
        return results

    async def _resolve_intent(self, intent: IntentRecord) -> IntentRecord:
        cid = intent.client_order_id
        self._resolving.add(cid)
        self.publish()
        try:
            must_exist = (intent.unknown_reason or "").startswith(EXISTS_REASON)
            deadline = intent.updated_at.timestamp() + self.lag_window
            delay = self._lookup_interval
            while True:
                order = await self._lookup(intent)
                if order is not None:
                    resolved = self._journal.resolve_unknown(
                        cid, order=order, resolution="found by client_order_id"
                    )
                    self._store.log(
                        f"order {cid} resolved: the exchange has it ({order.status}, "
                        f"id {order.order_id}): {describe_draft(intent)}"
                    )
                    self._changed()
                    return resolved
                if self._clock() >= deadline:
                    if must_exist:
                        self._store.log(
                            f"order {cid}: the exchange says it exists but does not list it "
                            "yet; still UNKNOWN",
                            level="warning",
                        )
                        return self._journal.intent(cid) or intent
                    resolved = self._journal.resolve_unknown(
                        cid,
                        order=None,
                        resolution=f"not listed by the exchange {self.lag_window:g}s after sending",
                    )
                    self._store.log(f"order {cid} resolved: NOT PLACED: {describe_draft(intent)}")
                    return resolved
                await self._sleep(delay)
                delay = min(delay * 2, MAX_LOOKUP_INTERVAL)
        finally:
            self._resolving.discard(cid)
            self.publish()

    async def _lookup(self, intent: IntentRecord) -> Order | None:
        since = int(intent.created_at.timestamp()) - LOOKUP_MARGIN_SECONDS
        found = await self._client.find_order_by_client_id(
            intent.client_order_id, ticker=intent.ticker, min_ts=since
        )
        if found is None:
            return None
        return order_as(convert.order(found), intent.side, intent.action)

    # --- publishing -------------------------------------------------------------------

    def publish(self) -> None:
        """Put the unresolved intents (in flight or UNKNOWN) in the store."""
        pending = tuple(
            PendingOrder(
                client_order_id=i.client_order_id,
                ticker=i.ticker,
                side=i.side,
                action=i.action,
                price=i.price,
                count=i.count,
                state=str(i.state),
                in_flight=i.client_order_id in self._in_flight,
                reason=i.unknown_reason or "",
            )
            for i in self._journal.unresolved_intents()
        )
        if pending != self._store.snapshot.pending_orders:
            self._store.update(pending_orders=pending)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
