"""`kalshi-tui resume` refuses while a reconciliation finding is unacknowledged, as the app
does: real processes (the app in a child, `halt` and `resume` as commands), the finding a
real one (an order on the exchange the journal never placed, adopted and flagged by the
app's start-up reconciliation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_processes import Account, Holder, run_cli, sim_account

from kalshi_tui.exchange.engine import PRICE_SCALE, OrderInput

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")


def orphan_order(account: Account) -> str:
    """A resting order on the account that no journal intent placed (another device)."""
    exchange = account.exchange
    with exchange.engine() as engine:
        ticker = next(m.ticker for m in engine.list_markets(status="open"))
        order = OrderInput(ticker, "yes", "buy", PRICE_SCALE // 100, 100)
        return engine.create_order(exchange.user_id, order, exchange.now_ms()).order_id


def start_app(account: Account, log: Path, order_id: str | None) -> Holder:
    holder = Holder(account.config, log)
    holder.wait_ready()
    if order_id is not None:
        holder.wait_line(lambda line: line == f"finding adopted_order:{order_id} blocking=True")
    return holder


def halt(config: str) -> None:
    halted = run_cli("halt", "--config", config, "--reason", "orphan order")
    assert halted.returncode == 0, halted.stdout + halted.stderr


def test_resume_refuses_until_the_apps_finding_is_acknowledged(tmp_path: Path) -> None:
    with sim_account(tmp_path) as account:
        config = str(account.config)
        orphan = orphan_order(account)
        app = start_app(account, tmp_path / "app.log", orphan)
        try:
            halt(config)
            app.wait_line(lambda line: line.startswith("mode HALTED"))

            refused = run_cli("resume", "--config", config, "--reason", "looks fine")
            assert refused.returncode == 1, refused.stdout + refused.stderr
            assert "resume refused" in refused.stdout
            assert "1 reconciliation finding(s) are unacknowledged" in refused.stdout
            assert orphan in refused.stdout  # which one
            assert "press r" in refused.stdout  # and what to do
            assert refused.stderr == ""

            mark = app.send("ack")
            app.wait_line(lambda line: line == "acknowledged", after=mark)
            resumed = run_cli("resume", "--config", config, "--reason", "orphan reviewed")
            assert resumed.returncode == 0, resumed.stdout + resumed.stderr
            assert resumed.stdout.startswith("resumed")
            app.wait_line(lambda line: line.startswith("mode ACTIVE"), after=mark)
        finally:
            app.stop()


def test_resume_without_the_app_reads_the_last_runs_findings(tmp_path: Path) -> None:
    with sim_account(tmp_path) as account:
        config = str(account.config)
        orphan = orphan_order(account)
        start_app(account, tmp_path / "first.log", orphan).stop()  # quit, not acknowledged
        halt(config)
        refused = run_cli("resume", "--config", config, "--reason", "looks fine")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "1 reconciliation finding(s) are unacknowledged" in refused.stdout
        assert "start it" in refused.stdout
        # The next run reconciles again; the orphan (cancelled by the halt, adopted by the
        # first run) no longer stands, so nothing blocks.
        app = start_app(account, tmp_path / "second.log", None)
        try:
            resumed = run_cli("resume", "--config", config, "--reason", "reconciled clean")
            assert resumed.returncode == 0, resumed.stdout + resumed.stderr
            assert not [line for line in app.lines if line.startswith("finding ")]
        finally:
            app.stop()
