"""`kalshi-tui halt` as a process while the exchange's clock is far from the local one:
every resting order is still cancelled and the halt reports VERIFIED (the client's skew
guard never blocks a cancel; signatures carry the exchange time measured from its answers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_processes import run_cli, sim_account

from kalshi_tui.exchange.engine import PRICE_SCALE, OrderInput
from kalshi_tui.journal import Journal

ORDERS = 8


@pytest.mark.parametrize("shift_s", [300, -300, 86_400])
def test_halt_cancels_everything_and_verifies_under_clock_skew(
    tmp_path: Path, shift_s: int
) -> None:
    with sim_account(tmp_path) as account:
        exchange = account.exchange
        with exchange.engine() as engine:
            tickers = [m.ticker for m in engine.list_markets(status="open")][:ORDERS]
            for ticker in tickers:
                order = OrderInput(ticker, "yes", "buy", 2 * PRICE_SCALE // 100, 100)
                engine.create_order(exchange.user_id, order, exchange.now_ms())
        assert len(tickers) == ORDERS
        exchange.faults.configure(f"clock_shift_s={shift_s}")

        halted = run_cli("halt", "--config", str(account.config), "--reason", "skew")

        output = halted.stdout + halted.stderr
        assert halted.returncode == 0, output
        assert "VERIFIED: zero resting orders" in halted.stdout, output
        assert f"Cancelled {ORDERS} order(s)" in halted.stdout, output
        assert "Traceback" not in output
        with exchange.engine() as engine:
            resting = [o for o in engine.orders(exchange.user_id) if o.status == "resting"]
        assert resting == []
        with Journal.open(account.journal, create=False) as journal:
            assert journal.halt_state().halted
