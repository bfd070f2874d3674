"""The kill switch: halt trading and take every resting order off the book, verifiably.

`KillSwitch.trigger()` (synchronous, so a key binding can call it) does, in this order:

1. persist the halt in the journal (trigger, value, threshold, time) — durable first;
   if the journal cannot be written the halt still holds in memory (fail closed) and the
   progress says so;
2. set the store's trading state to HALTED before returning, so the order path, which
   checks the store, blocks new orders in the same event-loop turn;
3. start (or join) the clean-up task: the exchange-side cancel first (trigger the app's
   order group), then batch cancels of the listed resting orders, then order by order for
   what the batches did not take (documented routes only); re-list resting orders until
   the exchange shows none; pull the fills that raced the cancels into the journal; mark
   the halt VERIFIED and alert.

Every cancel uses the client's reserved cancel budget. Each call is bounded by
`attempt_timeout`; a failed round is retried after a jittered backoff, for as long as the
app runs (the `kalshi-tui halt` command passes an overall `give_up_after`). The store shows
UNVERIFIED until the exchange lists zero resting orders.

What "verified" means when the exchange is paused: Kalshi cancels `cancel_order_on_pause`
orders itself when trading pauses (the app places every order with that flag), so those
never hold verification up. If an exchange refuses cancels while paused, the orders it
still lists are resting (they would trade on reopen), so the halt stays UNVERIFIED and
the cancels are retried until the exchange accepts them. Verified always means the
exchange itself listed zero resting orders after our cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from kalshi_tui import api
from kalshi_tui.domain.store import HaltProgress, Store, TradingMode, TradingState
from kalshi_tui.journal import Journal
from kalshi_tui.journal.records import HaltState
from kalshi_tui.services.flatten import Flattener, FlattenResult
from kalshi_tui.services.halt_info import (
    HaltReport,
    ResumeRefused,
    describe_halt,
    open_risk,
    resume_problems,
)
from kalshi_tui.services.order_group import current_order_group
from kalshi_tui.services.poller import describe_error

if TYPE_CHECKING:
    from kalshi_tui.services.alerts import Alerts

REARM_WAIT_SECONDS = 10.0
"""Longest an order waits for a re-arm's order-group reset (then it is sent anyway)."""

FILL_LOOKBACK_SECONDS = 60
"""Fills are pulled from this long before the trigger: a fill can be stamped before the
halt yet reach the REST listing after it."""


