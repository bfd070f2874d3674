"""P&L counts every fill in the journal, whoever journaled it: the tracker tails the journal
by row id, so fills journaled by another connection, by the kill switch or by
`kalshi-tui halt` in another process reach the book within one poll, and a fill the app's
own fill poll sees again is never counted twice. Against the embedded exchange over
loopback with a real SQLite journal (and, for `halt`, a real second process)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from live_kit import FAST
from trading_rig import KEY_ID, Rig, allow_all, make_rig

from kalshi_tui import api
from kalshi_tui.domain.orders import Denial
from kalshi_tui.domain.pnl_view import PnlView
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal import Journal, journal_path
from kalshi_tui.services import convert
from kalshi_tui.services.fills import in_order_terms
from kalshi_tui.services.pnl import PnlTracker
from kalshi_tui.services.session import Session
from kalshi_tui.services.trading import TradingPlan


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await make_rig(tmp_path)
    try:
        rig.open()
        await rig.t.start()
        yield rig
    finally:
        await rig.close()


def view(store: Store) -> PnlView:
    pnl = store.snapshot.pnl
    assert pnl is not None
    return pnl


def held(store: Store, ticker: str) -> Decimal:
    position = view(store).position(ticker)
    return Decimal(0) if position is None else position.contracts


async def journal_from_another_connection(rig: Rig) -> int:
    """What the kill switch and `kalshi-tui halt` do: pull the account's fills and journal
    them, through a connection of their own. Returns how many were new."""
    wires = await rig.client.get_all_fills()
    with Journal.open(rig.path) as other:
        return len(other.record_fills([in_order_terms(other, w) for w in reversed(wires)]))


async def test_fills_journaled_elsewhere_reach_the_book_once(rig: Rig) -> None:
    tracker = PnlTracker(rig.journal, rig.store)
    rig.t.fills.on_fills = lambda _new: tracker.catch_up()
    await tracker.load()

    await rig.submit(rig.draft(price="0.43", count="3"))
    await rig.counterparty_sells("3", price="0.43")
    assert await journal_from_another_connection(rig) == 1
    assert tracker.catch_up(), "the tail found the fill"
    assert held(rig.store, rig.ticker) == Decimal(3)
    assert view(rig.store).fills == 1
    # The app's own fill poll meets the same fill: the journal has it, nothing is counted.
    assert await rig.t.fills.poll() == []
    assert tracker.catch_up() == []
    assert (held(rig.store, rig.ticker), view(rig.store).fills) == (Decimal(3), 1)

    # The other way round: the app journals a fill first, another connection repeats it.
    await rig.submit(rig.draft(price="0.43", count="2"))
    await rig.counterparty_sells("2", price="0.43")
    assert len(await rig.t.fills.poll()) == 1
    assert await journal_from_another_connection(rig) == 0
    tracker.catch_up()
    assert (held(rig.store, rig.ticker), view(rig.store).fills) == (Decimal(5), 2)
    positions = await rig.client.get_all_positions()
    rig.store.update(
        positions=tuple(convert.position(p) for p in positions.market_positions if p.position)
    )
    assert view(rig.store).differences == (), [str(d) for d in view(rig.store).differences]
    tracker.close()


async def test_a_fill_journaled_while_the_book_loads_is_counted_once(rig: Rig) -> None:
    await rig.submit(rig.draft(price="0.43", count="1"))
    await rig.counterparty_sells("1", price="0.43")
    assert len(await rig.t.fills.poll()) == 1
    tracker = PnlTracker(rig.journal, rig.store)
    load = asyncio.create_task(tracker.load())
    await rig.submit(rig.draft(price="0.43", count="4"))
    await rig.counterparty_sells("4", price="0.43")
    await journal_from_another_connection(rig)  # before, during or after the load
    await load
    tracker.catch_up()
    assert (held(rig.store, rig.ticker), view(rig.store).fills) == (Decimal(5), 2)
    tracker.close()


# --- a real `kalshi-tui halt` beside a running session ------------------------------------


def write_config(tmp_path: Path, rig: Rig, key_pem: bytes, key_id: str) -> Path:
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(key_pem)
    os.chmod(key_path, 0o600)
    config = tmp_path / "config.toml"
    config.write_text(
        "[exchange]\n"
        f'base_url = "{rig.exchange.base_url}"\n'
        f'key_id = "{key_id}"\n'
        f'private_key_path = "{key_path}"\n'
        'rate_tier = "premier"\n'
        "[storage]\n"
        f'data_dir = "{tmp_path / "data"}"\n'
    )
    return config


async def wait_until(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


async def test_fills_journaled_by_kalshi_tui_halt_reach_the_running_session(
    tmp_path: Path,
) -> None:
    rig = await make_rig(tmp_path)
    key = rig.client.auth
    assert isinstance(key, api.KalshiAuth)
    config = write_config(tmp_path, rig, rig.key_pem, KEY_ID)
    store = Store(Snapshot(environment="demo"))
    # The app's own fill poll (and periodic reconciliation) are far apart: only the tail
    # of the journal can bring the fill to the book in time.
    plan = TradingPlan(fills=(3600.0, 7200.0), reconcile=(3600.0, 7200.0), lag_window=2.0)
    session = Session(
        api.KalshiClient(rig.exchange.base_url, key, rate_limits=api.RateLimits.unlimited()),
        store,
        plan=FAST,
        journal=Journal.open(journal_path(tmp_path / "data")),
        gate=allow_all,
        trading_plan=plan,
    )
    runner = asyncio.create_task(session.run())
    try:
        await wait_until(
            lambda: store.snapshot.trading_ready and store.snapshot.pnl is not None,
            "the session never became ready",
        )
        trading = session.trading
        assert trading is not None
        draft = rig.draft(price="0.43", count="3")
        placed = await trading.orders.submit(draft)
        assert not isinstance(placed, Denial), placed
        await rig.counterparty_sells("3", price="0.43")
        assert held(store, rig.ticker) == Decimal(0), "not journaled yet"

        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kalshi_tui",
            "halt",
            "--config",
            str(config),
            "--reason",
            "from another terminal",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, out.decode() + err.decode()
        await wait_until(
            lambda: held(store, rig.ticker) == Decimal(3),
            "the fill journaled by `kalshi-tui halt` never reached the P&L book",
        )
        assert view(store).fills == 1
        assert [f.ticker for f in store.snapshot.fills] == [rig.ticker], "recent fills too"
        # The app's own fill poll now meets it again: counted once.
        assert await trading.fills.poll() == []
        await asyncio.sleep(0.6)  # one more tail
        assert (held(store, rig.ticker), view(store).fills) == (Decimal(3), 1)
        await session.pollers["portfolio"].run_once()
        assert view(store).differences == (), [str(d) for d in view(store).differences]
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await session.close()
        await rig.close()
