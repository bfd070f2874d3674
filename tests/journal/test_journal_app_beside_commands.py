"""The running app beside the commands of another terminal, all real processes.

The app (`app_holder.py`: the app's own factory and session, configured against a
simulator running in this test's process) trades; `kalshi-tui halt`, `resume`, `export`
and `doctor` run as separate processes, several rounds. The app must follow every halt and
every resume (it refuses orders while halted and places them again once resumed), no
descriptor it holds on the journal may ever point at an unlinked file, and after a
SIGKILL in the middle of a burst of orders every intent, order and fill it reported
writing is in the journal, which holds every fill of the simulator, no order the simulator
lacks, and an intent for every order the simulator has.

The latency from a command's journal write to the app's change of mode is measured (the
halt row's time against the app's clock on the same machine) and printed, not asserted.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from app_processes import WAIT_S, Account, Holder, journal_fds, run_cli, sim_account

from bench import soak_checks
from kalshi_tui.exchange.engine import PRICE_SCALE, OrderInput
from kalshi_tui.journal import Journal

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")

ROUNDS = 3
BURST = 3
"""Orders sent at once just before the kill."""
THEM = "counterparty"


def two_sided_tickers(account: Account, count: int) -> list[str]:
    """Open markets given a two-sided book by a counterparty (YES 0.45 bid, 0.55 ask, deep
    enough for every cross), straight into the simulator's engine."""
    account.exchange.ensure_account(THEM, 1_000_000)
    with account.exchange.engine() as engine:
        tickers = [m.ticker for m in engine.list_markets(status="open")][:count]
        now = account.exchange.now_ms()
        for ticker in tickers:
            for action, cents in (("buy", 45), ("sell", 55)):
                quote = OrderInput(ticker, "yes", action, cents * PRICE_SCALE // 100, 50 * 100)
                engine.create_order(THEM, quote, now)
    assert len(tickers) == count
    return tickers


def no_deleted_fds(holder: Holder, when: str) -> None:
    targets = journal_fds(holder.pid)
    assert any(target.endswith("journal.sqlite3") for target in targets), targets
    deleted = [target for target in targets if "(deleted)" in target]
    assert deleted == [], (when, deleted)


def halt_time(account: Account) -> float:
    """When the journal's halt row last changed (a halt or a resume), epoch seconds."""
    with Journal.open(account.journal, create=False) as journal:
        at = journal.halt_state().at
    assert at is not None
    return at.timestamp()


def place(holder: Holder, command: str) -> str:
    mark = holder.send(command)
    return holder.wait_line(lambda line: line.startswith(("placed ", "denied ")), after=mark)


def wait_mode(holder: Holder, mode: str, after: int) -> float:
    line = holder.wait_line(lambda text: text.startswith(f"mode {mode} "), after=after)
    return float(line.split()[2])


def reported(holder: Holder, kind: str) -> set[str]:
    prefix = f"wrote {kind} "
    return {line[len(prefix) :] for line in holder.lines if line.startswith(prefix)}


def test_the_app_follows_halts_and_resumes_from_other_terminals_and_loses_nothing(
    tmp_path: Path,
) -> None:
    latencies: dict[str, list[float]] = {"halt": [], "resume": []}
    with sim_account(tmp_path) as account:
        config = str(account.config)
        tickers = two_sided_tickers(account, ROUNDS)
        holder = Holder(account.config, tmp_path / "holder.log")
        try:
            holder.wait_ready()
            no_deleted_fds(holder, "at start")
            for number, ticker in enumerate(tickers):
                mark = holder.send(f"select {ticker}")
                holder.wait_line(lambda line, t=ticker: line == f"book {t}", after=mark)
                resting = place(holder, f"place {ticker} yes 0.01 2")
                assert resting.split()[2] == "acked", resting
                crossing = place(holder, f"cross {ticker} 1")
                assert crossing.startswith("placed "), crossing
                for args in (
                    ["export", "--out", str(tmp_path / f"fills{number}.csv")],
                    ["doctor"],
                ):
                    run_cli(*args, "--config", config)
                    no_deleted_fds(holder, args[0])

                mark = len(holder.lines)
                halted = run_cli("halt", "--config", config, "--reason", f"round {number}")
                assert halted.returncode == 0, halted.stdout + halted.stderr
                assert "VERIFIED" in halted.stdout
                seen = wait_mode(holder, "HALTED", mark)
                latencies["halt"].append(seen - halt_time(account))
                no_deleted_fds(holder, "halt")
                denied = place(holder, f"place {ticker} yes 0.01 1")
                assert denied.startswith("denied halted"), denied

                # Followed means trading again: an order sent the moment the app
                # re-arms reaches the exchange (not refused for the halt's order group).
                mark = holder.send(f"on-active place {ticker} yes 0.01 1")
                holder.wait_line(lambda line: line == "armed", after=mark)
                resumed = run_cli("resume", "--config", config, "--reason", f"round {number}")
                assert resumed.returncode == 0, resumed.stdout + resumed.stderr
                assert resumed.stdout.startswith("resumed"), resumed.stdout
                seen = wait_mode(holder, "ACTIVE", mark)
                latencies["resume"].append(seen - halt_time(account))
                no_deleted_fds(holder, "resume")
                again = holder.wait_line(
                    lambda line: line.startswith(("placed ", "denied ")), after=mark
                )
                assert again.split()[2] == "acked", again

            # Everything the exchange has is journaled (by the app or by `halt`)...
            deadline = time.monotonic() + WAIT_S
            while True:
                truth = soak_checks.read_truth(account.exchange)
                with Journal.open(account.journal, create=False) as journal:
                    orders = {o.order.order_id for o in journal.orders()}
                    fills = journal.fill_ids()
                if {o.order_id for o in truth.orders} <= orders and {
                    f.fill_id for f in truth.fills
                } <= fills:
                    break
                assert time.monotonic() < deadline, "the journal never caught up"
                time.sleep(0.1)
            # ...then kill -9 the app in the middle of a burst of orders.
            no_deleted_fds(holder, "before the kill")
            mark = len(holder.lines)
            for _ in range(BURST):
                holder.send(f"place {tickers[-1]} yes 0.01 1")
            holder.wait_line(lambda line: line.startswith("wrote intent "), after=mark)
            holder.kill()
        finally:
            holder.stop()
        print(
            "\napp followed another terminal's halt in "
            + ", ".join(f"{1000 * s:.0f}" for s in latencies["halt"])
            + " ms; resume in "
            + ", ".join(f"{1000 * s:.0f}" for s in latencies["resume"])
            + " ms"
        )

        with sqlite3.connect(account.journal) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        truth = soak_checks.read_truth(account.exchange)
        with Journal.open(account.journal, create=False) as journal:
            intents = {i.client_order_id for i in journal.intents()}
            orders = {o.order.order_id for o in journal.orders()}
            fills = journal.fill_ids()
        # Every row the app reported committing survived the kill...
        assert reported(holder, "intent") <= intents
        assert reported(holder, "order") <= orders
        assert reported(holder, "fill") <= fills
        assert len(reported(holder, "intent")) >= 3 * ROUNDS + 1
        assert reported(holder, "fill"), "no fill was made: the test proves less than it says"
        # ...the journal has every fill and invents no order; an order the kill kept from
        # being journaled (ack in flight) still has its intent: write-ahead.
        assert fills == {f.fill_id for f in truth.fills}
        assert orders <= {o.order_id for o in truth.orders}
        assert {o.client_order_id for o in truth.orders} <= intents
