"""Changing resting orders: cancel (one, a market, all), amend and decrease, journaled.

Cancels go through the client's cancel lane (reserved rate-limit headroom) and are allowed
whatever the trading state: a halted terminal may always reduce risk. A cancel that the
exchange answers with 404 means the order is no longer resting (already canceled or
filled, see docs/WIRE.md): that is success, and the order is refreshed so the journal
learns which. A cancel whose outcome is unknown is sent once more, which is safe: if the
first one landed the second answers 404.

An amend can add risk (a bigger size, a more aggressive price), so it passes the same
refusals and pre-trade gate as a new order; a decrease only reduces and is not gated.

Amends and decreases are write-ahead like new orders (`journal/amends.py`): the change is
journaled durably before the request leaves, and a journal that cannot be written (a full
disk) refuses it, sends nothing, and sets `journal_error`, which trips the automatic halt.
The answer is journaled as the amend itself, a refusal, or an unknown outcome; an unknown
one (an ambiguous answer, or a terminal that stopped between sending and journaling) is
settled by reading the order back (`resolve_changes`, run by the resolver loop and at
start-up), and until then new orders in its market wait, as for an UNKNOWN order. A
journal write that fails *after* the exchange answered is logged and halts, never raised.
"""

from __future__ import annotations

import sqlite3
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import AmendIntent, Journal, JournalError
from kalshi_tui.services import convert
from kalshi_tui.services.poller import describe_error
from kalshi_tui.services.trade_terms import order_as


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """What a cancel, amend or decrease achieved, in one sentence for the log."""

    ok: bool
    message: str


