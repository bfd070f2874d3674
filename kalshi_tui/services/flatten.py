"""Taking every resting order off the book and proving it: the kill switch's clean-up.

One round: the exchange-side cancel first (trigger the app's order group, until that has
gone through), then list resting orders, batch-cancel them (chunks of 20 in parallel, each
order with its market ticker) and cancel one by one whatever a batch did not take. Only
documented routes are used (the API docs this follows have no cancel-all route). Rounds
repeat until a listing shows zero resting orders: that listing is the verification. A
round with errors is followed by a jittered exponential backoff. Every call is bounded by
`attempt_timeout`; the whole run is unbounded unless `give_up_after` is given. All
cancels use the client's reserved cancel budget. Finally the fills since `fills_since`
are pulled into the journal (fills that raced the cancels).

An empty listing alone is not trusted, because REST listings lag the matching engine:
orders the journal last saw resting that the clean-up has not cancelled are cancelled by
id (a success means the listing was behind, so another round follows; "not found" means
gone), and while an intent of this account is in flight (pending/sent, updated within
`IN_FLIGHT_SECONDS`) the clean-up keeps re-listing, since that order may land after the
cancels. Only then is the book verified flat.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from kalshi_tui import api
from kalshi_tui.journal import Journal
from kalshi_tui.journal.records import IntentState
from kalshi_tui.services import convert
from kalshi_tui.services.fills import in_order_terms
from kalshi_tui.services.order_group import trigger_group
from kalshi_tui.services.poller import describe_error
from kalshi_tui.services.trade_terms import order_as

T = TypeVar("T")

BATCH_SIZE = 20
"""Kalshi's limit of ids per batch cancel."""
PARALLEL_CANCELS = 16
"""Single-order cancels in flight at once (the rate limiter paces them further)."""
FILL_TRIES = 5
IN_FLIGHT_SECONDS = 15.0
"""An intent sent this recently may still reach the book (the request timeout is 10 s);
older pending/sent intents are left to start-up reconciliation."""
IN_FLIGHT_POLL = 0.05

Progress = Callable[..., None]
"""Called with HaltProgress field values (resting, cancelled, attempts, last_error)."""


@dataclass(frozen=True, slots=True)
class FlattenResult:
    verified: bool
    cancelled: int
    cancelled_ids: frozenset[str]
    resting: int | None
    """Resting orders in the last listing; None if no listing ever succeeded."""
    fills: int
    attempts: int
    elapsed: float
    """Seconds to verification (or to giving up)."""
    last_error: str


@dataclass(slots=True)
class _Tally:
    """Orders cancelled, by id."""

    ids: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.ids)


