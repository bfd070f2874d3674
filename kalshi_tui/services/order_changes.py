"""Changing resting orders: cancel (one, a market, all), amend and decrease, journaled.

Cancels go through the client's cancel lane (reserved rate-limit headroom) and are allowed
whatever the trading state: a halted terminal may always reduce risk. A cancel that the
exchange answers with 404 means the order is no longer resting (already canceled or
filled, see docs/WIRE.md): that is success, and the order is refreshed so the journal
learns which. A cancel whose outcome is unknown is sent once more, which is safe: if the
first one landed the second answers 404.

An amend can add risk (a bigger size, a more aggressive price), so it passes the same
refusals and pre-trade gate as a new order; a decrease only reduces and is not gated.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal
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
            self._journal.record_cancel(
                order_id,
                reduced_by=reduction.reduced_by,
                reason="canceled by the user",
                response={"reduced_by": reduction.reduced_by, "ts_ms": reduction.ts_ms},
            )
            reduced = fmt.count(reduction.reduced_by) if reduction.reduced_by is not None else "?"
            return self._done(True, f"order {order_id} CANCELED ({reduced} contracts)")
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
            self._journal.record_cancel(order_id, reason=f"cancel all{where}")
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
        denial = self.refusal(old.ticker) or self._judge(draft)
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
            result = await self._client.amend_order(request)
        except ValueError as exc:
            return self._done(False, f"amend of {order_id} refused: {exc}")
        except api.AmbiguousWriteError as exc:
            now = await self.refresh(order_id)
            if now is None or now.client_order_id != new_id:
                return self._done(False, f"amend of {order_id}: outcome unknown ({exc.message})")
            fill_count: Decimal | None = now.fill_count
        except api.NotFound:
            await self.refresh(order_id)
            return self._done(False, f"amend of {order_id}: the order is no longer resting")
        except api.KalshiError as exc:
            return self._done(False, f"amend of {order_id} refused: {exc.message}")
        else:
            fill_count = result.fill_count
        self._journal.record_amend(
            order_id,
            price=price,
            count=count,
            fill_count=fill_count,
            updated_client_order_id=new_id,
            response={"fill_count": fill_count},
        )
        await self.refresh(order_id)  # an amend can cross and fill
        return self._done(
            True, f"order {order_id} AMENDED to {fmt.count(count)} @ {fmt.cents(price)}"
        )

    async def decrease(
        self,
        order_id: str,
        *,
        reduce_by: Decimal | None = None,
        reduce_to: Decimal | None = None,
    ) -> ChangeResult:
        """Shrink a resting order by `reduce_by` or to `reduce_to` resting contracts."""
        try:
            result = await self._client.decrease_order(
                order_id, reduce_by=reduce_by, reduce_to=reduce_to
            )
        except ValueError as exc:
            return self._done(False, f"decrease of {order_id} refused: {exc}")
        except api.NotFound:
            await self.refresh(order_id)
            return self._done(False, f"decrease of {order_id}: the order is no longer resting")
        except api.AmbiguousWriteError as exc:
            await self.refresh(order_id)
            return self._done(False, f"decrease of {order_id}: outcome unknown ({exc.message})")
        except api.KalshiError as exc:
            return self._done(False, f"decrease of {order_id} refused: {exc.message}")
        record = self._journal.order(order_id)
        old = record.order if record is not None else None
        if result.order is not None:
            self.record_exchange_order(convert.order(result.order))  # V1: the whole order
        elif old is not None and (
            result.remaining_count is not None or result.reduced_by is not None
        ):
            # V2 answers how many still rest (decrease) or how many stopped (older replies).
            if result.remaining_count is not None:
                total = old.fill_count + result.remaining_count
            else:
                assert result.reduced_by is not None
                total = old.initial_count - result.reduced_by
            self._journal.record_amend(
                order_id,
                price=old.price,
                count=total,
                response={
                    "decrease": True,
                    "reduced_by": result.reduced_by,
                    "remaining_count": result.remaining_count,
                },
            )
            if total - old.fill_count <= 0:
                self._journal.record_cancel(order_id, reason="decreased to zero")
        else:
            await self.refresh(order_id)
        return self._done(True, f"order {order_id} DECREASED{_decrease_detail(result)}")

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
        return self.record_exchange_order(order)

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
