"""The app's kill switch marks a halt the journal cannot record; a restart comes up HALTED.

The journal's write failure is real SQLite: another connection holds the write lock, so
`set_halt` times out with "database is locked", as it would behind a stuck writer (a
full disk is exercised with real processes in tests/journal/test_halt_marker.py and
tests/cli/test_cli_halt.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from halt_kit import place_resting, resting_count

from kalshi_tui import api
from kalshi_tui.domain.store import Snapshot, Store, TradingMode
from kalshi_tui.journal import Journal, core, journal_path
from kalshi_tui.services.halt_info import apply_persisted_halt
from kalshi_tui.services.killswitch import KillSwitch


async def test_a_halt_the_journal_cannot_write_survives_a_restart(
    client: api.KalshiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core, "BUSY_TIMEOUT_SECONDS", 0.05)
    path = journal_path(tmp_path / "account")
    await place_resting(client, 4)
    store = Store(Snapshot(environment="demo"))
    with Journal.open(path) as journal:
        switch = KillSwitch(client, journal, store)
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # every write of the app now fails
        try:
            task = switch.trigger("daily_loss", "loss limit")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert store.snapshot.trading.mode is TradingMode.HALTED
        progress = store.snapshot.halt
        assert progress is not None
        assert not progress.durable
        assert "halt marker" in progress.last_error
        assert "comes up HALTED" in progress.last_error
        assert (await task).verified
        assert await resting_count(client) == 0
        assert not journal.halt_state(marker=False).halted
    # Restart: the journal says "not halted", the marker says otherwise, and wins.
    restarted = Store(Snapshot(environment="demo"))
    with Journal.open(path, create=False) as journal:
        state = apply_persisted_halt(journal, restarted)
        assert state.halted
        assert state.trigger == "daily_loss"
        assert restarted.snapshot.trading.mode is TradingMode.HALTED
        switch = KillSwitch(client, journal, restarted)
        await switch.halt("daily_loss", "loss limit")  # the clean-up re-runs; journaled now
        assert journal.halt_state(marker=False).halted
        switch.resume("checked the loss")
        assert not journal.halt_state().halted
    assert not path.with_name("halt.marker").exists()
