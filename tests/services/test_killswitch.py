"""The kill switch against the embedded exchange: real HTTP, real signatures, real journal."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from halt_kit import KEY_ID, StartExchange, open_tickers, place_resting, resting_count

from kalshi_tui import api
from kalshi_tui.domain.store import Store, TradingMode
from kalshi_tui.exchange.server import RunningExchange
from kalshi_tui.journal import Journal
from kalshi_tui.services.killswitch import KillSwitch


def make_switch(client: api.KalshiClient, journal: Journal, store: Store) -> KillSwitch:
    return KillSwitch(client, journal, store, attempt_timeout=2.0, backoff_cap=0.2)


async def test_fifty_resting_orders_halt_to_a_verified_flat_book(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    await place_resting(client, 50)
    assert await resting_count(client) == 50
    switch = make_switch(client, journal, store)

    task = switch.trigger("manual", "kill switch pressed", value=Decimal("812"))
    # Before any await: durable in the journal and HALTED in the store.
    halt = journal.halt_state()
    assert halt.halted
    assert halt.trigger == "manual"
    assert halt.value == Decimal("812")
    assert store.snapshot.trading.mode is TradingMode.HALTED
    progress = store.snapshot.halt
    assert progress is not None
    assert progress.label == "UNVERIFIED"

    report = await task
    assert report.verified
    assert report.cancelled == 50
    assert report.resting == 0
    assert await resting_count(client) == 0
    progress = store.snapshot.halt
    assert progress is not None
    assert progress.label == "VERIFIED"
    assert progress.cancelled == 50
    assert progress.elapsed is not None
    cancels = list(journal.events(kind="cancel"))
    assert len(cancels) == 50
    assert "VERIFIED" in report.summary()
    assert "cancelled 50" in report.summary()


@pytest.mark.parametrize("profile", ["compat", "legacy"])
async def test_thirty_percent_of_cancels_failing_still_verifies(
    start: StartExchange,
    private_key: rsa.RSAPrivateKey,
    journal: Journal,
    store: Store,
    profile: str,
) -> None:
    exchange = start(profile=profile)
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key),
        rate_limits=api.RateLimits.unlimited(),
        order_api="v1" if profile == "legacy" else "v2",
    ) as client:
        await place_resting(client, 50)
        # Every write (cancel-all, batch and single cancels, group calls) fails 30% of
        # the time, half of those after the exchange applied it (a lost response).
        exchange.faults.configure("write_error=0.3,drop_response=0.15,seed=2")
        switch = make_switch(client, journal, store)
        report = await asyncio.wait_for(switch.halt("manual", "chaos"), 60)
        exchange.faults.configure("")
        assert report.verified
        assert report.resting == 0
        assert await resting_count(client) == 0
        assert client.stats.errors > 0, "the faults must actually have hit the cancels"
        assert report.cancelled <= 50


async def test_paused_exchange_refusing_cancels_stays_unverified_until_it_accepts(
    exchange: RunningExchange, client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    await place_resting(client, 20, on_pause=True)
    plain = await place_resting(client, 20)
    # Trading pauses: the exchange cancels the cancel_order_on_pause orders itself. This
    # exchange also refuses every write (cancels included) while paused.
    exchange.faults.configure("paused,write_error=1")
    switch = make_switch(client, journal, store)
    task = switch.trigger("manual", "pause test")
    await asyncio.sleep(1.0)
    progress = store.snapshot.halt
    assert progress is not None
    assert not task.done()
    assert progress.label == "UNVERIFIED"
    assert progress.resting == 20, "on-pause orders went with the pause, the rest remain"
    assert progress.last_error
    # The exchange starts accepting cancels (still paused): the retries get through.
    exchange.faults.configure("paused")
    report = await asyncio.wait_for(task, 20)
    assert report.verified
    assert report.cancelled == len(plain)
    assert store.snapshot.halt is not None
    assert store.snapshot.halt.verified
    exchange.faults.configure("")


class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport and notes every request's method, path and time."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[float, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((time.monotonic(), request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_no_order_leaves_the_process_after_the_halt(
    exchange: RunningExchange,
    private_key: rsa.RSAPrivateKey,
    journal: Journal,
    store: Store,
) -> None:
    transport = RecordingTransport()
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key),
        rate_limits=api.RateLimits.unlimited(),
        transport=transport,
    ) as client:
        tickers = await open_tickers(client, 1)
        switch = make_switch(client, journal, store)
        placed: list[str] = []
        enough = asyncio.Event()

        async def strategy() -> None:
            # An order path that checks the store's trading state before every order,
            # as the order service does.
            while True:
                if store.snapshot.trading.mode is TradingMode.ACTIVE:
                    ack = await client.create_order(
                        api.OrderRequest(
                            ticker=tickers[0],
                            side="yes",
                            action="buy",
                            count=Decimal(1),
                            price=Decimal("0.02"),
                            client_order_id=str(uuid.uuid4()),
                        )
                    )
                    placed.append(ack.order_id)
                    if len(placed) >= 30:
                        enough.set()
                await asyncio.sleep(0.002)

        runner = asyncio.create_task(strategy())
        await asyncio.wait_for(enough.wait(), 10)
        switch.trigger("manual", "flood")
        halted_at = time.monotonic()
        report = await asyncio.wait_for(switch.halt("manual", "flood"), 20)
        await asyncio.sleep(0.3)
        runner.cancel()
        assert report.verified
        order_posts = [
            when
            for when, method, path in transport.seen
            if method == "POST" and path.endswith("/orders")
        ]
        assert order_posts
        assert max(order_posts) < halted_at
        assert await resting_count(client) == 0


async def test_a_second_trigger_joins_the_running_clean_up(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    await place_resting(client, 10)
    switch = make_switch(client, journal, store)
    first = switch.trigger("manual", "pressed")
    second = switch.trigger("daily_loss", "loss limit", value=Decimal(510), threshold=Decimal(500))
    third = switch.trigger("daily_loss", "loss limit", value=Decimal(520), threshold=Decimal(500))
    assert first is second is third
    report = await first
    assert report.cancelled == 10
    assert [e.kind for e in journal.events() if e.kind.startswith("halt")] == [
        "halt",
        "halt_retrigger",
    ]
    assert journal.halt_state().trigger == "manual", "the first trigger is the halt's cause"
    # The same automatic trigger firing again after verification: nothing new happens.
    assert switch.trigger("daily_loss", "loss limit") is first
    assert len([e for e in journal.events() if e.kind.startswith("halt")]) == 2
    # A different trigger is journaled and re-verifies the book.
    fresh = switch.trigger("stale_data", "no book for 30 s")
    assert fresh is not first
    assert (await fresh).verified
    kinds = [e.kind for e in journal.events() if e.kind.startswith("halt")]
    assert kinds == ["halt", "halt_retrigger", "halt_retrigger"]


async def test_a_journal_that_cannot_be_written_still_halts(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    await place_resting(client, 5)
    switch = make_switch(client, journal, store)
    journal.close()  # every write now fails
    task = switch.trigger("journal_failure", "disk full")
    assert store.snapshot.trading.mode is TradingMode.HALTED
    progress = store.snapshot.halt
    assert progress is not None
    assert not progress.durable
    assert "journal write failed" in progress.last_error
    report = await task
    assert report.verified
    assert report.cancelled == 5
    assert not report.durable
    assert "could not be written to the journal" in report.summary()


async def test_fills_that_race_the_cancels_are_journaled(
    client: api.KalshiClient, counterparty: api.KalshiClient, journal: Journal, store: Store
) -> None:
    await place_resting(client, 5)
    resting = await client.get_all_orders(status="resting")
    target = resting[0]
    # The counterparty sells YES into one of our bids just before the halt.
    await counterparty.create_order(
        api.OrderRequest(
            ticker=target.ticker,
            side="yes",
            action="sell",
            count=Decimal(1),
            price=target.yes_price,
            client_order_id=str(uuid.uuid4()),
        )
    )
    switch = make_switch(client, journal, store)
    report = await switch.halt("manual", "after a fill")
    assert report.verified
    assert report.cancelled == 4
    assert report.fills_recorded == 1
    [fill] = list(journal.fills())
    assert fill.order_id == target.order_id
    assert fill.count == 1


async def test_an_empty_listing_that_lags_the_engine_is_not_trusted(
    start: StartExchange, private_key: rsa.RSAPrivateKey, journal: Journal, store: Store
) -> None:
    exchange = start(profile="legacy")  # no exchange-side cancel-all: everything is listed
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key),
        rate_limits=api.RateLimits.unlimited(),
        order_api="v1",
    ) as client:
        ticker = (await open_tickers(client, 1))[0]
        for i in range(5):
            cid = str(uuid.uuid4())
            price = Decimal("0.01") * (i + 1)
            # As the order service does: intent first, then the request, then the ack.
            journal.record_intent(
                cid, ticker=ticker, side="yes", action="buy", price=price, count=Decimal(1)
            )
            journal.mark_sent(cid)
            ack = await client.create_order(
                api.OrderRequest(
                    ticker=ticker,
                    side="yes",
                    action="buy",
                    count=Decimal(1),
                    price=price,
                    client_order_id=cid,
                )
            )
            journal.record_ack(cid, ack.order_id)
        # REST listings now lag the engine by 3 s: the orders rest but are not listed.
        exchange.faults.configure("lag_ms=3000")
        assert await resting_count(client) == 0
        report = await make_switch(client, journal, store).halt("manual", "lagging listing")
        assert report.verified
        assert report.cancelled == 5
        with exchange.engine() as engine:
            assert not engine.orders(exchange.user_id, status="resting")


async def test_an_order_in_flight_holds_verification_until_it_resolves(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    journal.record_intent(
        "in-flight", ticker="KX", side="yes", action="buy", price=Decimal("0.3"), count=Decimal(1)
    )
    journal.mark_sent("in-flight")  # the request is out; its answer is not back yet
    task = make_switch(client, journal, store).trigger("manual", "while sending")
    await asyncio.sleep(0.4)
    assert not task.done()
    assert store.snapshot.halt is not None
    assert store.snapshot.halt.label == "UNVERIFIED"
    journal.record_reject("in-flight", "market_closed", "closed")
    report = await asyncio.wait_for(task, 5)
    assert report.verified


@pytest.mark.parametrize("profile", ["current", "legacy"])
async def test_the_clean_up_uses_only_documented_cancel_routes(
    start: StartExchange,
    private_key: rsa.RSAPrivateKey,
    journal: Journal,
    store: Store,
    profile: str,
) -> None:
    """No `DELETE /portfolio/events/orders` (a cancel-all route Kalshi does not document):
    the listed orders go out in documented batch cancels, and the listing verifies."""
    exchange = start(profile=profile)
    transport = RecordingTransport()
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key),
        rate_limits=api.RateLimits.unlimited(),
        transport=transport,
    ) as client:
        placed = await place_resting(client, 45)
        transport.seen.clear()
        report = await make_switch(client, journal, store).halt("manual", "documented routes")
        assert report.verified
        assert report.cancelled == len(placed)
        assert await resting_count(client) == 0
    deletes = [path for _, method, path in transport.seen if method == "DELETE"]
    assert "/trade-api/v2/portfolio/events/orders" not in deletes
    assert len(deletes) == 3, "45 orders: three batch cancels of at most 20"
    assert all(path.endswith("/orders/batched") for path in deletes)
