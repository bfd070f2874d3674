"""Request signing exactly as Kalshi verifies it, and the registry of API keys.

A signed request carries `KALSHI-ACCESS-KEY`, `KALSHI-ACCESS-TIMESTAMP` (Unix milliseconds) and
`KALSHI-ACCESS-SIGNATURE`: base64 of an RSA-PSS signature (SHA-256, MGF1-SHA256, 32-byte salt)
over `timestamp + METHOD + path`, where the path starts at the root (`/trade-api/v2/...`) and has
no query string. PKCS#1 v1.5 signatures fail PSS verification and are refused like any other bad
signature. Failures map to the 401 bodies fixed in docs/WIRE.md.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kalshi_tui.exchange.http.errors import ApiError

KEY_HEADER = "kalshi-access-key"
TIMESTAMP_HEADER = "kalshi-access-timestamp"
SIGNATURE_HEADER = "kalshi-access-signature"

# Kalshi signs with the salt as long as the digest; verifying with exactly that length (rather
# than PSS.AUTO) is what rejects signers configured differently, as the real exchange does.
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


@dataclass(frozen=True)
class AuthWindow:
    """How far a request timestamp may lie from the server clock."""

    past_s: float = 10.0
    """Oldest accepted timestamp, in seconds before the server's now."""
    future_s: float = 60.0
    """Newest accepted timestamp, in seconds after the server's now."""


@dataclass(frozen=True)
class RegisteredKey:
    """One API key: its public half and the account it acts for."""

    key_id: str
    public_key: rsa.RSAPublicKey
    user_id: str


class KeyRegistry:
    """Thread-safe map key id → public key → account; keys may be added while serving."""

    def __init__(self) -> None:
        self._keys: dict[str, RegisteredKey] = {}
        self._lock = threading.Lock()

    def add(self, key_id: str, public_pem: bytes | str, user_id: str) -> None:
        """Register (or replace) a key; raises ValueError for anything but an RSA public key."""
        data = public_pem.encode() if isinstance(public_pem, str) else public_pem
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("API keys must be RSA public keys")
        with self._lock:
            self._keys[key_id] = RegisteredKey(key_id, key, user_id)

    def get(self, key_id: str) -> RegisteredKey | None:
        """The registered key, or None."""
        with self._lock:
            return self._keys.get(key_id)

    def export(self) -> list[dict[str, str]]:
        """Every key as `{key_id, public_pem, user_id}` (for the saved venue state)."""
        with self._lock:
            keys = list(self._keys.values())
        return [
            {
                "key_id": key.key_id,
                "public_pem": key.public_key.public_bytes(
                    serialization.Encoding.PEM,
                    serialization.PublicFormat.SubjectPublicKeyInfo,
                ).decode(),
                "user_id": key.user_id,
            }
            for key in keys
        ]

    def user_ids(self) -> set[str]:
        """Every account some key acts for."""
        with self._lock:
            return {key.user_id for key in self._keys.values()}


def _bad_signature(message: str) -> ApiError:
    return ApiError(401, "authentication_error", message, "INCORRECT_API_KEY_SIGNATURE")


def authenticate(
    registry: KeyRegistry,
    headers: dict[str, str],
    method: str,
    path: str,
    now_s: float,
    window: AuthWindow,
) -> str:
    """Verify a request's signature headers; return the account's user id or raise ApiError.

    `headers` has lower-case names; `path` is the full request path without the query string.
    """
    key_id = headers.get(KEY_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature_b64 = headers.get(SIGNATURE_HEADER)
    if key_id and not signature_b64:
        # Kalshi's recorded answer to a signed-looking request without the signature header.
        raise ApiError(
            401, "signature_is_missing_from_headers", "signature is missing from headers"
        )
    if not key_id or not timestamp or not signature_b64:
        raise _bad_signature("missing authentication headers")
    key = registry.get(key_id)
    if key is None:
        # Kalshi's recorded answer to a key id it does not know (e.g. a demo key on production).
        raise ApiError(401, "authentication_error", "authentication_error", "NOT_FOUND")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise _bad_signature("malformed timestamp header")
    offset_s = int(timestamp) / 1000.0 - now_s
    if offset_s < -window.past_s or offset_s > window.future_s:
        raise ApiError(
            401,
            "header_timestamp_expired",
            "request timestamp is outside the accepted window",
            f"server time {int(now_s * 1000)}",
        )
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise _bad_signature("signature is not valid base64") from None
    message = (timestamp + method.upper() + path).encode()
    try:
        key.public_key.verify(signature, message, _PSS, hashes.SHA256())
    except InvalidSignature:
        raise _bad_signature("invalid signature") from None
    return key.user_id
