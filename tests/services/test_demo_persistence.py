"""Demo practice sessions continue: the embedded exchange's state is saved in the demo data
directory on exit and restored by the next `start_demo_exchange`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx

from kalshi_tui import api
from kalshi_tui.services.launch import KEY_FILE, STATE_FILE, start_demo_exchange


def _client(base_url: str, key_id: str, key_path: Path) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, auth=api.KalshiAuth(key_id, api.load_private_key(key_path))
    )


def test_an_order_and_the_balance_survive_a_restart(tmp_path: Path) -> None:
    running, key = start_demo_exchange(tmp_path, markets=40)
    try:
        with _client(running.base_url, key.key_id, tmp_path / KEY_FILE) as client:
            market = client.get("/markets", params={"status": "open", "limit": 1}).json()
            ticker = market["markets"][0]["ticker"]
            body = {
                "ticker": ticker,
                "client_order_id": "practice-1",
                "side": "bid",
                "count": "3.00",
                "price": "0.0100",  # far below any agent's quote: it stays resting
                "time_in_force": "good_till_canceled",
                "self_trade_prevention_type": "taker_at_cross",
            }
            created = client.post("/portfolio/events/orders", json=body)
            assert created.status_code == 201, created.text
            order_id = created.json()["order_id"]
            # Take one contract from the liquidity agents' quotes: a position to carry over.
            take = {
                **body,
                "client_order_id": "practice-2",
                "count": "1.00",
                "price": "0.9900",
                "time_in_force": "immediate_or_cancel",
            }
            taken = client.post("/portfolio/events/orders", json=take).json()
            assert taken["fill_count"] == "1.00", taken
            positions = client.get("/portfolio/positions").json()["market_positions"]
            balance_before = client.get("/portfolio/balance").json()["balance_dollars"]
            other = client.get("/markets", params={"status": "open", "limit": 2}).json()
            closed_ticker = other["markets"][1]["ticker"]
        with running.engine() as engine:
            engine.close_market(closed_ticker, running.now_ms())
    finally:
        running.stop()
    state_path = tmp_path / STATE_FILE
    assert json.loads(state_path.read_text())["version"] == 1
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600

    again, same_key = start_demo_exchange(tmp_path, markets=40)
    try:
        assert same_key.key_id == key.key_id  # the key is reused, so is the account
        with _client(again.base_url, same_key.key_id, tmp_path / KEY_FILE) as client:
            order = client.get(f"/portfolio/orders/{order_id}").json()["order"]
            assert (order["client_order_id"], order["status"]) == ("practice-1", "resting")
            assert order["remaining_count_fp"] == "3.00"
            balance = client.get("/portfolio/balance").json()["balance_dollars"]
            assert balance == balance_before
            assert client.get("/portfolio/positions").json()["market_positions"] == positions
            market = client.get(f"/markets/{closed_ticker}").json()["market"]
            assert market["status"] in ("closed", "determined", "finalized", "settled")
            # The idempotency key is remembered too: a resend after restart is refused.
            assert client.post("/portfolio/events/orders", json=body).status_code == 409
    finally:
        again.stop()


def test_a_damaged_state_file_starts_fresh_and_is_kept_aside(tmp_path: Path) -> None:
    running, _ = start_demo_exchange(tmp_path, markets=10)
    running.stop()
    (tmp_path / STATE_FILE).write_text("{not json")
    fresh, _ = start_demo_exchange(tmp_path, markets=10)
    try:
        with httpx.Client(base_url=fresh.base_url) as anonymous:
            assert anonymous.get("/exchange/status").status_code == 200
    finally:
        fresh.stop()
    assert list(tmp_path.glob(STATE_FILE + ".broken-*"))
    assert json.loads((tmp_path / STATE_FILE).read_text())["version"] == 1
