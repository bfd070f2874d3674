"""The client against the embedded exchange over loopback: real HTTP, real RSA-PSS
signatures verified by the simulator, every essential endpoint in every wire profile,
and the failure modes (bad key, clock skew, pause, dropped write, 5xx, rate limits)
produced by the exchange itself rather than scripted."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from loopback_kit import OTHER_KEY_ID, Keys, client_for, new_keys, order

from kalshi_tui.api import (
    AmbiguousWriteError,
    AmendRequest,
    AuthenticationError,
    ClockSkewError,
    KalshiAuth,
    KalshiClient,
    NotFound,
    OrderAlreadyExists,
    RateLimits,
    TradingPaused,
)
from kalshi_tui.api import _core as core
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig


@pytest.mark.parametrize("profile", ["compat", "current", "legacy"])
async def test_every_essential_endpoint_round_trips(
    start: Any, keys: Keys, other_keys: Keys, profile: str
) -> None:
    exchange = start(profile=profile)
    async with (
        client_for(exchange, keys[0]) as client,
        KalshiClient(
            exchange.base_url,
            KalshiAuth(OTHER_KEY_ID, other_keys[0]),
            rate_limits=RateLimits.unlimited(),
        ) as other,
    ):
        # -- exchange and market data ---------------------------------------------------
        status = await client.get_exchange_status()
        assert status.exchange_active
        assert status.trading_active
        schedule = await client.get_exchange_schedule()
        assert schedule.standard_hours, "the schedule has opening hours"

        first = await client.get_markets(status="open", limit=5)
        assert len(first.markets) == 5
        assert first.cursor, "more than one page of open markets"
        everything = await client.get_all_markets(status="open", limit=7)
        one_page = await client.get_markets(status="open", limit=1000)
        assert [m.ticker for m in everything] == [m.ticker for m in one_page.markets]
        assert all(m.status in ("open", "active") for m in everything)

        market = next(m for m in everything if m.yes_bid is not None and m.yes_ask is not None)
        ticker = market.ticker
        fetched = await client.get_market(ticker)
        assert fetched.ticker == ticker
        assert isinstance(fetched.yes_ask, Decimal)
        # Without agents the book is what accounts rest: three YES bids, two NO bids.
        for price in ("0.10", "0.11", "0.12"):
            await other.create_order(order(ticker, price, count=1))
        for price in ("0.20", "0.21"):
            await other.create_order(order(ticker, price, count=1, side="no"))
        book = await client.get_orderbook(ticker, depth=2)
        assert [level.price for level in book.yes] == [Decimal("0.11"), Decimal("0.12")]
        assert [level.price for level in book.no] == [Decimal("0.20"), Decimal("0.21")]
        assert all(level.count == 1 for level in (*book.yes, *book.no))
        assert all(isinstance(level.price, Decimal) for level in (*book.yes, *book.no))

        by_event = await client.get_markets(event_ticker=market.event_ticker)
        assert ticker in {m.ticker for m in by_event.markets}
        events = await client.get_events(limit=3)
        assert 0 < len(events.events) <= 3
        event = await client.get_event(market.event_ticker)
        assert ticker in {m.ticker for m in event.markets}
        series = await client.get_series(event.series_ticker)
        assert series.ticker == event.series_ticker
        assert event.series_ticker in {s.ticker for s in await client.list_series()}

        # -- portfolio and orders -------------------------------------------------------
        balance = await client.get_balance()
        assert balance.balance == Decimal(10_000)

        resting = order(ticker, "0.05")
        ack = await client.create_order(resting)
        assert ack.client_order_id == resting.client_order_id
        got = await client.get_order(ack.order_id)
        assert got.status == "resting"
        assert got.remaining_count == Decimal(5)
        assert got.yes_price == Decimal("0.05")
        listed = await client.get_all_orders(ticker=ticker, status="resting")
        assert ack.order_id in {o.order_id for o in listed}
        found = await client.find_order_by_client_id(resting.client_order_id, ticker=ticker)
        assert found is not None
        assert found.order_id == ack.order_id

        amended = await client.amend_order(
            AmendRequest(
                order_id=ack.order_id,
                ticker=ticker,
                side="yes",
                action="buy",
                price=Decimal("0.06"),
                count=Decimal(5),
                client_order_id=resting.client_order_id,
                updated_client_order_id=str(uuid.uuid4()),
            )
        )
        amended_id = amended.order.order_id if amended.order is not None else amended.order_id
        after_amend = await client.get_order(amended_id)
        assert after_amend.yes_price == Decimal("0.06")

        reduced = await client.decrease_order(amended_id, reduce_by=Decimal(2))
        assert reduced.order_id == amended_id
        assert (await client.get_order(amended_id)).remaining_count == Decimal(3)
        await client.cancel_order(amended_id)
        assert (await client.get_order(amended_id)).status == "canceled"
        with pytest.raises(NotFound):
            await client.cancel_order(amended_id)

        pair = [await client.create_order(order(ticker, p)) for p in ("0.03", "0.04")]
        items = await client.batch_cancel_orders([a.order_id for a in pair])
        assert {i.order_id for i in items} == {a.order_id for a in pair}
        assert all(i.error is None for i in items)

        await client.create_order(order(ticker, "0.02"))
        cancelled = await client.cancel_all_orders(ticker=ticker)
        assert cancelled.count == 1
        assert await client.get_all_orders(ticker=ticker, status="resting") == []

        # -- a fill against the counterparty: its NO bids are YES asks at 0.79 and 0.80 ---
        taker = order(ticker, "0.99", count=2, time_in_force="immediate_or_cancel")
        filled = await client.create_order(taker)
        assert filled.fill_count == Decimal(2)
        fills = await client.get_all_fills(ticker=ticker)
        assert sum(f.count for f in fills) == Decimal(2)
        assert all(f.ticker == ticker and isinstance(f.yes_price, Decimal) for f in fills)
        trades = (await client.get_trades(ticker=ticker, limit=1000)).trades
        assert all(t.ticker == ticker and isinstance(t.yes_price, Decimal) for t in trades)
        # The exchange also has a synthetic past; our fills are among the public trades
        # (against the NO bids above: YES at 0.79 and 0.80, one contract each).
        assert {f.trade_id for f in fills} <= {t.trade_id for t in trades}
        assert sorted(f.yes_price for f in fills) == [Decimal("0.79"), Decimal("0.80")]
        positions = {p.ticker: p for p in (await client.get_all_positions()).market_positions}
        assert positions[ticker].position == Decimal(2)
        assert (await client.get_balance()).balance < balance.balance
        settlements = await client.get_all_settlements()
        assert settlements == [], "nothing has settled on a fresh exchange"

        # -- order groups ----------------------------------------------------------------
        group_id = await client.create_order_group(Decimal(10))
        group = await client.get_order_group(group_id)
        assert group.id == group_id
        assert group_id in {g.id for g in await client.get_order_groups()}
        await client.reset_order_group(group_id)
        await client.delete_order_group(group_id)
        with pytest.raises(NotFound):
            await client.get_order_group(group_id)


async def test_legacy_exchange_falls_back_to_the_v1_order_routes(start: Any, keys: Keys) -> None:
    exchange = start(profile="legacy")
    async with client_for(exchange, keys[0]) as client:
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        await client.create_order(order(ticker, "0.05"))
        assert client.order_api == "v1"


async def test_current_exchange_uses_the_v2_order_routes(start: Any, keys: Keys) -> None:
    exchange = start(profile="current")
    async with client_for(exchange, keys[0]) as client:
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        await client.create_order(order(ticker, "0.05"))
        assert client.order_api == "v2"


async def test_unknown_key_is_an_authentication_error(start: Any, other_keys: Keys) -> None:
    exchange = start()
    unregistered = new_keys()[0]
    async with client_for(exchange, unregistered) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_balance()
    assert not isinstance(info.value, ClockSkewError)
    assert info.value.status == 401


async def test_server_clock_far_ahead_is_a_clock_skew_error(start: Any, keys: Keys) -> None:
    exchange = start(faults="clock_shift_s=120")
    async with client_for(exchange, keys[0]) as client:
        with pytest.raises(ClockSkewError) as first:
            await client.get_balance()
        assert first.value.status == 401, "the exchange refused the signature's timestamp"
        assert first.value.skew_seconds is not None
        assert first.value.skew_seconds == pytest.approx(120, abs=2)
        assert "behind the exchange's clock" in str(first.value)
        # From now on the client knows: reads are signed with the exchange's time and
        # verify; a new order is refused locally instead of collecting 401s.
        balance = await client.get_balance()
        assert balance.balance >= 0
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        sent = client.stats.requests
        with pytest.raises(ClockSkewError, match="not sending POST /portfolio/events/orders"):
            await client.create_order(order(ticker, "0.05"))
        assert client.stats.requests == sent


async def test_409s_are_told_apart_by_code(start: Any, keys: Keys) -> None:
    exchange = start()
    async with client_for(exchange, keys[0]) as client:
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        placed = order(ticker, "0.05")
        await client.create_order(placed)
        with pytest.raises(OrderAlreadyExists) as duplicate:
            await client.create_order(placed)
        exchange.faults.configure("paused")
        with pytest.raises(TradingPaused) as paused:
            await client.create_order(order(ticker, "0.05"))
    assert duplicate.value.status == paused.value.status == 409
    assert duplicate.value.code != paused.value.code


async def test_dropped_write_response_is_ambiguous_and_applied_once(start: Any, keys: Keys) -> None:
    exchange = start()
    async with client_for(exchange, keys[0]) as client:
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        placed = order(ticker, "0.05")
        exchange.faults.configure("drop_response=1.0")
        with pytest.raises(AmbiguousWriteError) as info:
            await client.create_order(placed)
        assert info.value.client_order_id == placed.client_order_id
        exchange.faults.configure()
        mine = [
            o
            for o in await client.get_all_orders(ticker=ticker)
            if o.client_order_id == placed.client_order_id
        ]
    assert len(mine) == 1, "applied by the exchange exactly once, never resent blindly"


async def test_reads_retry_through_injected_server_errors(start: Any, keys: Keys) -> None:
    exchange = start(faults="read_error=0.5,seed=4")

    async def no_wait(_: float) -> None:
        await asyncio.sleep(0)

    async with client_for(exchange, keys[0], sleep=no_wait, max_read_retries=8) as client:
        for _ in range(10):
            assert (await client.get_exchange_status()).exchange_active
        assert client.stats.retries > 0
        assert client.stats.errors == client.stats.retries


async def test_basic_tier_client_never_trips_the_basic_tier_exchange(
    start: Any, keys: Keys
) -> None:
    """Steady state at the account's tier: the client's buckets, planned from the
    exchange's own limits as at start-up, pace a burst of reads so the exchange's limiter
    never answers 429."""
    exchange = start(rate_limits=RateLimitConfig(tier="basic"))
    async with client_for(exchange, keys[0], rate_limits=RateLimits.for_tier("basic")) as client:
        await client.plan_rate_limits()
        await asyncio.sleep(1.0)  # the exchange's read bucket refills after the plan's reads
        planned = client.stats.requests
        await asyncio.gather(*(client.get_exchange_status() for _ in range(45)))
        stats = client.stats
    assert stats.requests == 45 + planned
    assert stats.rate_limited == 0
    assert stats.retries == 0


async def test_the_next_page_is_on_the_wire_before_this_one_is_handed_over(
    start: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core, "PREFETCH_SEND_WAIT_S", 30.0)
    exchange = start()
    async with client_for(exchange, keys[0]) as client:
        before = exchange.faults.requests["read"]
        pages = client.iter_market_pages(status="open", limit=5)
        first = await anext(pages)
        assert len(first) == 5
        # Without letting the event loop run (a blocking wait), the exchange receives the
        # request for page two: it was written before page one was validated and handed
        # over, so the exchange builds it while the client works on this one.
        deadline = time.monotonic() + 10
        while exchange.faults.requests["read"] - before < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # noqa: ASYNC251 (the loop must not run)
        assert exchange.faults.requests["read"] - before == 2
        second = await anext(pages)
        assert {m.ticker for m in second}.isdisjoint(m.ticker for m in first)
        await pages.aclose()  # type: ignore[attr-defined]