class OrderChangesMixin(ABC):
    """Cancel, amend and decrease for `OrderService` (which provides the attributes)."""

    _client: api.KalshiClient
    _journal: Journal
    _store: Store
    _amending: set[int]
    """Amend/decrease intents whose request is in flight (by intent sequence)."""
    _changes: dict[int, AmendIntent] | None
    """Amend/decrease intents not settled yet; None until read from the journal."""
    journal_error: str | None
    on_unknown: Callable[[], None] | None

    @abstractmethod
    def refusal(self, ticker: str) -> Denial | None:
        """Why no new risk may be taken in `ticker` now (see `OrderService.refusal`)."""

    @abstractmethod
    def _judge(self, draft: OrderDraft) -> Denial | None:
        """The pre-trade gate's verdict (see `OrderService._judge`)."""

    @abstractmethod
    def _changed(self) -> None:
        """Tell the session that orders changed at the exchange."""

    def _done(self, ok: bool, message: str) -> ChangeResult:
        self._store.log(message, level="info" if ok else "error")
        if ok:
            self._changed()
        return ChangeResult(ok, message)

    def _what(self, order_id: str) -> str:
        """ ": buy YES @ 43¢ KXFED-26DEC-T4.00" for a log line about `order_id` (empty
        when neither the store nor the journal knows it)."""
        order = next((o for o in self._store.snapshot.orders if o.order_id == order_id), None)
        if order is None:
            try:
                record = self._journal.order(order_id)
            except (JournalError, sqlite3.Error):
                record = None
            order = None if record is None else record.order
        if order is None:
            return ""
        return f": {order.action} {order.side.upper()} @ {fmt.cents(order.price)} {order.ticker}"

    # --- cancel -----------------------------------------------------------------------

    async def cancel(self, order_id: str) -> ChangeResult:
        """Cancel one order (404: it is already gone, which counts as success)."""
        for attempt in (1, 2):
            try:
                reduction = await self._client.cancel_order(order_id)
            except api.NotFound:
                order = await self.refresh(order_id)
                state = f" ({order.status})" if order is not None else ""
                return self._done(True, f"order {order_id} was no longer resting{state}")
            except api.AmbiguousWriteError as exc:
                if attempt == 1:
                    continue  # safe to repeat: a landed cancel makes the next one 404
                await self.refresh(order_id)
                return self._done(False, f"cancel of {order_id}: outcome unknown ({exc.message})")
            except api.KalshiError as exc:
                return self._done(False, f"cancel of {order_id} refused: {exc.message}")
            self._journal_after_send(
                f"the cancel of {order_id}",
                partial(
                    self._journal.record_cancel,
                    order_id,
                    reduced_by=reduction.reduced_by,
                    reason="canceled by the user",
                    response={"reduced_by": reduction.reduced_by, "ts_ms": reduction.ts_ms},
                ),
            )
            reduced = fmt.count(reduction.reduced_by) if reduction.reduced_by is not None else "?"
            return self._done(
                True, f"order {order_id} CANCELED ({reduced} contracts){self._what(order_id)}"
            )
        raise AssertionError("unreachable")

    async def cancel_market(self, ticker: str) -> ChangeResult:
        """Cancel every resting order in one market."""
        return await self._cancel_all(ticker)

    async def cancel_all(self) -> ChangeResult:
        """Cancel every resting order of the account."""
        return await self._cancel_all(None)

    async def _cancel_all(self, ticker: str | None) -> ChangeResult:
        where = f" in {ticker}" if ticker else ""
        try:
            result = await self._client.cancel_all_orders(ticker=ticker)
        except api.AmbiguousWriteError as exc:
            await self._refresh_resting(ticker)
            return self._done(False, f"cancel all{where}: outcome unknown ({exc.message})")
        except api.KalshiError as exc:
            return self._done(False, f"cancel all{where} refused: {exc.message}")
        for order_id in result.order_ids:
            self._journal_after_send(
                f"the cancel of {order_id}",
                partial(self._journal.record_cancel, order_id, reason=f"cancel all{where}"),
            )
        message = f"CANCELED {result.count} order(s){where}"
        if result.failed:
            errors = "; ".join(
                f"{item.order_id}: {item.error.message if item.error else '?'}"
                for item in result.failed
            )
            return self._done(False, f"{message}; {len(result.failed)} failed: {errors}")
        return self._done(True, message)

    # --- amend and decrease -----------------------------------------------------------

    async def amend(self, order_id: str, price: Decimal, count: Decimal) -> ChangeResult:
        """Change a resting order's price (of its side) and total count (filled + resting)."""
        record = self._journal.order(order_id)
        if record is None:
            return self._done(
                False, f"cannot amend {order_id}: not in the journal yet (wait for reconciliation)"
            )
        old = record.order
        new_id = str(uuid.uuid4())
        draft = OrderDraft(new_id, old.ticker, old.side, old.action, price, count)
        denial = self.refusal(old.ticker) or self._change_pending(order_id) or self._judge(draft)
        if denial is not None:
            return self._done(False, f"amend of {order_id} refused ({denial.code}): {denial}")
        try:
            request = api.AmendRequest(
                order_id=order_id,
                ticker=old.ticker,
                side=old.side,
                action=old.action,
                price=price,
                count=count,
                client_order_id=old.client_order_id,
                updated_client_order_id=new_id,
            )
        except ValueError as exc:
            return self._done(False, f"amend of {order_id} refused: {exc}")
        # Durable before the request leaves, exactly as for a new order.
        intent = self._write_ahead(
            "amend",
            order_id,
            lambda: self._journal.record_amend_intent(
                order_id,
                ticker=old.ticker,
                kind="amend",
                price=price,
                count=count,
                updated_client_order_id=new_id,
                client_order_id=old.client_order_id,
            ),
        )
        if isinstance(intent, ChangeResult):
            return intent
        self._amending.add(intent.seq)
        try:
            return await self._send_amend(intent, request)
        finally:
            self._amending.discard(intent.seq)

    async def _send_amend(self, intent: AmendIntent, request: api.AmendRequest) -> ChangeResult:
        order_id = request.order_id
        try:
            result = await self._client.amend_order(request)
        except api.AmbiguousWriteError as exc:
            now = await self.refresh(order_id)
            if now is None or now.client_order_id != request.updated_client_order_id:
                return self._change_unknown(intent, exc.message)
            fill_count: Decimal | None = now.fill_count
        except api.NotFound:
            await self.refresh(order_id)
            return self._change_refused(intent, "the order is no longer resting")
        except api.KalshiError as exc:
            return self._change_refused(intent, exc.message, code=exc.code)
        except Exception as exc:  # anything else: we cannot know whether it was applied
            return self._change_unknown(intent, describe_error(exc))
        else:
            fill_count = result.fill_count
        self._journal_after_send(
            f"the amend of {order_id}",
            lambda: self._journal.record_amend(
                order_id,
                price=request.price,
                count=request.count,
                fill_count=fill_count,
                updated_client_order_id=request.updated_client_order_id,
                response={"fill_count": fill_count},
                intent_seq=intent.seq,
            ),
        )
        self._settled(intent)
        await self.refresh(order_id)  # an amend can cross and fill
        return self._done(
            True,
            f"order {order_id} AMENDED to {fmt.count(request.count)} @ {fmt.cents(request.price)}",
        )

    async def decrease(
        self,
        order_id: str,
        *,
        reduce_by: Decimal | None = None,
        reduce_to: Decimal | None = None,
    ) -> ChangeResult:
        """Shrink a resting order by `reduce_by` or to `reduce_to` resting contracts."""
        problem = _decrease_problem(reduce_by, reduce_to)
        if problem is not None:
            return self._done(False, f"decrease of {order_id} refused: {problem}")
        record = self._journal.order(order_id)
        intent = self._write_ahead(
            "decrease",
            order_id,
            lambda: self._journal.record_amend_intent(
                order_id,
                ticker=record.order.ticker if record is not None else "",
                kind="decrease",
                reduce_by=reduce_by,
                reduce_to=reduce_to,
                client_order_id=record.order.client_order_id if record is not None else None,
            ),
        )
        if isinstance(intent, ChangeResult):
            return intent
        self._amending.add(intent.seq)
        try:
            return await self._send_decrease(intent)
        finally:
            self._amending.discard(intent.seq)

    async def _send_decrease(self, intent: AmendIntent) -> ChangeResult:
        order_id = intent.order_id
        try:
            result = await self._client.decrease_order(
                order_id, reduce_by=intent.reduce_by, reduce_to=intent.reduce_to
            )
        except ValueError as exc:
            return self._change_refused(intent, str(exc))
        except api.NotFound:
            await self.refresh(order_id)
            return self._change_refused(intent, "the order is no longer resting")
        except api.AmbiguousWriteError as exc:
            await self.refresh(order_id)
            return self._change_unknown(intent, exc.message)
        except api.KalshiError as exc:
            return self._change_refused(intent, exc.message, code=exc.code)
        except Exception as exc:  # anything else: we cannot know whether it was applied
            return self._change_unknown(intent, describe_error(exc))
        record = self._journal.order(order_id)
        old = record.order if record is not None else None
        if result.order is not None:
            exchange_order = convert.order(result.order)  # V1: the whole order

            def write_v1() -> None:
                self.record_exchange_order(exchange_order)
                self._journal.record_amend_result(
                    intent.seq,
                    order_id,
                    "resolved",
                    "the exchange's reply",
                    _order_detail(exchange_order),
                )

            self._journal_after_send(f"the decrease of {order_id}", write_v1)
        elif old is not None and (
            result.remaining_count is not None or result.reduced_by is not None
        ):
            # V2 answers how many still rest (decrease) or how many stopped (older replies).
            if result.remaining_count is not None:
                total = old.fill_count + result.remaining_count
            else:
                assert result.reduced_by is not None
                total = old.initial_count - result.reduced_by
            response = {
                "decrease": True,
                "reduced_by": result.reduced_by,
                "remaining_count": result.remaining_count,
            }

            def write() -> None:
                self._journal.record_amend(
                    order_id,
                    price=old.price,
                    count=total,
                    response=response,
                    intent_seq=intent.seq,
                )
                if total - old.fill_count <= 0:
                    self._journal.record_cancel(order_id, reason="decreased to zero")

            self._journal_after_send(f"the decrease of {order_id}", write)
        else:
            now = await self.refresh(order_id)
            detail = {} if now is None else _order_detail(now)
            self._journal_after_send(
                f"the decrease of {order_id}",
                lambda: self._journal.record_amend_result(
                    intent.seq, order_id, "resolved", "read back from the exchange", detail
                ),
            )
        self._settled(intent)
        return self._done(True, f"order {order_id} DECREASED{_decrease_detail(result)}")

    # --- the write-ahead of amends and decreases ---------------------------------------

    def _write_ahead(
        self, what: str, order_id: str, write: Callable[[], AmendIntent]
    ) -> AmendIntent | ChangeResult:
        """Journal a change durably; a failure refuses it (nothing sent) and, through
        `journal_error`, trips the automatic halt as a failed order intent does."""
        try:
            intent = write()
        except (JournalError, sqlite3.Error, ValueError) as exc:
            self.journal_error = str(exc)
            return self._done(
                False,
                f"{what} of {order_id} refused (journal_error): could not journal it ({exc}); "
                "not sent",
            )
        self._unresolved_changes()[intent.seq] = intent
        return intent

    def _journal_after_send(self, what: str, write: Callable[[], object]) -> bool:
        """Journal what the exchange answered; a failure is logged and trips the automatic
        halt, never raised (the change happened; reconciliation reads it back)."""
        try:
            write()
        except (JournalError, sqlite3.Error, ValueError) as exc:
            self.journal_error = str(exc)
            self._store.log(
                f"could not journal {what} ({exc}); the exchange's view is read back at "
                "the next reconciliation",
                level="error",
            )
            return False
        return True

    def _change_pending(self, order_id: str) -> Denial | None:
        """An earlier amend or decrease of this order not settled yet (in flight or
        unknown): amending on top of it would guess at the order's size."""
        for intent in self._unresolved_changes().values():
            if intent.order_id == order_id:
                state = "in flight" if intent.seq in self._amending else "of unknown outcome"
                return Denial(
                    "unresolved_order",
                    f"an earlier {intent.kind} of order {order_id} is still {state}",
                )
        return None

    def _unresolved_changes(self) -> dict[int, AmendIntent]:
        """Amend and decrease intents not settled yet, read from the journal once."""
        if self._changes is None:
            self._changes = {i.seq: i for i in self._journal.unresolved_amends()}
        return self._changes

    def _settled(self, intent: AmendIntent) -> None:
        self._unresolved_changes().pop(intent.seq, None)

    def _change_refused(
        self, intent: AmendIntent, reason: str, *, code: str | None = None
    ) -> ChangeResult:
        self._journal_after_send(
            f"the refusal of the {intent.kind} of {intent.order_id}",
            lambda: self._journal.record_amend_result(
                intent.seq, intent.order_id, "refused", reason, {"code": code}
            ),
        )
        self._settled(intent)
        if reason == "the order is no longer resting":
            return self._done(False, f"{intent.kind} of {intent.order_id}: {reason}")
        return self._done(False, f"{intent.kind} of {intent.order_id} refused: {reason}")

    def _change_unknown(self, intent: AmendIntent, reason: str) -> ChangeResult:
        """Ambiguous answer: the intent stays unsettled and the resolver reads the order."""
        self._journal_after_send(
            f"the unknown outcome of the {intent.kind} of {intent.order_id}",
            lambda: self._journal.record_amend_result(
                intent.seq, intent.order_id, "unknown", reason
            ),
        )
        if self.on_unknown is not None:
            self.on_unknown()
        return self._done(
            False, f"{intent.kind} of {intent.order_id}: outcome unknown ({reason}); looking it up"
        )

    async def resolve_changes(self) -> None:
        """Settle every amend or decrease whose outcome is unknown (an ambiguous answer, or
        sent by a terminal that stopped before journaling it) by reading the order back."""
        for intent in list(self._unresolved_changes().values()):
            if intent.seq not in self._amending:
                await self._resolve_change(intent)

    async def _resolve_change(self, intent: AmendIntent) -> None:
        order_id = intent.order_id
        try:
            wire = await self._client.get_order(order_id)
        except api.NotFound:
            reason = "the exchange no longer has the order"
            detail: dict[str, object] = {}
        except api.KalshiError as exc:
            self._store.log(
                f"{intent.kind} of {order_id}: could not read the order back "
                f"({describe_error(exc)}); still unknown",
                level="warning",
            )
            return
        else:
            order = self._safe_record(convert.order(wire))
            detail = _order_detail(order)
            if intent.kind == "amend":
                landed = order.client_order_id == intent.updated_client_order_id
                detail["applied"] = landed
                verdict = "applied" if landed else "not applied"
            else:
                verdict = "read back"
            reason = (
                f"{verdict}: the exchange shows {fmt.count(order.remaining_count)} resting "
                f"of {fmt.count(order.initial_count)} @ {fmt.cents(order.price)} ({order.status})"
            )
        self._journal_after_send(
            f"the resolution of the {intent.kind} of {order_id}",
            lambda: self._journal.record_amend_result(
                intent.seq, order_id, "resolved", reason, detail
            ),
        )
        self._settled(intent)
        self._store.log(f"{intent.kind} of {order_id} resolved: {reason}")
        self._changed()

    # --- refreshing from the exchange -------------------------------------------------

    async def refresh(self, order_id: str) -> Order | None:
        """Fetch one order and record it if the journal knows it; None if it cannot be read."""
        try:
            order = convert.order(await self._client.get_order(order_id))
        except api.NotFound:
            return None
        except api.KalshiError as exc:
            self._store.log(f"could not refresh order {order_id}: {describe_error(exc)}", "warning")
            return None
        return self._safe_record(order)

    def _safe_record(self, order: Order) -> Order:
        """`record_exchange_order`, with a journal failure logged (and halting), not raised."""
        try:
            return self.record_exchange_order(order)
        except (JournalError, sqlite3.Error) as exc:
            self.journal_error = str(exc)
            self._store.log(
                f"could not journal order {order.order_id} ({exc}); it is read back at the "
                "next reconciliation",
                level="error",
            )
            return order

    def record_exchange_order(self, order: Order) -> Order:
        """Record the exchange's view of an order the journal already knows (in its terms)."""
        record = self._journal.order(order.order_id)
        if record is None:
            return order  # the reconciler adopts orders the journal lacks
        order = order_as(order, record.order.side, record.order.action)
        self._journal.record_order(order, adopted=record.adopted)
        return order

    async def _refresh_resting(self, ticker: str | None) -> None:
        try:
            if ticker is None:
                orders = await self._client.get_all_orders()
            else:
                orders = await self._client.get_all_orders(ticker=ticker)
        except api.KalshiError as exc:
            self._store.log(f"could not list orders: {describe_error(exc)}", level="warning")
            return
        for wire in orders:
            self.record_exchange_order(convert.order(wire))


