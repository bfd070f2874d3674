"""A small RSA-PSS request signer for the HTTP tests (independent of kalshi_tui.api)."""

from __future__ import annotations

import base64
import time
from collections.abc import Generator
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def sign(
    key: rsa.RSAPrivateKey, timestamp_ms: str, method: str, path: str, pkcs1v15: bool = False
) -> str:
    """base64 RSA signature of `timestamp + METHOD + path` (PSS/SHA-256/salt 32 by default)."""
    message = (timestamp_ms + method.upper() + path).encode()
    pad: padding.AsymmetricPadding = (
        padding.PKCS1v15()
        if pkcs1v15
        else padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    )
    return base64.b64encode(key.sign(message, pad, hashes.SHA256())).decode()


class KalshiAuth(httpx.Auth):
    """Signs every request the way Kalshi expects (tests may skew the clock or break it)."""

    def __init__(
        self,
        key_id: str,
        key: rsa.RSAPrivateKey,
        *,
        skew_s: float = 0.0,
        pkcs1v15: bool = False,
        tamper: bool = False,
    ) -> None:
        self.key_id = key_id
        self.key = key
        self.skew_s = skew_s
        self.pkcs1v15 = pkcs1v15
        self.tamper = tamper

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int((time.time() + self.skew_s) * 1000))
        path = urlsplit(str(request.url)).path
        signature = sign(self.key, timestamp, request.method, path, self.pkcs1v15)
        if self.tamper:
            signature = sign(self.key, timestamp, request.method, path + "x", self.pkcs1v15)
        request.headers["KALSHI-ACCESS-KEY"] = self.key_id
        request.headers["KALSHI-ACCESS-TIMESTAMP"] = timestamp
        request.headers["KALSHI-ACCESS-SIGNATURE"] = signature
        yield request


KEY_ID = "sim-test-key"
OTHER_KEY_ID = "sim-other-key"

PRICE_RE = r"^\d\.\d{4}$"
"""A `$` price: "0.4300"."""
MONEY_RE = r"^-?\d+\.\d{4}(\d{2})?$"
"""A `_dollars` money amount: "1.7200" (six decimals when needed)."""
COUNT_RE = r"^-?\d+\.\d{2}$"
"""An `_fp` count: "10.00"."""
TIME_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$"
"""An RFC 3339 UTC timestamp."""


def error_code(response: httpx.Response) -> str:
    """The `code` of a nested error envelope (asserting the envelope's shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"], dict), body
    assert {"code", "message"} <= set(body["error"]), body
    code: str = body["error"]["code"]
    return code


def v1_order(ticker: str, **overrides: object) -> dict[str, object]:
    """A V1 CreateOrderRequest: buy 1 YES at 40¢ unless overridden."""
    body: dict[str, object] = {
        "ticker": ticker,
        "side": "yes",
        "action": "buy",
        "count": 1,
        "yes_price": 40,
        "client_order_id": f"coid-{time.monotonic_ns()}",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def v2_order(ticker: str, **overrides: object) -> dict[str, object]:
    """A V2 CreateOrderV2Request: bid 1.00 at 0.4000 GTC unless overridden."""
    body: dict[str, object] = {
        "ticker": ticker,
        "side": "bid",
        "count": "1.00",
        "price": "0.4000",
        "client_order_id": f"coid-{time.monotonic_ns()}",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}
