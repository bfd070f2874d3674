"""Order entry and management over loopback, V1 and V2 routes, with every WIRE.md error."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import StartExchange
from sim_http_kit import KEY_ID, KalshiAuth, error_code, v1_order, v2_order

from kalshi_tui.exchange.server import RunningExchange


def _create(client: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    response = client.post("/portfolio/orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, object] = response.json()["order"]
    return order


def test_v1_create_get_list_cancel(client: httpx.Client, ticker: str) -> None:
    order = _create(client, v1_order(ticker, count=10, yes_price=43, client_order_id="c-1"))
    assert order["status"] == "resting"
    assert (order["yes_price"], order["no_price"]) == (43, 57)
    assert (order["yes_price_dollars"], order["no_price_dollars"]) == ("0.4300", "0.5700")
    assert (order["initial_count"], order["remaining_count"], order["fill_count"]) == (10, 10, 0)
    assert order["client_order_id"] == "c-1"
    fetched = client.get(f"/portfolio/orders/{order['order_id']}").json()["order"]
    assert fetched["order_id"] == order["order_id"]
    listed = client.get("/portfolio/orders", params={"status": "resting"}).json()
    assert [o["order_id"] for o in listed["orders"]] == [order["order_id"]]
    assert listed["cursor"] == ""
    cancel = client.delete(f"/portfolio/orders/{order['order_id']}").json()
    assert cancel["reduced_by"] == 10
    assert cancel["order"]["status"] == "canceled"
    assert cancel["order"]["remaining_count"] == 0
    again = client.delete(f"/portfolio/orders/{order['order_id']}")
    assert again.status_code == 404
    assert error_code(again) == "not_found"
    assert client.get("/portfolio/orders", params={"status": "resting"}).json()["orders"] == []
    assert client.get("/portfolio/orders/nope").status_code == 404


def test_execution_fees_positions_fills(
    client: httpx.Client, other: httpx.Client, ticker: str
) -> None:
    maker = _create(other, v1_order(ticker, side="no", yes_price=None, no_price=57, count=10))
    taker = _create(client, v1_order(ticker, count=4, yes_price=50))
    assert taker["status"] == "executed"
    assert taker["taker_fill_cost"] == 172  # 4 × 43¢ at the resting price
    assert taker["taker_fees"] == 7  # ceil(0.07 × 4 × 0.43 × 0.57 × 100)
    assert taker["taker_fees_dollars"] == "0.0700"
    fills = client.get("/portfolio/fills").json()
    assert fills["cursor"] == ""
    (fill,) = fills["fills"]
    assert (fill["yes_price"], fill["count"], fill["is_taker"]) == (43, 4, True)
    assert fill["order_id"] == taker["order_id"]
    assert fill["fee_cost"] == "0.0700"
    by_order = client.get("/portfolio/fills", params={"order_id": taker["order_id"]}).json()
    assert len(by_order["fills"]) == 1
    positions = client.get("/portfolio/positions").json()
    (position,) = positions["market_positions"]
    assert (position["ticker"], position["position"], position["position_fp"]) == (
        ticker,
        4,
        "4.00",
    )
    assert position["market_exposure"] == 172
    assert position["fees_paid"] == 7
    assert positions["event_positions"][0]["total_cost"] == 172
    balance = client.get("/portfolio/balance").json()
    assert balance["balance"] == 1_000_000 - 172 - 7
    rest = other.get(f"/portfolio/orders/{maker['order_id']}").json()["order"]
    assert (rest["fill_count"], rest["remaining_count"]) == (4, 6)
    filtered = client.get("/portfolio/positions", params={"count_filter": "position"}).json()
    assert len(filtered["market_positions"]) == 1
    assert client.get("/portfolio/positions", params={"count_filter": "x"}).status_code == 400
    by_event = client.get(
        "/portfolio/positions", params={"event_ticker": position["ticker"].rsplit("-", 1)[0]}
    ).json()
    assert len(by_event["market_positions"]) == 1


def test_orders_paginate(client: httpx.Client, ticker: str) -> None:
    ids = [_create(client, v1_order(ticker, yes_price=10 + i))["order_id"] for i in range(5)]
    seen: list[object] = []
    cursor = ""
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/portfolio/orders", params=params).json()
        seen.extend(order["order_id"] for order in body["orders"])
        cursor = body["cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))  # newest first
    assert client.get("/portfolio/orders", params={"limit": 1000}).status_code == 200
    assert client.get("/portfolio/orders", params={"limit": 1001}).status_code == 400
    assert client.get("/portfolio/orders", params={"status": "open"}).status_code == 400


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"yes_price": 40, "no_price": 60}, "invalid_order"),
        ({"yes_price": None}, "invalid_order"),
        ({"side": "maybe"}, "invalid_order"),
        ({"action": "hold"}, "invalid_order"),
        ({"count": 0}, "invalid_order"),
        ({"count": 1.5}, "invalid_order"),
        ({"time_in_force": "immediate_or_cancel", "expiration_ts": 2_000_000_000}, "invalid_order"),
        ({"sell_position_floor": 3}, "invalid_order"),
        ({"yes_price": 0}, "invalid_price"),
        ({"yes_price": 100}, "invalid_price"),
        ({"yes_price": None, "yes_price_dollars": "0.4350"}, "invalid_price"),
        ({"yes_price": None, "yes_price_dollars": "1.0000"}, "invalid_price"),
        ({"ticker": None}, "missing_parameters"),
        ({"count": None}, "missing_parameters"),
        ({"count": 100_000, "yes_price": 99}, "insufficient_balance"),
    ],
)
def test_v1_create_rejections(
    client: httpx.Client, ticker: str, changes: dict[str, object], code: str
) -> None:
    body = v1_order(ticker)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    response = client.post("/portfolio/orders", json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert client.get("/portfolio/orders").json()["orders"] == []


def test_unknown_market(client: httpx.Client) -> None:
    response = client.post("/portfolio/orders", json=v1_order("NO-SUCH"))
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_bad_json_body(client: httpx.Client) -> None:
    response = client.post(
        "/portfolio/orders", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "invalid_parameters"


def test_duplicate_client_order_id_has_no_side_effect(client: httpx.Client, ticker: str) -> None:
    _create(client, v1_order(ticker, client_order_id="dup-1"))
    before = client.get("/portfolio/balance").json()
    response = client.post("/portfolio/orders", json=v1_order(ticker, client_order_id="dup-1"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_already_exists"
    assert response.json()["error"]["details"] == "dup-1"
    assert len(client.get("/portfolio/orders").json()["orders"]) == 1
    assert client.get("/portfolio/balance").json() == before
    v2 = client.post("/portfolio/events/orders", json=v2_order(ticker, client_order_id="dup-1"))
    assert v2.status_code == 409


def test_fill_or_kill_and_post_only_outcomes(
    client: httpx.Client, other: httpx.Client, ticker: str
) -> None:
    _create(other, v1_order(ticker, side="no", yes_price=None, no_price=60, count=2))
    fok = _create(client, v1_order(ticker, yes_price=45, count=5, time_in_force="fill_or_kill"))
    assert (fok["status"], fok["fill_count"]) == ("canceled", 0)
    assert fok["last_update_reason"] == "FillOrKillCancel"
    post = _create(client, v1_order(ticker, yes_price=45, post_only=True))
    assert post["status"] == "canceled"
    assert post["last_update_reason"] == "PostOnlyCrossCancel"
    ioc = _create(
        client, v1_order(ticker, yes_price=45, count=5, time_in_force="immediate_or_cancel")
    )
    assert (ioc["status"], ioc["fill_count"], ioc["remaining_count"]) == ("canceled", 2, 0)


def test_v1_amend_and_decrease(client: httpx.Client, ticker: str) -> None:
    order = _create(client, v1_order(ticker, count=10, yes_price=30, client_order_id="a-1"))
    body = {
        "ticker": ticker,
        "side": "yes",
        "action": "buy",
        "client_order_id": "a-1",
        "updated_client_order_id": "a-2",
        "yes_price": 32,
        "count": 8,
    }
    amended = client.post(f"/portfolio/orders/{order['order_id']}/amend", json=body)
    assert amended.status_code == 200, amended.text
    assert amended.json()["old_order"]["yes_price"] == 30
    new = amended.json()["order"]
    assert (new["yes_price"], new["remaining_count"], new["client_order_id"]) == (32, 8, "a-2")
    wrong = client.post(f"/portfolio/orders/{order['order_id']}/amend", json={**body, "side": "no"})
    assert error_code(wrong) == "invalid_order"
    decreased = client.post(
        f"/portfolio/orders/{order['order_id']}/decrease", json={"reduce_by": 3}
    )
    assert decreased.json()["order"]["remaining_count"] == 5
    to_zero = client.post(f"/portfolio/orders/{order['order_id']}/decrease", json={"reduce_to": 0})
    assert to_zero.json()["order"]["status"] == "canceled"
    both = client.post(
        f"/portfolio/orders/{order['order_id']}/decrease", json={"reduce_by": 1, "reduce_to": 1}
    )
    assert both.status_code == 400
    assert error_code(both) == "invalid_order"


def test_v1_batches_report_per_item(client: httpx.Client, ticker: str) -> None:
    orders = [
        v1_order(ticker, yes_price=20, client_order_id="b-1"),
        v1_order(ticker, yes_price=20, no_price=80, client_order_id="b-2"),
        v1_order("NO-SUCH", client_order_id="b-3"),
    ]
    response = client.post("/portfolio/orders/batched", json={"orders": orders})
    assert response.status_code == 201
    items = response.json()["orders"]
    assert items[0]["order"]["status"] == "resting"
    assert items[0]["client_order_id"] == "b-1"
    assert items[1]["error"]["code"] == "invalid_order"
    assert items[1]["client_order_id"] == "b-2"
    assert items[2]["error"]["code"] == "not_found"
    good = items[0]["order"]["order_id"]
    cancel = client.request(
        "DELETE", "/portfolio/orders/batched", json={"ids": [good, "missing-order"]}
    )
    assert cancel.status_code == 200
    rows = cancel.json()["orders"]
    assert (rows[0]["order_id"], rows[0]["reduced_by"]) == (good, 1)
    assert rows[0]["order"]["status"] == "canceled"
    assert rows[1]["error"]["code"] == "not_found"
    too_many = client.post("/portfolio/orders/batched", json={"orders": [orders[0]] * 21})
    assert error_code(too_many) == "invalid_parameters"
    assert error_code(client.post("/portfolio/orders/batched", json={})) == "missing_parameters"


def test_v2_create_cancel_amend_decrease(
    client: httpx.Client, other: httpx.Client, ticker: str
) -> None:
    response = client.post("/portfolio/events/orders", json=v2_order(ticker, count="10.00"))
    assert response.status_code == 201
    created = response.json()
    assert (created["fill_count"], created["remaining_count"]) == ("0.00", "10.00")
    assert created["status"] == "resting"
    assert isinstance(created["ts_ms"], int)
    assert "average_fill_price" not in created
    order_id = created["order_id"]
    amend = {"ticker": ticker, "side": "bid", "price": "0.4100", "count": "6.00"}
    amended = client.post(f"/portfolio/events/orders/{order_id}/amend", json=amend).json()
    assert amended["remaining_count"] == "6.00"
    view = client.get(f"/portfolio/orders/{order_id}").json()["order"]
    assert view["yes_price_dollars"] == "0.4100"
    decreased = client.post(
        f"/portfolio/events/orders/{order_id}/decrease", json={"reduce_by": "2.00"}
    ).json()
    assert decreased["reduced_by"] == "2.00"
    cancel = client.delete(f"/portfolio/events/orders/{order_id}").json()
    assert cancel == {
        "order_id": order_id,
        "client_order_id": created["client_order_id"],
        "reduced_by": "4.00",
        "ts_ms": cancel["ts_ms"],
    }
    # An ask sells YES (buys NO at 1 − price) and crosses the counterparty's YES bid.
    other.post("/portfolio/events/orders", json=v2_order(ticker, price="0.4500", count="3.00"))
    ask = client.post(
        "/portfolio/events/orders",
        json=v2_order(
            ticker, side="ask", price="0.4000", count="2.00", time_in_force="fill_or_kill"
        ),
    ).json()
    assert (ask["fill_count"], ask["remaining_count"], ask["status"]) == (
        "2.00",
        "0.00",
        "executed",
    )
    assert ask["average_fill_price"] == "0.4500"
    assert ask["average_fee_paid"] == "0.0200"  # ceil(0.07 × 2 × 0.45 × 0.55) = $0.04
    fp = client.post("/portfolio/events/orders", json=v2_order(ticker, count="0.50"))
    assert fp.status_code == 201


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"client_order_id": None}, "missing_parameters"),
        ({"time_in_force": None}, "missing_parameters"),
        ({"self_trade_prevention_type": None}, "missing_parameters"),
        ({"side": "yes"}, "invalid_order"),
        ({"count": "0.001"}, "invalid_order"),
        ({"count": "-1"}, "invalid_order"),
        ({"price": "0"}, "invalid_price"),
        ({"price": "0.40001"}, "invalid_price"),
        ({"expiration_time": 2_000_000_000, "time_in_force": "fill_or_kill"}, "invalid_order"),
    ],
)
def test_v2_create_rejections(
    client: httpx.Client, ticker: str, changes: dict[str, object], code: str
) -> None:
    body = v2_order(ticker)
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    response = client.post("/portfolio/events/orders", json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code


def test_v2_batches_and_cancel_all(client: httpx.Client, ticker: str) -> None:
    orders = [v2_order(ticker, price="0.2000"), v2_order(ticker, price="2.0000"), v2_order(ticker)]
    items = client.post("/portfolio/events/orders/batched", json={"orders": orders}).json()[
        "orders"
    ]
    assert items[0]["status"] == "resting"
    assert items[1]["error"]["code"] == "invalid_price"
    assert items[1]["client_order_id"] == orders[1]["client_order_id"]
    cancel = client.request(
        "DELETE", "/portfolio/events/orders/batched", json={"ids": [items[0]["order_id"], "zz"]}
    ).json()["orders"]
    assert cancel[0]["reduced_by"] == "1.00"
    assert cancel[1]["error"]["code"] == "not_found"
    client.post("/portfolio/events/orders", json=v2_order(ticker, price="0.1000"))
    everything = client.delete("/portfolio/events/orders").json()
    assert everything["count"] == 2
    assert len(everything["order_ids"]) == 2
    assert client.get("/portfolio/orders", params={"status": "resting"}).json()["orders"] == []


def test_closed_market_rejects_every_order_operation(
    exchange: RunningExchange, client: httpx.Client, ticker: str
) -> None:
    order = _create(client, v1_order(ticker))
    with exchange.engine() as engine:
        engine.close_market(ticker, exchange.now_ms())
    for response in (
        client.post("/portfolio/orders", json=v1_order(ticker)),
        client.post("/portfolio/events/orders", json=v2_order(ticker)),
        client.delete(f"/portfolio/orders/{order['order_id']}"),
        client.post(f"/portfolio/orders/{order['order_id']}/decrease", json={"reduce_by": 1}),
    ):
        assert response.status_code in (400, 404), response.text
        assert error_code(response) in ("market_inactive", "not_found")
    response = client.post("/portfolio/orders", json=v1_order(ticker))
    assert error_code(response) == "market_inactive"


def test_settlement_rows(
    exchange: RunningExchange, client: httpx.Client, other: httpx.Client, ticker: str
) -> None:
    _create(other, v1_order(ticker, side="no", yes_price=None, no_price=57, count=10))
    _create(client, v1_order(ticker, count=4, yes_price=43))
    with exchange.engine() as engine:
        now = exchange.now_ms()
        engine.close_market(ticker, now)
        engine.determine_market(ticker, "yes", now)
        engine.settle_market(ticker, now)
    body = client.get("/portfolio/settlements").json()
    (row,) = body["settlements"]
    assert (row["ticker"], row["market_result"], row["yes_count"], row["revenue"]) == (
        ticker,
        "yes",
        4,
        400,
    )
    assert row["yes_total_cost"] == 172
    market = client.get(f"/markets/{ticker}").json()["market"]
    assert market["status"] == "settled"  # compat speaks the SDK's vocabulary
    assert market["result"] == "yes"
    settled = client.get("/markets", params={"status": "settled"}).json()["markets"]
    assert [m["ticker"] for m in settled] == [ticker]
    assert client.get("/portfolio/settlements", params={"limit": 1000}).status_code == 200
    assert client.get("/portfolio/settlements", params={"limit": 1001}).status_code == 400


def test_order_groups(client: httpx.Client, other: httpx.Client, ticker: str) -> None:
    created = client.post("/portfolio/order_groups/create", json={"contracts_limit": 2})
    assert created.status_code == 201
    group_id = created.json()["order_group_id"]
    listed = client.get("/portfolio/order_groups").json()["order_groups"]
    assert {"id": group_id, "is_auto_cancel_enabled": True}.items() <= listed[0].items()
    resting = _create(client, v1_order(ticker, yes_price=30, count=5, order_group_id=group_id))
    detail = client.get(f"/portfolio/order_groups/{group_id}").json()
    assert detail["orders"] == [resting["order_id"]]
    # The counterparty fills 2 contracts: the group's limit is hit, its orders cancelled.
    _create(other, v1_order(ticker, side="no", yes_price=None, no_price=70, count=2))
    after = client.get(f"/portfolio/orders/{resting['order_id']}").json()["order"]
    assert after["status"] == "canceled"
    blocked = client.post("/portfolio/orders", json=v1_order(ticker, order_group_id=group_id))
    assert error_code(blocked) == "order_group_limit_reached"
    assert client.put(f"/portfolio/order_groups/{group_id}/reset").status_code == 200
    assert (
        client.post("/portfolio/orders", json=v1_order(ticker, order_group_id=group_id)).status_code
        == 201
    )
    assert client.put(f"/portfolio/order_groups/{group_id}/trigger").status_code == 200
    assert client.delete(f"/portfolio/order_groups/{group_id}").status_code == 200
    assert client.get(f"/portfolio/order_groups/{group_id}").status_code == 404
    assert (
        error_code(client.post("/portfolio/order_groups/create", json={})) == "missing_parameters"
    )


def test_order_group_limit_update(client: httpx.Client, other: httpx.Client, ticker: str) -> None:
    """PUT /portfolio/order_groups/{id}/limit: a new limit; one the group has already matched
    triggers it at once (its orders cancelled, new ones refused until reset)."""
    group_id = client.post("/portfolio/order_groups/create", json={"contracts_limit": 10}).json()[
        "order_group_id"
    ]
    path = f"/portfolio/order_groups/{group_id}"
    resting = _create(client, v1_order(ticker, yes_price=30, count=8, order_group_id=group_id))
    _create(other, v1_order(ticker, side="no", yes_price=None, no_price=70, count=3))
    assert client.put(path + "/limit", json={"contracts_limit_fp": "20.00"}).status_code == 200
    assert client.get(path).json()["contracts_limit_fp"] == "20.00"
    order_path = f"/portfolio/orders/{resting['order_id']}"
    assert client.get(order_path).json()["order"]["status"] == "resting"
    # 3 matched already: a limit of 3 triggers the group now.
    assert client.put(path + "/limit", json={"contracts_limit": 3}).status_code == 200
    assert client.get(order_path).json()["order"]["status"] == "canceled"
    blocked = client.post("/portfolio/orders", json=v1_order(ticker, order_group_id=group_id))
    assert error_code(blocked) == "order_group_limit_reached"
    assert error_code(client.put(path + "/limit", json={"contracts_limit": 0})) == (
        "invalid_parameters"
    )
    assert (
        client.put("/portfolio/order_groups/nope/limit", json={"contracts_limit": 3}).status_code
        == 404
    )


def test_queue_positions_and_resting_value(
    client: httpx.Client, other: httpx.Client, ticker: str
) -> None:
    _create(other, v1_order(ticker, yes_price=30, count=7))
    mine = _create(client, v1_order(ticker, yes_price=30, count=2))
    position = client.get(f"/portfolio/orders/{mine['order_id']}/queue_position").json()
    assert position == {"queue_position": 7, "queue_position_fp": "7.00"}
    rows = client.get("/portfolio/orders/queue_positions", params={"market_tickers": ticker})
    assert rows.json()["queue_positions"][0]["order_id"] == mine["order_id"]
    value = client.get("/portfolio/summary/total_resting_order_value").json()
    assert value["total_resting_order_value"] == 60


def test_open_order_limit(start: StartExchange, key_pair: tuple[object, bytes]) -> None:
    exchange = start(open_order_limit=2)
    auth = KalshiAuth(KEY_ID, key_pair[0])  # type: ignore[arg-type]
    with httpx.Client(base_url=exchange.base_url, auth=auth) as client:
        ticker = client.get("/markets", params={"limit": 1}).json()["markets"][0]["ticker"]
        for _ in range(2):
            assert client.post("/portfolio/orders", json=v1_order(ticker)).status_code == 201
        response = client.post("/portfolio/orders", json=v1_order(ticker))
    assert response.status_code == 400
    assert error_code(response) == "max_open_orders_exceeded"


def test_expiration(client: httpx.Client, exchange: RunningExchange, ticker: str) -> None:
    expires = int(time.time()) + 1
    order = _create(client, v1_order(ticker, expiration_ts=expires))
    assert order["expiration_time"] is not None
    with exchange.engine() as engine:
        engine.advance((expires + 2) * 1000)
    after = client.get(f"/portfolio/orders/{order['order_id']}").json()["order"]
    assert after["status"] == "canceled"
