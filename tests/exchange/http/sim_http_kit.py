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
