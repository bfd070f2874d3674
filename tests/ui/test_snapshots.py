"""Snapshot tests of the main screen and the help screen.

Everything that could differ between runs is frozen: the exchange is built with a
fixed seed on a clock that never moves (so its agents never act after seeding the
books); the client, the store (whose
clock is the UI's clock) and the poll latency all read the same fixed clock, log
times are printed in UTC, and the pollers are not started: the test drives
`session.refresh()` itself so events are logged in a fixed order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kalshi_tui import api
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.exchange.server import start_exchange
from kalshi_tui.services.launch import DEMO_SEED, DEMO_SHARD_DOLLARS, load_or_create_demo_key
from kalshi_tui.services.session import PollPlan, Session
from kalshi_tui.ui.app import TerminalApp

FIXED_NOW = 1_795_000_000.0
"""2026-11-18 05:46:40 UTC."""

SIZE = (180, 50)

NEVER = PollPlan(
    exchange=(1e6, 1e9),
    markets=(1e6, 1e9),
    orderbook=(1e6, 1e9),
    history=(1e6, 1e9),
    portfolio=(1e6, 1e9),
    settlements=(1e6, 1e9),
)


@pytest.fixture(autouse=True)
def utc_log_times(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The log tail prints local times; pin the zone so the snapshot is the same anywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def frozen_app(directory: Path) -> TerminalApp:
    def clock() -> float:
        return FIXED_NOW

    key = load_or_create_demo_key(directory)
    running = start_exchange(
        seed=DEMO_SEED,
        markets=60,
        keys=[(key.key_id, key.public_pem())],
        clock=clock,
        shard_dollars=DEMO_SHARD_DOLLARS,  # as the demo: the selected market is on shard 2
    )
    client = api.KalshiClient(
        running.base_url, api.KalshiAuth(key.key_id, key.private_key, clock=clock), clock=clock
    )
    store = Store(Snapshot(environment="demo"), clock=clock)
    session = Session(client, store, plan=NEVER, exchange=running, monotonic=clock)
    return TerminalApp(session, poll=False)


async def load(pilot: Pilot[int]) -> None:
    """Two polling rounds around one taker fill and one resting order in the selected market."""
    app = pilot.app
    assert isinstance(app, TerminalApp)
    session = app.session
    await session.refresh()
    await pilot.pause(0.3)  # the UI selects the market under the cursor
    market = session.snapshot.market(session.snapshot.selected)
    assert market is not None
    assert market.yes_ask is not None
    assert market.yes_bid is not None
    orders = [
        ("snap-take", Decimal(5), market.yes_ask),
        ("snap-rest", Decimal(3), market.yes_bid - Decimal("0.02")),
    ]
    for client_id, count, price in orders:
        await session.client.create_order(
            api.OrderRequest(
                ticker=market.ticker,
                side="yes",
                action="buy",
                count=count,
                price=price,
                client_order_id=client_id,
            )
        )
    await session.refresh()
    await pilot.pause(0.3)
    assert session.snapshot.orders
    assert session.snapshot.positions


def test_main_screen(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    assert snap_compare(frozen_app(tmp_path / "demo"), terminal_size=SIZE, run_before=load)


def test_help_screen(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    assert snap_compare(
        frozen_app(tmp_path / "demo"), terminal_size=SIZE, run_before=load, press=["question_mark"]
    )
