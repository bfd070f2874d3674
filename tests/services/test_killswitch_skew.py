"""The kill switch under clock skew, against the embedded exchange over loopback: the
client's own skew guard never blocks a cancel or the halt's verification, whichever clock
is wrong and whenever it went wrong."""

from __future__ import annotations

import asyncio
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from halt_kit import KEY_ID, StartExchange, open_tickers, place_resting, resting_count

from kalshi_tui import api
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal
from kalshi_tui.services.killswitch import KillSwitch

ORDERS = 12


class ShiftedClock:
    """Wall time plus a shift the test changes mid-session (an NTP step, a bad RTC)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


def make_switch(client: api.KalshiClient, journal: Journal, store: Store) -> KillSwitch:
    return KillSwitch(client, journal, store, attempt_timeout=2.0, backoff_cap=0.2)


async def test_exchange_clock_jumping_mid_session_still_halts_to_verified(
    start: StartExchange, private_key: rsa.RSAPrivateKey, journal: Journal, store: Store
) -> None:
    exchange = start()
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key),
        rate_limits=api.RateLimits.unlimited(),
    ) as client:
        await place_resting(client, ORDERS)
        assert client.clock_skew_seconds is not None
        assert abs(client.clock_skew_seconds) < 2
        # Mid-session the exchange's clock is two minutes ahead of ours: every request
        # stamped with our time is outside the signature window.
        exchange.faults.configure("clock_shift_s=120")
        report = await asyncio.wait_for(
            make_switch(client, journal, store).halt("manual", "skew"), 60
        )
        assert report.verified, report.summary()
        assert report.resting == 0
        progress = store.snapshot.halt
        assert progress is not None
        assert progress.label == "VERIFIED"
        skew = client.clock_skew_seconds
        assert skew is not None
        assert abs(skew - 120) < 2, "the estimate followed the exchange's Date"
        # New orders stay refused while the clocks disagree.
        tickers = await open_tickers(client, 1)
        assert tickers
        with pytest.raises(api.ClockSkewError, match="not sending POST"):
            await place_resting(client, 1)
        # The exchange's clock is right again: the next responses clear the guard.
        exchange.faults.configure("")
        await client.get_exchange_status()
        assert await resting_count(client) == 0
        assert len(await place_resting(client, 1)) == 1
    assert len(list(journal.events(kind="cancel"))) == ORDERS


async def test_local_clock_wrong_from_the_start_of_the_halt_reaches_verified(
    start: StartExchange, private_key: rsa.RSAPrivateKey, journal: Journal, store: Store
) -> None:
    exchange = start()
    clock = ShiftedClock()
    async with api.KalshiClient(
        exchange.base_url,
        api.KalshiAuth(KEY_ID, private_key, clock=clock),
        rate_limits=api.RateLimits.unlimited(),
        clock=clock,
        monotonic=time.monotonic,
    ) as client:
        await place_resting(client, ORDERS)
        clock.shift = -300.0  # our clock steps five minutes back mid-session
        skew = client.clock_skew_seconds
        assert skew is not None
        assert abs(skew - 300) < 2, "measured against the monotonic clock, no request needed"
        report = await asyncio.wait_for(
            make_switch(client, journal, store).halt("manual", "skew"), 60
        )
        assert report.verified, report.summary()
        assert report.resting == 0
        assert await resting_count(client) == 0
        assert client.stats.errors == 0, "every cancel and listing verified first time"
        clock.shift = 0.0  # NTP puts it right: orders go out again
        assert len(await place_resting(client, 1)) == 1
    assert len(list(journal.events(kind="cancel"))) == ORDERS