def _decrease_detail(result: api.OrderReduction) -> str:
    """` by N`, `, remaining M`: what the exchange's reply says (V2 decrease answers only
    the remaining count)."""
    parts = []
    if result.reduced_by is not None:
        parts.append(f" by {fmt.count(result.reduced_by)}")
    if result.remaining_count is not None:
        parts.append(f", remaining {fmt.count(result.remaining_count)}")
    return "".join(parts)


def _decrease_problem(reduce_by: Decimal | None, reduce_to: Decimal | None) -> str | None:
    """Why a decrease cannot be sent as asked (checked before it is journaled)."""
    if (reduce_by is None) == (reduce_to is None):
        return "give exactly one of reduce_by or reduce_to"
    value = reduce_by if reduce_by is not None else reduce_to
    assert value is not None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return f"{value} is not a whole number of hundredths of a contract"
    if reduce_by is not None and reduce_by <= 0:
        return f"reduce_by must be positive, not {reduce_by}"
    if value < 0:
        return f"reduce_to must not be negative, not {value}"
    return None


def _order_detail(order: Order) -> dict[str, object]:
    """What the exchange showed of an order, for an amend_result payload."""
    return {
        "status": order.status,
        "price": order.price,
        "count": order.initial_count,
        "remaining_count": order.remaining_count,
        "fill_count": order.fill_count,
        "client_order_id": order.client_order_id,
    }
