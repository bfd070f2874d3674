"""Shared by the tests that run a live demo session: fast poll intervals, and a wait that
lets the app (and its pollers) run until a condition holds."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from kalshi_tui.services.session import PollPlan

FAST = PollPlan(
    exchange=(0.2, 3.0),
    markets=(0.5, 5.0),
    orderbook=(0.3, 2.5),
    history=(2.0, 10.0),
    portfolio=(0.3, 3.0),
    settlements=(5.0, 30.0),
)
"""Poll intervals and staleness thresholds (seconds) short enough for tests."""


async def wait_for(pilot: Pilot[int], condition: Callable[[], bool], seconds: float = 15.0) -> None:
    """Let the app run until `condition` holds (polls are live, so time must pass)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