class Flattener:
    """One clean-up run; see the module docstring."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        *,
        group_id: Callable[[], str | None],
        on_progress: Progress,
        attempt_timeout: float,
        backoff: tuple[float, float],
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> None:
        self._keep_going = keep_going
        """False once the halt was resumed: stop before the next attempt. (Cancelling the
        task alone is not enough: Python 3.11's `wait_for` can swallow a cancellation that
        races a request finishing.)"""
        self._client = client
        self._journal = journal
        self._group_id = group_id
        self._progress = on_progress
        self._attempt_timeout = attempt_timeout
        self._backoff = backoff
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._last_error = ""

    async def run(self, *, give_up_after: float | None, fills_since: int) -> FlattenResult:
        started = self._monotonic()
        deadline = None if give_up_after is None else started + give_up_after
        cancelled = _Tally()
        gone: set[str] = set()
        attempts = 0
        delay = self._backoff[0]
        exchange_side_done = False
        resting: int | None = None
        while True:
            if attempts and not self._keep_going():
                raise asyncio.CancelledError("the halt was resumed")
            attempts += 1
            errors: list[str] = []
            if not exchange_side_done:
                exchange_side_done = await self._exchange_side(errors)
            pause = 0.0
            try:
                orders = await self._bounded(self._client.get_all_orders(status="resting"))
            except Exception as exc:
                errors.append(f"listing resting orders: {describe_error(exc)}")
            else:
                resting = len(orders)
                self._progress(resting=resting, attempts=attempts, cancelled=cancelled.count)
                if orders:
                    left = await self._batch_cancel(orders, cancelled, errors)
                    if left:
                        await self._cancel_each(left, cancelled, errors)
                elif await self._journal_says_flat(cancelled, gone, errors):
                    break
                else:
                    pause = IN_FLIGHT_POLL  # an order may still land: look again shortly
            if errors:
                self._last_error = errors[-1]
                self._progress(last_error=errors[-1], attempts=attempts, cancelled=cancelled.count)
                pause = delay * (0.5 + self._rng.random())
                delay = min(delay * 2, self._backoff[1])
            if deadline is not None and self._monotonic() >= deadline:
                elapsed = self._monotonic() - started
                return self._result(False, cancelled, 0, resting, 0, attempts, elapsed)
            if pause:
                await asyncio.sleep(pause)
        elapsed = self._monotonic() - started
        fills = await self._pull_fills(fills_since)
        canceled_elsewhere = await self._settle_gone(gone - cancelled.ids)
        return self._result(True, cancelled, canceled_elsewhere, 0, fills, attempts, elapsed)

    async def _journal_says_flat(
        self, cancelled: _Tally, gone: set[str], errors: list[str]
    ) -> bool:
        """After an empty listing: True when the journal knows of nothing that may still
        rest (see the module docstring); cancels what it knows by id."""
        try:
            known = [
                (record.order.order_id, record.order.ticker)
                for record in self._journal.open_orders()
                if record.order.order_id not in cancelled.ids | gone
            ]
            in_flight = self._in_flight()
        except Exception as exc:
            errors.append(f"reading the journal: {describe_error(exc)}")
            return True  # the exchange's listing is all there is to go on
        if known:
            before = len(cancelled.ids)
            await self._cancel_each(known, cancelled, errors, gone=gone)
            if len(cancelled.ids) > before or errors:
                return False  # the listing was behind: list again
        return not in_flight

    def _in_flight(self) -> bool:
        intents = self._journal.intents((IntentState.PENDING, IntentState.SENT))
        if not intents:
            return False
        newest = max(intent.updated_at for intent in intents)
        return (datetime.now(UTC) - newest).total_seconds() < IN_FLIGHT_SECONDS

    def _result(
        self,
        verified: bool,
        cancelled: _Tally,
        canceled_elsewhere: int,
        resting: int | None,
        fills: int,
        attempts: int,
        elapsed: float,
    ) -> FlattenResult:
        # Orders the exchange cancelled itself (the order group's trigger) count too, so the
        # banner does not say "0 cancelled" after the exchange took everything off the book.
        return FlattenResult(
            verified=verified,
            cancelled=cancelled.count + canceled_elsewhere,
            cancelled_ids=frozenset(cancelled.ids),
            resting=resting,
            fills=fills,
            attempts=attempts,
            elapsed=elapsed,
            last_error=self._last_error,
        )

    async def _bounded(self, awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, self._attempt_timeout)

    async def _exchange_side(self, errors: list[str]) -> bool:
        """Trigger the app's order group (the exchange cancels its orders); True once that
        went through, or when there is no group."""
        try:
            group_id = self._group_id()
            await self._bounded(trigger_group(self._client, self._journal, group_id))
        except Exception as exc:
            errors.append(f"order group trigger: {describe_error(exc)}")
            return False
        return True

    async def _batch_cancel(
        self, orders: list[api.Order], cancelled: _Tally, errors: list[str]
    ) -> list[tuple[str, str | None]]:
        """Batch-cancel `orders` (chunks in parallel); returns (id, ticker) still to cancel."""
        chunks = [orders[i : i + BATCH_SIZE] for i in range(0, len(orders), BATCH_SIZE)]
        results = await asyncio.gather(
            *(self._bounded(self._client.batch_cancel_orders(chunk)) for chunk in chunks),
            return_exceptions=True,
        )
        left: list[tuple[str, str | None]] = []
        for chunk, result in zip(chunks, results, strict=True):
            if isinstance(result, BaseException):
                errors.append(f"batch cancel: {describe_error(result)}")
                left.extend((order.order_id, order.ticker) for order in chunk)
                continue
            tickers = {order.order_id: order.ticker for order in chunk}
            for item in result:
                if item.ok:
                    cancelled.ids.add(item.order_id)
                elif not _gone(item.error):
                    left.append((item.order_id, tickers.get(item.order_id)))
        return left

    async def _cancel_each(
        self,
        orders: Sequence[tuple[str, str | None]],
        cancelled: _Tally,
        errors: list[str],
        *,
        gone: set[str] | None = None,
    ) -> None:
        """Cancel (order id, ticker) pairs one by one, a few at a time."""
        gate = asyncio.Semaphore(PARALLEL_CANCELS)

        async def cancel(order_id: str, ticker: str | None) -> None:
            async with gate:
                try:
                    await self._bounded(
                        self._client.cancel_order(order_id, ticker=ticker, priority="cancel")
                    )
                except api.NotFound:
                    if gone is not None:
                        gone.add(order_id)
                    return  # already gone (filled, or cancelled by another path)
                except Exception as exc:
                    errors.append(f"cancel {order_id}: {describe_error(exc)}")
                    return
                cancelled.ids.add(order_id)

        await asyncio.gather(*(cancel(order_id, ticker) for order_id, ticker in orders))

    async def _settle_gone(self, gone: set[str]) -> int:
        """Orders the journal had resting that were already gone when cancelled by id:
        re-read each so the journal learns whether it was canceled or filled (else the next
        halt would find them "resting" again). Returns how many were canceled."""
        canceled = 0
        for order_id in sorted(gone):
            try:
                wire = await self._bounded(self._client.get_order(order_id))
                order = convert.order(wire)
                record = self._journal.order(order_id)
                if record is not None:
                    order = order_as(order, record.order.side, record.order.action)
                self._journal.record_order(order)
            except Exception as exc:  # the reconciler settles it later
                self._last_error = f"re-reading order {order_id}: {describe_error(exc)}"
                continue
            canceled += order.status == "canceled"
        return canceled

    async def _pull_fills(self, since: int) -> int:
        """Journal the fills since `since`; a few tries (the fills poller catches up with
        anything missed), never holding verification up."""
        delay = self._backoff[0]
        for _ in range(FILL_TRIES):
            try:
                raw = await self._bounded(self._client.get_all_fills(min_ts=since))
                fills = [in_order_terms(self._journal, item) for item in reversed(raw)]
                return len(self._journal.record_fills(fills))
            except Exception as exc:
                self._last_error = f"pulling fills: {describe_error(exc)}"
                self._progress(last_error=self._last_error)
                await asyncio.sleep(delay * (0.5 + self._rng.random()))
                delay = min(delay * 2, self._backoff[1])
        return 0


def _gone(error: api.ItemError | None) -> bool:
    return error is not None and (error.code or "").lower().startswith("not_found")
