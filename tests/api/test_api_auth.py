"""KalshiAuth signs exactly `timestamp_ms + METHOD + path` with RSA-PSS, and
load_private_key refuses anything but an unencrypted PEM RSA key."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from api_testkit import KEY_ID, FakeClock, Script, make_client, respond
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kalshi_tui.api import KalshiAuth, PrivateKeyError, load_private_key

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def verify(key: rsa.RSAPrivateKey, signature_b64: str, message: bytes) -> None:
    key.public_key().verify(base64.b64decode(signature_b64), message, PSS, hashes.SHA256())


def signed(key: rsa.RSAPrivateKey, clock: FakeClock, method: str, url: str) -> httpx.Request:
    request = httpx.Request(method, url)
    flow = KalshiAuth(KEY_ID, key, clock=clock).auth_flow(request)
    return next(flow)


def test_signature_verifies_over_timestamp_method_and_path(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    clock = FakeClock(1767225600.123)
    request = signed(rsa_key, clock, "get", "https://x.test/trade-api/v2/portfolio/orders")
    headers = request.headers
    assert headers["KALSHI-ACCESS-KEY"] == KEY_ID
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1767225600123"
    verify(
        rsa_key,
        headers["KALSHI-ACCESS-SIGNATURE"],
        b"1767225600123GET/trade-api/v2/portfolio/orders",
    )


def test_query_string_is_not_signed(rsa_key: rsa.RSAPrivateKey) -> None:
    clock = FakeClock(1767225600.123)
    url = "https://x.test/trade-api/v2/portfolio/orders?status=resting&limit=5"
    signature = signed(rsa_key, clock, "GET", url).headers["KALSHI-ACCESS-SIGNATURE"]
    verify(rsa_key, signature, b"1767225600123GET/trade-api/v2/portfolio/orders")
    with pytest.raises(InvalidSignature):
        verify(
            rsa_key,
            signature,
            b"1767225600123GET/trade-api/v2/portfolio/orders?status=resting&limit=5",
        )


def test_signature_is_pss_not_pkcs1(rsa_key: rsa.RSAPrivateKey) -> None:
    clock = FakeClock()
    request = signed(
        rsa_key, clock, "DELETE", "https://x.test/trade-api/v2/portfolio/events/orders/1"
    )
    message = (
        request.headers["KALSHI-ACCESS-TIMESTAMP"] + "DELETE/trade-api/v2/portfolio/events/orders/1"
    ).encode()
    with pytest.raises(InvalidSignature):
        rsa_key.public_key().verify(
            base64.b64decode(request.headers["KALSHI-ACCESS-SIGNATURE"]),
            message,
            padding.PKCS1v15(),
            hashes.SHA256(),
        )


async def test_client_signs_every_request_and_retries_get_a_fresh_timestamp(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(
        respond(503, {"error": {"code": "service_unavailable", "message": "down"}}),
        respond(200, {"balance": 100, "portfolio_value": 0}),
    )
    async with make_client(script, clock, rsa_key) as client:
        await client.get_balance()
    first, second = script.requests
    assert first.headers["KALSHI-ACCESS-TIMESTAMP"] != second.headers["KALSHI-ACCESS-TIMESTAMP"]
    for request in script.requests:
        message = (
            request.headers["KALSHI-ACCESS-TIMESTAMP"] + "GET/trade-api/v2/portfolio/balance"
        ).encode()
        verify(rsa_key, request.headers["KALSHI-ACCESS-SIGNATURE"], message)


async def test_public_requests_are_unsigned_without_auth(clock: FakeClock) -> None:
    script = Script(respond(200, {"exchange_active": True, "trading_active": True}))
    async with make_client(script, clock) as client:
        status = await client.get_exchange_status()
    assert status.trading_active
    assert "KALSHI-ACCESS-SIGNATURE" not in script.requests[0].headers


async def test_public_requests_are_signed_when_auth_exists(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    script = Script(respond(200, {"exchange_active": True, "trading_active": False}))
    async with make_client(script, clock, rsa_key) as client:
        await client.get_exchange_status()
    assert "KALSHI-ACCESS-SIGNATURE" in script.requests[0].headers


def test_repr_does_not_show_the_key(rsa_key: rsa.RSAPrivateKey) -> None:
    # Nor the whole key id: crash reports print locals (tests/test_secrets.py).
    assert repr(KalshiAuth(KEY_ID, rsa_key)) == f"KalshiAuth(key_id={KEY_ID[:8] + '…'!r})"


# ---- load_private_key ---------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_load_private_key_reads_pkcs8_and_traditional_pem(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    formats = (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL)
    for index, fmt in enumerate(formats):
        pem = rsa_key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        loaded = load_private_key(write(tmp_path, f"{index}.key", pem))
        assert loaded.private_numbers() == rsa_key.private_numbers()


def test_load_private_key_refuses_encrypted_keys(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"hunter2"),
    )
    with pytest.raises(PrivateKeyError, match="password-protected"):
        load_private_key(write(tmp_path, "enc.key", pem))


def test_load_private_key_refuses_non_rsa_keys(tmp_path: Path) -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(PrivateKeyError, match="RSA"):
        load_private_key(write(tmp_path, "ec.key", pem))


def test_load_private_key_refuses_non_pem(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    der = rsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(PrivateKeyError, match="not a PEM file"):
        load_private_key(write(tmp_path, "der.key", der))
    garbled = b"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n"
    with pytest.raises(PrivateKeyError, match="readable PEM"):
        load_private_key(write(tmp_path, "bad.key", garbled))


def test_load_private_key_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PrivateKeyError, match="cannot read"):
        load_private_key(tmp_path / "absent.key")


def test_private_key_error_never_contains_key_material(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(PrivateKeyError) as info:
        load_private_key(write(tmp_path, "enc.key", pem))
    body_line = pem.decode().splitlines()[3]
    assert body_line not in str(info.value)
