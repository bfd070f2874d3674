"""A poll loop that re-arms after each run, so polls of one concern never overlap.

Every failure goes to one error handler (logged, counted, shown in the store's
health) and the loop carries on with jittered exponential backoff: a worker never
dies on an error. `poke()` makes the next poll start now (e.g. when the selected
market changes) without ever running two polls at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable

from kalshi_tui.domain.store import Store

PollFunction = Callable[[], Awaitable[None]]
ErrorHandler = Callable[[str, BaseException], None]


class Poller:
    """Runs `poll` every `interval` seconds, measured from the end of the previous run."""

    def __init__(
        self,
        name: str,
        poll: PollFunction,
        *,
        interval: float,
        stale_after: float,
        store: Store,
        on_error: ErrorHandler,
        max_backoff: float = 30.0,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.interval = interval
        self._poll = poll
        self._store = store
        self._on_error = on_error
        self._max_backoff = max_backoff
        self._rng = rng or random.Random()
        self._monotonic = monotonic
        self._wake = asyncio.Event()
        self._failures = 0
        self.runs = 0
        store.ensure_health(name, interval=interval, stale_after=stale_after)

    def poke(self) -> None:
        """Start the next poll as soon as the current one (if any) has finished."""
        self._wake.set()

    def next_delay(self) -> float:
        """Seconds to wait before the next poll: the interval, or a backoff after failures."""
        if self._failures == 0:
            return self.interval
        base = max(self.interval, 0.5)
        backoff: float = min(self._max_backoff, base * 2.0 ** (self._failures - 1))
        # Full jitter on the upper half keeps many pollers from retrying in lockstep.
        return backoff * (0.5 + self._rng.random() / 2)

    async def run_once(self) -> bool:
        """Run one poll, recording success or failure. Returns True on success."""
        started = self._monotonic()
        self.runs += 1
        try:
            await self._poll()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure goes to the one handler
            self._failures += 1
            self._on_error(self.name, exc)
            return False
        if self._failures:
            self._store.log(f"{self.name} poll recovered after {self._failures} failure(s)")
        self._failures = 0
        self._store.record_success(self.name, latency=self._monotonic() - started)
        return True

    async def run(self) -> None:
        """Poll forever (until cancelled)."""
        while True:
            self._wake.clear()
            await self.run_once()
            # `asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for` swallows a
            # cancellation that arrives as the wake-up does (a poke at the moment the
            # session closes), and the poller then runs forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.next_delay()):
                    await self._wake.wait()


def describe_error(exc: BaseException) -> str:
    """One line for the log and the health display; never a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def make_error_handler(store: Store, *, repeat_every: int = 10) -> ErrorHandler:
    """The one handler every poller reports to.

    It records the failure in the poller's health and logs it; while a poller keeps
    failing, only every `repeat_every`-th consecutive failure is logged again so an
    outage does not flood the log tail.
    """

    def handle(name: str, exc: BaseException) -> None:
        text = describe_error(exc)
        health = store.record_failure(name, text)
        n = health.consecutive_errors
        if n == 1 or n % repeat_every == 0:
            suffix = f" ({n} in a row)" if n > 1 else ""
            store.log(f"{name} poll failed: {text}{suffix}", level="error")

    return handle
