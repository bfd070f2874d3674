"""Crash safety: SIGKILL the trading process at each critical point, then restart.

The exchange runs in this test's process; the trading process is a child
(`crash_child.py`) that kills itself at the point under test. After every kill the
journal passes `PRAGMA integrity_check`; then a restarted process (here, in-process)
refuses orders until it has reconciled, comes up HALTED if it was halted, and has lost
and duplicated nothing: every exchange order belongs to exactly one journaled intent,
no intent is left unresolved, and journal orders, fills and positions equal the
exchange's.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import soak_checks
from bench.soak_account import Account
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import IntentState, Journal
from kalshi_tui.services.convert import position as to_position

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crash_child.py")
KEY_ID = "crash-key"


@dataclass
class Venue:
    exchange: RunningExchange
    key: rsa.RSAPrivateKey
    key_file: Path
    journal: Path
    start_cash: int


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    private_pem, public_pem = generate_key_pair()
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(private_pem)
    key_file.chmod(0o600)
    exchange = start_exchange(
        seed=5,
        markets=20,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, public_pem)],
    )
    try:
        cash = soak_checks.read_truth(exchange).cash
        yield Venue(exchange, key, key_file, tmp_path / "journal.sqlite3", cash)
    finally:
        exchange.stop()


def run_child(
    venue: Venue, scenario: str, kill_at: str, *, kill_after: float | None = None
) -> None:
    """Run the child; it must die of SIGKILL (its own, or ours after `kill_after` s)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOAK_KILL_AT": kill_at}
    args = [str(venue.exchange.base_url), str(venue.key_file), KEY_ID, str(venue.journal)]
    child = subprocess.Popen(
        [sys.executable, str(CHILD), *args, scenario],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if kill_after is not None:
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, (child.returncode, out.decode(), err.decode())


def assert_sound(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def restart(venue: Venue) -> Account:
    """A new process's start: orders refused until reconciled, then reconciled."""
    account = Account(
        venue.exchange.base_url, KEY_ID, venue.key, venue.journal, time.time, lag_window=2.0
    )
    account.open()
    probe = OrderDraft(
        "probe-" + os.urandom(4).hex(), "X", "yes", "buy", Decimal("0.5"), Decimal(1)
    )
    refused = await account.trading.orders.submit(probe)
    assert isinstance(refused, Denial)
    assert refused.code == "not_reconciled"
    await account.start()
    return account


async def assert_nothing_lost(venue: Venue, account: Account) -> soak_checks.Truth:
    client = account.client
    assert client is not None
    page = await client.get_all_positions(limit=1000)
    positions = [to_position(p) for p in page.market_positions]
    truth = soak_checks.read_truth(venue.exchange)
    tally = soak_checks.Tally()
    problems = soak_checks.full(account.journal, truth, positions, venue.start_cash, tally)
    assert problems == []
    assert account.store.snapshot.reconciliation.findings == ()
    return truth


async def test_kill_after_intent_before_request(venue: Venue) -> None:
    run_child(venue, "place", "before_create")
    assert_sound(venue.journal)
    account = await restart(venue)
    try:
        truth = await assert_nothing_lost(venue, account)
        assert truth.orders == []
        (intent,) = account.journal.intents()
        assert intent.state == IntentState.NOT_PLACED
    finally:
        await account.close()


async def test_kill_after_exchange_applied_before_ack(venue: Venue) -> None:
    run_child(venue, "place", "after_create")
    assert_sound(venue.journal)
    account = await restart(venue)
    try:
        truth = await assert_nothing_lost(venue, account)
        (order,) = truth.orders
        (intent,) = account.journal.intents()
        assert (intent.state, intent.order_id) == (IntentState.ACKED, order.order_id)
    finally:
        await account.close()


async def test_kill_mid_cancel_all(venue: Venue) -> None:
    run_child(venue, "cancel_all", "after_cancel_all")
    assert_sound(venue.journal)
    account = await restart(venue)
    try:
        truth = await assert_nothing_lost(venue, account)
        assert len(truth.orders) == 3
        assert {o.status for o in truth.orders} == {"canceled"}
        assert account.journal.open_orders() == []
        assert {i.state for i in account.journal.intents()} == {IntentState.CANCELED}
    finally:
        await account.close()


@pytest.mark.parametrize("kill_at", ["mid_halt", "after_cancel_all"])
async def test_kill_mid_halt_comes_back_halted_and_flat(venue: Venue, kill_at: str) -> None:
    """Killed with the halt journaled and the cancels not sent, or sent and applied but
    not journaled: the restart comes up HALTED, re-runs the clean-up and verifies."""
    run_child(venue, "halt", kill_at)
    assert_sound(venue.journal)
    account = await restart(venue)
    try:
        assert account.journal.halt_state().halted
        assert account.store.snapshot.trading.mode is TradingMode.HALTED
        report = account.killswitch.last_report
        assert report is not None, "the restart re-ran the halt's clean-up"
        assert report.verified
        truth = await assert_nothing_lost(venue, account)
        assert [o for o in truth.orders if o.status == "resting"] == []
        refused = await account.trading.orders.submit(
            OrderDraft(
                "after-" + os.urandom(4).hex(),
                truth.orders[0].ticker,
                "yes",
                "buy",
                Decimal("0.05"),
                Decimal(1),
            )
        )
        assert isinstance(refused, Denial)
        assert refused.code == "halted"
        assert len(soak_checks.read_truth(venue.exchange).orders) == len(truth.orders)
    finally:
        await account.close()


async def test_kills_at_random_moments_of_order_churn(venue: Venue) -> None:
    rng = random.Random(8)
    for _ in range(4):
        run_child(venue, "churn", "", kill_after=1.2 + rng.random())
        assert_sound(venue.journal)
        account = await restart(venue)
        try:
            await assert_nothing_lost(venue, account)
        finally:
            await account.close()
    assert len(soak_checks.read_truth(venue.exchange).orders) > 0, "the child never traded"


@pytest.mark.parametrize("kill_at", ["before_amend", "after_amend"])
async def test_kill_around_an_amend_is_resolved_at_restart(venue: Venue, kill_at: str) -> None:
    """Killed with the amend of 2 → 40 journaled and not sent, or sent, applied and
    answered but not journaled: the restart reads the order back, settles the amend, and
    the journal's order equals the exchange's."""
    run_child(venue, "amend", kill_at)
    assert_sound(venue.journal)
    with Journal.open(venue.journal, create=False) as journal:
        [pending] = journal.unresolved_amends()  # durable before the request left
        assert (pending.kind, pending.count) == ("amend", Decimal(40))
    account = await restart(venue)
    try:
        truth = await assert_nothing_lost(venue, account)
        (order,) = truth.orders
        assert account.journal.unresolved_amends() == []
        record = account.journal.order(order.order_id)
        assert record is not None
        expected = Decimal(40) if kill_at == "after_amend" else Decimal(2)
        assert record.order.initial_count == expected
        assert record.order.remaining_count == expected
        [resolved] = [
            e
            for e in account.journal.events(order_id=order.order_id, kind="amend_result")
            if e.payload["outcome"] == "resolved"
        ]
        assert resolved.payload["applied"] is (kill_at == "after_amend")
    finally:
        await account.close()
