"""Fault injection: the SPEC syntax, determinism, and each fault kind seen by a real client."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, KalshiAuth, error_code, v1_order, v2_order

from kalshi_tui.exchange.http.faults import (
    ClassFaults,
    FaultConfig,
    FaultInjector,
    describe,
    parse_spec,
)
from kalshi_tui.exchange.server import RunningExchange


def test_spec_example_parses() -> None:
    config = parse_spec(
        "write_error=0.2,read_error=0.05,latency_ms=20,drop_response=0.05,reset=0.02,paused,"
        "clock_shift_s=30,error_status=500/502,lag_ms=250,jitter_ms=5,seed=9"
    )
    assert config.write == ClassFaults(error=0.2, rate_limit=0.0, reset=0.02, latency_ms=20)
    assert config.read == ClassFaults(error=0.05, rate_limit=0.0, reset=0.02, latency_ms=20)
    assert config.drop_response == 0.05
    assert config.paused is True
    assert config.clock_shift_s == 30
    assert config.error_status == (500, 502)
    assert (config.lag_ms, config.jitter_ms, config.seed) == (250, 5, 9)
    assert parse_spec(describe(config)) == config


def test_class_prefix_wins_over_shared_key() -> None:
    config = parse_spec("read_error=0.5,error=0.1")
    assert (config.read.error, config.write.error) == (0.5, 0.1)
    assert parse_spec("") == FaultConfig()
    assert parse_spec("paused=false").paused is False


@pytest.mark.parametrize(
    "spec",
    ["bogus=1", "error=1.5", "error=-0.1", "latency_ms=-3", "error_status=404", "reset", "error=x"],
)
def test_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_spec(spec)


def test_draws_are_deterministic_and_per_class() -> None:
    spec = "write_error=0.3,drop_response=0.3,read_error=0.5"
    first = FaultInjector(parse_spec(spec), seed=4)
    second = FaultInjector(parse_spec(spec), seed=4)
    writes_first = [first.decide("write").action for _ in range(50)]
    # Interleaved reads must not shift the write sequence.
    writes_second = []
    for _ in range(50):
        second.decide("read")
        writes_second.append(second.decide("write").action)
    assert writes_first == writes_second
    assert {"error", "drop_response", None} <= set(writes_first)
    other_seed = FaultInjector(parse_spec(spec), seed=5)
    assert [other_seed.decide("write").action for _ in range(50)] != writes_first


def test_injected_5xx(exchange: RunningExchange, client: httpx.Client, ticker: str) -> None:
    exchange.faults.configure("write_error=1")
    response = client.post("/portfolio/orders", json=v1_order(ticker))
    assert response.status_code == 503
    assert error_code(response) == "service_unavailable"
    assert client.get("/portfolio/orders").json()["orders"] == []  # nothing was applied
    exchange.faults.configure("read_error=1,error_status=500")
    response = client.get("/markets")
    assert response.status_code == 500
    assert error_code(response) == "internal_server_error"
    exchange.faults.configure("error=1,error_status=502")
    assert client.get("/exchange/status").status_code == 502
    exchange.faults.configure()
    assert client.get("/markets").status_code == 200


def test_injected_429(exchange: RunningExchange, client: httpx.Client) -> None:
    exchange.faults.configure("read_rate_limit=1")
    response = client.get("/markets")
    assert response.status_code == 429
    assert response.content == b'{"error":"too many requests"}'
    assert "retry-after" not in response.headers


def test_latency(exchange: RunningExchange, client: httpx.Client) -> None:
    exchange.faults.configure("latency_ms=150")
    started = time.monotonic()
    assert client.get("/exchange/status").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_reset_drops_the_connection(exchange: RunningExchange, client: httpx.Client) -> None:
    exchange.faults.configure("read_reset=1")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get("/markets")
    exchange.faults.configure()
    assert client.get("/markets").status_code == 200  # the server lives on


def test_drop_response_applies_the_write(
    exchange: RunningExchange, client: httpx.Client, ticker: str
) -> None:
    exchange.faults.configure("drop_response=1")
    assert client.get("/markets").status_code == 200  # reads are untouched
    body = v2_order(ticker, client_order_id="lost-reply")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post("/portfolio/events/orders", json=body)
    exchange.faults.configure()
    orders = client.get("/portfolio/orders").json()["orders"]
    assert [o["client_order_id"] for o in orders] == ["lost-reply"]
    again = client.post("/portfolio/events/orders", json=body)
    assert again.status_code == 409  # a blind resend is caught by the idempotency key


def test_read_after_write_lag(exchange: RunningExchange, client: httpx.Client, ticker: str) -> None:
    exchange.faults.configure("lag_ms=400")
    order = client.post("/portfolio/orders", json=v1_order(ticker)).json()["order"]
    assert client.get("/portfolio/orders").json()["orders"] == []
    assert client.get(f"/portfolio/orders/{order['order_id']}").status_code == 200
    time.sleep(0.5)
    assert len(client.get("/portfolio/orders").json()["orders"]) == 1


def test_trading_paused(exchange: RunningExchange, client: httpx.Client, ticker: str) -> None:
    keep = client.post("/portfolio/orders", json=v1_order(ticker)).json()["order"]
    pulled = client.post(
        "/portfolio/orders", json=v1_order(ticker, cancel_order_on_pause=True)
    ).json()["order"]
    exchange.faults.configure("paused")
    status = client.get("/exchange/status").json()
    assert status["trading_active"] is False
    for response in (
        client.post("/portfolio/orders", json=v1_order(ticker)),
        client.post("/portfolio/events/orders", json=v2_order(ticker)),
        client.post(f"/portfolio/orders/{keep['order_id']}/decrease", json={"reduce_by": 1}),
        client.post("/portfolio/orders/batched", json={"orders": [v1_order(ticker)]}),
    ):
        if response.status_code == 201:
            assert response.json()["orders"][0]["error"]["code"] == "trading_is_paused"
        else:
            assert response.status_code == 409
            assert error_code(response) == "trading_is_paused"
    after = client.get(f"/portfolio/orders/{pulled['order_id']}").json()["order"]
    assert after["status"] == "canceled"
    assert client.delete(f"/portfolio/orders/{keep['order_id']}").status_code == 200
    exchange.faults.set_paused(False)
    assert client.get("/exchange/status").json()["trading_active"] is True
    assert client.post("/portfolio/orders", json=v1_order(ticker)).status_code == 201


def test_clock_shift(exchange: RunningExchange, key_pair: KeyPair) -> None:
    exchange.faults.configure("clock_shift_s=120")
    honest = KalshiAuth(KEY_ID, key_pair[0])
    with httpx.Client(base_url=exchange.base_url, auth=honest) as client:
        response = client.get("/portfolio/balance")
    assert response.status_code == 401
    assert error_code(response) == "header_timestamp_expired"
    served = parsedate_to_datetime(response.headers["date"]).timestamp()
    assert 110 < served - time.time() < 130
    follows_server = KalshiAuth(KEY_ID, key_pair[0], skew_s=120)
    with httpx.Client(base_url=exchange.base_url, auth=follows_server) as client:
        assert client.get("/portfolio/balance").status_code == 200


def test_faults_from_start_options(start: StartExchange) -> None:
    exchange = start(faults="read_error=1,error_status=502")
    with httpx.Client(base_url=exchange.base_url) as anonymous:
        assert anonymous.get("/markets").status_code == 502


def test_date_header_on_every_response(client: httpx.Client) -> None:
    for response in (client.get("/markets"), client.get("/nope"), client.get("/portfolio/balance")):
        served = parsedate_to_datetime(response.headers["date"]).timestamp()
        assert abs(served - time.time()) < 5


def test_faults_over_http_are_deterministic_by_seed(start: StartExchange) -> None:
    """Two venues with the same seed and SPEC fail the same requests; another seed differs."""

    def statuses(seed: int) -> list[int]:
        exchange = start(seed=seed, faults="read_error=0.4,error_status=500/502/503")
        with httpx.Client(base_url=exchange.base_url) as anonymous:
            return [anonymous.get("/exchange/status").status_code for _ in range(40)]

    first = statuses(11)
    assert first == statuses(11)
    assert {200, 500, 502, 503} <= set(first)
    assert first != statuses(12)
