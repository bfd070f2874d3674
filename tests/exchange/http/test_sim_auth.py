"""Request signing as Kalshi verifies it: RSA-PSS over timestamp + METHOD + path."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, KalshiAuth, error_code, sign

from kalshi_tui.exchange.server import RunningExchange


def _headers(key_pair: KeyPair, method: str, path: str, **changes: str) -> dict[str, str]:
    timestamp = str(int(time.time() * 1000))
    headers = {
        "KALSHI-ACCESS-KEY": KEY_ID,
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": sign(key_pair[0], timestamp, method, path),
    }
    headers.update(changes)
    return headers


def test_signed_request_is_accepted(client: httpx.Client) -> None:
    response = client.get("/portfolio/balance")
    assert response.status_code == 200
    assert response.json()["balance"] == 1_000_000  # $10,000 default


def test_query_string_is_not_signed(client: httpx.Client) -> None:
    response = client.get("/portfolio/orders", params={"status": "resting", "limit": 5})
    assert response.status_code == 200


def test_public_market_data_needs_no_signature(exchange: RunningExchange) -> None:
    with httpx.Client(base_url=exchange.base_url) as anonymous:
        assert anonymous.get("/markets").status_code == 200
        assert anonymous.get("/exchange/status").status_code == 200
        assert anonymous.get("/account/endpoint_costs").status_code == 200
        for path in ("/portfolio/balance", "/portfolio/orders", "/account/limits"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert error_code(response) == "authentication_error"


def test_bad_signature(exchange: RunningExchange, key_pair: KeyPair) -> None:
    auth = KalshiAuth(KEY_ID, key_pair[0], tamper=True)
    with httpx.Client(base_url=exchange.base_url, auth=auth) as bad:
        response = bad.get("/portfolio/balance")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_error"
    assert response.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_pkcs1v15_signature_is_rejected(exchange: RunningExchange, key_pair: KeyPair) -> None:
    auth = KalshiAuth(KEY_ID, key_pair[0], pkcs1v15=True)
    with httpx.Client(base_url=exchange.base_url, auth=auth) as bad:
        response = bad.get("/portfolio/balance")
    assert response.status_code == 401
    assert response.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_signature_over_path_without_prefix_is_rejected(
    exchange: RunningExchange, key_pair: KeyPair
) -> None:
    timestamp = str(int(time.time() * 1000))
    headers = _headers(
        key_pair,
        "GET",
        "/portfolio/balance",
        **{
            "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": sign(key_pair[0], timestamp, "GET", "/portfolio/balance"),
        },
    )
    response = httpx.get(exchange.base_url + "/portfolio/balance", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "authentication_error"


def test_signature_for_another_method_is_rejected(
    exchange: RunningExchange, key_pair: KeyPair
) -> None:
    headers = _headers(key_pair, "POST", "/trade-api/v2/portfolio/balance")
    response = httpx.get(exchange.base_url + "/portfolio/balance", headers=headers)
    assert response.status_code == 401


def test_unknown_key(exchange: RunningExchange, key_pair: KeyPair) -> None:
    headers = _headers(
        key_pair, "GET", "/trade-api/v2/portfolio/balance", **{"KALSHI-ACCESS-KEY": "nobody"}
    )
    response = httpx.get(exchange.base_url + "/portfolio/balance", headers=headers)
    assert response.status_code == 401
    # Kalshi's recorded answer: authentication_error with details NOT_FOUND (no key id echoed).
    assert response.json() == {
        "error": {
            "code": "authentication_error",
            "message": "authentication_error",
            "details": "NOT_FOUND",
        }
    }


@pytest.mark.parametrize(
    ("skew_s", "accepted"), [(-30, False), (-5, True), (30, True), (90, False)]
)
def test_timestamp_window(
    exchange: RunningExchange, key_pair: KeyPair, skew_s: float, accepted: bool
) -> None:
    auth = KalshiAuth(KEY_ID, key_pair[0], skew_s=skew_s)
    with httpx.Client(base_url=exchange.base_url, auth=auth) as skewed:
        response = skewed.get("/portfolio/balance")
    if accepted:
        assert response.status_code == 200
    else:
        assert response.status_code == 401
        assert error_code(response) == "header_timestamp_expired"


@pytest.mark.parametrize("missing", ["KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP"])
def test_missing_header(exchange: RunningExchange, key_pair: KeyPair, missing: str) -> None:
    headers = _headers(key_pair, "GET", "/trade-api/v2/portfolio/balance")
    del headers[missing]
    response = httpx.get(exchange.base_url + "/portfolio/balance", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "authentication_error"


@pytest.mark.parametrize("profile", ["compat", "current"])
def test_missing_signature_header(start: StartExchange, key_pair: KeyPair, profile: str) -> None:
    """Kalshi's recorded answer to a request without KALSHI-ACCESS-SIGNATURE."""
    exchange = start(profile=profile)
    headers = _headers(key_pair, "GET", "/trade-api/v2/portfolio/balance")
    del headers["KALSHI-ACCESS-SIGNATURE"]
    response = httpx.get(exchange.base_url + "/portfolio/balance", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "signature_is_missing_from_headers",
            "message": "signature is missing from headers",
        }
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"KALSHI-ACCESS-SIGNATURE": "not base64!!"},
        {"KALSHI-ACCESS-TIMESTAMP": "yesterday"},
    ],
)
def test_malformed_headers(
    exchange: RunningExchange, key_pair: KeyPair, changes: dict[str, str]
) -> None:
    headers = _headers(key_pair, "GET", "/trade-api/v2/portfolio/balance", **changes)
    response = httpx.get(exchange.base_url + "/portfolio/balance", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "authentication_error"


def test_keys_added_while_serving(exchange: RunningExchange, other_key_pair: KeyPair) -> None:
    user = exchange.add_key("late-key", other_key_pair[1], user_id="late-user", balance_dollars=5)
    assert user == "late-user"
    auth = KalshiAuth("late-key", other_key_pair[0])
    with httpx.Client(base_url=exchange.base_url, auth=auth) as late:
        assert late.get("/portfolio/balance").json()["balance"] == 500


def test_accounts_are_separate(client: httpx.Client, other: httpx.Client, ticker: str) -> None:
    from sim_http_kit import v1_order

    created = client.post("/portfolio/orders", json=v1_order(ticker)).json()["order"]
    response = other.get(f"/portfolio/orders/{created['order_id']}")
    assert response.status_code == 404
    assert other.get("/portfolio/orders").json()["orders"] == []
