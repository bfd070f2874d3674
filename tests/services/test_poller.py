"""The poll loop: re-arms after each run, never overlaps, survives errors with backoff."""

from __future__ import annotations

import asyncio
import random

from kalshi_tui.domain.store import Store
from kalshi_tui.services.poller import Poller, describe_error, make_error_handler


async def test_polls_never_overlap_and_rearm_after_finishing() -> None:
    store = Store()
    running = 0
    max_running = 0
    calls = 0

    async def poll() -> None:
        nonlocal running, max_running, calls
        running += 1
        max_running = max(max_running, running)
        calls += 1
        await asyncio.sleep(0.01)
        running -= 1

    poller = Poller(
        "t", poll, interval=0.001, stale_after=1, store=store, on_error=make_error_handler(store)
    )
    task = asyncio.create_task(poller.run())
    for _ in range(5):
        poller.poke()
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert calls >= 3
    assert max_running == 1
    assert store.snapshot.health["t"].last_success is not None


async def test_errors_are_recorded_logged_and_the_loop_recovers() -> None:
    store = Store()
    outcomes = [RuntimeError("boom"), ValueError("bad [markup]"), None, None]

    async def poll() -> None:
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    poller = Poller(
        "markets",
        poll,
        interval=0.0,
        stale_after=1,
        store=store,
        on_error=make_error_handler(store),
        rng=random.Random(1),
    )
    assert not await poller.run_once()
    assert poller.next_delay() > 0, "a failure backs off"
    assert not await poller.run_once()
    health = store.snapshot.health["markets"]
    assert health.errors == 2
    assert health.consecutive_errors == 2
    assert health.last_error == "ValueError: bad [markup]"
    assert await poller.run_once()
    assert store.snapshot.health["markets"].consecutive_errors == 0
    assert poller.next_delay() == 0.0
    logged = [e.text for e in store.log_since(0)]
    assert logged == [
        "markets poll failed: RuntimeError: boom",
        "markets poll recovered after 2 failure(s)",
    ]


def test_backoff_grows_and_is_capped() -> None:
    store = Store()

    async def poll() -> None:
        raise RuntimeError

    poller = Poller(
        "x",
        poll,
        interval=1.0,
        stale_after=1,
        store=store,
        on_error=lambda *_: None,
        max_backoff=8.0,
        rng=random.Random(0),
    )
    delays = []
    for _ in range(8):
        asyncio.run(poller.run_once())
        delays.append(poller.next_delay())
    assert delays[0] <= 1.0
    assert max(delays) <= 8.0
    assert delays[-1] >= 4.0


def test_describe_error_is_one_line() -> None:
    assert describe_error(RuntimeError("a\nb")) == "RuntimeError: a"
    assert describe_error(TimeoutError()) == "TimeoutError"
