"""A session against the embedded exchange over loopback: real HTTP, real signatures."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.services import feeds
from kalshi_tui.services.launch import demo_session, load_or_create_demo_key
from kalshi_tui.services.session import Session


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[Session]:
    s = demo_session(directory=tmp_path / "demo", markets=120)
    try:
        yield s
    finally:
        await s.close()


async def test_one_refresh_fills_every_part_of_the_store(session: Session) -> None:
    await session.refresh()
    assert session.snapshot.selected is None, "the UI chooses the first selection"
    session.select(session.snapshot.markets[0].ticker)
    await session.refresh()
    snap = session.snapshot
    assert snap.environment == "demo"
    assert snap.exchange is not None
    assert snap.exchange.trading_active
    assert len(snap.markets) > 50
    assert snap.book is not None
    assert snap.book.ticker == snap.selected
    assert snap.balance is not None
    assert snap.balance.cash == Decimal("10000")
    assert snap.history is not None
    assert snap.history.points, "the simulator seeds a plausible past"
    for name in ("exchange", "markets", "orderbook", "portfolio", "history", "settlements"):
        health = snap.health[name]
        assert health.errors == 0, (name, health.last_error)
        assert health.last_success is not None


async def test_selection_change_drops_the_old_book(session: Session) -> None:
    await session.refresh()
    other = session.snapshot.markets[5].ticker
    session.select(other)
    assert session.snapshot.book is None, "never show the previous market's book"
    await session.pollers["orderbook"].run_once()
    assert session.snapshot.book is not None
    assert session.snapshot.book.ticker == other


async def test_a_failing_feed_is_recorded_and_recovers(tmp_path: Path) -> None:
    session = demo_session(directory=tmp_path / "demo", markets=60)
    try:
        assert session.exchange is not None
        running = session.exchange
        # Every read fails, including the client's own retries.
        running.faults.configure("read_error=1.0")
        assert not await session.pollers["markets"].run_once()
        health = session.snapshot.health["markets"]
        assert health.consecutive_errors == 1
        assert "503" in health.last_error or "Unavailable" in health.last_error
        assert any("markets poll failed" in e.text for e in session.store.log_since(0))
        running.faults.configure("")
        assert await session.pollers["markets"].run_once()
        assert session.snapshot.health["markets"].consecutive_errors == 0
    finally:
        await session.close()


def test_demo_key_is_private_and_reused(tmp_path: Path) -> None:
    first = load_or_create_demo_key(tmp_path / "d")
    second = load_or_create_demo_key(tmp_path / "d")
    assert first.key_id == second.key_id
    assert (tmp_path / "d" / "demo-key.pem").stat().st_mode & 0o077 == 0


async def test_demo_state_survives_a_restart(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    first = demo_session(directory=directory, markets=60)
    await first.refresh()
    tickers = [m.ticker for m in first.snapshot.markets]
    await first.close()
    assert (directory / "exchange-state.json").exists()
    second = demo_session(directory=directory, markets=60)
    try:
        await second.refresh()
        assert [m.ticker for m in second.snapshot.markets][:10] == tickers[:10]
    finally:
        await second.close()


async def test_a_demo_session_trades_once_reconciled(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    session = demo_session(directory=directory, markets=60)
    try:
        trading = session.trading
        assert trading is not None
        assert trading.journal.path == directory / "journal.sqlite3"
        await session.pollers["markets"].run_once()
        ticker = next(m.ticker for m in session.snapshot.markets if m.status == "active")
        session.select(ticker)
        ready = asyncio.Event()

        def on_change(snap: Snapshot, _changed: frozenset[str]) -> None:
            book = snap.book
            if snap.trading_ready and book is not None and book.ticker == ticker:
                ready.set()

        session.store.subscribe(on_change)
        runner = asyncio.create_task(session.run())
        await asyncio.wait_for(ready.wait(), timeout=30)
        big = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.05"), Decimal(101))
        denial = await trading.orders.submit(big)
        assert isinstance(denial, Denial)
        assert denial.code == "max_order_contracts"
        assert trading.journal.intent(big.client_order_id) is None
        costly = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal("0.90"), Decimal(60))
        denial = await trading.orders.submit(costly)
        assert isinstance(denial, Denial)
        assert denial.code == "max_order_notional"
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    finally:
        await session.close()
    assert (directory / "journal.sqlite3").exists()


async def test_the_log_records_connection_and_market_changes(session: Session) -> None:
    store = session.store
    await session.refresh()
    texts = [e.text for e in store.log_since(0)]
    assert texts[0] == "connected to the exchange at 127.0.0.1"
    count = len(session.snapshot.markets)
    assert f"loaded {count:,} markets" in texts

    # Pretend one market was not open last time, one was open that no longer is,
    # and one had another status: the next poll of the real exchange logs each.
    markets = list(session.snapshot.markets)
    opened, changed = markets[0], markets[1]
    gone = replace(markets[2], ticker="KXGONE-26JAN01-T1")
    markets = [replace(changed, status="inactive"), *markets[2:], gone]
    store.update(markets=markets)
    seen = store.log_since(0)[-1].seq
    await session.pollers["markets"].run_once()
    texts = [e.text for e in store.log_since(seen)]
    assert texts == [
        f"1 market(s) opened: {opened.ticker}",
        "1 market(s) closed: KXGONE-26JAN01-T1",
        f"{changed.ticker}: inactive → {changed.status}",
    ]


async def test_the_first_load_shows_the_first_page_before_the_rest(session: Session) -> None:
    session.feeds.markets_page_size = 25
    sizes: list[int] = []
    session.store.subscribe(
        lambda snap, changed: sizes.append(len(snap.markets)) if "markets" in changed else None
    )
    await session.pollers["markets"].run_once()
    assert sizes[0] == 25
    assert sizes[-1] == len(session.snapshot.markets) > 100
    loaded = [e.text for e in session.store.log_since(0) if e.text.startswith("loaded")]
    assert loaded == [f"loaded {sizes[-1]:,} markets"]
    # Later refreshes replace the list in one update.
    sizes.clear()
    await session.pollers["markets"].run_once()
    assert sizes == [len(session.snapshot.markets)]


async def test_the_first_load_grows_on_screen_page_by_page(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "SHOW_EVERY_SECONDS", 0.0)
    session.feeds.markets_page_size = 25
    sizes: list[int] = []
    session.store.subscribe(
        lambda snap, changed: sizes.append(len(snap.markets)) if "markets" in changed else None
    )
    await session.pollers["markets"].run_once()
    total = len(session.snapshot.markets)
    # Every page is shown as it arrives (then the finished list once more).
    assert sizes[:-1] == [min(25 * k, total) for k in range(1, len(sizes))]
    assert sizes[-2:] == [total, total]
    assert total > 100


async def test_markets_are_paged_at_the_documented_maximum(tmp_path: Path) -> None:
    session = demo_session(directory=tmp_path / "big", markets=2500, trading=False)
    try:
        before = session.client.stats.requests
        await session.pollers["markets"].run_once()
        listed = len(session.snapshot.markets)
        assert listed > 2000
        # GET /markets serves at most 1,000 per page (Kalshi's documented limit): three
        # round trips for this list, where 250-market pages took nine or more.
        assert session.client.stats.requests - before == -(-listed // 1000)
    finally:
        await session.close()


async def test_the_portfolio_reads_go_out_together(session: Session) -> None:
    assert session.exchange is not None
    faults = session.exchange.faults
    faults.configure("read_latency_ms=2000")
    before = faults.requests["read"]
    poll = asyncio.create_task(session.pollers["portfolio"].run_once())
    try:
        async with asyncio.timeout(30):
            while faults.requests["read"] - before < 3:  # noqa: ASYNC110 (the exchange's count)
                await asyncio.sleep(0.01)
        # Balance, positions and resting orders all reached the exchange while the first
        # answer was still held back: one round trip for the refresh, not three.
        assert session.client.stats.last_status is None
        assert session.snapshot.balance is None
        await poll
    finally:
        faults.configure("")
        poll.cancel()
    assert session.snapshot.balance is not None
    assert session.snapshot.health["portfolio"].errors == 0


async def test_market_summaries_share_what_repeats(session: Session) -> None:
    await session.pollers["markets"].run_once()
    markets = session.snapshot.markets
    events = {m.event_ticker for m in markets}
    assert 1 < len(events) < len(markets)
    # One object per event ticker, series, status and price grid, not one per market:
    # at 50,000 markets that is most of the list's memory beyond the titles.
    for field in ("event_ticker", "series_ticker", "status", "price_ranges", "close_time"):
        values = [getattr(m, field) for m in markets]
        assert len({id(v) for v in values}) == len(set(values)), field


async def test_the_session_plans_from_the_accounts_limits_and_logs_it(session: Session) -> None:
    logged = asyncio.Event()

    def planned() -> list[str]:
        return [e.text for e in session.store.log_since(0) if "rate limits" in e.text]

    unsubscribe = session.store.subscribe(lambda _snap, _changed: planned() and logged.set())
    runner = asyncio.create_task(session.run())
    try:
        await asyncio.wait_for(logged.wait(), 20)
    finally:
        unsubscribe()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    [line] = planned()
    assert line.startswith("rate limits from the account's basic tier: read ")
    [entry] = [e for e in session.store.log_since(0) if e.text == line]
    assert entry.level == "info"
