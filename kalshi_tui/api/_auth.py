"""Request signing for the Kalshi Trade API, as an `httpx.Auth`.

Kalshi authenticates each request with three headers: the key id, a millisecond
timestamp, and an RSA-PSS (SHA-256, MGF1-SHA-256, salt = 32 bytes) signature over
`timestamp_ms + METHOD + path`, where the path includes `/trade-api/v2` and excludes
the query string. The body is not signed.

Doing this in an `httpx.Auth` means httpx calls `auth_flow` for every request it
sends, so each retry gets a fresh timestamp and signature without the client having
to remember to re-sign.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator
from pathlib import Path

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kalshi_tui.files import KEY_SIZE_LIMIT, FileProblem, read_small_file

from ._errors import short_key_id

__all__ = ["KalshiAuth", "PrivateKeyError", "load_private_key", "sign_message"]

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"


class PrivateKeyError(ValueError):
    """The private key file is not an unencrypted PEM RSA key.

    A ValueError rather than a KalshiError: it is a configuration problem found before
    any request is made. The message names the file but never includes its contents.
    """


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    """Read an unencrypted PEM RSA private key (the `.key` file Kalshi downloads).

    Permission checks are the caller's job (the config module refuses group/other
    readable files); this only checks the content.
    """
    path = Path(path)
    try:
        data = read_small_file(
            path,
            limit=KEY_SIZE_LIMIT,
            what="private key",
            fix="use the PEM key file Kalshi let you download",
        )
    except FileProblem as problem:
        raise PrivateKeyError(str(problem)) from None
    if b"-----BEGIN" not in data:
        raise PrivateKeyError(
            f"{path} is not a PEM file (expected '-----BEGIN PRIVATE KEY-----' or "
            "'-----BEGIN RSA PRIVATE KEY-----'); use the .key file Kalshi gave you"
        )
    if b"ENCRYPTED" in data:
        raise PrivateKeyError(
            f"{path} is password-protected; Kalshi keys must be unencrypted. Decrypt it "
            "with `openssl pkey -in encrypted.key -out kalshi.key` and protect it with "
            "file permissions (chmod 600) instead"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise PrivateKeyError(
            f"{path} is password-protected; Kalshi keys must be unencrypted"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise PrivateKeyError(f"{path} does not contain a readable PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PrivateKeyError(
            f"{path} holds a {type(key).__name__.lstrip('_')}, but Kalshi API keys are RSA"
        )
    return key


def sign_message(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    """Base64 RSA-PSS/SHA-256 signature of `message`, as Kalshi expects it."""
    signature = private_key.sign(
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    return base64.b64encode(signature).decode("ascii")


class KalshiAuth(httpx.Auth):
    """Signs every outgoing request with the Kalshi access headers.

    `clock` returns Unix seconds; it is injectable so tests can pin the timestamp.
    `offset_seconds` is added to it when stamping: the client sets it to the measured
    exchange-minus-local skew once that is beyond its limit, so requests that must go
    out under skew (cancels, reads) carry the exchange's time, not our wrong one.
    """

    def __init__(
        self,
        key_id: str,
        private_key: rsa.RSAPrivateKey,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key_id:
            raise ValueError("key_id must not be empty")
        self.key_id = key_id
        self._private_key = private_key
        self._clock = clock
        self.offset_seconds = 0.0

    def __repr__(self) -> str:
        # Never the key object, nor the whole id: a crash report that prints locals (as
        # Textual's does) would otherwise carry the id to the terminal and its scrollback.
        return f"KalshiAuth(key_id={short_key_id(self.key_id)!r})"

    def headers_for(self, method: str, path: str) -> dict[str, str]:
        """The three auth headers for `method` on `path` (query string stripped)."""
        path = path.split("?", 1)[0]
        timestamp = str(int((self._clock() + self.offset_seconds) * 1000))
        message = (timestamp + method.upper() + path).encode("utf-8")
        return {
            KEY_HEADER: self.key_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_message(self._private_key, message),
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # raw_path is the path exactly as it goes on the wire (percent-encoding intact),
        # which is what the exchange verifies against.
        raw_path = request.url.raw_path.decode("ascii")
        request.headers.update(self.headers_for(request.method, raw_path))
        yield request
