"""Exchange shards over HTTP: `exchange_index` on markets, orders and fills, the balance
breakdown, the intra-account transfer routes and their refusals (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, KalshiAuth, error_code, v2_order

TRANSFER = "/portfolio/intra_exchange_instance_transfer"


def _transfer(amount: object, source: int = 0, destination: int = 2, **extra: Any) -> Any:
    return {
        "source": "event_contract",
        "destination": "event_contract",
        "amount": amount,
        "source_exchange_shard": source,
        "destination_exchange_shard": destination,
        **extra,
    }


@pytest.fixture(params=["current", "compat"])
def me(
    request: pytest.FixtureRequest, start: StartExchange, key_pair: KeyPair
) -> Iterator[httpx.Client]:
    exchange = start(profile=request.param, balance_dollars=1_000)
    auth = KalshiAuth(KEY_ID, key_pair[0])
    with httpx.Client(base_url=exchange.base_url, auth=auth) as client:
        client.headers["x-profile"] = request.param  # which profile the test is talking to
        yield client


def _crypto_ticker(client: httpx.Client) -> str:
    markets = client.get("/markets", params={"status": "open", "limit": 1000}).json()["markets"]
    return next(m["ticker"] for m in markets if m["exchange_index"] == 2)


def test_money_starts_on_shard_0_and_crypto_orders_are_refused_until_a_transfer(
    me: httpx.Client,
) -> None:
    current = me.headers["x-profile"] == "current"
    balance = me.get("/portfolio/balance").json()
    assert balance["balance_breakdown"] == [{"exchange_index": 0, "balance": "1000.0000"}]
    btc = _crypto_ticker(me)
    refused = me.post("/portfolio/events/orders", json=v2_order(btc, price="0.4000", count="5"))
    assert refused.status_code == 400
    # Kalshi's documented code (changelog 2026-01-26); compat keeps the simulator's older name.
    assert error_code(refused) == (
        "available_balance_too_low" if current else "insufficient_balance"
    )
    assert "exchange index 2" in refused.json()["error"]["message"]

    moved = me.post(TRANSFER, json=_transfer(2_500_000))  # centicents: $250
    assert moved.status_code == 200
    transfer_id = moved.json()["transfer_id"]
    breakdown = me.get("/portfolio/balance").json()["balance_breakdown"]
    assert breakdown == [
        {"exchange_index": 0, "balance": "750.0000"},
        {"exchange_index": 2, "balance": "250.0000"},
    ]
    scoped = me.get("/portfolio/balance", params={"exchange_index": 2}).json()
    assert (scoped["balance"], scoped["balance_dollars"]) == (25_000, "250.0000")

    made = me.post("/portfolio/events/orders", json=v2_order(btc, price="0.4000", count="5"))
    assert made.status_code == 201
    order = me.get(f"/portfolio/orders/{made.json()['order_id']}").json()["order"]
    assert order["exchange_index"] == 2
    value = me.get("/portfolio/summary/total_resting_order_value").json()
    assert value["resting_order_value_breakdown"] == [
        {"exchange_index": 0, "balance": "0.0000"},
        {"exchange_index": 2, "balance": "2.0000"},
    ]
    assert me.get("/portfolio/orders", params={"exchange_index": 0}).json()["orders"] == []

    listed = me.get("/portfolio/intra_exchange_instance_transfers").json()
    assert "cursor" not in listed  # omitted on the last page, as documented
    (row,) = listed["transfers"]
    assert row == {
        "transfer_id": transfer_id,
        "source": "event_contract",
        "destination": "event_contract",
        "source_exchange_shard": 0,
        "destination_exchange_shard": 2,
        "amount": "250.0000",
        "status": "complete",
        "created_ts": row["created_ts"],
    }
    one = me.get(f"/portfolio/intra_exchange_instance_transfers/{transfer_id}").json()
    assert one == {"transfer": row}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (_transfer("100.00"), 400, "bad_request"),  # the amount is integer centicents
        (_transfer(1.5), 400, "bad_request"),
        (_transfer(0), 400, "invalid_parameters"),
        (_transfer(-100), 400, "invalid_parameters"),
        (_transfer(10_000, destination=9), 400, "invalid_parameters"),
        (_transfer(10_000, destination=101), 400, "invalid_parameters"),
        (_transfer(10_000, destination=0), 400, "invalid_parameters"),
        (_transfer(10_000, source=2, destination=0), 400, None),  # shard 2 holds nothing
        (_transfer(100_000_000), 400, None),  # $10,000: more than the free balance
        ({**_transfer(10_000), "destination": "margined"}, 400, "invalid_parameters"),
        ({"source": "event_contract", "amount": 10_000}, 400, "missing_parameters"),
        (_transfer(10_000, destination_subaccount=3), 400, "invalid_parameters"),
    ],
)
def test_bad_transfers_are_refused_and_move_nothing(
    me: httpx.Client, body: Any, status: int, code: str | None
) -> None:
    refused = me.post(TRANSFER, json=body)
    assert refused.status_code == status, refused.text
    payload = refused.json()
    found = payload["code"] if "code" in payload else payload["error"]["code"]
    if code is None:  # the balance refusal, named per profile
        current = me.headers["x-profile"] == "current"
        code = "available_balance_too_low" if current else "insufficient_balance"
    assert found == code
    assert me.get("/portfolio/intra_exchange_instance_transfers").json()["transfers"] == []
    assert me.get("/portfolio/balance").json()["balance"] == 100_000


def test_an_unknown_transfer_is_not_found(me: httpx.Client) -> None:
    missing = me.get("/portfolio/intra_exchange_instance_transfers/nope")
    assert (missing.status_code, error_code(missing)) == (404, "not_found")


def test_markets_events_and_the_exchange_status_name_the_shards(me: httpx.Client) -> None:
    btc = _crypto_ticker(me)
    event_ticker = me.get(f"/markets/{btc}").json()["market"]["event_ticker"]
    assert me.get(f"/events/{event_ticker}").json()["event"]["exchange_index"] == 2
    statuses = me.get("/exchange/status").json()["exchange_index_statuses"]
    assert [row["exchange_index"] for row in statuses] == [0, 1, 2, 3]
