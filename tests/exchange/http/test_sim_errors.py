"""Error answers as Kalshi's recorded ones show (issue 12), in the `current` profile.

A JSON number where a fixed-point string belongs is refused by Kalshi's decoder with a flat
`{"code": "bad_request", "message", "details"}` (no `error` wrapper); the simulator's other
errors keep the nested envelope. `compat` stays lenient about numbers, for older clients.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, KalshiAuth, error_code, v2_order

from kalshi_tui.exchange.server import RunningExchange


@pytest.fixture
def current(
    start: StartExchange, key_pair: KeyPair
) -> Iterator[tuple[RunningExchange, httpx.Client]]:
    exchange = start(profile="current")
    with httpx.Client(base_url=exchange.base_url, auth=KalshiAuth(KEY_ID, key_pair[0])) as me:
        yield exchange, me


def _ticker(client: httpx.Client) -> str:
    markets = client.get("/markets", params={"status": "open", "limit": 1}).json()["markets"]
    ticker: str = markets[0]["ticker"]
    return ticker


def _flat_bad_request(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == "bad_request"
    assert field in body["message"]
    assert field in body["details"]


@pytest.mark.parametrize(("field", "number"), [("price", 0.4), ("count", 3)])
def test_a_number_for_a_fixed_point_field_is_a_flat_bad_request(
    current: tuple[RunningExchange, httpx.Client], field: str, number: float
) -> None:
    _, me = current
    ticker = _ticker(me)
    body = v2_order(ticker, **{field: number})
    _flat_bad_request(me.post("/portfolio/events/orders", json=body), field)
    # The whole batch is refused, not just the item.
    batch = {"orders": [v2_order(ticker), body]}
    _flat_bad_request(me.post("/portfolio/events/orders/batched", json=batch), field)
    assert me.get("/portfolio/orders").json()["orders"] == []


def test_numbers_in_amend_decrease_and_group_bodies(
    current: tuple[RunningExchange, httpx.Client],
) -> None:
    _, me = current
    ticker = _ticker(me)
    made = me.post("/portfolio/events/orders", json=v2_order(ticker, count="5.00"))
    assert made.status_code == 201
    path = f"/portfolio/events/orders/{made.json()['order_id']}"
    amend = {"ticker": ticker, "side": "bid", "price": 0.41, "count": "5.00"}
    _flat_bad_request(me.post(path + "/amend", json=amend), "price")
    _flat_bad_request(me.post(path + "/decrease", json={"reduce_by": 1}), "reduce_by")
    group = me.post("/portfolio/order_groups/create", json={"contracts_limit_fp": 5})
    _flat_bad_request(group, "contracts_limit_fp")
    # The strings go through, and other errors keep the nested envelope.
    assert me.post(path + "/decrease", json={"reduce_by": "1.00"}).status_code == 200
    unknown = me.post("/portfolio/events/orders/no-such-order/decrease", json={"reduce_by": "1.00"})
    assert error_code(unknown) == "not_found"


def test_compat_tolerates_numbers(start: StartExchange, key_pair: KeyPair) -> None:
    exchange = start()
    with httpx.Client(base_url=exchange.base_url, auth=KalshiAuth(KEY_ID, key_pair[0])) as me:
        body = v2_order(_ticker(me), price=0.4, count=3)
        assert me.post("/portfolio/events/orders", json=body).status_code == 201