class KillSwitch:
    """Halts trading for one account; see the module docstring for the procedure."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        store: Store,
        *,
        group_id: Callable[[], str | None] | None = None,
        alerts: Alerts | None = None,
        unacknowledged_findings: Callable[[], int] = lambda: 0,
        on_rearm: Callable[[], Awaitable[None]] | None = None,
        attempt_timeout: float = 5.0,
        backoff_start: float = 0.05,
        backoff_cap: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._journal = journal
        self._store = store
        self._group_id = group_id or (lambda: current_order_group(journal))
        self._alerts = alerts
        self._findings = unacknowledged_findings
        self._on_rearm = on_rearm
        self._rearm_task: asyncio.Task[None] | None = None
        self._attempt_timeout = attempt_timeout
        self._backoff = (backoff_start, backoff_cap)
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._task: asyncio.Task[HaltReport] | None = None
        self._triggers_seen: set[tuple[str, str]] = set()
        """(trigger, reason) pairs of the current halt."""
        snapshot = store.snapshot
        self._journal_halted = snapshot.trading.mode is TradingMode.HALTED and snapshot.halt is None
        """Whether this process has seen (or written) the journal's halt. A store HALTED
        with no halt of this process in progress, before the switch exists, was halted from
        the journal at start-up (`apply_persisted_halt`): a resume that another process
        commits before the halt watcher's first look must still be followed."""
        self._rearms = 0
        """Re-arms so far; a clean-up stops once it changes."""
        self.last_report: HaltReport | None = None

    # --- state ----------------------------------------------------------------------------

    @property
    def halted(self) -> bool:
        return self._store.snapshot.trading.mode is TradingMode.HALTED

    @property
    def cleaning_up(self) -> bool:
        return self._task is not None and not self._task.done()

    # --- halting --------------------------------------------------------------------------

    def trigger(
        self,
        trigger: str,
        reason: str,
        *,
        value: Decimal | None = None,
        threshold: Decimal | None = None,
        give_up_after: float | None = None,
        persist: bool = True,
    ) -> asyncio.Task[HaltReport]:
        """Halt now: journal, then store, both before returning; the clean-up runs in the
        returned task (joined if one is already running). Needs a running event loop.

        `persist=False` is for a halt the journal already holds (start-up, another
        process). `give_up_after` (seconds) bounds the clean-up (the CLI); None retries
        until verified.
        """
        key = (trigger, reason)
        if key in self._triggers_seen and self.halted and self._task is not None:
            report = self.last_report
            if not self._task.done() or (report is not None and report.verified):
                # An automatic trigger repeats on every evaluation while its condition
                # holds: nothing new to persist, cancel or log.
                return self._task
        durable, error = True, ""
        if persist:
            try:
                if self._journal.halt_state(marker=False).halted:
                    if key not in self._triggers_seen:
                        payload = {"trigger": trigger, "reason": reason, "value": value}
                        self._journal.record_event("halt_retrigger", payload)
                else:
                    self._journal.set_halt(trigger, reason, value=value, threshold=threshold)
                self._journal_halted = True
            except Exception as exc:  # a journal failure must not stop the halt
                durable, error = False, f"journal write failed: {describe_error(exc)}"
        else:
            # The journal already holds this halt (the contract of persist=False): a resume
            # committed from now on, even before the watcher's first look, is followed.
            self._journal_halted = True
        self._triggers_seen.add(key)
        state = HaltState(True, trigger, value, threshold, reason, None)
        now = self._store.now()
        previous = self._store.snapshot.halt
        running = self.cleaning_up and previous is not None
        progress = (
            dataclasses.replace(previous, durable=previous.durable and durable)
            if running and previous is not None
            else HaltProgress(trigger, reason, now, durable=durable, last_error=error)
        )
        trading = self._store.snapshot.trading
        if trading.mode is not TradingMode.HALTED:
            trading = TradingState(TradingMode.HALTED, describe_halt(state), now)
        self._store.update(trading=trading, halt=progress)
        self._store.log(f"HALTED — {describe_halt(state)}", level="error")
        if self._task is None or self._task.done():
            if self._alerts is not None:
                self._alerts.halt(trigger, reason, value, threshold, open_risk(self._store))
            self._task = asyncio.get_running_loop().create_task(
                self._clean_up(give_up_after), name="kill-switch"
            )
        return self._task

    async def halt(
        self,
        trigger: str,
        reason: str,
        *,
        value: Decimal | None = None,
        threshold: Decimal | None = None,
        give_up_after: float | None = None,
    ) -> HaltReport:
        """`trigger()` and wait for the clean-up's report."""
        task = self.trigger(
            trigger, reason, value=value, threshold=threshold, give_up_after=give_up_after
        )
        return await asyncio.shield(task)

    def sync_from_journal(self, state: HaltState) -> None:
        """Follow the journal written by another process (`kalshi-tui halt` / `resume`)."""
        snapshot = self._store.snapshot
        if state.halted:
            self._journal_halted = True
            if snapshot.trading.mode is not TradingMode.HALTED or (
                snapshot.halt is None and not self.cleaning_up
            ):
                self._store.log("halt found in the journal (another terminal?)", "warning")
                self.trigger(
                    state.trigger or "remote",
                    state.reason or "halted from another process",
                    value=state.value,
                    threshold=state.threshold,
                    persist=False,
                )
            return
        # Re-arm only on a real change of the journal from halted to not halted: a halt
        # that could not be persisted (durable False) never resumes this way.
        progress = snapshot.halt
        resumed_elsewhere = (
            self._journal_halted
            and snapshot.trading.mode is TradingMode.HALTED
            and (progress is None or progress.durable)
        )
        if resumed_elsewhere:
            self._store.log(f"trading resumed from another process: {state.reason}", "warning")
            self._rearm(state.reason or "resumed elsewhere")

    async def close(self) -> None:
        """Stop a running clean-up (the session is closing)."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- resuming -------------------------------------------------------------------------

    def resume_problems(self) -> list[str]:
        problems = resume_problems(self._journal, self._findings())
        if self.cleaning_up:
            problems.append("the halt's clean-up is still running; wait for VERIFIED")
        return problems

    def resume(self, reason: str) -> HaltState:
        """Re-arm (journaled); raises ResumeRefused while it is not safe."""
        if not reason.strip():
            raise ResumeRefused(["give a reason for resuming (it is journaled)"])
        problems = self.resume_problems()
        if problems:
            with contextlib.suppress(Exception):
                self._journal.record_event(
                    "resume_refused", {"reason": reason, "problems": problems}
                )
            raise ResumeRefused(problems)
        state = self._journal.clear_halt(reason)
        self._rearm(reason)
        return state

    def _rearm(self, reason: str) -> None:
        self._rearms += 1  # the running clean-up stops before its next attempt
        self._triggers_seen.clear()
        self._journal_halted = False
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._on_rearm is not None:
            # Scheduled before the store says ACTIVE, so an order that reacts to ACTIVE
            # finds it in `rearmed()` and waits for it.
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule
                self._rearm_task = asyncio.get_running_loop().create_task(self._after_rearm())
        self._store.update(
            trading=TradingState(TradingMode.ACTIVE, f"resumed: {reason}", self._store.now()),
            halt=None,
        )
        self._store.log(f"trading re-armed: {reason}", level="warning")

    async def rearmed(self) -> None:
        """Wait (at most `REARM_WAIT_SECONDS`) for the background work of the last re-arm:
        until it has reset the app's order group, the exchange refuses every order that
        joins the group (the halt triggered it). Returns at once when none is running."""
        task = self._rearm_task
        if task is None or task.done():
            return
        try:
            async with asyncio.timeout(REARM_WAIT_SECONDS):  # not wait_for: see poller.run
                await asyncio.shield(task)
        except TimeoutError:
            return
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the caller is being cancelled: never swallow that
            # the re-arm task itself was cancelled (a new halt): nothing to wait for

    async def settled(self) -> None:
        """Wait for background work of the last halt or re-arm to finish."""
        for task in (self._task, self._rearm_task):
            if task is not None and not task.done():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _after_rearm(self) -> None:
        """E.g. reset the app's order group so its orders are accepted again."""
        assert self._on_rearm is not None
        try:
            await self._on_rearm()
        except Exception as exc:
            self._store.log(f"after re-arming: {describe_error(exc)}", level="warning")

    # --- the clean-up ---------------------------------------------------------------------

    async def _clean_up(self, give_up_after: float | None) -> HaltReport:
        generation = self._rearms
        flattener = Flattener(
            self._client,
            self._journal,
            group_id=self._group_id,
            on_progress=self._progress,
            attempt_timeout=self._attempt_timeout,
            backoff=self._backoff,
            monotonic=self._monotonic,
            rng=self._rng,
            keep_going=lambda: self._rearms == generation,
        )
        result = await flattener.run(
            give_up_after=give_up_after, fills_since=int(self._store.now()) - FILL_LOOKBACK_SECONDS
        )
        if result.verified:
            self._journal_cancels(result.cancelled_ids)
        return self._finish(result)

    def _journal_cancels(self, cancelled: frozenset[str]) -> None:
        try:
            for order_id in sorted(cancelled):
                self._journal.record_cancel(order_id, reason="kill switch")
        except Exception as exc:
            self._store.log(f"could not journal the halt's cancels: {exc}", level="error")

    def _progress(self, **changes: object) -> None:
        current = self._store.snapshot.halt
        if current is not None:
            self._store.update(halt=dataclasses.replace(current, **changes))  # type: ignore[arg-type]

    def _finish(self, result: FlattenResult) -> HaltReport:
        progress = self._store.snapshot.halt
        report = HaltReport(
            cancelled=result.cancelled,
            elapsed=result.elapsed,
            verified=result.verified,
            resting=result.resting,
            fills_recorded=result.fills,
            attempts=result.attempts,
            last_error=result.last_error,
            durable=True if progress is None else progress.durable,
        )
        self.last_report = report
        self._progress(
            verified=result.verified,
            cancelled=result.cancelled,
            resting=result.resting,
            elapsed=result.elapsed if result.verified else None,
            attempts=result.attempts,
        )
        level = "warning" if result.verified else "error"
        self._store.log(f"kill switch: {report.summary()}", level=level)
        if self._alerts is not None:
            self._alerts.halt_outcome(report.summary(), verified=result.verified)
        return report
