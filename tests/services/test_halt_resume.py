"""Halt survives restarts, is picked up from another connection, and resumes only safely."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

import pytest
from halt_kit import place_resting, resting_count

from kalshi_tui import api
from kalshi_tui.domain.store import Store, TradingMode
from kalshi_tui.journal import Journal
from kalshi_tui.services.halt_info import ResumeRefused, apply_persisted_halt
from kalshi_tui.services.halt_watch import HaltWatcher
from kalshi_tui.services.killswitch import KillSwitch
from kalshi_tui.services.launch import demo_session, open_journal
from kalshi_tui.services.order_group import OrderGroupKeeper, current_order_group


def unknown_intent(journal: Journal) -> str:
    journal.record_intent(
        "cid-1",
        ticker="KX-TEST",
        side="yes",
        action="buy",
        price=Decimal("0.40"),
        count=Decimal(3),
    )
    journal.mark_sent("cid-1")
    journal.mark_unknown("cid-1", "timeout")
    return "cid-1"


async def test_resume_refused_while_an_intent_is_unknown(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    switch = KillSwitch(client, journal, store)
    await switch.halt("manual", "pressed")
    cid = unknown_intent(journal)
    with pytest.raises(ResumeRefused, match="unknown outcome") as refused:
        switch.resume("looked at it")
    assert cid in str(refused.value)
    assert journal.halt_state().halted
    assert store.snapshot.trading.mode is TradingMode.HALTED
    assert [e.kind for e in journal.events(kind="resume_refused")] == ["resume_refused"]

    journal.resolve_unknown(cid, order=None, resolution="not at the exchange")
    switch.resume("intent resolved, risk checked")
    assert not journal.halt_state().halted
    assert store.snapshot.trading.mode is TradingMode.ACTIVE
    assert store.snapshot.halt is None
    [event] = journal.events(kind="resume")
    assert event.payload["reason"] == "intent resolved, risk checked"


async def test_resume_refused_with_unacknowledged_findings_or_no_reason(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    findings = [2]
    switch = KillSwitch(client, journal, store, unacknowledged_findings=lambda: findings[0])
    await switch.halt("reconciliation", "orphan order")
    with pytest.raises(ResumeRefused, match="2 reconciliation finding"):
        switch.resume("ok")
    with pytest.raises(ResumeRefused, match="give a reason"):
        switch.resume("  ")
    findings[0] = 0
    switch.resume("findings acknowledged")
    assert store.snapshot.trading.mode is TradingMode.ACTIVE


def test_restart_after_a_halt_comes_up_halted(tmp_path: Path) -> None:
    directory = tmp_path / "demo"

    with open_journal(directory) as journal:
        journal.set_halt("daily_loss", "loss limit", value=Decimal(612), threshold=Decimal(500))
    session = demo_session(directory=directory, markets=20)
    try:
        trading = session.snapshot.trading
        assert trading.mode is TradingMode.HALTED
        assert "daily_loss: loss limit" in trading.reason
        assert "612" in trading.reason
        assert session.killswitch is not None
    finally:
        asyncio.run(session.close())


async def test_halt_from_another_connection_is_picked_up_within_a_second(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    await place_resting(client, 15)
    switch = KillSwitch(client, journal, store, backoff_cap=0.2)
    watcher = HaltWatcher(journal, switch, store)
    watching = asyncio.create_task(watcher.run())
    try:
        await asyncio.sleep(0.3)
        assert store.snapshot.trading.mode is TradingMode.ACTIVE
        # Another process (here: another connection, as `kalshi-tui halt` would open).
        with Journal.open(journal.path, create=False) as other:
            other.set_halt("remote", "halted from a second terminal")
        written = time.monotonic()
        while store.snapshot.trading.mode is not TradingMode.HALTED:
            assert time.monotonic() - written < 1.0, "not picked up within a second"
            await asyncio.sleep(0.01)
        assert "halted from a second terminal" in store.snapshot.trading.reason
        # The running session runs the cancel procedure too.
        while not (store.snapshot.halt and store.snapshot.halt.verified):
            assert time.monotonic() - written < 10.0
            await asyncio.sleep(0.02)
        assert await resting_count(client) == 0
        assert store.snapshot.halt.cancelled == 15
        assert [e.kind for e in journal.events() if e.kind == "halt"] == ["halt"]

        # And `kalshi-tui resume` elsewhere re-arms the session.
        with Journal.open(journal.path, create=False) as other:
            other.clear_halt("checked from the other terminal")
        resumed = time.monotonic()
        while store.snapshot.trading.mode is TradingMode.HALTED:
            assert time.monotonic() - resumed < 1.0
            await asyncio.sleep(0.01)
    finally:
        watching.cancel()


async def test_app_owned_order_group_is_created_once_and_triggered_by_the_halt(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    keeper = OrderGroupKeeper(client, journal)
    group_id = await keeper.ensure()
    assert await keeper.ensure() == group_id, "one group per session"
    assert current_order_group(journal) == group_id
    await place_resting(client, 12, group_id=group_id, on_pause=True)
    switch = KillSwitch(
        client,
        journal,
        store,
        group_id=lambda: keeper.group_id,
        on_rearm=keeper.reset_after_resume,
    )
    report = await switch.halt("manual", "group test")
    assert report.verified
    assert await resting_count(client) == 0
    # The triggered group refuses new orders exchange-side until it is reset.
    with pytest.raises(api.OrderRejected):
        await place_resting(client, 1, group_id=group_id)
    switch.resume("done")
    await switch.settled()  # the re-arm resets the group in the background
    assert len(await place_resting(client, 1, group_id=group_id)) == 1


async def test_restarted_session_reruns_the_clean_up(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    # A halt persisted by a process that died before cancelling anything.
    await place_resting(client, 6)
    journal.set_halt("manual", "pressed, then the app crashed")
    apply_persisted_halt(journal, store)
    assert store.snapshot.trading.mode is TradingMode.HALTED
    assert store.snapshot.halt is None
    switch = KillSwitch(client, journal, store)
    HaltWatcher(journal, switch, store).check()
    progress = store.snapshot.halt
    assert progress is not None
    assert progress.trigger == "manual"
    await asyncio.sleep(0)
    deadline = time.monotonic() + 10
    while not (store.snapshot.halt and store.snapshot.halt.verified):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    assert await resting_count(client) == 0


async def test_a_resume_committed_during_start_up_is_followed(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    """Found by the soak with other processes (issue 11): the app came up HALTED from the
    journal, `kalshi-tui resume` committed while it was still starting (before the halt
    watcher's first look), and the app stayed HALTED for good while the journal, and
    `resume`, said "not halted"."""
    journal.set_halt("manual", "halted before the start")
    apply_persisted_halt(journal, store)
    switch = KillSwitch(client, journal, store)
    with Journal.open(journal.path, create=False) as other:
        other.clear_halt("resumed from a second terminal")
    HaltWatcher(journal, switch, store).check()
    assert store.snapshot.trading.mode is TradingMode.ACTIVE
    assert "resumed from a second terminal" in store.snapshot.trading.reason


async def test_the_watcher_never_rearms_a_halt_the_journal_never_held(
    client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    switch = KillSwitch(client, journal, store)
    journal.close()  # the halt cannot be persisted
    with Journal.open(journal.path, create=False) as other:
        task = switch.trigger("journal_failure", "disk full")
        HaltWatcher(other, switch, store).check()
        assert store.snapshot.trading.mode is TradingMode.HALTED
        assert store.snapshot.halt is not None
        assert not store.snapshot.halt.durable
        # An old resume in the journal is no reason to re-arm either.
        other.set_halt("manual", "earlier")
        other.clear_halt("earlier resume")
        switch2 = KillSwitch(client, other, store)
        HaltWatcher(other, switch2, store).check()
        assert store.snapshot.trading.mode is TradingMode.HALTED
    assert (await task).verified


async def test_rearm_replaces_a_group_that_cannot_be_reset(
    client: api.KalshiClient, journal: Journal
) -> None:
    """Found by the fault soak (seed 5): a reset that failed after a resume retired the
    group, but orders kept naming it and the exchange refused them all until a restart.
    `rearm()` hands back the group new orders must join."""
    keeper = OrderGroupKeeper(client, journal)
    old = await keeper.ensure()
    assert await keeper.trigger()
    await client.delete_order_group(old)  # so the reset after the resume fails
    new = await keeper.rearm()
    assert new is not None
    assert new != old
    assert current_order_group(journal) == new
    assert len(await place_resting(client, 1, group_id=new)) == 1
    assert await keeper.rearm() == new, "a group that resets is kept"
